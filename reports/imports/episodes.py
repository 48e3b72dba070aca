"""Hospital episodes: the commissioner's extract, perhaps millions of rows. Each row is checked in Python as it
streams in and staged, as checked text, in a temporary table (COPY on PostgreSQL); the database then finds the
patients, counts the rows for people the service never saw (ignored), keeps the last of any repeated row, and
updates or inserts by natural key in two statements."""

import csv
import datetime as dt
import io
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from django.db import connection

from referrals.models import Patient
from reports.evaluation import add_hospital_use, count_hospital_use
from reports.imports import fields as f
from reports.imports.base import DATE, MAX_CHANGES_SHOWN, Cells, Counts, FieldChange, Handler, shown_value
from reports.imports.reader import Row
from reports.models import ComparisonEpisode, ComparisonPerson, EpisodeType, HospitalEpisode
from sps.lib.nhs_number import nhs_number_error, normalise_nhs_number

STAGE = "import_episode_stage"
LAST = f"{STAGE}_last"
CHANGED = f"{STAGE}_changed"
TOUCHED = f"{STAGE}_touched"
TYPES = frozenset(EpisodeType.values)
REF_LENGTH = HospitalEpisode._meta.get_field("episode_ref").max_length
COPY = (f"COPY {STAGE} (line, person_ref, episode_type, start_date, end_date, episode_ref, clear_end) "
        "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (episode_ref))")


class Target(NamedTuple):
    """Where an extract's episodes go: the people they are for (found by `person_ref`), the table they go to, and
    its column for the person. Only the service's own patients' episodes are kept counted (HospitalUse)."""

    people: str
    person_ref: str
    episodes: str
    person_id: str
    counts_use: bool

    @property
    def key(self) -> tuple[str, ...]:
        return (self.person_id, "episode_type", "start_date", "episode_ref")


PATIENTS = Target(Patient._meta.db_table, "nhs_number", HospitalEpisode._meta.db_table, "patient_id", True)
COMPARISON = Target(ComparisonPerson._meta.db_table, "pseudo_id", ComparisonEpisode._meta.db_table, "person_id",
                    False)


# An extract names the same people and days again and again: each is checked once.
@lru_cache(maxsize=1 << 17)
def _checked_nhs_number(raw: str) -> str | None:
    if nhs_number_error(raw) is None:
        return raw if len(raw) == 10 else normalise_nhs_number(raw)
    return None


def _checked_pseudo_id(raw: str) -> str | None:
    return raw if f.PSEUDO_ID.fullmatch(raw) else None


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
    target = PATIENTS
    # The person's reference (the first column): the quick check (its stored form, or None), and the careful one.
    checked_ref = staticmethod(_checked_nhs_number)
    parse_ref = staticmethod(f.nhs_number)

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (line integer, person_ref varchar(64), "
                           "episode_type varchar(20), start_date date, end_date date, "
                           f"episode_ref varchar({REF_LENGTH}), clear_end boolean)")
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '128MB'")
                # The staged rows are looked up in the episodes by key. At the default (4, for spinning disks) the
                # planner reads all of a national table instead of 200,000 keys' index pages: 7 s against 1 s.
                cursor.execute("SET LOCAL random_page_cost = 1.1")

    def clean_chunk(self, header: list[str], chunk: list[tuple[int, list[str]]]) -> tuple[list, list]:
        """The quick check of a million rows, straight from their cells (no row objects: 3 s of a million-row
        import); any doubt goes the careful way, clean(), for its messages."""
        position = {name: i for i, name in enumerate(header)}
        blank = len(header)  # an absent optional column reads as the blank appended to each row's cells
        pick = itemgetter(*(position.get(name, blank) for name in self.columns))
        valid, doubtful = [], []
        add, checked_ref = valid.append, self.checked_ref
        for line, cells in chunk:
            cells.append("")
            person_cell, episode_type, start_cell, end_cell, ref = pick(cells)
            person = checked_ref(person_cell)
            start = _iso_date(start_cell) if start_cell else None
            # A blank end date leaves a stored one alone (a later extract may leave out what an earlier one had);
            # CLEAR_WORD removes it.
            clear_end = end_cell[:1] == "[" and f.is_clear(end_cell)  # most cells are blank or a date
            end = _iso_date(end_cell) if end_cell and not clear_end else ""
            # ISO dates compare as text. A NUL character could only hide in the reference: the rest are checked.
            if person and start and end is not None and episode_type in TYPES and (not end or end >= start) \
                    and len(ref) <= REF_LENGTH and not (ref[:1] == "[" and f.is_clear(ref)) and "\x00" not in ref:
                add((line, person, episode_type, start, end, ref, True if clear_end else None))  # None: short
            else:
                del cells[-1]
                doubtful.append((line, cells))
        checked, rejected = super().clean_chunk(header, doubtful)
        return valid + checked, rejected

    def clean(self, row: Row) -> tuple:
        """A row the quick check doubted: the careful check, which names what is wrong."""
        c = Cells(row)
        c(self.parse_ref, next(iter(self.columns)))
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
                cursor.executemany(f"INSERT INTO {STAGE} (line, person_ref, episode_type, start_date, end_date, "
                                   "episode_ref, clear_end) VALUES (%s, %s, %s, %s, NULLIF(%s, ''), %s, %s)", items)
        return Counts(), []

    def finish(self) -> Counts:
        changes = []
        with connection.cursor() as cursor:
            counts = merge_stage(cursor, self.target, self.batch.pk, portable=connection.vendor != "postgresql",
                                 changes=changes)
            cursor.execute(f"DROP TABLE {STAGE}")
        for line, episode_type, start, old, new in changes:
            self.record_change(line, f"{episode_type}, {shown_value(_date(start))}",
                               [FieldChange("end_date", shown_value(_date(old)), shown_value(_date(new)))])
        self.changed_rows = counts.updated
        return counts


