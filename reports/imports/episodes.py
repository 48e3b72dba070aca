"""Hospital episodes: the commissioner's extract, perhaps millions of rows. Each row is checked in Python as it
streams in and staged, as checked text, in a temporary table (COPY on PostgreSQL); the database then finds the
patients, counts the rows for people the service never saw (ignored), keeps the last of any repeated row, and
updates or inserts by natural key in two statements."""

import csv
import io
from functools import lru_cache

from django.db import connection

from referrals.models import Patient
from reports.imports import fields as f
from reports.imports.base import Cells, Counts, Handler
from reports.imports.reader import Row
from reports.models import EpisodeType, HospitalEpisode
from sps.lib.nhs_number import nhs_number_error, normalise_nhs_number

STAGE = "import_episode_stage"
LAST = f"{STAGE}_last"
KEY = ("patient_id", "episode_type", "start_date", "episode_ref")
TYPES = frozenset(EpisodeType.values)
REF_LENGTH = HospitalEpisode._meta.get_field("episode_ref").max_length
PATIENTS = Patient._meta.db_table
EPISODES = HospitalEpisode._meta.db_table
COPY = (f"COPY {STAGE} (line, nhs_number, episode_type, start_date, end_date, episode_ref) "
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
    chunk_size = 50000

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (line integer, nhs_number varchar(10), "
                           "episode_type varchar(20), start_date date, end_date date, "
                           f"episode_ref varchar({REF_LENGTH}))")
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '128MB'")

    def clean(self, row: Row) -> tuple:
        values = row.values
        nhs = _checked_nhs_number(values["nhs_number"])
        episode_type = values["episode_type"]
        start = _iso_date(values["start_date"]) if values["start_date"] else None
        end = _iso_date(values["end_date"]) if values.get("end_date") else ""
        ref = values.get("episode_ref", "")
        # ISO dates compare as text; any doubt goes the careful way below, for its messages.
        if nhs and start and end is not None and episode_type in TYPES and (not end or end >= start) \
                and len(ref) <= REF_LENGTH:
            return (row.line, nhs, episode_type, start, end, ref)
        c = Cells(row)
        c(f.nhs_number, "nhs_number")
        c(f.choice, "episode_type", EpisodeType.values)
        c(f.text, "episode_ref", max_length=REF_LENGTH, required=False)
        start, end = c(f.date, "start_date", required=True), c(f.date, "end_date")
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
                                   "episode_ref) VALUES (%s, %s, %s, %s, NULLIF(%s, ''), %s)", items)
        return Counts(), []

    def finish(self) -> Counts:
        with connection.cursor() as cursor:
            counts = merge_stage(cursor, self.batch.pk, portable=connection.vendor != "postgresql")
            cursor.execute(f"DROP TABLE {STAGE}")
        return counts


def merge_stage(cursor, batch_id: int, *, portable: bool) -> Counts:
    """Merge the staged rows by natural key. Rows for people who are not patients here are ignored; a row
    repeated in the file counts once (the last one); a known episode with another end date is updated; the
    others are created."""
    if not portable:
        cursor.execute(f"ANALYZE {STAGE}")  # for a good plan: the planner knows nothing of a table filled just now
    cursor.execute(f"SELECT COUNT(*), COUNT(p.id) FROM {STAGE} s LEFT JOIN {PATIENTS} p ON p.nhs_number = s.nhs_number")
    staged, known = cursor.fetchone()
    (_last_rows_portable if portable else _last_rows_postgresql)(cursor)
    same_key = " AND ".join(f"e.{c} = s.{c}" for c in KEY)
    differs = "e.end_date IS NOT s.end_date" if portable else "e.end_date IS DISTINCT FROM s.end_date"
    cursor.execute(f"UPDATE {EPISODES} AS e SET end_date = s.end_date, batch_id = %s FROM {LAST} s "
                   f"WHERE {same_key} AND {differs}", [batch_id])
    updated = cursor.rowcount
    # In key order: the primary-key index then grows at its end instead of everywhere at once.
    cursor.execute(f"INSERT INTO {EPISODES} ({', '.join(KEY)}, end_date, batch_id) "
                   f"SELECT {', '.join(f's.{c}' for c in KEY)}, s.end_date, %s FROM {LAST} s "
                   f"WHERE NOT EXISTS (SELECT 1 FROM {EPISODES} e WHERE {same_key}) ORDER BY {', '.join(KEY)}",
                   [batch_id])
    created = cursor.rowcount
    cursor.execute(f"DROP TABLE {LAST}")
    return Counts(created=created, updated=updated, unchanged=known - created - updated, ignored=staged - known)


def _last_rows_postgresql(cursor) -> None:
    """The staged rows of patients here, the last of any repeated key only."""
    key = ", ".join(KEY)
    cursor.execute(f"CREATE TEMPORARY TABLE {LAST} AS SELECT DISTINCT ON ({key}) p.id AS patient_id, "
                   f"s.episode_type, s.start_date, s.end_date, s.episode_ref FROM {STAGE} s "
                   f"JOIN {PATIENTS} p ON p.nhs_number = s.nhs_number ORDER BY {key}, s.line DESC")
    cursor.execute(f"ANALYZE {LAST}")


def _last_rows_portable(cursor) -> None:
    """The same in plain SQL that SQLite (the demo database) understands."""
    cursor.execute(f"CREATE TEMPORARY TABLE {LAST} AS SELECT s.line, p.id AS patient_id, s.episode_type, "
                   f"s.start_date, s.end_date, s.episode_ref FROM {STAGE} s "
                   f"JOIN {PATIENTS} p ON p.nhs_number = s.nhs_number")
    cursor.execute(f"CREATE INDEX {LAST}_key ON {LAST} ({', '.join(KEY)}, line)")
    cursor.execute(f"DELETE FROM {LAST} WHERE EXISTS (SELECT 1 FROM {LAST} b WHERE "
                   + " AND ".join(f"b.{c} = {LAST}.{c}" for c in KEY) + f" AND b.line > {LAST}.line)")
