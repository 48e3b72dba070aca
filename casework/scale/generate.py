"""A synthetic dataset of any size with the demo's proportions, for benchmarks at national scale (issue 13).

Per referral: about 0.9 patients, 1.6 onward referrals, 2 star readings (each with its visit) and 7 hospital
episodes (about 8 per patient, in the year before and the year after their first referral); a practice per 170
referrals, an adviser per 400, a provider per 100. Each table is generated in chunks with numpy and loaded with
PostgreSQL's COPY, so that 1.3 million referrals load in minutes; the same --seed and --today give the same rows.
"""


import datetime as dt
import json
import random
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.scale.copying import NULL, add_foreign_keys, copy, drop_foreign_keys, reset_sequences
from outcomes.demo import BASELINE_WEIGHTS, NOTES
from outcomes.models import Assessment, StarReading
from outcomes.star import AREA_KEYS
from providers.demo import AREAS, KIND_WEIGHTS, OPENING_TIMES, SIGNPOSTS, create_postcodes
from providers.models import Budget, Grant, OnwardReferral, Postcode, Provider, Service
from referrals.demo import BME_CODES, CLOSURE_REASONS, CONDITIONS, DECLINE_REASONS, NEED_WEIGHTS, REASONS, STREETS
from referrals.models import Patient, Referral
from reports.evaluation import count_hospital_use
from reports.models import HospitalEpisode, ImportBatch, ProgrammeCost, ReferralTarget
from sps.categories import Category
from sps.demo import FAMILY, GIVEN_F, GIVEN_M, KINDS, PLACES, POSTCODE_LETTERS
from sps.lib.nhs_number import with_check_digit
from sps.models import Practice, Role, User
from sps.periods import financial_year_of

EPOCH = dt.date(1970, 1, 1)
# The namespace of generated providers' and services' Open Referral UK ids: made from their codes, the same each run.
SCALE_IDS = uuid.UUID("0d3b6c1e-7f1a-5c2e-8b4f-2a9d6e5c1b07")
CHUNK = 20_000  # patients generated and loaded at a time: bounded memory at any size
REFERRALS_PER = {"practice": 170, "adviser": 400, "provider": 100}
PATIENTS_PER_REFERRAL = 0.9
# Hospital episodes a year per person (the demo's rates, two thirds), and after referral for people who engaged.
EPISODE_RATES = {"ae_attendance": 0.85, "nel_admission": 0.55, "outpatient": 2.6}
ENGAGED_AFTER = {"ae_attendance": 0.8, "nel_admission": 0.8, "outpatient": 0.9}
EPISODE_TYPES = ["ae_attendance", "nel_admission", "outpatient", "nel_fce"]
STATUSES = ["received", "accepted", "declined", "withdrawn", "assessed", "active", "closed"]
S = {name: code for code, name in enumerate(STATUSES)}
ONWARD_KINDS = list(KIND_WEIGHTS)
ONWARD_STATUSES = ["sent", "declined", "withdrawn", "accepted", "did_not_attend", "started", "completed"]
OS = {name: code for code, name in enumerate(ONWARD_STATUSES)}
# The big tables, loaded chunk by chunk.
LOADED = [Patient, Referral, Assessment, StarReading, OnwardReferral]


@dataclass
class Totals:
    rows: dict = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n


