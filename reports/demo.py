"""The demo's hospital episodes, written as the commissioner's extract and loaded through the import itself.

The pattern follows the published evaluation (the seeds): for people who engaged, fewer A&E attendances and
admissions in the year after referral than in the year before, larger falls for those under 80 and far larger
for those who went on with VCS activity after their service ended; bed days much the same; no change for those
who did not engage."""

import csv
import datetime as dt
import io
import math
import random

from django.db.models import Exists, Min, OuterRef, Q

from outcomes.models import ReadingKind
from providers.models import OnwardKind, OnwardReferral, OnwardStatus
from referrals.models import Patient, Referral, Status
from reports.evaluation import latest_data_until
from reports.imports.run import run_import
from reports.models import ProgrammeCost, ReferralTarget
from sps.lib.dates import age_on
from sps.lib.nhs_number import with_check_digit
from sps.periods import financial_year_of

# Episodes a year before referral, per person, for people with long-term conditions at risk of admission.
BEFORE = {"ae_attendance": 1.3, "nel_admission": 0.9, "outpatient": 4.0}
FCE_PER_SPELL = 1.25
# After / before, by group (seeds: all -17% A&E, -11% spells; under 80 -23%, -20%; continuing about -50%).
AFTER = {
    "not_engaged": {"ae_attendance": 1.0, "nel_admission": 1.0, "outpatient": 1.0},
    "80_plus": {"ae_attendance": 0.95, "nel_admission": 1.0, "outpatient": 0.95},
    "under_80": {"ae_attendance": 0.82, "nel_admission": 0.88, "outpatient": 0.9},
    "continuing": {"ae_attendance": 0.7, "nel_admission": 0.55, "outpatient": 0.85},
}
# Spells after referral are fewer but no shorter in all: bed days change little (the seeds: not significant).
STAY_DAYS = {-1: 6, 1: 7}

def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _engaged_referrals() -> dict[int, bool]:
    """{referral id: continued after the end} for referrals engaged as domain.md defines it."""
    started = OnwardReferral.objects.filter(referral=OuterRef("pk"), status__in=[OnwardStatus.STARTED,
                                                                                 OnwardStatus.COMPLETED]) \
        .exclude(kind=OnwardKind.SIGNPOST)
    continued = OnwardReferral.objects.filter(referral=OuterRef("pk"), continued_after_end=True)
    return dict(Referral.objects.filter(Exists(started), star_readings__kind=ReadingKind.BASELINE).distinct()
                .annotate(continued=Exists(continued)).values_list("pk", "continued"))


def _rows(rng: random.Random, referral: Referral, group: str, covered_until: dt.date):
    index = referral.referral_date
    for window, factor in [(-1, {k: 1.0 for k in BEFORE}), (1, AFTER[group])]:
        for kind, mean in BEFORE.items():
            for _ in range(_poisson(rng, mean * factor[kind] * rng.uniform(0.6, 1.4))):
                offset = rng.randrange(365)
                start = index - dt.timedelta(days=offset + 1) if window < 0 else index + dt.timedelta(days=offset)
                if start > covered_until:
                    continue
                if kind == "nel_admission":
                    for episode in _spell(rng, start, STAY_DAYS[window], covered_until):
                        yield (referral.patient.nhs_number, *episode)
                else:
                    yield (referral.patient.nhs_number, kind, start, None, "")


def _spell(rng: random.Random, start: dt.date, stay_days: int, covered_until: dt.date):
    """A non-elective admission (its end if the extract covers it) and its one or two finished consultant episodes,
    each (episode_type, start, end, episode_ref)."""
    end = start + dt.timedelta(days=max(1, _poisson(rng, stay_days)))
    ref = f"S{rng.randrange(10**9):09d}"
    yield ("nel_admission", start, end if end <= covered_until else None, ref)
    for n in range(1 + (rng.random() < FCE_PER_SPELL - 1)):
        yield ("nel_fce", start + dt.timedelta(days=n), None, f"{ref}-{n + 1}")


