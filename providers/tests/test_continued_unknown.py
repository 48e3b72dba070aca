"""Whether the person continued with VCS activity after the service ended is unknown until someone records it
(issue 12): stored as unknown, not as "no", so that neither the contract dashboard's continued rate nor the
evaluation's "continuing" subgroup counts an unrecorded answer."""

import datetime as dt
import importlib
from collections import Counter

import pytest
from django.apps import apps
from django.urls import reverse

from outcomes.tests.factories import reading
from providers import services
from providers.models import OnwardKind, OnwardReferral, OnwardStatus
from providers.tests.factories import OnwardReferralFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from reports import evaluation
from sps.lib.dates import today

migration = importlib.import_module("providers.migrations.0004_service_contact_postcodes_continued_unknown")


def test_a_new_onward_referral_has_no_answer_yet(adviser_a, practice_a):
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=10))
    onward = services.onward_referral_create(referral=referral, by=adviser_a, service=ServiceFactory())
    onward.refresh_from_db()
    assert onward.continued_after_end is None


def test_an_answer_given_by_mistake_can_be_taken_back(provider_staff):
    onward = OnwardReferralFactory(service=ServiceFactory(provider=provider_staff.provider),
                                   status=OnwardStatus.COMPLETED, ended_date=dt.date(2026, 11, 1))
    services.onward_referral_set_continued(onward=onward, continued=True, by=provider_staff)
    services.onward_referral_set_continued(onward=onward, continued=None, by=provider_staff)
    onward.refresh_from_db()
    assert onward.continued_after_end is None
    assert [h.continued_after_end for h in onward.history.order_by("history_id")] == [None, True, None]
    assert onward.history.latest().history_user == provider_staff


@pytest.mark.parametrize(("status", "kind", "stored", "after"), [
    # Never recordable, so never recorded: the old default becomes unknown.
    (OnwardStatus.SENT, OnwardKind.COMMISSIONED, False, None),
    (OnwardStatus.STARTED, OnwardKind.COMMISSIONED, False, None),
    (OnwardStatus.WITHDRAWN, OnwardKind.COMMISSIONED, False, None),
    (OnwardStatus.COMPLETED, OnwardKind.SIGNPOST, False, None),
    # Completed: a recorded "no" cannot be told from the old default, so it stays; a yes always stays.
    (OnwardStatus.COMPLETED, OnwardKind.COMMISSIONED, False, False),
    (OnwardStatus.COMPLETED, OnwardKind.COMMISSIONED, True, True),
    (OnwardStatus.STARTED, OnwardKind.COMMISSIONED, True, True),
])
def test_the_migration_makes_only_never_recorded_answers_unknown(db, status, kind, stored, after):
    service = None if kind == OnwardKind.SIGNPOST else ServiceFactory()
    onward = OnwardReferralFactory(status=status, kind=kind, service=service, destination="Leaflet",
                                   continued_after_end=stored)
    migration.unrecorded_to_unknown(apps, None)
    onward.refresh_from_db()
    assert onward.continued_after_end is after


def test_the_evaluations_continuing_subgroup_counts_only_a_recorded_yes(db):
    """reports/evaluation.py filters continued_after_end=True: an unknown answer is not "continuing"."""
    service = ServiceFactory()
    day = dt.date(2024, 6, 1)
    for answer in (True, False, None):
        referral = ReferralFactory(referral_date=day, status="active")
        reading(referral, "baseline", day + dt.timedelta(days=5))
        OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="completed",
                                      made_date=day + dt.timedelta(days=6), continued_after_end=answer)
    groups = evaluation.hospital_groups(evaluation.cohort(dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
                                        dt.date(2025, 12, 31))
    continuing = Counter()
    for group in groups:
        continuing[group["continuing"]] += group["patients"]
    assert continuing == {False: 2, True: 1}


@pytest.mark.parametrize("answer", ["", "maybe"])
def test_an_answer_that_is_not_yes_no_or_not_known_is_refused_and_nothing_changes(client_for, provider_staff,
                                                                                   answer):
    onward = OnwardReferralFactory(service=ServiceFactory(provider=provider_staff.provider),
                                   status=OnwardStatus.COMPLETED, ended_date=dt.date(2026, 11, 1))
    page = client_for(provider_staff).post(reverse("providers:onward_continued", args=[onward.pk]),
                                           {"continued": answer}, follow=True).text
    assert "Choose yes or no: nothing was saved." in page
    onward.refresh_from_db()
    assert (onward.continued_after_end, onward.history.count()) == (None, 1)