class ComparisonEpisodesHandler(EpisodesHandler):
    kind = "comparison_episodes"
    columns = {"pseudo_id": True, "episode_type": True, "start_date": True, "end_date": False, "episode_ref": False}
    about = ("The comparison people's hospital episodes (evaluation.md section 5), one row per episode; give the "
             "last date the extract covers. Rows for a pseudo id not in the comparison extract are counted as "
             "ignored.")
    key = ("pseudo_id", "episode_type", "start_date", "episode_ref")
    notes = {**{"pseudo_id": "The comparison person's pseudo id, as in the comparison extract."},
             **{name: note for name, note in EpisodesHandler.notes.items() if name != "nhs_number"}}
    example = [
        {"pseudo_id": "C-000417", "episode_type": "nel_admission", "start_date": "2025-01-05",
         "end_date": "2025-01-09", "episode_ref": "S1001"},
        {"pseudo_id": "C-000417", "episode_type": "ae_attendance", "start_date": "2025-03-02", "end_date": "",
         "episode_ref": ""},
    ]
    target = COMPARISON
    checked_ref = staticmethod(_checked_pseudo_id)
    parse_ref = staticmethod(f.pseudo_id)
    shows_changes = False


def _date(value):
    """A date as the database gives it back (SQLite: as text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def merge_stage(cursor, target: Target, batch_id: int, *, portable: bool, changes: list | None = None) -> Counts:
    """Merge the staged rows by natural key into `target`. Rows for people not there are ignored; a row repeated in
    the file counts once (the last one); a known episode given another end date (or told to clear it) is updated,
    one whose end date is blank in the file is left alone; the others are created. `changes` receives the first
    updated rows as (line, type, start date, stored end date, new end date)."""
    merge = _merge_portable if portable else _merge_postgresql
    staged, known, created, updated = merge(cursor, target, batch_id)
    if changes is not None:
        cursor.execute(f"SELECT line, episode_type, start_date, old_end, new_end FROM {CHANGED} ORDER BY line "
                       f"LIMIT {MAX_CHANGES_SHOWN}")
        changes.extend(cursor.fetchall())
    cursor.execute(f"DROP TABLE {CHANGED}")
    cursor.execute(f"DROP TABLE {LAST}")
    return Counts(created=created, updated=updated, unchanged=known - created - updated, ignored=staged - known)


def _same_key(target: Target, a: str = "e", b: str = "s") -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in target.key)


def _columns(target: Target, alias: str = "") -> str:
    return ", ".join(f"{alias}{c}" for c in target.key)


def _differs(distinct: str) -> str:
    """A staged row s changes the stored episode e: it clears a stored end date, or gives another."""
    return (f"((s.clear_end AND e.end_date IS NOT NULL) "
            f"OR (s.end_date IS NOT NULL AND e.end_date {distinct} s.end_date))")


def _find_changed(cursor, target: Target, *, distinct: str, where: str = "") -> None:
    """The episodes to update, with their end dates now and after, found in one pass over the staged rows: the
    update then only looks up those (most quarterly extracts repeat the last with few changes)."""
    cursor.execute(f"CREATE TEMPORARY TABLE {CHANGED} AS SELECT s.line, {_columns(target, 's.')}, "
                   f"e.end_date AS old_end, s.end_date AS new_end FROM {LAST} s JOIN {target.episodes} e "
                   f"ON {_same_key(target)} WHERE {_differs(distinct)} {where}")


def _update_changed(cursor, target: Target, batch_id: int) -> int:
    cursor.execute(f"UPDATE {target.episodes} AS e SET end_date = s.new_end, batch_id = %s FROM {CHANGED} s "
                   f"WHERE {_same_key(target)}", [batch_id])
    return cursor.rowcount


def _merge_postgresql(cursor, target: Target, batch_id: int) -> tuple[int, int, int, int]:
    """New episodes first, in one pass that looks each key up once (ON CONFLICT DO NOTHING), noting each in
    TOUCHED; the changed ones are then looked for only among the rest, so a first import of a million new rows
    does not look them all up twice (4.5 s at national size). For the service's patients TOUCHED then brings the
    kept hospital use up to date: each new episode and the days of each changed end date."""
    cursor.execute(f"ANALYZE {STAGE}")  # for a good plan: the planner knows nothing of a table filled just now
    cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
    staged = cursor.fetchone()[0]
    known = _last_rows_postgresql(cursor, target)
    key = _columns(target)
    cursor.execute(f"CREATE TEMPORARY TABLE {TOUCHED} ({target.person_id} bigint, episode_type varchar(20), "
                   f"start_date date, episode_ref varchar({REF_LENGTH}), n integer, days integer)")
    # In key order: the primary-key index then grows at its end instead of everywhere at once.
    cursor.execute(f"WITH new AS (INSERT INTO {target.episodes} ({key}, end_date, batch_id) "
                   f"SELECT {_columns(target, 's.')}, s.end_date, %s FROM {LAST} s ORDER BY {key} "
                   f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}, end_date) "
                   f"INSERT INTO {TOUCHED} SELECT {key}, 1, {_days('end_date')} FROM new", [batch_id])
    created = cursor.rowcount
    cursor.execute(f"ANALYZE {TOUCHED}")
    _find_changed(cursor, target, distinct="IS DISTINCT FROM",
                  where=f"AND NOT EXISTS (SELECT 1 FROM {TOUCHED} t WHERE {_same_key(target, 't')})")
    updated = _update_changed(cursor, target, batch_id)
    if target.counts_use:
        cursor.execute(f"INSERT INTO {TOUCHED} SELECT {key}, 0, {_days('new_end')} - {_days('old_end')} "
                       f"FROM {CHANGED}")
        add_hospital_use(cursor, TOUCHED)
    cursor.execute(f"DROP TABLE {TOUCHED}")
    return staged, known, created, updated


def _merge_portable(cursor, target: Target, batch_id: int) -> tuple[int, int, int, int]:
    """The same in plain SQL that SQLite (the demo database) understands: changes first, then the new rows."""
    cursor.execute(f"SELECT COUNT(*), COUNT(p.id) FROM {STAGE} s LEFT JOIN {target.people} p "
                   f"ON p.{target.person_ref} = s.person_ref")
    staged, known = cursor.fetchone()
    _last_rows_portable(cursor, target)
    _find_changed(cursor, target, distinct="IS NOT")
    updated = _update_changed(cursor, target, batch_id)
    cursor.execute(f"INSERT INTO {target.episodes} ({_columns(target)}, end_date, batch_id) "
                   f"SELECT {_columns(target, 's.')}, s.end_date, %s FROM {LAST} s "
                   f"WHERE NOT EXISTS (SELECT 1 FROM {target.episodes} e WHERE {_same_key(target)})", [batch_id])
    created = cursor.rowcount
    if target.counts_use:
        # SQLite cannot say which rows an INSERT made: on the demo's sizes, every patient of the file counted again.
        count_hospital_use(cursor, f"SELECT patient_id FROM {LAST}")
    return staged, known, created, updated


def _days(end: str) -> str:
    """An episode's days from its start to `end` (0 without an end), as its bed days count them."""
    return f"COALESCE({end} - start_date, 0)"


