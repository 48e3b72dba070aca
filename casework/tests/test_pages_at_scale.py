"""The caseload and the referral page at national size (issue 13): the same number of queries with 2 referrals
or 25, with a search or without, and a caseload search that looks only at the caseload."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outcomes.tests.factories import reading
from providers.models import OnwardStatus
from providers.tests.factories import OnwardReferralFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

CASELOAD = reverse("casework:caseload")


def _caseload(adviser, n: int, tag: str) -> None:
    """n people assigned to the adviser (half with a baseline), and n waiting at their practice."""
    practice = adviser.linked_practices.get()
    for i in range(n):
        referral = ReferralFactory(patient__practice=practice, patient__family_name=f"{tag}{i:02d}",
                                   status=Status.ACCEPTED, adviser=adviser)
        if i % 2:
            reading(referral, "baseline", today() - dt.timedelta(days=30))
        ReferralFactory(patient__practice=practice, patient__family_name=f"{tag}Waiting{i:02d}")


@pytest.mark.parametrize("search", ["", "few"])
def test_the_caseload_costs_the_same_queries_with_2_or_25_people(client_for, adviser_a, search,
                                                                 django_assert_num_queries):
    client = client_for(adviser_a)
    _caseload(adviser_a, 2, "Few")
    if search:
        client.post(CASELOAD, {"q": search})
    with CaptureQueriesContext(connection) as few:
        client.get(CASELOAD)
    _caseload(adviser_a, 23, "Few")
    with django_assert_num_queries(len(few)):
        page = client.get(CASELOAD)
    assert page.context["page"].paginator.count == 25 and page.context["waiting_page"].paginator.count == 25


def test_the_caseload_search_looks_only_at_the_caseload(client_for, adviser_a, practice_a):
    """The search's own query is limited to the people the caseload lists (not every referral the adviser may
    see): a closed referral of the same name is not what it reads."""
    _caseload(adviser_a, 2, "Kept")
    ReferralFactory(patient__practice=practice_a, patient__family_name="KeptClosed", status=Status.CLOSED,
                    adviser=adviser_a)
    client = client_for(adviser_a)
    client.post(CASELOAD, {"q": "kept"})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(CASELOAD)
    listed = [*page.context["page"].object_list, *page.context["waiting_page"].object_list]
    assert {r.patient.family_name for r in listed} == {"Kept00", "Kept01", "KeptWaiting00", "KeptWaiting01"}
    [search] = [q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"].upper()]
    within = re.search(r'"referrals_referral"\."id" IN \(([\d, ]+)\)', search)
    assert within and {int(pk) for pk in within.group(1).split(",")} == {r.pk for r in listed}


@pytest.mark.parametrize("persona", ["adviser_a", "manager", "gp_a"])
def test_the_referral_page_costs_the_same_queries_with_2_or_25_of_everything(request, client_for, practice_a,
                                                                             adviser_a, persona,
                                                                             django_assert_num_queries):
    user = request.getfixturevalue(persona)
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACTIVE, adviser=adviser_a)
    client = client_for(user)
    url = reverse("casework:referral", args=[referral.pk])

    def add(n: int) -> None:
        for i in range(n):
            OnwardReferralFactory(referral=referral, status=OnwardStatus.STARTED)
            reading(referral, "review", today() - dt.timedelta(days=i))
            ReferralFactory(patient__practice=practice_a, adviser=adviser_a, status=Status.ACCEPTED)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(23)
    with django_assert_num_queries(len(few)):
        client.get(url)
