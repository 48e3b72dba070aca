"""`make backup` and `make restore` (manage.py backup / restore, sps/backups.py): a backup of real data restored
into a fresh database gives back every table row for row, and every sequence where it was."""

import datetime as dt
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql

from casework.demo import seed_demo
from sps import backups

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RESTORED = "sps_restored_by_test"

needs_postgresql = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("sqlite"),
                                      reason="backup and restore are for PostgreSQL (.ci/with-postgres)")
needs_client_programs = pytest.mark.skipif(
    not (backups.client_program("pg_dump") and backups.client_program("pg_restore")),
    reason="pg_dump and pg_restore not installed (Debian: apt-get install postgresql-client); CI installs them")


def manage(*args: str, database: str) -> subprocess.CompletedProcess:
    """Run manage.py as `make backup` / `make restore` do, against the database named `database`."""
    env = {**os.environ, "DATABASE_URL": _database_url(database)}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=120)


def _database_url(name: str) -> str:
    settings = connection.settings_dict
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    return f"postgres://{quote(settings['USER'], safe='')}{password}@{settings['HOST']}:{settings['PORT']}/{name}"


def _connect(name: str):
    settings = connection.settings_dict
    return psycopg2.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                            password=settings["PASSWORD"], dbname=name)


def fingerprints(name: str) -> dict:
    """Each table's row count and an md5 of all its rows (each row as text, sorted, so the order rows happen to
    be stored in does not matter), and each sequence's last value, all computed by PostgreSQL."""
    conn = _connect(name)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
            found = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "
                                       "ORDER BY t::text COLLATE \"C\"), '')) FROM {} AS t")
                               .format(sql.Identifier(table)))
                found[table] = cursor.fetchone()
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
            found["sequences"] = dict(cursor.fetchall())
        return found
    finally:
        conn.close()