def create_hospital_episodes(rng: random.Random, *, today: dt.date) -> int:
    """Write the extract as CSV and import it, as the commissioner's file would be."""
    covered_until = today - dt.timedelta(days=today.day + 30)  # the extract lags by a month or two
    engaged = _engaged_referrals()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["nhs_number", "episode_type", "start_date", "end_date", "episode_ref"])
    referrals = Referral.objects.exclude(status__in=[Status.WITHDRAWN]).select_related("patient").order_by("pk")
    for referral in referrals.filter(~Q(status=Status.DECLINED)):
        if referral.pk in engaged:
            group = "continuing" if engaged[referral.pk] else (
                "under_80" if age_on(referral.patient.date_of_birth, referral.referral_date) < 80 else "80_plus")
        else:
            group = "not_engaged"
        for nhs, kind, start, end, ref in _rows(rng, referral, group, covered_until):
            writer.writerow([nhs, kind, start.isoformat(), end.isoformat() if end else "", ref])
    strangers = filter(None, (with_check_digit(f"{999000000 + n}") for n in range(60)))
    for nhs in list(strangers)[:50]:  # people the service never saw: the import ignores them
        writer.writerow([nhs, "ae_attendance", covered_until.isoformat(), "", ""])
    created = _import("episodes", buffer, "demo_hospital_extract.csv", covered_until=covered_until)
    _programme_costs(today)
    first = financial_year_of(today) - 3
    ReferralTarget.objects.bulk_create(ReferralTarget(financial_year=year, monthly_referrals=90 + 10 * (year - first))
                                       for year in range(first, first + 4))
    return created


# The comparison extract: people like those referred (their ages and sexes, their hospital use before), never
# referred. Each has a rate of their own, and everybody's falls a little year on year: what would have happened
# anyway, which the service's own fall is measured against.
COMPARISON_PEOPLE = 2500
ANYWAY = {"ae_attendance": 0.9, "nel_admission": 0.93, "outpatient": 0.97}  # this year's rate / last year's


def create_comparison_extract(rng: random.Random) -> int:
    """Write the commissioner's comparison extract as its two CSV files and import them: people born and sexed as
    the demo's patients, with episodes from a year before the first referral to the end of the hospital extract."""
    covered_until = latest_data_until()
    start = Referral.objects.aggregate(first=Min("referral_date"))["first"] - dt.timedelta(days=365)
    born = list(Patient.objects.values_list("date_of_birth__year", "sex"))
    people, episodes = io.StringIO(), io.StringIO()
    people_rows, episode_rows = csv.writer(people), csv.writer(episodes)
    people_rows.writerow(["pseudo_id", "year_of_birth", "sex", "practice_ods_code", "risk_score"])
    episode_rows.writerow(["pseudo_id", "episode_type", "start_date", "end_date", "episode_ref"])
    for n in range(COMPARISON_PEOPLE):
        pseudo_id, (year, sex) = f"CMP{n:06d}", rng.choice(born)
        frailty = rng.gammavariate(2.0, 0.5)  # their own rate, as a multiple of the usual
        risk = min(99, round(35 + 30 * frailty + rng.uniform(-10, 10))) if rng.random() < 0.6 else ""
        people_rows.writerow([pseudo_id, year + rng.randint(-2, 2), sex, "", risk])
        for kind, day, end, ref in _comparison_episodes(rng, frailty, start, covered_until):
            episode_rows.writerow([pseudo_id, kind, day.isoformat(), end.isoformat() if end else "", ref])
    _import("comparison", people, "demo_comparison_people.csv")
    _import("comparison_episodes", episodes, "demo_comparison_episodes.csv", covered_until=covered_until)
    return COMPARISON_PEOPLE


def _comparison_episodes(rng: random.Random, frailty: float, start: dt.date, covered_until: dt.date):
    """A comparison person's episodes, a year at a time at their own rate, falling year on year."""
    for kind, mean in BEFORE.items():
        for year in range((covered_until - start).days // 365 + 1):
            for _ in range(_poisson(rng, mean * frailty * ANYWAY[kind] ** year)):
                day = start + dt.timedelta(days=365 * year + rng.randrange(365))
                if day > covered_until:
                    continue
                if kind == "nel_admission":
                    yield from _spell(rng, day, STAY_DAYS[-1], covered_until)
                else:
                    yield (kind, day, None, f"{kind[:2]}{year}-{rng.randrange(10**9)}")


def _import(kind: str, rows: io.StringIO, file_name: str, **options) -> int:
    """Import the rows as the manager would upload them; the rows created."""
    result = run_import(kind=kind, stream=io.BytesIO(rows.getvalue().encode()), file_name=file_name, user=None,
                        **options)
    if not result.ok:
        raise RuntimeError(result.file_error or "; ".join(map(str, result.errors[:5])))
    return result.counts.created


def _programme_costs(today: dt.date) -> None:
    """Staff and running costs of the service, a quarter at a time, as the manager would record them."""
    start = today - dt.timedelta(days=3 * 365)
    quarter = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    rows = []
    while quarter <= today:
        rows += [ProgrammeCost(date=quarter, description="Adviser team salaries", amount=52_000),
                 ProgrammeCost(date=quarter, description="Grant programme payments", amount=50_250),
                 ProgrammeCost(date=quarter, description="Management and running costs", amount=9_500)]
        quarter = dt.date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
    ProgrammeCost.objects.bulk_create(rows)
