"""Hospital episodes: the commissioner's extract, perhaps millions of rows. Each row is checked in Python as it
streams in and staged, as checked text, in a temporary table (COPY on PostgreSQL); the database then finds the
patients, counts the rows for people the service never saw (ignored), keeps the last of any repeated row, and
updates or inserts by natural key in two statements."""

import csv
import datetime as dt
import io
from functools import lru_cache

from django.db import connection

from referrals.models import Patient
from reports.evaluation import add_hospital_use, count_hospital_use
from reports.imports import fields as f
from reports.imports.base import DATE, MAX_CHANGES_SHOWN, Cells, Counts, FieldChange, Handler, shown_value
from reports.imports.reader import Row
from reports.models import EpisodeType, HospitalEpisode
from sps.lib.nhs_number import nhs_number_error, normalise_nhs_number

STAGE = "import_episode_stage"
LAST = f"{STAGE}_last"
CHANGED = f"{STAGE}_changed"
TOUCHED = f"{STAGE}_touched"
KEY = ("patient_id", "episode_type", "start_date", "episode_ref")
TYPES = frozenset(EpisodeType.values)
REF_LENGTH = HospitalEpisode._meta.get_field("episode_ref").max_length
PATIENTS = Patient._meta.db_table
EPISODES = HospitalEpisode._meta.db_table
COPY = (f"COPY {STAGE} (line, nhs_number, episode_type, start_date, end_date, episode_ref, clear_end) "
        "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (episode_ref))")


# An extract names the same people and days again and again: each is checked once.
@lru_cache(maxsize=1 << 17)
def _checked_nhs_number(raw: str) -> str | None:
    nhs = normalise_nhs_number(raw)
    return nhs if nhs_number_error(nhs) is None else None


@lru_cache(maxsize=1 << 14)
def _iso_date(raw: str) -> str | None:
    try:
        return f.date("date", raw).isoformat()
    except f.CellError:
        return None


class EpisodesHandler(Handler):
    kind = "episodes"
    columns = {"nhs_number": True, "episode_type": True, "start_date": True, "end_date": False, "episode_ref": False}
    about = ("The commissioner's hospital activity extract, one row per episode; give the last date it covers. Rows "
             "for people who are not patients here are counted as ignored.")
    key = ("nhs_number", "episode_type", "start_date", "episode_ref")
    notes = {
        "nhs_number": "The patient's NHS number: 10 digits, spaces allowed.",
        "episode_type": f"One of {', '.join(EpisodeType.values)}.",
        "start_date": f"When it started: {DATE}.",
        "end_date": f"When it ended (an admission's last day): {DATE}.",
        "episode_ref": "The extract's own reference for it, when it has one: it tells two episodes of one type on "
                       "one day apart.",
    }
    example = [
        {"nhs_number": "9434765919", "episode_type": "nel_admission", "start_date": "2025-01-05",
         "end_date": "2025-01-09", "episode_ref": "S1001"},
        {"nhs_number": "9434765919", "episode_type": "ae_attendance", "start_date": "2025-03-02", "end_date": "",
         "episode_ref": ""},
    ]
    chunk_size = 50000

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (line integer, nhs_number varchar(10), "
                           "episode_type varchar(20), start_date date, end_date date, "
                           f"episode_ref varchar({REF_LENGTH}), clear_end boolean)")
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '128MB'")

    def clean(self, row: Row) -> tuple:
        values = row.values
        nhs = _checked_nhs_number(values["nhs_number"])
        episode_type = values["episode_type"]
        start = _iso_date(values["start_date"]) if values["start_date"] else None
        # A blank end date leaves a stored one alone (a later extract may leave out what an earlier one had);
        # CLEAR_WORD removes it.
        end_cell = values.get("end_date", "")
        clear_end = f.is_clear(end_cell)
        end = _iso_date(end_cell) if end_cell and not clear_end else ""
        ref = values.get("episode_ref", "")
        # ISO dates compare as text; any doubt goes the careful way below, for its messages.
        if nhs and start and end is not None and episode_type in TYPES and (not end or end >= start) \
                and len(ref) <= REF_LENGTH and not f.is_clear(ref):
            return (row.line, nhs, episode_type, start, end, ref, True if clear_end else None)  # None: short
        c = Cells(row)
        c(f.nhs_number, "nhs_number")
        c(f.choice, "episode_type", EpisodeType.values)
        c(f.text, "episode_ref", max_length=REF_LENGTH, required=False)
        start, end = c(f.date, "start_date", required=True), c.optional(f.date, "end_date")
        if start and end and end < start:
            c.error("end_date", f"{end:%d/%m/%Y} is before the start date")
        c.done()
        raise AssertionError("a row that failed the quick check passed the careful one")  # pragma: no cover

    def write(self, items: list[tuple]):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                csv.writer(buffer).writerows(items)
                buffer.seek(0)
                cursor.cursor.copy_expert(COPY, buffer, size=1 << 20)
            else:
                cursor.executemany(f"INSERT INTO {STAGE} (line, nhs_number, episode_type, start_date, end_date, "
                                   "episode_ref, clear_end) VALUES (%s, %s, %s, %s, NULLIF(%s, ''), %s, %s)", items)
        return Counts(), []

    def finish(self) -> Counts:
        changes = []
        with connection.cursor() as cursor:
            counts = merge_stage(cursor, self.batch.pk, portable=connection.vendor != "postgresql", changes=changes)
            cursor.execute(f"DROP TABLE {STAGE}")
        for line, episode_type, start, old, new in changes:
            self.record_change(line, f"{episode_type}, {shown_value(_date(start))}",
                               [FieldChange("end_date", shown_value(_date(old)), shown_value(_date(new)))])
        self.changed_rows = counts.updated
        return counts