def generate(*, referrals: int, seed: int, years: int, today: dt.date, log=print) -> Totals:
    """Generate and load everything in one transaction, then ANALYZE."""
    totals = Totals()
    began = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        world = _world(cursor, referrals=referrals, seed=seed, years=years, today=today, totals=totals)
        log(f"Practices, logins, providers and grants: {time.monotonic() - began:.1f} s")
        patients = round(referrals * PATIENTS_PER_REFERRAL)
        ids = {"patient": _next_id(Patient), "referral": _next_id(Referral), "assessment": _next_id(Assessment),
               "reading": _next_id(StarReading), "onward": _next_id(OnwardReferral), "spell": 1}
        keys = drop_foreign_keys(cursor, LOADED)
        for chunk, first in enumerate(range(0, patients, CHUNK)):
            _chunk(cursor, world, np.random.default_rng([seed, chunk]), first, min(patients, first + CHUNK),
                   ids, totals)
            if chunk % 10 == 9:
                log(f"{first + CHUNK:,} patients: {time.monotonic() - began:.1f} s")
        add_foreign_keys(cursor, keys)
        log(f"Foreign keys checked: {time.monotonic() - began:.1f} s")
        # As the import keeps it; after ANALYZE, so that the counting is planned for the tables' new sizes.
        cursor.execute(f"ANALYZE {Referral._meta.db_table}, {HospitalEpisode._meta.db_table}")
        count_hospital_use(cursor)
        log(f"Hospital use counted: {time.monotonic() - began:.1f} s")
        ImportBatch.objects.filter(pk=world.batch_id).update(created=totals.rows.get("hospital episodes", 0))
        reset_sequences(cursor, LOADED)
    log(f"Loaded: {time.monotonic() - began:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"Analysed: {time.monotonic() - began:.1f} s")
    return totals


def _strings(array) -> list[str]:
    return np.asarray(array).astype(str).tolist()


def iso_dates(days, present=None) -> list[str]:
    """Days since 1970 as ISO dates; NULL where `present` is False."""
    text = (np.datetime64("1970-01-01") + np.asarray(days).astype("timedelta64[D]")).astype(str)
    return (text if present is None else np.where(present, text, NULL)).tolist()


def ages(rng, n: int) -> np.ndarray:
    """Ages as the demo's referrals have them: half 80 and over, one in eight 40-59, the rest 60-79."""
    band = rng.random(n)
    return np.select([band < 0.51, band < 0.635], [rng.integers(80, 98, n), rng.integers(40, 60, n)],
                     rng.integers(60, 80, n))


def _pick(pool: list[str], index) -> list[str]:
    return np.asarray(pool, dtype=object)[index].tolist()


# The fixed parts: practices, logins, providers, services, grants --------------------------------------------


@dataclass
class World:
    today: int  # days since 1970
    span: int
    covered_until: int
    batch_id: int
    practice_ids: np.ndarray
    practice_weights: np.ndarray
    gp_of_practice: np.ndarray
    adviser_of_practice: np.ndarray
    services: dict  # onward kind: (service ids, duration weeks, categories)
    pools: dict


def _next_id(model) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _world(cursor, *, referrals: int, seed: int, years: int, today: dt.date, totals: Totals) -> World:
    rng = random.Random(seed)
    counts = {name: max(2, round(referrals / per)) for name, per in REFERRALS_PER.items()}
    practice_ids = _practices(cursor, rng, counts["practice"], totals)
    user_id = _next_id(User)
    password = make_password(settings.DEMO_PASSWORD)
    advisers = np.arange(user_id, user_id + counts["adviser"])
    copy(cursor, User, {
        "id": _strings(advisers), "username": [f"adviser{i + 1}" for i in range(len(advisers))],
        "first_name": [rng.choice(GIVEN_F) for _ in advisers], "last_name": [rng.choice(FAMILY) for _ in advisers],
        "email": [f"adviser{i + 1}@sps.example.nhs.uk" for i in range(len(advisers))], "role": Role.ADVISER,
        "password": password, "is_active": "t", "date_joined": timezone.now().isoformat(),
    }, len(advisers))
    adviser_of_practice = advisers[np.arange(len(practice_ids)) % len(advisers)]
    copy(cursor, Practice.advisers.through, {"practice_id": _strings(practice_ids),
                                             "user_id": _strings(adviser_of_practice)}, len(practice_ids))
    # A GP login per practice, then the manager and the commissioner.
    gps = np.arange(advisers[-1] + 1, advisers[-1] + 1 + len(practice_ids))
    copy(cursor, User, {
        "id": _strings(gps), "username": [f"gp.c{i + 1:05d}" for i in range(len(gps))],
        "first_name": [rng.choice(GIVEN_F) for _ in gps], "last_name": [rng.choice(FAMILY) for _ in gps],
        "email": [f"c{i + 1:05d}@gp.example.nhs.uk" for i in range(len(gps))], "role": Role.GP_STAFF,
        "practice_id": _strings(practice_ids), "password": password, "date_joined": timezone.now().isoformat(),
    }, len(gps))
    reset_sequences(cursor, [User, Practice])  # before the ORM makes its own rows
    for username, first, last, role, staff in [("manager", "Helen", "Ashworth", Role.MANAGER, True),
                                               ("commissioner", "Richard", "Fenwick", Role.COMMISSIONER, False)]:
        user = User.objects.create(username=username, first_name=first, last_name=last, role=role, is_staff=staff,
                                   password=password, email=f"{username}@sps.example.nhs.uk")
        if role == Role.MANAGER:
            # The manager's second factor, already set up as after a first sign-in: the load benchmark
            # (bench/load.py) reads its key from the database and computes the codes, as the app would.
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    services = _providers(cursor, rng, counts["provider"], today, referrals, password, totals)
    totals.add("practices", len(practice_ids))
    totals.add("logins", User.objects.count())
    first_year = financial_year_of(today) - years
    ReferralTarget.objects.bulk_create(
        ReferralTarget(financial_year=year, monthly_referrals=max(1, round(referrals / years / 12)))
        for year in range(first_year, first_year + years + 1))
    _programme_costs(today, years, referrals)
    today_days = (today - EPOCH).days
    covered_until = today - dt.timedelta(days=today.day + 30)  # the extract lags by a month or two
    batch = ImportBatch.objects.create(kind="episodes", file_name="generate_scale_data",
                                       covered_until=covered_until)
    weights = np.array([rng.uniform(0.3, 1.7) for _ in practice_ids])
    return World(today=today_days, span=years * 365, covered_until=(covered_until - EPOCH).days, batch_id=batch.pk,
                 practice_ids=practice_ids, practice_weights=weights / weights.sum(), gp_of_practice=gps,
                 adviser_of_practice=adviser_of_practice, services=services, pools=_pools(rng))


def _practices(cursor, rng: random.Random, count: int, totals: Totals) -> np.ndarray:
    ids = np.arange(_next_id(Practice), _next_id(Practice) + count)
    places = [rng.choice(PLACES) for _ in ids]
    copy(cursor, Practice, {
        "id": _strings(ids), "ods_code": [f"C{i + 1:05d}" for i in range(count)],
        "name": [f"{place} {rng.choice(KINDS)} {i + 1}" for i, place in enumerate(places)],
        "address": [f"{rng.randint(1, 200)} High Street, {place}" for place in places],
        "postcode": [_postcode(rng) for _ in ids], "active": "t",
    }, count)
    return ids


def _postcode(rng: random.Random) -> str:
    district = rng.choice(["S60", "S61", "S62", "S63", "S64", "S65", "S66", "S25", "S26"])
    return f"{district} {rng.randrange(10)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"


def _providers(cursor, rng: random.Random, count: int, today: dt.date, referrals: int, password: str,
               totals: Totals) -> dict:
    """Providers (64% funded VCS, 22% other VCS, 14% statutory) with one or two services each, a grant for each
    funded one, budgets, and a provider staff login for each of the first 20 funded providers."""
    create_postcodes()
    postcodes = list(Postcode.objects.values_list("postcode", flat=True)) or ["S60 1AE"]
    # At least one of each, so that every kind of onward referral has a service, however small the dataset.
    funded, others = max(1, round(count * 0.64)), max(1, round(count * 0.22))
    groups = ["funded"] * funded + ["not_funded"] * others + ["statutory"] * max(1, count - funded - others)
    providers, services = [], []
    categories = list(NEED_WEIGHTS)
    for i, group in enumerate(groups):
        code = f"P{i + 1:05d}"
        providers.append(Provider(
            code=code, oruk_id=uuid.uuid5(SCALE_IDS, code),
            name=f"{rng.choice(PLACES)} {group.replace('_', ' ')} provider {i + 1}",
            kind="statutory" if group == "statutory" else "vcs", contact_name="Referrals coordinator",
            email=f"referrals@{code.lower()}.example.org.uk", phone=f"01709 {rng.randint(200000, 899999)}"))
        for n in range(1 + (rng.random() < 0.35)):
            category = rng.choices(categories, list(NEED_WEIGHTS.values()))[0]
            services.append((group, Service(
                provider=providers[-1], code=f"{code}-{n + 1}", oruk_id=uuid.uuid5(SCALE_IDS, f"{code}-{n + 1}"),
                name=f"{Category(category).label} {i + 1}.{n + 1}", category=category, area=rng.choice(AREAS),
                capacity=rng.randint(15, 60) if group == "funded" else None,
                duration_weeks=rng.randint(4, 16) if group != "statutory" else None,
                description="Support for people with long-term conditions and their carers.",
                postcode=rng.choice(postcodes), address="Community centre", opening_times=rng.choice(OPENING_TIMES),
                phone=providers[-1].phone, email=providers[-1].email)))
    Provider.objects.bulk_create(providers, batch_size=5000)
    Service.objects.bulk_create([s for _, s in services], batch_size=5000)
    # Dated by the dataset's day, not the clock: the same seed gives the same rows.
    Service.objects.update(updated_at=dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC))
    _grants(rng, providers[:funded], [s for g, s in services if g == "funded"], today, referrals)
    User.objects.bulk_create([
        User(username=f"provider{i + 1}", first_name=rng.choice(GIVEN_F), last_name=rng.choice(FAMILY),
             role=Role.PROVIDER_STAFF, provider=provider, password=password,
             email=f"staff{i + 1}@{provider.code.lower()}.example.org.uk")
        for i, provider in enumerate(providers[:min(20, funded)])])
    totals.add("providers", len(providers))
    totals.add("services", len(services))
    by_kind = {"commissioned": "funded", "non_commissioned": "not_funded", "non_vcs": "statutory"}
    return {kind: (np.array([s.id for g, s in services if g == group]),
                   np.array([s.duration_weeks or 10 for g, s in services if g == group]),
                   [s.category for g, s in services if g == group]) for kind, group in by_kind.items()}


