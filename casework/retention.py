"""Retention (UK GDPR storage limitation; issue 14): a person whose every referral ended more than RETENTION_YEARS
years ago (8 by default, the NHS records retention schedule's period for such records) is listed for the manager
to review and anonymise. Anonymising removes what identifies them: name, NHS number, address, postcode, phone, long-
term conditions, every free-text note about them, and the history that still holds those. It keeps what the
reports count, so that every report figure stays the same (casework/tests/test_retention.py): dates, statuses,
categories, scores, sex, ethnicity, practice and hospital episodes. The date of birth becomes the earliest date that
gives the same age at every one of their referrals."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from outcomes.models import Assessment, StarReading
from providers.models import OnwardReferral, SpotPurchase
from referrals.models import Patient, Referral, Status
from sps.lib.dates import age_on, today, years_before

ANONYMISED_NAME = "Anonymised"
NO_POSTCODE = "ZZ99 3WZ"  # the NHS pseudo-postcode for "not known"
ENDED = {Status.CLOSED: "closed_date", Status.DECLINED: "decision_date", Status.WITHDRAWN: "withdrawn_date"}


def retention_cutoff() -> dt.date:
    return years_before(today(), settings.RETENTION_YEARS)


def past_retention() -> QuerySet[Patient]:
    """People not yet anonymised with at least one referral, every one of which ended before the cutoff."""
    cutoff = retention_cutoff()
    ended_long_ago = Q()
    for status, field in ENDED.items():
        ended_long_ago |= Q(status=status, **{f"{field}__lt": cutoff})
    recent = Referral.objects.filter(patient=OuterRef("pk")).exclude(ended_long_ago)
    return Patient.objects.filter(anonymised_at__isnull=True).filter(
        Exists(Referral.objects.filter(patient=OuterRef("pk"))), ~Exists(recent)).select_related("practice")


@transaction.atomic
def anonymise(patients: list[Patient]) -> int:
    """Anonymise each of `patients` (who must be past retention) in one transaction; how many."""
    ids = [patient.pk for patient in past_retention().filter(pk__in=[p.pk for p in patients])]
    referrals = Referral.objects.filter(patient_id__in=ids)
    dates = {}
    for patient_id, referral_date in referrals.values_list("patient_id", "referral_date"):
        dates.setdefault(patient_id, []).append(referral_date)
    now = timezone.now()
    for patient in Patient.objects.filter(pk__in=ids):
        Patient.objects.filter(pk=patient.pk).update(
            given_name=ANONYMISED_NAME, family_name=ANONYMISED_NAME, nhs_number=f"X{patient.pk:09d}",
            date_of_birth=same_ages_from(patient.date_of_birth, dates[patient.pk]), address="", phone="",
            postcode=NO_POSTCODE, long_term_conditions="", anonymised_at=now)
    referrals.update(reason="", needs_detail="", decline_reason="", withdraw_reason="", closure_note="",
                     reopen_reason="")
    Assessment.objects.filter(referral__patient_id__in=ids).update(notes="")
    StarReading.objects.filter(referral__patient_id__in=ids).update(notes={})
    OnwardReferral.objects.filter(referral__patient_id__in=ids).update(notes="", decline_reason="")
    SpotPurchase.objects.filter(referral__patient_id__in=ids).update(reason="", refusal_reason="")
    # The history still holds what was removed.
    Patient.history.filter(id__in=ids).delete()
    Referral.history.filter(patient_id__in=ids).delete()
    for model in (Assessment, StarReading, OnwardReferral, SpotPurchase):
        model.history.filter(referral__patient_id__in=ids).delete()
    return len(ids)


def same_ages_from(born: dt.date, referral_dates: list[dt.date]) -> dt.date:
    """The earliest date of birth that gives the age `born` gives at every referral date: the person is no longer
    identified by their birthday, and the reports' ages (80 and over, under 60) do not move."""
    earliest = dt.date.min
    for day in referral_dates:
        earliest = max(earliest, years_before(day, age_on(born, day) + 1) + dt.timedelta(days=1))
    return earliest if referral_dates else born
