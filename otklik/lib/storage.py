"""Private files: kept by the product, never served under MEDIA_URL (import files).

On the local disk under PRIVATE_ROOT; with S3 media (settings.STORAGES), in the same bucket under
"private/", so the task worker that imports a file need not run on the machine that received it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    def _setup(self):
        default = settings.STORAGES["default"]
        if default["BACKEND"] == settings.S3_STORAGE:
            from storages.backends.s3 import S3Storage

            options = default.get("OPTIONS", {})
            location = "/".join(p for p in (options.get("location", "").strip("/"), "private") if p)
            self._wrapped = S3Storage(**{**options, "location": location})
        else:
            self._wrapped = FileSystemStorage(location=settings.PRIVATE_ROOT, base_url=None)


private_storage = PrivateStorage()


def _settings_changed(*, setting, **kwargs):
    if setting in ("STORAGES", "PRIVATE_ROOT"):
        private_storage._wrapped = empty


setting_changed.connect(_settings_changed, dispatch_uid="otklik.lib.storage")


def get_private_storage():
    """For FileField(storage=…): a callable keeps the storage out of the migrations."""
    return private_storage