def _date(value):
    """A date as the database gives it back (SQLite: as text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def merge_stage(cursor, batch_id: int, *, portable: bool, changes: list | None = None) -> Counts:
    """Merge the staged rows by natural key. Rows for people who are not patients here are ignored; a row
    repeated in the file counts once (the last one); a known episode given another end date (or told to clear it)
    is updated, one whose end date is blank in the file is left alone; the others are created. `changes` receives
    the first updated rows as (line, type, start date, stored end date, new end date)."""
    if not portable:
        cursor.execute(f"ANALYZE {STAGE}")  # for a good plan: the planner knows nothing of a table filled just now
    cursor.execute(f"SELECT COUNT(*), COUNT(p.id) FROM {STAGE} s LEFT JOIN {PATIENTS} p ON p.nhs_number = s.nhs_number")
    staged, known = cursor.fetchone()
    (_last_rows_portable if portable else _last_rows_postgresql)(cursor)
    same_key = " AND ".join(f"e.{c} = s.{c}" for c in KEY)
    distinct = "IS NOT" if portable else "IS DISTINCT FROM"
    differs = (f"((s.clear_end AND e.end_date IS NOT NULL) "
               f"OR (s.end_date IS NOT NULL AND e.end_date {distinct} s.end_date))")
    # The episodes to update, with their end dates now and after, found in one pass over the staged rows: the
    # update then only looks up those (most quarterly extracts repeat the last with few changes).
    cursor.execute(f"CREATE TEMPORARY TABLE {CHANGED} AS SELECT s.line, {', '.join(f's.{c}' for c in KEY)}, "
                   f"e.end_date AS old_end, s.end_date AS new_end FROM {LAST} s JOIN {EPISODES} e ON {same_key} "
                   f"WHERE {differs}")
    cursor.execute(f"UPDATE {EPISODES} AS e SET end_date = s.new_end, batch_id = %s FROM {CHANGED} s "
                   f"WHERE {same_key}", [batch_id])
    updated = cursor.rowcount
    if not portable:  # what the changes add to the referrals' kept hospital use: the days of changed end dates
        cursor.execute(f"CREATE TEMPORARY TABLE {TOUCHED} AS SELECT patient_id, episode_type, start_date, 0 AS n, "
                       f"{_days('new_end')} - {_days('old_end')} AS days FROM {CHANGED}")
    if changes is not None:
        cursor.execute(f"SELECT line, episode_type, start_date, old_end, new_end FROM {CHANGED} ORDER BY line "
                       f"LIMIT {MAX_CHANGES_SHOWN}")
        changes.extend(cursor.fetchall())
    cursor.execute(f"DROP TABLE {CHANGED}")
    # In key order: the primary-key index then grows at its end instead of everywhere at once.
    insert = (f"INSERT INTO {EPISODES} ({', '.join(KEY)}, end_date, batch_id) "
              f"SELECT {', '.join(f's.{c}' for c in KEY)}, s.end_date, %s FROM {LAST} s "
              f"WHERE NOT EXISTS (SELECT 1 FROM {EPISODES} e WHERE {same_key}) ORDER BY {', '.join(KEY)}")
    if portable:
        cursor.execute(insert, [batch_id])
        created = cursor.rowcount
        # SQLite cannot say which rows an INSERT made: on the demo's sizes, every patient of the file counted again.
        count_hospital_use(cursor, f"SELECT patient_id FROM {LAST}")
    else:
        cursor.execute(f"WITH new AS ({insert} RETURNING patient_id, episode_type, start_date, end_date) "
                       f"INSERT INTO {TOUCHED} SELECT patient_id, episode_type, start_date, 1, {_days('end_date')} "
                       f"FROM new", [batch_id])
        created = cursor.rowcount
        cursor.execute(f"ANALYZE {TOUCHED}")
        add_hospital_use(cursor, TOUCHED)
        cursor.execute(f"DROP TABLE {TOUCHED}")
    cursor.execute(f"DROP TABLE {LAST}")
    return Counts(created=created, updated=updated, unchanged=known - created - updated, ignored=staged - known)


def _days(end: str) -> str:
    """An episode's days from its start to `end` (0 without an end), as its bed days count them."""
    return f"COALESCE({end} - start_date, 0)"


def _last_rows_postgresql(cursor) -> None:
    """The staged rows of patients here, the last of any repeated key only."""
    key = ", ".join(KEY)
    cursor.execute(f"CREATE TEMPORARY TABLE {LAST} AS SELECT DISTINCT ON ({key}) s.line, p.id AS patient_id, "
                   f"s.episode_type, s.start_date, s.end_date, s.episode_ref, s.clear_end FROM {STAGE} s "
                   f"JOIN {PATIENTS} p ON p.nhs_number = s.nhs_number ORDER BY {key}, s.line DESC")
    cursor.execute(f"ANALYZE {LAST}")


def _last_rows_portable(cursor) -> None:
    """The same in plain SQL that SQLite (the demo database) understands."""
    cursor.execute(f"CREATE TEMPORARY TABLE {LAST} AS SELECT s.line, p.id AS patient_id, s.episode_type, "
                   f"s.start_date, s.end_date, s.episode_ref, s.clear_end FROM {STAGE} s "
                   f"JOIN {PATIENTS} p ON p.nhs_number = s.nhs_number")
    cursor.execute(f"CREATE INDEX {LAST}_key ON {LAST} ({', '.join(KEY)}, line)")
    cursor.execute(f"DELETE FROM {LAST} WHERE EXISTS (SELECT 1 FROM {LAST} b WHERE "
                   + " AND ".join(f"b.{c} = {LAST}.{c}" for c in KEY) + f" AND b.line > {LAST}.line)")