def _last_rows_postgresql(cursor, target: Target) -> int:
    """The staged rows of people there, the last of any repeated key only; returns how many rows there were
    before the repeats went (counted in the same sort as DISTINCT ON, whose order the window's matches, instead of a
    join of its own: 0.9 s at national size)."""
    key = _columns(target)
    cursor.execute(f"CREATE TEMPORARY TABLE {LAST} AS SELECT DISTINCT ON ({key}) s.line, p.id AS {target.person_id}, "
                   f"s.episode_type, s.start_date, s.end_date, s.episode_ref, s.clear_end, "
                   f"COUNT(*) OVER (PARTITION BY p.id, s.episode_type, s.start_date, s.episode_ref "
                   f"ORDER BY s.line DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS repeats "
                   f"FROM {STAGE} s JOIN {target.people} p ON p.{target.person_ref} = s.person_ref "
                   f"ORDER BY {key}, s.line DESC")
    cursor.execute(f"ANALYZE {LAST}")
    cursor.execute(f"SELECT CAST(COALESCE(SUM(repeats), 0) AS bigint) FROM {LAST}")
    return cursor.fetchone()[0]


def _last_rows_portable(cursor, target: Target) -> None:
    """The same in plain SQL that SQLite (the demo database) understands."""
    cursor.execute(f"CREATE TEMPORARY TABLE {LAST} AS SELECT s.line, p.id AS {target.person_id}, s.episode_type, "
                   f"s.start_date, s.end_date, s.episode_ref, s.clear_end FROM {STAGE} s "
                   f"JOIN {target.people} p ON p.{target.person_ref} = s.person_ref")
    cursor.execute(f"CREATE INDEX {LAST}_key ON {LAST} ({_columns(target)}, line)")
    cursor.execute(f"DELETE FROM {LAST} WHERE EXISTS (SELECT 1 FROM {LAST} b WHERE "
                   + _same_key(target, "b", LAST) + f" AND b.line > {LAST}.line)")