def _grants(rng: random.Random, providers: list, services: list, today: dt.date, referrals: int) -> None:
    start = dt.date(financial_year_of(today) - 2, 4, 1)
    end = dt.date(financial_year_of(today) + 1, 3, 31)
    total = 603_000 * referrals / 3600  # the demo's grants, in proportion
    grants = Grant.objects.bulk_create([
        Grant(ref=f"G{i + 1:05d}", provider=provider, amount=round(total / len(providers) * rng.uniform(0.5, 1.5)),
              start_date=start, end_date=end, decision="awarded", decision_date=start - dt.timedelta(days=45),
              target_referrals=rng.randint(50, 300) * max(1, referrals // 100_000), notes="Awarded by the panel.")
        for i, provider in enumerate(providers)], batch_size=5000)
    by_provider = {}
    for service in services:
        by_provider.setdefault(service.provider_id, []).append(service.id)
    Grant.services.through.objects.bulk_create([
        Grant.services.through(grant_id=grant.id, service_id=service_id)
        for grant in grants for service_id in by_provider.get(grant.provider_id, [])], batch_size=5000)
    Budget.objects.bulk_create(
        Budget(name=f"Grants and spot purchases {year}/{(year + 1) % 100:02d}", start_date=dt.date(year, 4, 1),
               end_date=dt.date(year + 1, 3, 31), amount=round(230_000 * referrals / 3600))
        for year in range(start.year - 1, end.year))


def _programme_costs(today: dt.date, years: int, referrals: int) -> None:
    """Staff and running costs a quarter at a time, the demo's in proportion to the number of referrals."""
    scale = referrals / 3600
    quarter = dt.date(today.year - years, 1, 1)
    rows = []
    while quarter <= today:
        rows += [ProgrammeCost(date=quarter, description=description, amount=round(amount * scale))
                 for description, amount in [("Adviser team salaries", 52_000), ("Grant programme payments", 50_250),
                                             ("Management and running costs", 9_500)]]
        quarter = dt.date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
    ProgrammeCost.objects.bulk_create(rows)


def _pools(rng: random.Random) -> dict[str, list[str]]:
    """Pools of made-up text the rows draw from: cheap to index with numpy."""
    needs, weights = list(NEED_WEIGHTS), list(NEED_WEIGHTS.values())
    return {
        "given_f": GIVEN_F, "given_m": GIVEN_M, "family": FAMILY,
        "address": [f"{rng.randint(1, 180)} {rng.choice(STREETS)}" for _ in range(4096)],
        "postcode": [_postcode(rng) for _ in range(4096)],
        "phone": [f"01709 {rng.randint(200000, 899999)}" for _ in range(4096)],
        "conditions": [", ".join(rng.sample(CONDITIONS, rng.randint(1, 3))) for _ in range(1024)],
        "needs": [json.dumps(sorted(set(rng.choices(needs, weights, k=rng.randint(1, 3))))) for _ in range(1024)],
        "ethnicity": list("AAAAAAAAABC"), "bme": BME_CODES, "reason": REASONS, "decline": DECLINE_REASONS,
        "closure": CLOSURE_REASONS, "notes": NOTES, "signpost": SIGNPOSTS,
    }


# The chunks: patients and everything about them ----------------------------------------------------------------


def _nhs_numbers(patient_ids: np.ndarray) -> list[str]:
    """Distinct valid NHS numbers in the 9xx range kept for test data: 900 000 000 + 7 per patient, moved up to
    the next base with a valid check digit (as referrals/tests/factories.py does)."""
    numbers = []
    for pid in patient_ids.tolist():
        base = 900_000_000 + pid * 7
        while (number := with_check_digit(str(base))) is None:
            base += 1
        numbers.append(number)
    return numbers


def _statuses(rng, days_ago: np.ndarray) -> np.ndarray:
    """The demo's status mix by the referral's age: recent ones still received, old ones mostly closed."""
    roll = rng.random(len(days_ago))
    recent = np.select([roll < 0.6, roll < 0.9, roll < 0.95], [S["received"], S["accepted"], S["declined"]],
                       S["withdrawn"])
    middle = np.select([roll < 0.75, roll < 0.9, roll < 0.96], [S["accepted"], S["closed"], S["declined"]],
                       S["withdrawn"])
    old = np.select([roll < 0.02, roll < 0.88, roll < 0.96], [S["accepted"], S["closed"], S["declined"]],
                    S["withdrawn"])
    return np.select([days_ago < 30, days_ago < 180], [recent, middle], old)


def _chunk(cursor, world: World, rng, first: int, last: int, ids: dict, totals: Totals) -> None:
    patients = _patients_and_referrals(world, rng, first, last, ids)
    refs = patients.pop("referrals")
    readings = _readings(world, rng, refs, ids)
    onward = _onward(world, rng, refs, ids)
    # An accepted referral with a baseline is assessed; with onward referrals, active (as the demo moves them).
    supported = np.isin(refs["status"], [S["accepted"]])
    refs["status"][supported & refs["has_baseline"]] = S["assessed"]
    refs["status"][supported & refs["has_onward"]] = S["active"]
    totals.add("patients", copy(cursor, Patient, patients["columns"], patients["n"]))
    totals.add("referrals", copy(cursor, Referral, _referral_columns(world, refs), len(refs["id"])))
    totals.add("visits", copy(cursor, Assessment, readings["visits"], readings["n"]))
    totals.add("star readings", copy(cursor, StarReading, readings["readings"], readings["n"]))
    totals.add("onward referrals", copy(cursor, OnwardReferral, onward["columns"], onward["n"]))
    engaged = refs["has_baseline"] & onward["taken_up"]
    episodes = _episodes(world, rng, patients["ids"], refs, engaged, ids)
    totals.add("hospital episodes", copy(cursor, HospitalEpisode, episodes["columns"], episodes["n"]))


def _patients_and_referrals(world: World, rng, first: int, last: int, ids: dict) -> dict:
    n = last - first
    pools = world.pools
    pids = np.arange(ids["patient"], ids["patient"] + n)
    ids["patient"] += n
    practice = rng.choice(len(world.practice_ids), size=n, p=world.practice_weights)
    # One patient in nine comes back: their first referral is old and ended, the second follows it.
    k = np.arange(first, last)
    again = (k % 9) == 4
    days_ago = np.where(again, rng.integers(500, world.span, n),
                        (world.span * (1 - rng.random(n) ** 0.85)).astype(int))
    status = _statuses(rng, days_ago)
    status[again] = np.select([rng.random(again.sum()) < 0.86, rng.random(again.sum()) < 0.6],
                              [S["closed"], S["declined"]], S["withdrawn"])
    first_refs = _referral_rows(world, rng, days_ago, status)
    # The second referral: 30 to 200 days after the first ended.
    ended = np.where(first_refs["closed"] > 0, first_refs["closed"], first_refs["decided"])[again]
    second_date = ended + rng.integers(30, 200, again.sum())
    second_ago = world.today - second_date
    second_refs = _referral_rows(world, rng, second_ago, _statuses(rng, second_ago))
    refs = {key: np.concatenate([first_refs[key], second_refs[key]]) for key in first_refs}
    owner = np.concatenate([np.arange(n), np.flatnonzero(again)])
    refs["patient"] = pids[owner]
    refs["patient_index"] = owner
    refs["practice"] = practice[owner]
    refs["is_first"] = np.arange(len(owner)) < n
    refs["id"] = np.arange(ids["referral"], ids["referral"] + len(owner))
    ids["referral"] += len(owner)
    female = rng.random(n) < 0.58
    age = ages(rng, n)
    born = first_refs["date"] - (age * 365 + rng.integers(1, 366, n))
    roll = rng.random(n)
    ethnicity = np.where(roll < 0.05, "Z", np.where(
        roll < 0.05 + 0.038, np.array(pools["bme"])[rng.integers(0, len(pools["bme"]), n)],
        np.array(pools["ethnicity"])[rng.integers(0, len(pools["ethnicity"]), n)]))
    given = np.where(female, np.array(pools["given_f"])[rng.integers(0, len(pools["given_f"]), n)],
                     np.array(pools["given_m"])[rng.integers(0, len(pools["given_m"]), n)])
    columns = {
        "id": _strings(pids), "nhs_number": _nhs_numbers(pids), "given_name": given.tolist(),
        "family_name": _pick(pools["family"], rng.integers(0, len(pools["family"]), n)),
        "date_of_birth": iso_dates(born), "sex": np.where(female, "F", "M").tolist(), "ethnicity": ethnicity.tolist(),
        "address": _pick(pools["address"], rng.integers(0, 4096, n)),
        "postcode": _pick(pools["postcode"], rng.integers(0, 4096, n)),
        "phone": _pick(pools["phone"], rng.integers(0, 4096, n)),
        "practice_id": _strings(world.practice_ids[practice]),
        "long_term_conditions": _pick(pools["conditions"], rng.integers(0, 1024, n)),
        "is_carer": np.where(rng.random(n) < 0.12, "t", "f").tolist(), "consent_referral": "t",
        "consent_share": np.where(rng.random(n) < 0.95, "t", "f").tolist(), "consent_how": "gp_practice",
        "consent_given_on": iso_dates(first_refs["date"]),
        "created_at": [f"{day}T09:00:00+00:00" for day in iso_dates(first_refs["date"])],
    }
    return {"columns": columns, "n": n, "ids": pids, "referrals": refs}


def _referral_rows(world: World, rng, days_ago: np.ndarray, status: np.ndarray) -> dict:
    """Dates and status of referrals made `days_ago`; closed ones still running today stay accepted."""
    n = len(days_ago)
    date = world.today - days_ago
    decided = np.minimum(world.today, date + rng.integers(1, 11, n))
    closed = decided + rng.integers(60, 241, n)
    status = status.copy()
    status[(status == S["closed"]) & (closed > world.today)] = S["accepted"]
    closed = np.where(status == S["closed"], closed, 0)
    return {"date": date, "decided": decided, "closed": closed, "status": status, "roll": rng.random(n),
            "needs": rng.integers(0, 1024, n), "has_baseline": np.zeros(n, bool), "has_onward": np.zeros(n, bool)}


def _referral_columns(world: World, refs: dict) -> dict:
    status = refs["status"]
    pools = world.pools
    roll = refs["roll"]
    source = np.select([roll < 0.7, roll < 0.95], ["gp", "mdt"], "mental_health")
    decided = np.isin(status, [S["accepted"], S["assessed"], S["active"], S["closed"], S["declined"]])
    supported = np.isin(status, [S["accepted"], S["assessed"], S["active"], S["closed"]])
    closed = status == S["closed"]
    index = (roll * 1e6).astype(int)  # the referral's own roll picks its texts: no more draws needed
    return {
        "id": _strings(refs["id"]), "patient_id": _strings(refs["patient"]),
        "practice_id": _strings(world.practice_ids[refs["practice"]]),
        "referred_by_id": _strings(world.gp_of_practice[refs["practice"]]),
        "referral_date": iso_dates(refs["date"]), "source": source.tolist(),
        "mdt_date": iso_dates(refs["date"] - index % 8, source == "mdt"),
        "risk_score": np.where(index % 10 < 6, (40 + index % 60).astype(str), NULL).tolist(),
        "reason": _pick(pools["reason"], index % len(pools["reason"])),
        "needs": _pick(pools["needs"], refs["needs"]),
        "urgency": np.where(index % 100 < 10, "urgent", "routine").tolist(),
        "adviser_id": np.where(supported, world.adviser_of_practice[refs["practice"]].astype(str), NULL).tolist(),
        "status": _pick(STATUSES, status),
        "decision_date": iso_dates(refs["decided"], decided),
        "withdrawn_date": iso_dates(refs["decided"], status == S["withdrawn"]),
        "closed_date": iso_dates(refs["closed"], closed),
        "decline_reason": np.where(status == S["declined"],
                                   np.array(pools["decline"])[index % len(pools["decline"])], "").tolist(),
        "withdraw_reason": np.where(status == S["withdrawn"], "The patient no longer wants the referral.",
                                    "").tolist(),
        "closure_reason": np.where(closed, np.array(pools["closure"])[index % len(pools["closure"])], "").tolist(),
        "version": "1",
        "created_at": [f"{day}T10:00:00+00:00" for day in iso_dates(refs["date"])],
        "updated_at": [f"{day}T10:00:00+00:00" for day in iso_dates(np.maximum(refs["closed"], refs["decided"]))],
    }


def _readings(world: World, rng, refs: dict, ids: dict) -> dict:
    """Visits with a star reading each: a baseline 5-20 days after acceptance, reviews at about 3 and 6 months
    and one at discharge, while the referral is open; scores improve for about four people in five."""
    supported = np.flatnonzero(np.isin(refs["status"], [S["accepted"], S["closed"]]))
    m = len(supported)
    closed = refs["closed"][supported]
    last = np.where(closed > 0, np.minimum(closed, world.today), world.today)
    baseline = refs["decided"][supported] + rng.integers(5, 21, m)
    has_baseline = (baseline <= last) & (rng.random(m) < 0.92)
    review1 = baseline + rng.integers(88, 111, m)
    has_review1 = has_baseline & (review1 <= last) & (rng.random(m) < 0.9)
    review2 = baseline + rng.integers(178, 201, m)
    has_review2 = has_review1 & (review2 <= last) & (rng.random(m) < 0.9)
    latest = np.where(has_review2, review2, np.where(has_review1, review1, baseline))
    has_discharge = has_baseline & (closed > latest) & (rng.random(m) < 0.85)
    refs["has_baseline"][supported] = has_baseline
    improving = rng.random(m) < 0.82
    scores = rng.choice(5, size=(m, len(AREA_KEYS)), p=np.array(BASELINE_WEIGHTS) / sum(BASELINE_WEIGHTS)) + 1
    rows = []
    for kind, day, present in [("baseline", baseline, has_baseline), ("review", review1, has_review1),
                               ("review", review2, has_review2), ("discharge", closed, has_discharge)]:
        if kind != "baseline":
            step = np.where(improving[:, None], rng.choice([-1, 0, 1, 2], size=scores.shape, p=[.05, .5, .35, .1]),
                            rng.choice([-1, 0], size=scores.shape, p=[.15, .85]))
            scores = np.clip(scores + step, 1, 5)
        rows.append((kind, supported[present], day[present], scores[present]))
    where = np.concatenate([r[1] for r in rows])
    n = len(where)
    visit_ids = np.arange(ids["assessment"], ids["assessment"] + n)
    ids["assessment"] += n
    reading_ids = np.arange(ids["reading"], ids["reading"] + n)
    ids["reading"] += n
    kinds = [kind for kind, present, _, _ in rows for _ in range(len(present))]
    days = np.concatenate([r[2] for r in rows])
    all_scores = np.concatenate([r[3] for r in rows]) if n else np.zeros((0, len(AREA_KEYS)), int)
    adviser = _strings(world.adviser_of_practice[refs["practice"][where]])
    referral_ids = _strings(refs["id"][where])
    visit_kind = np.where((np.array(kinds) == "review") & (rng.random(n) < 0.4), "phone", "home_visit")
    visits = {"id": _strings(visit_ids), "referral_id": referral_ids, "adviser_id": adviser, "date": iso_dates(days),
              "kind": visit_kind.tolist(), "needs": _pick(world.pools["needs"], refs["needs"][where]),
              "notes": _pick(world.pools["notes"], rng.integers(0, len(world.pools["notes"]), n)),
              "created_at": [f"{day}T12:00:00+00:00" for day in iso_dates(days)]}
    readings = {"id": _strings(reading_ids), "referral_id": referral_ids, "assessment_id": visits["id"],
                "kind": kinds, "reading_date": visits["date"], "recorded_by_id": adviser, "notes": "{}",
                **{key: _strings(all_scores[:, i]) for i, key in enumerate(AREA_KEYS)}}
    return {"visits": visits, "readings": readings, "n": n}


def _onward(world: World, rng, refs: dict, ids: dict) -> dict:
    """One to three onward referrals for most supported referrals, from 7-28 days after acceptance; statuses and
    dates as the demo's rules make them (sent, then accepted or declined, started, completed...)."""
    supported = np.flatnonzero(np.isin(refs["status"], [S["accepted"], S["closed"]]))
    start = refs["decided"][supported] + rng.integers(7, 29, len(supported))
    closed = refs["closed"][supported]
    eligible = (start < world.today) & ((closed == 0) | (start <= closed))
    supported, start = supported[eligible], start[eligible]
    refs["has_onward"][supported] = True
    count = rng.choice([1, 2, 3], size=len(supported), p=[3 / 9, 4 / 9, 2 / 9])
    where = np.repeat(supported, count)
    made = np.minimum(world.today, np.repeat(start, count) + rng.integers(0, 31, len(where)))
    n = len(where)
    kind = rng.choice(len(ONWARD_KINDS), size=n, p=np.array(list(KIND_WEIGHTS.values())) / sum(KIND_WEIGHTS.values()))
    signpost = kind == ONWARD_KINDS.index("signpost")
    service = np.zeros(n, int)
    weeks = np.full(n, 10)
    need = np.full(n, "", dtype=object)
    for code, name in enumerate(ONWARD_KINDS):
        chosen = kind == code
        if name == "signpost" or not chosen.any():
            continue
        ids_, durations, categories = world.services[name]
        pick = rng.integers(0, len(ids_), chosen.sum())
        service[chosen], weeks[chosen] = ids_[pick], durations[pick]
        need[chosen] = np.asarray(categories, dtype=object)[pick]
    status, dates, continued = _onward_status(world, rng, made, weeks)
    status[signpost] = OS["completed"]
    for name in dates:
        dates[name][signpost] = 0
    dates["ended"][signpost] = made[signpost]
    continued[signpost] = NULL
    taken_up = np.zeros(len(refs["id"]), bool)
    taken_up[where[~signpost & np.isin(status, [OS["started"], OS["completed"]])]] = True
    onward_ids = np.arange(ids["onward"], ids["onward"] + n)
    ids["onward"] += n
    columns = {
        "id": _strings(onward_ids), "referral_id": _strings(refs["id"][where]),
        "service_id": np.where(signpost, NULL, service.astype(str)).tolist(),
        "destination": np.where(signpost, np.array(world.pools["signpost"])[rng.integers(0, 6, n)], "").tolist(),
        "kind": _pick(ONWARD_KINDS, kind), "need": need.tolist(), "status": _pick(ONWARD_STATUSES, status),
        "made_date": iso_dates(made), "made_by_id": _strings(world.adviser_of_practice[refs["practice"][where]]),
        **{f"{name}_date": iso_dates(day, day > 0) for name, day in dates.items()},
        "decline_reason": np.where(status == OS["declined"], "The service is full in the person's area.",
                                   "").tolist(),
        "continued_after_end": continued.tolist(),
    }
    return {"columns": columns, "n": n, "taken_up": taken_up}


def _onward_status(world: World, rng, made: np.ndarray, weeks: np.ndarray):
    """providers.demo._onward_status for many rows at once: (status, {date name: days or 0}, continued)."""
    n = len(made)
    age = world.today - made
    accepted = np.minimum(world.today, made + rng.integers(1, 8, n))
    started = np.minimum(world.today, accepted + rng.integers(3, 22, n))
    ended = started + 7 * (weeks + rng.integers(-2, 5, n))
    roll = rng.random(n)
    status = np.select(
        [age < 5, roll < 0.08, roll < 0.13, age < 20, roll < 0.23, ended >= world.today],
        [OS["sent"], OS["declined"], OS["withdrawn"], OS["accepted"], OS["did_not_attend"], OS["started"]],
        OS["completed"])
    zero = np.zeros(n, int)
    past_sent = ~np.isin(status, [OS["sent"], OS["declined"], OS["withdrawn"]])
    dates = {
        "sent": made.copy(),
        "accepted": np.where(past_sent, accepted, zero),
        "declined": np.where(status == OS["declined"], accepted, zero),
        "started": np.where(np.isin(status, [OS["started"], OS["completed"]]), started, zero),
        "ended": np.select([status == OS["withdrawn"], status == OS["did_not_attend"], status == OS["completed"]],
                           [accepted, started, ended], zero),
    }
    continued = np.where(status == OS["completed"], np.where(rng.random(n) < 0.35, "t", "f"), NULL).astype(object)
    return status, dates, continued


def _episodes(world: World, rng, pids: np.ndarray, refs: dict, engaged: np.ndarray, ids: dict) -> dict:
    """Each patient's hospital episodes in the year before and the year after their first referral, up to the
    date the extract covers: fewer after for people who engaged."""
    first = refs["is_first"]
    index = refs["date"][first]  # the first referral of patient i is row i
    engaged_patient = engaged[first]
    frailty = rng.uniform(0.6, 1.4, len(pids))
    parts = []
    for type_code, name in enumerate(EPISODE_TYPES[:3]):
        for after in (False, True):
            factor = np.where(engaged_patient, ENGAGED_AFTER[name], 1.0) if after else 1.0
            count = rng.poisson(EPISODE_RATES[name] * frailty * factor)
            who = np.repeat(np.arange(len(pids)), count)
            offset = rng.integers(0, 365, len(who))
            start = index[who] + offset if after else index[who] - offset - 1
            parts.append((who, np.full(len(who), type_code), start))
    who = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts])
    start = np.concatenate([p[2] for p in parts])
    keep = start <= world.covered_until
    who, kind, start = who[keep], kind[keep], start[keep]
    # A&E attendances and outpatient appointments carry no reference: one a day per patient and type.
    key = (who.astype(np.int64) * 4 + kind) * 100_000 + start
    _, unique = np.unique(key, return_index=True)
    who, kind, start = who[unique], kind[unique], start[unique]
    spell = kind == 1
    spells = np.flatnonzero(spell)
    spell_no = np.zeros(len(who), np.int64)
    spell_no[spells] = np.arange(ids["spell"], ids["spell"] + len(spells))
    ids["spell"] += len(spells)
    stay = np.maximum(1, rng.poisson(6.5, len(who)))
    end = np.where(spell & (start + stay <= world.covered_until), start + stay, 0)
    ref = np.where(spell, np.char.add("S", np.char.zfill(spell_no.astype(str), 9)), "")
    # Each spell has one or two finished consultant episodes, a day apart.
    fce_n = 1 + (rng.random(len(spells)) < 0.25)
    fce_from = np.repeat(spells, fce_n)
    fce_step = np.arange(len(fce_from)) - np.repeat(np.cumsum(fce_n) - fce_n, fce_n)
    fce_start = start[fce_from] + fce_step
    fce_keep = fce_start <= world.covered_until
    fce_from, fce_step, fce_start = fce_from[fce_keep], fce_step[fce_keep], fce_start[fce_keep]
    who = np.concatenate([who, who[fce_from]])
    kind = np.concatenate([kind, np.full(len(fce_from), 3)])
    start = np.concatenate([start, fce_start])
    end = np.concatenate([end, np.zeros(len(fce_from), int)])
    ref = np.concatenate([ref, np.char.add(np.char.add(ref[fce_from], "-"), (fce_step + 1).astype(str))])
    order = np.lexsort((start, kind, who))  # the primary key's order: the index grows at its end
    who, kind, start, end, ref = who[order], kind[order], start[order], end[order], ref[order]
    columns = {"patient_id": _strings(pids[who]), "episode_type": _pick(EPISODE_TYPES, kind),
               "start_date": iso_dates(start), "end_date": iso_dates(end, end > 0), "episode_ref": ref.tolist(),
               "batch_id": str(world.batch_id)}
    return {"columns": columns, "n": len(who)}
