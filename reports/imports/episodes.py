"""Hospital episodes: the commissioner's extract, perhaps millions of rows. Rows are checked in Python as they
stream in, staged in a temporary table (COPY on PostgreSQL), then merged by natural key in a few statements."""

import csv
import io

from django.db import connection

from reports.imports import fields as f
from reports.imports.base import Cells, Counts, Handler
from reports.imports.reader import Row
from reports.models import EpisodeType, HospitalEpisode
from sps.lib.nhs_number import nhs_number_error, normalise_nhs_number

STAGE = "import_episode_stage"
KEY = ("nhs_number", "episode_type", "start_date", "episode_ref")
TYPES = frozenset(EpisodeType.values)


class EpisodesHandler(Handler):
    kind = "episodes"
    columns = {"nhs_number": True, "episode_type": True, "start_date": True, "end_date": False, "episode_ref": False}
    chunk_size = 20000

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (line integer, nhs_number varchar(10), "
                           "episode_type varchar(20), start_date date, end_date date, episode_ref varchar(50), "
                           "patient_id bigint)")
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '64MB'")

    def clean(self, row: Row) -> tuple:
        values = row.values
        nhs = normalise_nhs_number(values["nhs_number"])
        episode_type = values["episode_type"]
        try:  # the common case, quickly; any doubt goes the careful way below for its messages
            start = f.date("start_date", values["start_date"], required=True)
            end = f.date("end_date", values.get("end_date", ""))
            if nhs_number_error(nhs) is None and episode_type in TYPES and (end is None or end >= start):
                return (row.line, nhs, episode_type, start, end, values.get("episode_ref", ""))
        except f.CellError:
            pass
        c = Cells(row)
        c(f.nhs_number, "nhs_number")
        c(f.choice, "episode_type", EpisodeType.values)
        start, end = c(f.date, "start_date", required=True), c(f.date, "end_date")
        if start and end and end < start:
            c.error("end_date", f"{end:%d/%m/%Y} is before the start date")
        c.done()
        raise AssertionError("a row that failed the quick check passed the careful one")  # pragma: no cover

    def write(self, items: list[tuple]):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows((line, nhs, kind, start.isoformat(), end.isoformat() if end else "", ref)
                                 for line, nhs, kind, start, end, ref in items)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {STAGE} (line, nhs_number, episode_type, start_date, end_date, episode_ref) "
                    "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (episode_ref))", buffer)
            else:
                cursor.executemany(f"INSERT INTO {STAGE} (line, nhs_number, episode_type, start_date, end_date, "
                                   "episode_ref) VALUES (%s, %s, %s, %s, %s, %s)", items)
        return Counts(), []

    def finish(self) -> Counts:
        """Merge the staged rows: unknown NHS numbers are ignored; a repeated row counts once (the last);
        a known episode with another end date is updated; the rest are created."""
        episodes = HospitalEpisode._meta.db_table
        patients = "referrals_patient"
        same_key = " AND ".join(f"e.{c} = s.{c}" for c in ("patient_id", "episode_type", "start_date",
                                                           "episode_ref"))
        differs = "e.end_date IS DISTINCT FROM s.end_date" if connection.vendor == "postgresql" \
            else "e.end_date IS NOT s.end_date"
        counts = Counts()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {STAGE}")
            cursor.execute(f"UPDATE {STAGE} AS s SET patient_id = p.id FROM {patients} p "
                           "WHERE p.nhs_number = s.nhs_number")
            cursor.execute(f"DELETE FROM {STAGE} WHERE patient_id IS NULL")
            counts.ignored = cursor.rowcount
            cursor.execute(f"CREATE INDEX {STAGE}_key ON {STAGE} (patient_id, episode_type, start_date, "
                           "episode_ref, line)")
            cursor.execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {STAGE} b WHERE "
                           + " AND ".join(f"b.{c} = {STAGE}.{c}" for c in ("patient_id", "episode_type",
                                                                          "start_date", "episode_ref"))
                           + f" AND b.line > {STAGE}.line)")
            repeated = cursor.rowcount
            cursor.execute(f"SELECT COUNT(*) FROM {STAGE} s JOIN {episodes} e ON {same_key}")
            matched = cursor.fetchone()[0]
            cursor.execute(f"UPDATE {episodes} AS e SET end_date = s.end_date, batch_id = %s FROM {STAGE} s "
                           f"WHERE {same_key} AND {differs}", [self.batch.pk])
            counts.updated = cursor.rowcount
            cursor.execute(f"INSERT INTO {episodes} (patient_id, episode_type, start_date, end_date, episode_ref, "
                           f"batch_id) SELECT s.patient_id, s.episode_type, s.start_date, s.end_date, s.episode_ref, "
                           f"%s FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM {episodes} e WHERE {same_key})",
                           [self.batch.pk])
            counts.created = cursor.rowcount
            counts.unchanged = matched - counts.updated + repeated
            cursor.execute(f"DROP TABLE {STAGE}")
        return counts
