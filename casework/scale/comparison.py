"""A synthetic comparison extract (evaluation.md section 5) of any size, for the impact report's benchmark: people
like those generate_scale_data refers (their ages and sexes, hospital use at a rate of their own), never referred,
with their hospital episodes over the years the referrals' windows cover. Generated in chunks with numpy and
loaded with COPY, like the rest of the scale data; the same seed and dates give the same rows."""

import datetime as dt
import time

import numpy as np
from django.db import connection, transaction
from django.db.models import Min

from casework.scale.copying import NULL, copy
from casework.scale.generate import EPOCH, ages, iso_dates
from referrals.models import Referral
from reports.evaluation import latest_data_until
from reports.models import ComparisonEpisode, ComparisonPerson, ImportBatch

CHUNK = 100_000  # people generated and loaded at a time: bounded memory at any size
# Episodes a year: half the referred people's rates (casework/scale/generate.py), about 8 a person over the four
# years a financial year's windows span; use falls 5% a year whatever happens (what would have happened anyway).
RATES = {"ae_attendance": 0.42, "nel_admission": 0.28, "outpatient": 1.3}
ANYWAY = 0.95
TYPES = ["ae_attendance", "nel_admission", "outpatient", "nel_fce"]


def generate_comparison(*, people: int, seed: int, log=print) -> int:
    """Load `people` comparison people and their episodes, from a year before the first referral to the end of the
    hospital data, as two import batches; the episodes loaded."""
    first = Referral.objects.aggregate(first=Min("referral_date"))["first"]
    start, covered_until = first - dt.timedelta(days=365), latest_data_until()
    began, episodes = time.monotonic(), 0
    with transaction.atomic(), connection.cursor() as cursor:
        people_batch = ImportBatch.objects.create(kind="comparison", file_name="generate_scale_data", created=people)
        batch = ImportBatch.objects.create(kind="comparison_episodes", file_name="generate_scale_data",
                                           covered_until=covered_until)
        first_id = (ComparisonPerson.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for chunk, first in enumerate(range(0, people, CHUNK)):
            rng = np.random.default_rng([seed, 7, chunk])
            ids = np.arange(first_id + first, first_id + min(people, first + CHUNK))
            frailty = _people(cursor, rng, ids, people_batch.pk, start)
            episodes += _episodes(cursor, rng, ids, frailty, batch.pk, start, covered_until)
            log(f"{first + len(ids):,} comparison people, {episodes:,} episodes: {time.monotonic() - began:.1f} s")
        ImportBatch.objects.filter(pk=batch.pk).update(created=episodes)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{ComparisonPerson._meta.db_table}', 'id'), "
                       f"(SELECT MAX(id) FROM {ComparisonPerson._meta.db_table}))")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ComparisonPerson._meta.db_table}, {ComparisonEpisode._meta.db_table}")
    return episodes


def _people(cursor, rng, ids: np.ndarray, batch: int, start: dt.date) -> np.ndarray:
    """The people, aged as those referred (half 80 and over), 58% women; their rates as multiples of the usual."""
    n = len(ids)
    age = ages(rng, n)
    frailty = rng.gamma(4.0, 0.25, n)
    risk = np.clip(np.round(30 + 30 * frailty + rng.normal(0, 10, n)), 0, 100).astype(int)
    copy(cursor, ComparisonPerson, {
        "id": ids.astype(str).tolist(), "pseudo_id": np.char.add("G", ids.astype(str)).tolist(),
        "year_of_birth": (start.year + 1 - age).astype(str).tolist(),
        "sex": np.where(rng.random(n) < 0.58, "F", "M").tolist(),
        "risk_score": np.where(rng.random(n) < 0.6, risk.astype(str), NULL).tolist(), "batch_id": str(batch),
    }, n)
    return frailty


def _episodes(cursor, rng, ids: np.ndarray, frailty: np.ndarray, batch: int, start: dt.date,
              covered_until: dt.date) -> int:
    first, last = (start - EPOCH).days, (covered_until - EPOCH).days
    years = (last - first) // 365 + 1
    parts = []
    for type_code, name in enumerate(TYPES[:3]):
        for year in range(years):
            count = rng.poisson(RATES[name] * frailty * ANYWAY ** year)
            who = np.repeat(np.arange(len(ids)), count)
            parts.append((who, np.full(len(who), type_code), first + 365 * year + rng.integers(0, 365, len(who))))
    who, kind, day = (np.concatenate([part[i] for part in parts]) for i in range(3))
    keep = day <= last
    who, kind, day = who[keep], kind[keep], day[keep]
    spells = np.flatnonzero(kind == 1)  # each admission with one finished consultant episode
    stay = np.maximum(1, rng.poisson(6.5, len(who)))
    end = np.where((kind == 1) & (day + stay <= last), day + stay, 0)
    who, kind, day = np.concatenate([who, who[spells]]), np.concatenate([kind, np.full(len(spells), 3)]), \
        np.concatenate([day, day[spells]])
    end = np.concatenate([end, np.zeros(len(spells), int)])
    order = np.lexsort((day, kind, who))
    who, kind, day, end = who[order], kind[order], day[order], end[order]
    return copy(cursor, ComparisonEpisode, {
        "person_id": ids[who].astype(str).tolist(), "episode_type": np.asarray(TYPES, dtype=object)[kind].tolist(),
        "start_date": iso_dates(day), "end_date": iso_dates(end, end > 0),
        "episode_ref": np.char.add("E", np.arange(len(who)).astype(str)).tolist(), "batch_id": str(batch),
    }, len(who))
