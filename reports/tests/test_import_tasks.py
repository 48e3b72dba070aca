"""Imports as background work (issue 13): the check and the import of an upload run as tasks (reports/tasks.py).
The web request only queues them; the page shows each waiting, running (rows done of the total) and its result.
With the database backend the worker (`manage.py db_worker`), a process of its own, runs them."""

import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reports.imports.kinds import PracticesHandler
from reports.models import ImportBatch, ImportRun
from reports.tasks import check_upload, import_upload
from sps.models import Practice

GOOD = b"ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n"


@pytest.fixture
def folder(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    return settings.IMPORT_DIR


@pytest.fixture
def queued_only(settings):
    """A backend that keeps the tasks and runs none: what the web request does, and nothing more."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _upload(client, data: bytes, **extra):
    return client.post(reverse("reports:imports"), {"kind": "practices", "file": SimpleUploadedFile("p.csv", data),
                                                    **extra})


def _practices(count: int, start: int = 1) -> bytes:
    return b"".join(b"C%05d,Surgery %d,S60 1AA\n" % (n, n) for n in range(start, start + count))


def test_the_request_only_queues_the_check_and_the_import_and_the_page_follows_them(
        client_for, manager, folder, queued_only):
    client = client_for(manager)
    page = _upload(client, GOOD)
    run = ImportRun.objects.get()
    url = reverse("reports:import_run", args=[run.token])
    assert (run.stage, run.status) == ("check", "queued")
    assert "Waiting to start." in page.text and f'data-refresh-url="{url}"' in page.text
    assert "If imported" not in page.text

    check_upload.call(run.pk)  # what the worker does
    checked = client.get(url)
    assert "If imported: <strong>1</strong> created" in checked.text and "data-refresh-url" not in checked.text
    assert not Practice.objects.exists()

    done = client.post(reverse("reports:import_confirm", args=[run.token]), follow=True)
    assert "Waiting to start: nothing has been written yet." in done.text
    assert not Practice.objects.exists() and not ImportBatch.objects.exists()
    under_way = client.get(reverse("reports:imports"))
    assert f'<a href="{url}">Import of p.csv</a>' in under_way.text  # found again from the imports page

    import_upload.call(run.pk)
    assert "Imported p.csv: 1 created" in client.get(url).text
    assert Practice.objects.get().name == "New Street Surgery"
    assert ImportBatch.objects.get().imported_by == manager
    assert not list(folder.iterdir())  # the upload is deleted once imported


@pytest.mark.smoke
def test_with_the_immediate_backend_the_request_checks_and_imports_at_once_as_make_run_does(
        client_for, manager, folder):
    """The default (TASKS_BACKEND=immediate), on the embedded SQLite too: no worker to start."""
    client = client_for(manager)
    check = _upload(client, b"ods_code,name,postcode\n" + _practices(1500))
    assert "If imported: <strong>1500</strong> created" in check.text
    done = client.post(reverse("reports:import_confirm", args=[check.context["run"].token]), follow=True)
    assert "Imported p.csv: 1500 created" in done.text
    assert Practice.objects.count() == 1500 and ImportRun.objects.get().rows_done == 1500
    assert not list(folder.iterdir())


def test_an_upload_waiting_for_the_worker_is_not_purged_as_abandoned(client_for, manager, folder, queued_only):
    client = client_for(manager)
    _upload(client, GOOD)
    run = ImportRun.objects.get()
    check_upload.call(run.pk)
    client.post(reverse("reports:import_confirm", args=[run.token]))
    [waiting] = folder.iterdir()
    two_hours_ago = time.time() - 2 * 60 * 60
    os.utime(waiting, (two_hours_ago, two_hours_ago))
    call_command("purge_imports")
    import_upload.call(run.pk)
    assert Practice.objects.get().ods_code == "C88001"


def test_the_purge_forgets_finished_imports_a_day_old_but_not_those_under_way(client_for, manager, folder,
                                                                              queued_only):
    """A run's result can name a row's NHS number: it goes a day after the import ended, with the timer's purge."""
    client = client_for(manager)
    for _ in range(3):
        _upload(client, GOOD)
    finished, recent, waiting = ImportRun.objects.order_by("pk")
    ImportRun.objects.filter(pk__in=[finished.pk, recent.pk]).update(status=ImportRun.Status.DONE)
    ImportRun.objects.filter(pk__in=[finished.pk, waiting.pk]).update(
        updated_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    call_command("purge_imports", stdout=io.StringIO())
    assert set(ImportRun.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


def test_a_failed_import_shows_its_error_and_writes_nothing(client_for, manager, folder, monkeypatch, caplog):
    client = client_for(manager)
    check = _upload(client, b"ods_code,name,postcode\n" + _practices(1500))
    assert "If imported: <strong>1500</strong> created" in check.text
    written = PracticesHandler.write

    def fails_on_the_second_chunk(self, items):
        if Practice.objects.exists():
            raise ConnectionError("the database went away")
        return written(self, items)

    monkeypatch.setattr(PracticesHandler, "write", fails_on_the_second_chunk)
    token = check.context["run"].token
    page = client.post(reverse("reports:import_confirm", args=[token]), follow=True)
    assert ("The import stopped with an error (ConnectionError), so nothing was written. Upload the file again"
            in page.text)
    assert not Practice.objects.exists() and not ImportBatch.objects.exists()
    assert ImportRun.objects.get().status == "failed"
    assert not list(folder.iterdir())
    assert "the database went away" not in caplog.text  # the log names the kind of error, not what it said
    assert client.post(reverse("reports:import_confirm", args=[token])).status_code == 404


def test_rows_set_aside_are_offered_to_the_manager_who_imported_them_only(client_for, manager, folder,
                                                                          django_user_model):
    client = client_for(manager)
    check = _upload(client, GOOD + b"C8800,Bad Code Surgery,S60 1AA\n", skip_invalid="on")
    assert "these rows will be set aside" in check.text
    page = client.post(reverse("reports:import_confirm", args=[check.context["run"].token]), follow=True)
    batch = ImportBatch.objects.get()
    assert "Imported p.csv: 1 created, 0 updated, 0 unchanged, 0 ignored, 1 rejected." in page.text
    download = reverse("reports:import_rejects", args=[batch.pk])
    assert f'<a href="{download}">download it</a>' in page.text
    rows = b"".join(client.get(download).streaming_content).decode()
    assert rows.splitlines()[1].startswith('C8800,Bad Code Surgery,S60 1AA,"ods_code: C8800 is not')
    other = django_user_model.objects.create(username="manager2", role="manager")
    assert client_for(other).get(download).status_code == 404
    assert client_for(other).get(reverse("reports:import_run", args=[check.context["run"].token])).status_code == 404


# The real worker: `manage.py db_worker`, a process of its own, against the test database.

requires_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                         reason="the worker reads the test database through DATABASE_URL")


def _worker(folder: Path) -> subprocess.Popen:
    """`db_worker --batch`: runs every task waiting, then stops."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "TASKS_BACKEND": "database", "IMPORT_DIR": str(folder)}
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
                            cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _finished(worker: subprocess.Popen) -> str:
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output
    return output


def _page_until(client, url: str, text: str, worker: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(url).text
        if text in page:
            return page
        assert worker.poll() is None, worker.communicate()[0]
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared")


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_web_request_queues_the_upload_and_the_worker_imports_it_showing_its_progress(
        client_for, manager, folder, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Practice.objects.create(ods_code="C90000", name="Old Name Surgery", postcode="S60 1AA")
    # 2,000 rows: a first chunk of 1,000 new practices, then a chunk that renames C90000.
    data = b"ods_code,name,postcode\n" + _practices(1000) + b"C90000,New Name Surgery,S60 1AA\n" + _practices(
        999, start=1001)
    client = client_for(manager)

    check = _upload(client, data)
    run = ImportRun.objects.get()
    url = reverse("reports:import_run", args=[run.token])
    assert "Waiting to start." in check.text and "If imported" not in check.text
    _finished(_worker(folder))
    assert "If imported: <strong>1999</strong> created, <strong>1</strong> updated" in client.get(url).text

    queued = client.post(reverse("reports:import_confirm", args=[run.token]), follow=True)
    assert "Waiting to start: nothing has been written yet." in queued.text
    assert Practice.objects.count() == 1  # the response came back before any row was in

    # Hold the row the second chunk renames, so that the worker stops there, its first chunk done.
    locker = connection.copy()
    locker.set_autocommit(False)
    with locker.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Practice._meta.db_table} WHERE ods_code = 'C90000' FOR UPDATE")
    worker = _worker(folder)
    try:
        running = _page_until(client, url, "Importing: 1,000 of 2,000 rows", worker)
        assert '<progress class="w-100 mb-1" value="1000" max="2000"' in running
        assert f'data-refresh-url="{url}"' in running
        assert Practice.objects.count() == 1  # all or nothing: no row is seen before the last is in
    except BaseException:
        worker.kill()
        raise
    finally:
        locker.rollback()
        locker.close()
    _finished(worker)
    done = client.get(url).text
    assert "Imported p.csv: 1999 created, 1 updated" in done and "data-refresh-url" not in done
    assert Practice.objects.get(ods_code="C90000").name == "New Name Surgery"
    assert ImportBatch.objects.get().imported_by == manager
    assert not list(folder.iterdir())


def test_a_file_with_a_nul_character_is_refused_with_its_error_shown(client_for, manager, folder):
    """PostgreSQL cannot keep a NUL in the run's stored result; the error quoting the file's header still shows
    (found by the fuzz test of the imports page)."""
    page = _upload(client_for(manager), b"ods_code,name,postcode,\x00extra\nC88001,Surgery,S60 1AA,\n")
    assert page.status_code == 200
    assert "Unknown column: \ufffdextra" in page.text
