"""The manager's list of advisers to assign a referral to shows each one's open referrals (issue 12: no caseload
sizes), counted by the database in one grouped query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from referrals.forms import AssignForm
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.tests.factories import AdviserFactory


def _caseload(adviser, open_count: int, closed_count: int = 0) -> None:
    for _ in range(open_count):
        ReferralFactory(adviser=adviser, status=Status.ACTIVE)
    for _ in range(closed_count):
        ReferralFactory(adviser=adviser, status=Status.CLOSED)


def test_each_adviser_is_listed_with_their_open_referrals(db):
    busy = AdviserFactory(first_name="Bea", last_name="Busy")
    one = AdviserFactory(first_name="Olly", last_name="One")
    idle = AdviserFactory(first_name="Ida", last_name="Idle")
    _caseload(busy, 3, closed_count=2)
    _caseload(one, 1)
    AdviserFactory(first_name="Gone", last_name="Away", is_active=False)
    with CaptureQueriesContext(connection) as queries:
        labels = [label for value, label in AssignForm().fields["adviser"].choices if value]
    assert len(queries) == 1
    assert labels == ["Bea Busy (3 open referrals)", "Ida Idle (0 open referrals)", "Olly One (1 open referral)"]
    assert str(idle) in labels[1]


def test_the_referral_page_shows_the_counts_to_the_manager(client_for, manager, adviser_a, gp_a,
                                                           django_assert_num_queries):
    referral = ReferralFactory(patient__practice=gp_a.practice)
    _caseload(adviser_a, 2)
    client = client_for(manager)
    url = reverse("casework:referral", args=[referral.pk])
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).text
    assert f"{escape(adviser_a)} (2 open referrals)" in page
    for _ in range(3):
        _caseload(AdviserFactory(), 2, closed_count=1)
    with django_assert_num_queries(len(first)):  # more advisers and referrals, no more queries
        page = client.get(url).text
    assert page.count("(2 open referrals)") == 4
