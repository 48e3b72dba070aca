"""Recording assessments and star readings."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min

from outcomes.models import Assessment, ReadingKind, StarReading
from outcomes.star import AREA_KEYS, AREA_LABELS, SCALE
from referrals.models import REFERRED, SUPPORTED_STATUSES, Referral, Status
from referrals.rules import ReferralRule
from referrals.services import record_code
from sps.categories import Category
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, User
from sps.services import save_checked

# Visits and star readings are recorded by those supporting the person, while they are supported.
can_record = ReferralRule(roles=SUPPORT_ROLES, statuses=SUPPORTED_STATUSES,
                          refusal="This referral is {status}: assessments are recorded once it is accepted and "
                                  "until it is closed.")


def check_reading(*, referral: Referral, kind: str, on: dt.date, scores: dict[str, int | None]) -> None:
    """The rules for a reading, each refused with a message next to its field (issue 4):
    every area scored 1-5; not in the future nor before the referral date; one baseline per referral;
    a review or discharge only after the baseline."""
    errors: dict[str, str] = {}
    for key in AREA_KEYS:
        score = scores.get(key)
        if score is None:
            errors[key] = f"Score {AREA_LABELS[key].lower()} from 1 to 5."
        elif score not in SCALE:
            errors[key] = f"{score} is not a score: use 1 to 5."
    if on > today():
        errors["date"] = "The date cannot be in the future."
    elif on < referral.referral_date:
        errors["date"] = f"The date cannot be before the referral date ({referral.referral_date:%d/%m/%Y})."
    baseline = referral.star_readings.filter(kind=ReadingKind.BASELINE).order_by("reading_date", "pk").first()
    if kind == ReadingKind.BASELINE and baseline:
        errors["reading_kind"] = (f"This referral already has a baseline ({baseline.reading_date:%d/%m/%Y}): "
                                  "record a review instead.")
    if kind in (ReadingKind.REVIEW, ReadingKind.DISCHARGE):
        if baseline is None:
            errors["reading_kind"] = "Record the baseline first: a review compares with it."
        elif on <= baseline.reading_date and "date" not in errors:
            errors["date"] = f"A {kind} must be after the baseline ({baseline.reading_date:%d/%m/%Y})."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assessment_record(*, referral: Referral, by: User, date: dt.date, kind: str, needs: list[str],
                      notes: str = "", reading_kind: str = "", scores: dict[str, int | None] | None = None,
                      area_notes: dict[str, str] | None = None,
                      idempotency_key: uuid.UUID | None = None) -> Assessment:
    """Record a contact and, for a baseline, review or discharge, its star reading. Recording the baseline
    moves the referral to `assessed` (domain.md lifecycle)."""
    # Lock the referral: two advisers recording a baseline at once must not both succeed.
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    can_record.check(referral, by)
    if reading_kind:
        check_reading(referral=referral, kind=reading_kind, on=date, scores=scores or {})
    elif date > today() or date < referral.referral_date:
        raise ValidationError({"date": "The date must be between the referral date and today."})
    assessment = Assessment(referral=referral, adviser=by, date=date, kind=kind, needs=list(needs), notes=notes,
                            idempotency_key=idempotency_key)
    save_checked(assessment, by=by)
    _update_needs(referral, needs, by=by)
    # The national referral code, at the first contact of the episode only: dated by the earliest contact.
    first_contact = referral.assessments.aggregate(first=Min("date"))["first"]
    record_code(referral, REFERRED, on=first_contact, by=by)
    if reading_kind:
        notes_by_area = {key: text.strip() for key, text in (area_notes or {}).items() if text and text.strip()}
        reading = StarReading(referral=referral, assessment=assessment, kind=reading_kind, reading_date=date,
                              recorded_by=by, notes=notes_by_area, **(scores or {}))
        save_checked(reading, by=by)
        if reading_kind == ReadingKind.BASELINE and referral.status == Status.ACCEPTED:
            referral.status = Status.ASSESSED
            referral._history_user = by
            referral.save(update_fields=["status", "updated_at"])
    return assessment


def _update_needs(referral: Referral, needs: list[str], *, by: User) -> None:
    """What the adviser ticks at a visit (the form starts from the referral's needs) is what the person needs now:
    the referral's needs follow, in history as the adviser's change."""
    if set(needs) != set(referral.needs):
        referral.needs = [key for key in Category.values if key in needs]
        referral._history_user = by
        referral.save(update_fields=["needs", "updated_at"])
