"""Uploaded files: a size limit with a clear message, readable by this service only, deleted once imported,
once refused, or an hour after they were left."""

import os
import stat
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from referrals.models import AccessAction, AccessEvent

GOOD = b"ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n"
BAD = b"ods_code,name,postcode\nC8800,A,S60 1AA\n"


@pytest.fixture
def folder(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    return settings.IMPORT_DIR


def _upload(client, data: bytes):
    return client.post(reverse("reports:imports"), {"kind": "practices", "file": SimpleUploadedFile("p.csv", data)})


def test_a_file_over_the_limit_is_refused_with_the_limit_named(client_for, manager, folder, settings):
    settings.IMPORT_MAX_MB = 1
    page = _upload(client_for(manager), GOOD + b"C88002,Another Surgery,S60 1AA\n" * 40_000)
    assert "The file is larger than 1 MB" in page.text
    assert not folder.exists() or not list(folder.iterdir())


def test_a_checked_file_is_private_and_deleted_once_imported(client_for, manager, folder):
    client = client_for(manager)
    check = _upload(client, GOOD)
    [path] = folder.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    client.post(reverse("reports:import_confirm", args=[check.context["run"].token]))
    assert not list(folder.iterdir())
    assert AccessEvent.objects.filter(action=AccessAction.IMPORTED, user=manager).count() == 1


def test_a_refused_file_is_deleted_at_once(client_for, manager, folder):
    assert "nothing can be imported" in _upload(client_for(manager), BAD).text
    assert not list(folder.iterdir())


def test_abandoned_files_are_deleted_after_an_hour(folder, capsys, db):
    folder.mkdir()
    old, new = folder / "old.csv", folder / "new.csv"
    for path in (old, new):
        path.write_bytes(GOOD)
    two_hours_ago = time.time() - 2 * 60 * 60
    os.utime(old, (two_hours_ago, two_hours_ago))
    call_command("purge_imports")
    assert not old.exists() and new.exists()
    assert "Deleted 1 abandoned upload." in capsys.readouterr().out


def test_a_covered_until_date_outside_1900_to_today_is_a_field_error(client_for, manager, folder):
    page = client_for(manager).post(reverse("reports:imports"), {
        "kind": "episodes", "covered_until": "0001-01-01",
        "file": SimpleUploadedFile("e.csv", b"nhs_number,episode_type,start_date\n")})
    assert "Give a date between 01/01/1900 and today." in page.text
    assert not folder.exists() or not list(folder.iterdir())  # refused before the file was kept
