"""The production static pipeline: every file, vendored libraries included, goes through the
manifest storage (a missing source map once stopped `make run`)."""

from django.core.management import call_command
from django.test import override_settings

from otklik import settings as project_settings


def test_collectstatic_with_the_production_storage(tmp_path):
    storages = {
        **project_settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=str(tmp_path), STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/leaflet-1.9.4/leaflet.js" in manifest
    assert "js/report.js" in manifest
    assert list(tmp_path.glob("vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.*.js"))
