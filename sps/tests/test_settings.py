"""With DEBUG off the settings without a safe default must be given: a missing one stops start-up with a
message naming it. Each case starts a real Python process, as a server would start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "off", "SECRET_KEY": "test-only-" + "k7Qz" * 12, "DATABASE_URL": "postgres://sps@127.0.0.1:5432/sps",
              "EMAIL_URL": "smtp+tls://sps:password@smtp.example.nhs.uk:587", "SITE_URL": "https://sps.example.nhs.uk"}


def _start(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    empty = tmp_path / "empty.env"
    empty.touch()
    env = {key: value for key, value in os.environ.items() if key not in {*PRODUCTION, "ENV_FILE"}}
    env.update(DJANGO_SETTINGS_MODULE="sps.settings", ENV_FILE=str(empty), **environment)  # not a developer's .env
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_starts_with_every_setting_given(tmp_path):
    started = _start(tmp_path, **PRODUCTION)
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "SITE_URL"])
def test_production_refuses_to_start_without(tmp_path, name):
    started = _start(tmp_path, **{key: value for key, value in PRODUCTION.items() if key != name})
    assert started.returncode != 0
    assert f"Set {name} in the environment" in started.stderr.splitlines()[-1]


def test_an_empty_value_counts_as_missing(tmp_path):
    started = _start(tmp_path, **{**PRODUCTION, "SITE_URL": ""})
    assert started.returncode != 0 and "Set SITE_URL" in started.stderr


def test_sqlite_is_allowed_in_production_when_named(tmp_path):
    started = _start(tmp_path, **{**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'sps.sqlite3'}"})
    assert started.returncode == 0, started.stderr


def test_development_needs_none_of_them(tmp_path):
    started = _start(tmp_path, DEBUG="on")
    assert started.returncode == 0, started.stderr


def test_the_deployment_checklist_is_clean_with_the_documented_production_settings(tmp_path):
    """docs/security.md: DEBUG off, a long random SECRET_KEY, the four required settings; HTTPS redirect, HSTS
    and secure cookies are then on by default."""
    empty = tmp_path / "empty.env"
    empty.touch()
    unset = {*PRODUCTION, "ENV_FILE", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
             "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the last is the browser tests' own
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(ENV_FILE=str(empty), ALLOWED_HOSTS="sps.example.nhs.uk", **PRODUCTION)
    checked = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                             cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_and_sort_in_memory():
    """JIT compiling cost the directory and the reports more than half a second a query at scale, and the reports'
    joins spilled to disk with PostgreSQL's default 4 MB of work memory (issue 13)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "16MB"
