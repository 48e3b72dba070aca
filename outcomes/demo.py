"""The demo's visits and star readings (seed_demo): a baseline for most accepted referrals, reviews for many,
and realistic progress: about four in five people improve in at least one area, low scorers the most."""

import datetime as dt
import random

from django.db.models import Min
from simple_history.utils import bulk_create_with_history

from outcomes.models import Assessment, AssessmentKind, ReadingKind, StarReading
from outcomes.star import AREA_KEYS
from referrals.demo import status_history_row
from referrals.models import DECLINED, REFERRED, ClinicalCode, ClosureReason, CodedEvent, Referral, Status
from referrals.services import add_national_codes

BASELINE_WEIGHTS = [15, 30, 30, 17, 8]  # scores 1-5 at the first visit
# (change, weight) by the score the area starts from: low scores have most room to rise.
IMPROVING = {1: [(0, 25), (1, 45), (2, 25), (3, 5)], 2: [(0, 30), (1, 50), (2, 18), (-1, 2)],
             3: [(0, 55), (1, 35), (2, 3), (-1, 7)], 4: [(0, 70), (1, 22), (-1, 8)], 5: [(0, 92), (-1, 8)]}
NOT_IMPROVING = [(0, 85), (-1, 15)]
NOTES = ["Lives alone; daughter visits at weekends.", "Keen to get out to a group again.",
         "Worried about heating bills this winter.", "Struggling since her husband died.",
         "Uses a walking frame; cannot manage the bus.", "Would like help with a benefits check."]


def _step(rng: random.Random, score: int, improving: bool) -> int:
    options = IMPROVING[score] if improving else NOT_IMPROVING
    change = rng.choices([c for c, _ in options], [w for _, w in options])[0]
    return max(1, min(5, score + change))


def create_star_readings(rng: random.Random, *, today: dt.date) -> int:
    """Visits and readings for accepted and closed referrals; an accepted one with a baseline becomes assessed."""
    referrals = list(Referral.objects.filter(status__in=[Status.ACCEPTED, Status.CLOSED], decision_date__isnull=False)
                     .select_related("adviser").order_by("pk"))
    visits: list[tuple[Assessment, dict]] = []
    assessed = []
    for referral in referrals:
        last_day = min(today, referral.closed_date or today)
        baseline_day = referral.decision_date + dt.timedelta(days=rng.randint(5, 20))
        if baseline_day > last_day or rng.random() > 0.9:
            continue
        scores = {key: rng.choices(range(1, 6), BASELINE_WEIGHTS)[0] for key in AREA_KEYS}
        improving = rng.random() < 0.82
        plan = [(baseline_day, ReadingKind.BASELINE, scores)]
        for offset, chance in [(rng.randint(88, 110), 0.8), (rng.randint(178, 200), 0.6)]:
            day = baseline_day + dt.timedelta(days=offset)
            if day <= last_day and rng.random() < chance:
                scores = {key: _step(rng, value, improving) for key, value in scores.items()}
                plan.append((day, ReadingKind.REVIEW, scores))
        if referral.status == Status.CLOSED and referral.closed_date > plan[-1][0] and rng.random() < 0.65:
            scores = {key: _step(rng, value, improving) for key, value in scores.items()}
            plan.append((referral.closed_date, ReadingKind.DISCHARGE, scores))
        for day, kind, day_scores in plan:
            visit = Assessment(referral=referral, adviser=referral.adviser, date=day, needs=referral.needs,
                               kind=AssessmentKind.HOME_VISIT if kind != ReadingKind.REVIEW or rng.random() < 0.6
                               else AssessmentKind.PHONE, notes=rng.choice(NOTES))
            visits.append((visit, {"kind": kind, "reading_date": day, "recorded_by": referral.adviser,
                                   **day_scores}))
        if referral.status == Status.ACCEPTED:
            referral.status = Status.ASSESSED
            assessed.append((referral, baseline_day))
    bulk_create_with_history([v for v, _ in visits], Assessment, batch_size=1000)
    readings = [StarReading(referral_id=v.referral_id, assessment=v, **fields) for v, fields in visits]
    bulk_create_with_history(readings, StarReading, batch_size=1000)
    Referral.objects.bulk_update([r for r, _ in assessed], ["status"], batch_size=1000)
    Referral.history.model.objects.bulk_create([status_history_row(r, on, r.adviser) for r, on in assessed],
                                               batch_size=1000)
    return len(readings)


def create_coded_events() -> int:
    """The national codes as the services record them (issue 14): the referral code at each referral's first
    contact, and "declined" where the person declined further support."""
    add_national_codes()
    codes = {code.meaning: code for code in ClinicalCode.objects.all()}

    def event(meaning: str, referral_id: int, on: dt.date, by: int | None) -> CodedEvent:
        return CodedEvent(referral_id=referral_id, meaning=meaning, concept_id=codes[meaning].concept_id,
                          term=codes[meaning].term, date=on, recorded_by_id=by)

    firsts = Assessment.objects.values("referral_id", "referral__adviser_id").annotate(first=Min("date"))
    events = [event(REFERRED, row["referral_id"], row["first"], row["referral__adviser_id"]) for row in firsts]
    events += [event(DECLINED, referral.pk, referral.closed_date, referral.adviser_id) for referral in
               Referral.objects.filter(closure_reason=ClosureReason.DECLINED_SUPPORT).only("closed_date", "adviser")]
    CodedEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
