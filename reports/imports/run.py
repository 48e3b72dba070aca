"""Running an import: the same for the command line and the upload page (formats.md, 'Import')."""

import csv
import datetime as dt
import gc
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from typing import BinaryIO, TextIO

from django.db import transaction

from reports.imports.base import Counts, FieldChange, RowChange, RowError
from reports.imports.comparison import ComparisonHandler
from reports.imports.episodes import ComparisonEpisodesHandler, EpisodesHandler
from reports.imports.kinds import (
    CostsHandler,
    GrantsHandler,
    OnwardHandler,
    PracticesHandler,
    ProvidersHandler,
    ReferralsHandler,
    StarHandler,
    UsersHandler,
)
from reports.imports.postcodes import PostcodesHandler
from reports.imports.reader import FileError, as_row, read_cells
from reports.models import ImportBatch
from sps.exports import safe_cell
from sps.lib.dates import today
from sps.models import User

# In the order a new deployment imports them (formats.md).
HANDLERS = {h.kind: h for h in [PracticesHandler, UsersHandler, ProvidersHandler, GrantsHandler, ReferralsHandler,
                                OnwardHandler, StarHandler, EpisodesHandler, CostsHandler, ComparisonHandler,
                                ComparisonEpisodesHandler, PostcodesHandler]}
# Extracts that say the last date they cover (evaluation.md: "data until" and "comparison until").
COVERED_KINDS = ("episodes", "comparison_episodes")
COLUMNS = {kind: handler.columns for kind, handler in HANDLERS.items()}
MAX_ERRORS_SHOWN = 1000
COVERED_FROM = dt.date(1900, 1, 1)


@dataclass
class ImportResult:
    kind: str
    file_name: str
    dry_run: bool
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    file_error: str = ""
    notes: list[str] = field(default_factory=list)
    batch: ImportBatch | None = None
    # What the updated rows change, column by column (the first MAX_CHANGES_SHOWN rows of `changed_rows`).
    changes: list[RowChange] = field(default_factory=list)
    changed_rows: int = 0

    @property
    def written(self) -> bool:
        return self.batch is not None and not self.dry_run

    error_count_rows: int = 0
    aborted: bool = False

    @property
    def ok(self) -> bool:
        """Whether the import went through (with --skip-invalid, rejected rows do not stop it)."""
        return not self.file_error and not self.aborted

    def summary(self) -> str:
        c = self.counts
        return (f"{c.created} created, {c.updated} updated, {c.unchanged} unchanged, {c.ignored} ignored, "
                f"{c.rejected} rejected")

    def as_json(self) -> dict:
        """Everything but the batch, as JSON, for the page to show once the task that found it has ended."""
        return _without_nul(asdict(replace(self, batch=None)))

    @classmethod
    def from_json(cls, data: dict, batch: ImportBatch | None = None) -> "ImportResult":
        return cls(**{**data, "batch": batch, "counts": Counts(**data["counts"]),
                      "errors": [RowError(**error) for error in data["errors"]],
                      "changes": [RowChange(change["line"], change["row"],
                                            [FieldChange(**f) for f in change["fields"]])
                                  for change in data["changes"]]})


