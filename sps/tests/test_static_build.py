import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.mark.smoke
def test_production_static_build_hashes_and_compresses_every_file(tmp_path):
    """What `collectstatic` does in production: a missing file (a source map a vendor file names, say) fails."""
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    for name in ["vendor/bootstrap-5.3.9/bootstrap.min.css", "vendor/chartjs-4.6.1/chart.umd.min.js",
                 "js/star.js", "js/dashboard.js", "css/sps.css"]:
        assert f'"{name}"' in manifest
    assert list(tmp_path.glob("vendor/chartjs-4.6.1/chart.umd.min.*.js.gz"))