@pytest.fixture
def fresh_database(transactional_db):
    """An empty database beside the test database, on the same throwaway cluster."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test database user may not create databases (ALTER ROLE ... CREATEDB)")
    admin = _connect(connection.settings_dict["NAME"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(RESTORED)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(RESTORED)))
    yield RESTORED
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(RESTORED)))
    admin.close()


@needs_postgresql
@needs_client_programs
def test_a_backup_restored_into_a_fresh_database_gives_back_every_row_of_every_table(fresh_database, tmp_path):
    seed_demo(referrals=60, practices=3, today=dt.date(2026, 11, 23))
    original = fingerprints(connection.settings_dict["NAME"])
    assert original["referrals_referral"][0] == 60
    for table in ["sps_practice", "sps_user", "referrals_patient", "outcomes_starreading", "reports_hospitalepisode"]:
        assert original[table][0] > 0, table

    dump = tmp_path / "backups" / "sps.dump"
    made = manage("backup", str(dump), database=connection.settings_dict["NAME"])
    assert made.returncode == 0, made.stderr
    assert f"Backed up to {dump}" in made.stdout
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600  # the patients' records: its owner only
    assert stat.S_IMODE(dump.parent.stat().st_mode) == 0o700

    restored = manage("restore", "--noinput", str(dump), database=fresh_database)
    assert restored.returncode == 0, restored.stderr
    assert fingerprints(fresh_database) == original


@needs_postgresql
@needs_client_programs
def test_a_restore_replaces_what_the_database_holds(fresh_database, tmp_path):
    """Restoring over a database that has changed since the backup (--clean) puts it back exactly."""
    seed_demo(referrals=60, practices=3, today=dt.date(2026, 11, 23))
    dump = tmp_path / "sps.dump"
    assert manage("backup", str(dump), database=connection.settings_dict["NAME"]).returncode == 0
    assert manage("restore", "--noinput", str(dump), database=fresh_database).returncode == 0
    changed = _connect(fresh_database)
    with changed, changed.cursor() as cursor:
        cursor.execute("UPDATE sps_practice SET name = 'Changed after the backup'")
        cursor.execute("DELETE FROM django_session")
        cursor.execute("DELETE FROM outcomes_starreading")
    changed.close()
    assert fingerprints(fresh_database) != fingerprints(connection.settings_dict["NAME"])

    again = manage("restore", "--noinput", str(dump), database=fresh_database)
    assert again.returncode == 0, again.stderr
    assert fingerprints(fresh_database) == fingerprints(connection.settings_dict["NAME"])


@needs_postgresql
@needs_client_programs
def test_a_backup_never_overwrites_a_file(db, tmp_path):
    dump = tmp_path / "sps.dump"
    dump.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(dump))
    assert dump.read_bytes() == b"an older backup"


@needs_postgresql
@needs_client_programs
def test_a_backup_with_keep_days_deletes_only_older_backups_and_only_after_it_succeeds(db, tmp_path):
    day = 24 * 60 * 60
    old, recent, other = tmp_path / "sps-2026-01-01-020000.dump", tmp_path / "sps-2026-11-20-020000.dump", \
        tmp_path / "notes.dump"
    for path, age_days in [(old, 30), (recent, 6), (other, 30)]:
        path.write_bytes(b"x")
        os.utime(path, (time.time() - age_days * day,) * 2)
    call_command("backup", str(tmp_path / "sps-2026-11-26-020000.dump"), "--keep-days", "14")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.dump", "sps-2026-11-20-020000.dump",
                                                               "sps-2026-11-26-020000.dump"]
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(recent), "--keep-days", "1")
    assert recent.exists()  # the failed backup deleted nothing


@needs_postgresql
@needs_client_programs
def test_a_failed_backup_leaves_no_file_behind(db, tmp_path):
    wrong = {**connection.settings_dict, "NAME": "no_such_database"}
    with pytest.raises(CommandError, match=r"pg_dump failed, no backup written: .*no_such_database"):
        backups.backup(wrong, tmp_path / "sps.dump")
    assert list(tmp_path.iterdir()) == []


def test_a_restore_refuses_a_missing_file_and_says_so(tmp_path):
    missing = tmp_path / "no-such-backup.dump"
    result = subprocess.run([sys.executable, "manage.py", "restore", "--noinput", str(missing)], cwd=BASE_DIR,
                            env={**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"No backup file at {missing}" in result.stderr


def test_a_restore_without_a_file_named_says_how_to_name_one():
    result = subprocess.run(["make", "-s", "restore"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing"})
    assert result.returncode != 0
    assert "make restore BACKUP=" in result.stderr


def test_a_backup_of_sqlite_is_refused_and_says_why(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "backup", str(tmp_path / "sps.dump")], cwd=BASE_DIR,
                            env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Backups need PostgreSQL, but DATABASE_URL points at sqlite3" in result.stderr
    assert not (tmp_path / "sps.dump").exists()


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line(monkeypatch, tmp_path):
    calls = []

    def fake_run(args, **kwargs):
        calls.append((args, kwargs["env"]))
        return subprocess.CompletedProcess(args, 0, b"", b"")

    monkeypatch.setattr(backups.subprocess, "run", fake_run)
    monkeypatch.setattr(backups, "client_program", lambda name: f"/usr/bin/{name}")
    settings_dict = {"ENGINE": "django.db.backends.postgresql", "NAME": "sps", "USER": "sps", "HOST": "db.internal",
                     "PORT": 5432, "PASSWORD": "s3cret-pa55", "OPTIONS": {"sslmode": "require"}}
    backups.backup(settings_dict, tmp_path / "sps.dump")
    (tmp_path / "restore.dump").write_bytes(b"")
    backups.restore(settings_dict, tmp_path / "restore.dump")
    for args, env in calls:
        assert not any("s3cret" in arg for arg in args)
        assert env["PGPASSWORD"] == "s3cret-pa55"
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGSSLMODE"]) == ("db.internal", "5432", "sps",
                                                                                     "require")
    assert len(calls) == 2