def _without_nul(value):
    """`value` with any NUL character (a file may hold one, and an error quotes it) as the replacement character:
    PostgreSQL's jsonb cannot hold NUL, and the run keeping the result would fail to save."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


class _Abort(Exception):
    """Some row was invalid and the import is all-or-nothing: undo everything."""


# The comparison extract's rows are never shown one by one, nor written to a file (evaluation.md section 5).
NO_ROWS_SET_ASIDE = ("A comparison extract is imported whole: its invalid rows are not set aside in a file, so that no "
                     "file shows a comparison person. Import it without setting rows aside, after mending the rows "
                     "the check lists.")


def run_import(*, kind: str, stream: BinaryIO, file_name: str, user: User | None, dry_run: bool = False,
               rejects: TextIO | None = None, covered_until: dt.date | None = None,
               on_progress: Callable[[int], None] | None = None,
               on_rows: Callable[[int], None] | None = None) -> ImportResult:
    """Import a file of `kind`. All or nothing unless `rejects` is given (--skip-invalid): then valid rows are
    written and invalid ones go to `rejects` with an `error` column. With `dry_run` nothing is kept. The whole
    import is one transaction, so a failure part way (a database error, the process killed) leaves the database
    as it was. `on_progress` hears how many bytes of the file have been read, `on_rows` how many rows have been
    checked (and written), after each chunk of rows."""
    result = ImportResult(kind=kind, file_name=file_name, dry_run=dry_run)
    handler_class = HANDLERS.get(kind)
    if handler_class is None:
        result.file_error = f"Unknown kind {kind}: use one of {', '.join(HANDLERS)}."
        return result
    if kind in COVERED_KINDS and covered_until is None:
        result.file_error = "Hospital episodes need the date the extract covers until (--covered-until)."
        return result
    # The latest covered_until is every report's "data until": one in the future would stand for data nobody has,
    # and one at the start of the calendar makes the episodes and roi reports fail (their date arithmetic
    # overflows), for everyone, until the batch is deleted.
    if kind in COVERED_KINDS and not COVERED_FROM <= covered_until <= today():
        result.file_error = (f"The extract cannot cover until {covered_until.isoformat()}: give the last day it "
                             f"covers, between {COVERED_FROM:%d/%m/%Y} and today.")
        return result
    if rejects is not None and not handler_class.shows_changes:
        result.file_error = NO_ROWS_SET_ASIDE
        return result
    skip_invalid = rejects is not None
    reject_writer = None
    # Millions of short-lived rows, freed by their reference counts as each chunk is written: the cyclic garbage
    # collector, left to run on its own, rescans the chunk in hand again and again (3 s of a million-row import).
    # It runs once a chunk instead, over what that chunk left, and never over what the process already held.
    gc.freeze()
    gc.disable()
    try:
        with transaction.atomic(), ExitStack() as stack:
            batch = ImportBatch.objects.create(kind=kind, file_name=file_name, imported_by=user,
                                               covered_until=covered_until if kind in COVERED_KINDS else None)
            handler = handler_class(user=user, batch=batch, options={"covered_until": covered_until})
            stack.callback(handler.close)
            handler.prepare()
            header, cells = read_cells(stream, columns=handler.columns, kind=kind, other_kinds=COLUMNS,
                                       on_progress=on_progress)
            rows_done = 0
            for chunk in batched(cells, handler.chunk_size):
                reject_writer = _import_chunk(handler, header, chunk, result, rejects, reject_writer, skip_invalid)
                rows_done += len(chunk)
                del chunk  # before collecting: the chunk's rows are garbage now, not objects to scan
                gc.collect(1)
                if on_rows:
                    on_rows(rows_done)
            if result.error_count and not skip_invalid:
                raise _Abort
            result.counts += handler.finish()
            result.changes, result.changed_rows = handler.changes, handler.changed_rows
            result.counts.rejected = result.error_count_rows
            for name in ("created", "updated", "unchanged", "ignored", "rejected"):
                setattr(batch, name, getattr(result.counts, name))
            batch.save()
            result.batch = batch
            if dry_run:
                transaction.set_rollback(True)
    except _Abort:
        result.aborted = True
        result.counts = Counts(rejected=result.error_count_rows)
        result.changes, result.changed_rows = [], 0
    except FileError as error:
        result.file_error = str(error)
        result.counts = Counts()
    finally:
        gc.enable()
        gc.unfreeze()
    if kind == "users" and result.counts.created:
        result.notes.append(f"{result.counts.created} new login{'s have' if result.counts.created > 1 else ' has'} "
                            "no password yet: each sets one with \"Forgotten your password?\" on the sign-in page, "
                            "so their email address must be right.")
    return result


def _import_chunk(handler, header: list[str], chunk: list, result: ImportResult, rejects: TextIO | None,
                  reject_writer, skip_invalid: bool):
    """Check a chunk of rows, send the bad ones to `rejects` and write the good ones (unless a bad row already
    stops the import); returns the rejects' writer."""
    valid, rejected = handler.clean_chunk(header, chunk)
    for row, errors in rejected:
        reject_writer = _reject(result, rejects, reject_writer, row, errors)
    if valid and (skip_invalid or not result.error_count):
        counts, write_errors = handler.write(valid)
        result.counts += counts
        by_line = dict(chunk) if write_errors else {}
        for line, errors in _by_line(write_errors).items():
            reject_writer = _reject(result, rejects, reject_writer, as_row(header, line, by_line[line]), errors)
    return reject_writer


def batched(iterable, size: int):
    """itertools.batched, which arrives with Python 3.12."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _by_line(errors: list[RowError]) -> dict[int, list[RowError]]:
    grouped: dict[int, list[RowError]] = {}
    for error in errors:
        grouped.setdefault(error.line, []).append(error)
    return grouped


def _reject(result: ImportResult, rejects: TextIO | None, writer, row, errors: list[RowError]):
    result.error_count += len(errors)
    result.error_count_rows += 1
    room = MAX_ERRORS_SHOWN - len(result.errors)
    result.errors.extend(errors[:max(room, 0)])
    if rejects is not None:
        if writer is None:
            writer = csv.DictWriter(rejects, fieldnames=[*row.values, "error"])
            writer.writeheader()
        # The rejected rows are someone else's file: opened in a spreadsheet, none of it may run as a formula.
        message = "; ".join(f"{e.column}: {e.message}" if e.column else e.message for e in errors)
        writer.writerow({key: safe_cell(value) for key, value in {**row.values, "error": message}.items()})
    return writer
