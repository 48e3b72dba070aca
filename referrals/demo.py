"""The demo's patients and referrals (seed_demo), and helpers the other apps' demo parts share.

About 3,600 referrals over three years, growing; 51% of patients aged 80+, 12.5% under 60, 4% from Black and
minority ethnic groups (of those stated).
"""

import datetime as dt
import random

from simple_history.utils import bulk_create_with_history

from referrals.models import Ethnicity, Patient, Referral, Sex, Source, Status, Urgency
from sps.categories import Category
from sps.demo import FAMILY, GIVEN_F, GIVEN_M, postcode_from
from sps.lib.nhs_number import with_check_digit
from sps.models import User

STREETS = ["Church Lane", "Station Road", "Doncaster Road", "Wickersley Road", "Moorgate Road", "Fitzwilliam Road",
           "Bawtry Road", "Kilnhurst Road", "Park Avenue", "Hollowgate", "Meadow View", "Mill Close"]
CONDITIONS = ["COPD", "heart failure", "type 2 diabetes", "atrial fibrillation", "chronic kidney disease",
              "osteoarthritis", "dementia", "Parkinson's disease", "stroke", "depression", "asthma"]
REASONS = [
    "Lives alone since losing her husband; three A&E attendances this year after falls.",
    "Frequent contact with the practice; socially isolated and anxious about managing at home.",
    "Struggling with benefits paperwork and heating costs; COPD worse in winter.",
    "Carer for spouse with dementia; not coping and no respite in place.",
    "Housebound since a stroke; would like to get out to a group again.",
    "Raised at the MDT: repeated unplanned admissions, low mood, no family nearby.",
    "Recently discharged from hospital; needs practical support and transport to appointments.",
]
NEED_WEIGHTS = {  # the seeds' most frequent categories first
    Category.COMMUNITY_ACTIVITY: 22, Category.INFORMATION_ADVICE: 15, Category.BEFRIENDING: 11,
    Category.COMMUNITY_TRANSPORT: 9, Category.PHYSICAL_ACTIVITY: 7, Category.ENABLING: 7,
    Category.MENTAL_WELLBEING: 6, Category.CARERS_RESPITE: 5, Category.DEMENTIA: 4, Category.ADVOCACY: 3,
    Category.SENSORY: 3, Category.THERAPEUTIC: 3, Category.COMMUNITY_HUB: 3, Category.OTHER: 2,
}
DECLINE_REASONS = ["Does not meet the criteria: no long-term condition recorded.",
                   "Patient already supported by the community mental health team.",
                   "Patient could not be contacted after three attempts."]
CLOSURE_REASONS = ["goals_met", "goals_met", "moved_on_vcs", "moved_on_vcs", "declined_support", "moved_away",
                   "died"]
BME_CODES = ["D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S"]


def nhs_number_from(rng: random.Random) -> str:
    """A random valid NHS number from the 9xx range the NHS keeps for test data."""
    while True:
        digits = "9" + "".join(str(rng.randrange(10)) for _ in range(8))
        if (number := with_check_digit(digits)) and len(set(number)) > 1:
            return number


