"""Private files: kept by the product, never served under MEDIA_URL (import files)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_ROOT, base_url=None)


private_storage = PrivateStorage()


def get_private_storage():
    """For FileField(storage=…): a callable keeps the storage out of the migrations."""
    return private_storage
