import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from referrals.models import AccessEvent, Patient
from reports.imports import episodes
from reports.models import HospitalEpisode, ImportBatch
from reports.tests.helpers import do_import
from sps.lib.nhs_number import with_check_digit
from sps.models import Practice

BASE_DIR = Path(__file__).resolve().parents[2]


def test_command_writes_and_reports_the_counts(db, tmp_path, capsys):
    path = tmp_path / "practices.csv"
    path.write_text("ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n")
    call_command("import", "practices", str(path))
    assert "1 created, 0 updated, 0 unchanged, 0 ignored, 0 rejected." in capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.imported_by.username) == ("practices.csv", "system-import")
    event = AccessEvent.objects.get()  # the access log records command-line imports too
    assert (event.action, event.user.username, event.what) == (
        "imported", "system-import", "practices import (command line): practices.csv")


def test_command_exits_1_listing_every_error(db, tmp_path, capsys):
    path = tmp_path / "practices.csv"
    path.write_text("ods_code,name,postcode\nC8800,A,S60 1AA\nC88002,B,XX\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "practices", str(path))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "line 2, ods_code: C8800 is not a GP practice ODS code" in err
    assert "line 3, postcode: XX is not a UK postcode" in err
    assert "2 invalid rows: nothing was written." in err
    assert not Practice.objects.exists()


def test_command_skip_invalid_writes_the_rejects_file(db, tmp_path, capsys):
    path, rejects = tmp_path / "practices.csv", tmp_path / "rejects.csv"
    path.write_text("ods_code,name,postcode\nC88001,A,S60 1AA\nC88002,B,XX\n")
    call_command("import", "practices", str(path), "--skip-invalid", str(rejects))
    assert "1 created" in capsys.readouterr().out
    assert rejects.read_text().splitlines() == ["ods_code,name,postcode,error",
                                                "C88002,B,XX,postcode: XX is not a UK postcode"]


def test_command_dry_run_and_covered_until(db, tmp_path, capsys):
    path = tmp_path / "episodes.csv"
    path.write_text("nhs_number,episode_type,start_date\n9434765919,ae_attendance,2025-01-05\n")
    call_command("import", "episodes", str(path), "--covered-until", "2025-12-31", "--dry-run")
    assert "Dry run, nothing written: would be 0 created, 0 updated, 0 unchanged, 1 ignored" in capsys.readouterr().out
    assert not ImportBatch.objects.exists()


def _patients(count: int) -> list[str]:
    practice = Practice.objects.create(ods_code="C88001", name="X", postcode="S60 1AA")
    numbers = [n for n in (with_check_digit(str(900_000_000 + i)) for i in range(count * 2)) if n][:count]
    Patient.objects.bulk_create(Patient(nhs_number=n, given_name="A", family_name="B", practice=practice,
                                        date_of_birth=dt.date(1940, 1, 1), postcode="S60 2HX") for n in numbers)
    return numbers


def test_a_database_error_part_way_leaves_the_database_as_it_was(db, monkeypatch):
    numbers = _patients(5)
    rows = "".join(f"{numbers[i % 5]},ae_attendance,2025-01-{i % 28 + 1:02d},,E{i}\n" for i in range(60000))
    calls = []
    real_write = episodes.EpisodesHandler.write

    def fail_on_second_chunk(self, items):
        calls.append(len(items))
        if len(calls) == 2:
            raise DatabaseError("connection lost")
        return real_write(self, items)

    monkeypatch.setattr(episodes.EpisodesHandler, "write", fail_on_second_chunk)
    with pytest.raises(DatabaseError):
        do_import("episodes", "nhs_number,episode_type,start_date,end_date,episode_ref\n" + rows,
                  covered_until=dt.date(2025, 12, 31))
    assert len(calls) == 2
    assert not HospitalEpisode.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_part_way_leaves_the_database_as_it_was(tmp_path):
    """A real process, killed while it imports: its transaction never commits."""
    numbers = _patients(50)
    path = tmp_path / "episodes.csv"
    with path.open("w") as out:
        out.write("nhs_number,episode_type,start_date,end_date,episode_ref\n")
        for i in range(400_000):
            out.write(f"{numbers[i % 50]},ae_attendance,2025-{i % 12 + 1:02d}-{i % 28 + 1:02d},,E{i}\n")
    env = {**os.environ, "DATABASE_URL": _database_url()}
    process = subprocess.Popen([sys.executable, "manage.py", "import", "episodes", str(path), "--covered-until",
                                "2025-12-31"], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _import_started() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait()
    _end_other_sessions()  # as the server does when it notices the client is gone
    assert HospitalEpisode.objects.count() == 0
    assert not ImportBatch.objects.exists()


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def _import_started() -> bool:
    """Whether the other process holds the import's transaction open (a batch row exists, uncommitted)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE '%%COPY%%' "
                       "AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0


def _end_other_sessions() -> None:
    """End the killed client's session, and wait until the server has let it go."""
    if connection.vendor != "postgresql":
        return
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute(f"SELECT COUNT(*) {others}")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
