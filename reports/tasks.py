"""Imports as background tasks (django-tasks; docs/imports.md). An upload is checked, then, once the manager
confirms it, imported, each by a task: with the immediate backend (the embedded default) in the web request
itself, with the database backend by `manage.py db_worker`, so that a ten-million-row file never holds a web
worker. The run (ImportRun) tells the imports page how far each has got and what it found."""

import datetime as dt
import io
import logging
import time
import uuid
from contextlib import ExitStack

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django_tasks import task

from reports.imports.run import ImportResult, run_import
from reports.imports.uploads import count_rows, private_file, queued_path, rejects_path, save_upload, upload_path
from reports.models import ImportRun
from sps.models import User

logger = logging.getLogger(__name__)
KEPT_FOR = dt.timedelta(days=1)  # a finished run, for its page; the batch is the lasting record


def queue_check(upload, *, user: User, kind: str, covered_until: dt.date | None, skip_invalid: bool) -> ImportRun:
    """Keep the upload where the worker can read it and queue its check. Returns the run as it is now: checked
    already with the immediate backend, waiting for the worker with the database backend."""
    forget_finished_runs()
    run = ImportRun(requested_by=user, kind=kind, file_name=upload.name, covered_until=covered_until,
                    skip_invalid=skip_invalid)
    run.token = uuid.uuid4().hex
    save_upload(upload, upload_path(run.token))
    run.save()
    check_upload.enqueue(run.pk)
    run.refresh_from_db()
    return run


def forget_finished_runs() -> int:
    """Delete the runs that ended more than KEPT_FOR ago: their results can name a row's NHS number (an error on
    line 12, a change), and the batch is the lasting record. Returns how many."""
    return ImportRun.objects.filter(updated_at__lt=timezone.now() - KEPT_FOR).exclude(
        status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]).delete()[0]


def queue_import(run: ImportRun) -> bool:
    """Queue the import of a checked upload; False if it has been queued already (confirmed twice) or its file
    is gone. The file is renamed, so that `purge_imports` leaves it however long it waits for the worker."""
    if not upload_path(run.token).exists():
        return False
    claimed = ImportRun.objects.filter(pk=run.pk, stage=ImportRun.Stage.CHECK, status=ImportRun.Status.DONE).update(
        stage=ImportRun.Stage.IMPORT, status=ImportRun.Status.QUEUED, rows_done=0, result=None)
    if not claimed:
        return False
    upload_path(run.token).rename(queued_path(run.token))
    import_upload.enqueue(run.pk)
    return True


@task()
def check_upload(run_pk: int) -> None:
    """The dry run of an upload: its errors, its counts and what it would change; nothing is kept."""
    _run(ImportRun.objects.select_related("requested_by").get(pk=run_pk), dry_run=True)


@task()
def import_upload(run_pk: int) -> None:
    """The import of a checked, confirmed upload, all or nothing (one transaction)."""
    _run(ImportRun.objects.select_related("requested_by").get(pk=run_pk), dry_run=False)


def _run(run: ImportRun, *, dry_run: bool) -> None:
    path = upload_path(run.token) if dry_run else queued_path(run.token)
    if not path.exists():
        _fail(run, "The uploaded file is no longer here (an upload left unconfirmed for an hour is deleted): "
                   "upload it again.")
        return
    run.status, run.rows_done, run.rows_total = ImportRun.Status.RUNNING, 0, count_rows(path)
    run.save(update_fields=["status", "rows_done", "rows_total", "updated_at"])
    rejects = rejects_path(run.token) if run.skip_invalid and not dry_run else None
    progress = _Progress(run)
    try:
        with ExitStack() as stack:
            stream = stack.enter_context(open(path, "rb"))
            # The check lists the rows it would set aside; only the import keeps them, for the manager to download.
            rejected_rows = (stack.enter_context(private_file(rejects, "w")) if rejects
                             else io.StringIO() if run.skip_invalid else None)
            result = run_import(kind=run.kind, stream=stream, file_name=run.file_name, user=run.requested_by,
                                dry_run=dry_run, rejects=rejected_rows, covered_until=run.covered_until,
                                on_rows=progress)
    except BaseException as error:
        # The import is one transaction: whatever stopped it (a database error, the worker told to stop), it has
        # written nothing. The log names the run and the kind of error only: its message may quote a row.
        logger.error("Import run %s stopped: %s", run.pk, type(error).__name__)
        for leftover in (path, rejects):
            if leftover:
                leftover.unlink(missing_ok=True)
        _fail(run, f"The {'check' if dry_run else 'import'} stopped with an error ({type(error).__name__}), so "
                   f"nothing was written. Upload the file again; if it happens again, tell the administrator "
                   f"(import run {run.pk}).")
        if not isinstance(error, Exception):
            raise
        return
    finally:
        progress.close()
    _done(run, result, path, rejects, dry_run=dry_run)


def _done(run: ImportRun, result: ImportResult, path, rejects, *, dry_run: bool) -> None:
    if not dry_run or not result.ok:  # imported, or refused: either way it is not needed again
        path.unlink(missing_ok=True)
    if rejects and not (result.written and result.counts.rejected):
        rejects.unlink(missing_ok=True)
    run.status, run.rows_done, run.result = ImportRun.Status.DONE, run.rows_total, result.as_json()
    run.batch = result.batch if result.written else None
    run.save(update_fields=["status", "rows_done", "result", "batch", "updated_at"])


def _fail(run: ImportRun, why: str) -> None:
    run.status, run.failure = ImportRun.Status.FAILED, why
    run.save(update_fields=["status", "failure", "updated_at"])


class _Progress:
    """Writes to the run how many rows are done, at most once a second. On a connection of its own: the import is
    one transaction, and nothing written on its connection can be seen before it ends. Not on SQLite, where the
    import holds the only write lock until it ends (and the embedded default runs it in the request anyway)."""

    EVERY_SECONDS = 1.0

    def __init__(self, run: ImportRun):
        self.run_pk, self.total = run.pk, run.rows_total
        self.enabled = connections[DEFAULT_DB_ALIAS].vendor != "sqlite"
        self.connection = None
        self.written_at: float | None = None

    def __call__(self, rows_done: int) -> None:
        # The last chunk's count is written with the result; a file of one chunk costs no connection.
        if not self.enabled or rows_done >= self.total:
            return
        now = time.monotonic()
        if self.written_at is not None and now - self.written_at < self.EVERY_SECONDS:
            return
        self.written_at = now
        if self.connection is None:
            self.connection = connections[DEFAULT_DB_ALIAS].copy()
        table = self.connection.ops.quote_name(ImportRun._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET rows_done = %s WHERE id = %s", [rows_done, self.run_pk])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def result_of(run: ImportRun) -> ImportResult | None:
    """What the run's last finished stage found, for the page; None while it waits or runs, or if it failed."""
    return ImportResult.from_json(run.result, batch=run.batch) if run.result else None