def _age(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.51:
        return rng.randint(80, 97)
    if band < 0.51 + 0.125:
        return rng.randint(40, 59)
    return rng.randint(60, 79)


def _ethnicity(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return Ethnicity.Z
    return rng.choice(BME_CODES) if rng.random() < 0.04 else rng.choice("AAAAAAAAABC")


def _status(rng: random.Random, days_ago: int) -> str:
    roll = rng.random()
    if days_ago < 30:
        table = [(0.6, Status.RECEIVED), (0.9, Status.ACCEPTED), (0.95, Status.DECLINED), (1, Status.WITHDRAWN)]
    elif days_ago < 180:
        table = [(0.75, Status.ACCEPTED), (0.9, Status.CLOSED), (0.96, Status.DECLINED), (1, Status.WITHDRAWN)]
    else:
        table = [(0.02, Status.ACCEPTED), (0.88, Status.CLOSED), (0.96, Status.DECLINED), (1, Status.WITHDRAWN)]
    return next(status for limit, status in table if roll < limit)


def _history_rows(referral: Referral, *, gp: User | None, adviser: User | None) -> list:
    """The referral's lifecycle as history rows dated when each step happened, so the timeline reads true."""
    historical = Referral.history.model
    fields = {f.attname: getattr(referral, f.attname) for f in Referral._meta.concrete_fields}

    def at(day: dt.date, who: User | None, **changes):
        when = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
        kind = "+" if not rows else "~"
        return historical(**{**fields, **changes}, history_date=when, history_type=kind, history_user=who)

    rows: list = []
    rows.append(at(referral.referral_date, gp, status=Status.RECEIVED, adviser_id=None, decision_date=None,
                   withdrawn_date=None, closed_date=None, decline_reason="", closure_reason=""))
    if referral.status == Status.WITHDRAWN:
        rows.append(at(referral.withdrawn_date, gp))
    elif referral.status == Status.DECLINED:
        rows.append(at(referral.decision_date, adviser, adviser_id=None))
    elif referral.status in (Status.ACCEPTED, Status.CLOSED):
        rows.append(at(referral.decision_date, adviser, status=Status.ACCEPTED, closed_date=None,
                       closure_reason=""))
        if referral.status == Status.CLOSED:
            rows.append(at(referral.closed_date, adviser))
    return rows


def create_referrals(rng: random.Random, people: dict, *, count: int, today: dt.date) -> int:
    """Patients and their referrals over the three years before `today`, each with its lifecycle's history."""
    practices = people["practices"]
    weights = [rng.uniform(0.3, 1.7) for _ in practices]  # some practices refer far more than others
    adviser_of = {p.pk: p.advisers.first() for p in practices}
    patients, referrals, nhs_numbers = [], [], set()
    needs, need_weights = list(NEED_WEIGHTS), list(NEED_WEIGHTS.values())
    for _ in range(count):
        practice = rng.choices(practices, weights)[0]
        # Three years, growing: more recent days are a little more likely.
        days_ago = int(1095 * (1 - rng.random() ** 0.85))
        referral_date = today - dt.timedelta(days=days_ago)
        sex = Sex.FEMALE if rng.random() < 0.58 else Sex.MALE
        born = referral_date - dt.timedelta(days=_age(rng) * 365 + rng.randrange(365) + 1)
        nhs_number = nhs_number_from(rng)
        while nhs_number in nhs_numbers:
            nhs_number = nhs_number_from(rng)
        nhs_numbers.add(nhs_number)
        patients.append(Patient(
            nhs_number=nhs_number, given_name=rng.choice(GIVEN_F if sex == Sex.FEMALE else GIVEN_M),
            family_name=rng.choice(FAMILY), date_of_birth=born, sex=sex, ethnicity=_ethnicity(rng),
            address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}, Rotherham", postcode=postcode_from(rng),
            phone=f"01709 {rng.randint(200000, 899999)}", practice=practice,
            long_term_conditions=", ".join(rng.sample(CONDITIONS, rng.randint(1, 3))),
            is_carer=rng.random() < 0.12, consent_referral=True, consent_share=rng.random() < 0.95,
        ))
        status = _status(rng, days_ago)
        decided = min(today, referral_date + dt.timedelta(days=rng.randint(1, 10)))
        closed = decided + dt.timedelta(days=rng.randint(60, 240))
        if status == Status.CLOSED and closed > today:
            status = Status.ACCEPTED  # still being supported
        source = rng.choices([Source.GP, Source.MDT, Source.MENTAL_HEALTH], [70, 25, 5])[0]
        referrals.append(Referral(
            practice=practice, referred_by=people["gp_by_practice"][practice.pk], referral_date=referral_date,
            source=source, mdt_date=referral_date - dt.timedelta(days=rng.randint(0, 7)) if source == Source.MDT
            else None, risk_score=rng.randint(40, 99) if rng.random() < 0.6 else None,
            reason=rng.choice(REASONS), needs=sorted(set(rng.choices(needs, need_weights, k=rng.randint(1, 3)))),
            urgency=Urgency.URGENT if rng.random() < 0.1 else Urgency.ROUTINE, status=status,
            adviser=adviser_of[practice.pk] if status in (Status.ACCEPTED, Status.CLOSED) else None,
            decision_date=decided if status in (Status.ACCEPTED, Status.CLOSED, Status.DECLINED) else None,
            withdrawn_date=decided if status == Status.WITHDRAWN else None,
            closed_date=closed if status == Status.CLOSED else None,
            decline_reason=rng.choice(DECLINE_REASONS) if status == Status.DECLINED else "",
            closure_reason=rng.choice(CLOSURE_REASONS) if status == Status.CLOSED else "",
        ))
    bulk_create_with_history(patients, Patient, batch_size=500)
    for patient, referral in zip(patients, referrals, strict=True):
        referral.patient = patient
    Referral.objects.bulk_create(referrals, batch_size=500)
    history = [row for r in referrals
               for row in _history_rows(r, gp=r.referred_by, adviser=adviser_of[r.practice_id])]
    Referral.history.model.objects.bulk_create(history, batch_size=1000)
    return len(referrals)


def status_history_row(referral: Referral, on: dt.date, by: User | None, hour: int = 11):
    """A history row for a referral's move to its current status, dated when it happened, so that the
    timeline reads true for demo data written in bulk."""
    fields = {f.attname: getattr(referral, f.attname) for f in Referral._meta.concrete_fields}
    return Referral.history.model(**fields, history_date=dt.datetime.combine(on, dt.time(hour, 0), tzinfo=dt.UTC),
                                  history_type="~", history_user=by)
