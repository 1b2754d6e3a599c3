"""Settings of the processes the production tests start (gunicorn, db_worker, manage.py): the
product's own, with the test suite's shortcuts — static files without a manifest (no
collectstatic), fast password hashing, and with OTKLIK_SYNCDB=1 the schema made from the models
in one step instead of running every migration (the migrations have their own tests)."""

import os

from otklik.settings import *  # noqa: F403
from otklik.settings import STORAGES


class _NoMigrations:
    def __contains__(self, app_label) -> bool:
        return True

    def __getitem__(self, app_label) -> None:
        return None


STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ.get("OTKLIK_SYNCDB"):
    MIGRATION_MODULES = _NoMigrations()
