"""Withdrawing a referral (issue 12: it was one click, with no confirmation and no reason): a page says what will
happen and asks why; only the post withdraws, and the reason is kept, in history and on the referral's page."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from referrals.models import Referral, Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

REASON = "Referred in error: she already sees the community matron every week."


@pytest.fixture
def received(gp_a, adviser_a):
    return ReferralFactory(patient__practice=gp_a.practice, patient__family_name="Hague")


def _url(referral: Referral) -> str:
    return reverse("referrals:withdraw", args=[referral.pk])


def test_the_withdraw_page_says_what_will_happen_and_changes_nothing(client_for, gp_a, received):
    response = client_for(gp_a).get(_url(received))
    assert response.status_code == 200
    page = response.text
    assert f"Withdraw the referral for {escape(received.patient)}" in page
    assert "will not contact" in page and "cannot be undone" in page
    assert 'name="reason"' in page
    assert received.patient.nhs_number not in _url(received)
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def test_withdrawing_needs_a_reason_and_writes_nothing_without_one(client_for, gp_a, received):
    response = client_for(gp_a).post(_url(received), {"reason": "   "})
    assert response.status_code == 200
    assert "data-error-summary" in response.text
    assert "Enter the reason for withdrawing the referral." in response.text
    received.refresh_from_db()
    assert (received.status, received.withdraw_reason, received.history.count()) == (Status.RECEIVED, "", 1)


def test_a_reason_past_its_length_is_refused_in_plain_words(client_for, gp_a, received):
    response = client_for(gp_a).post(_url(received), {"reason": "x" * 45_000})
    assert "The reason for withdrawing the referral must be 1,000 characters or fewer" in response.text
    assert "Ensure this value" not in response.text
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def test_gp_withdraws_with_a_reason_kept_in_history(client_for, gp_a, received):
    response = client_for(gp_a).post(_url(received), {"reason": REASON}, follow=True)
    assert "Referral withdrawn." in response.text
    received.refresh_from_db()
    assert (received.status, received.withdrawn_date, received.withdraw_reason) == (Status.WITHDRAWN, today(),
                                                                                     REASON)
    latest = received.history.first()
    assert (latest.history_user, latest.withdraw_reason) == (gp_a, REASON)


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "manager"])
def test_the_reason_is_on_the_referral_page_for_those_who_see_it(request, client_for, gp_a, received, persona):
    client_for(gp_a).post(_url(received), {"reason": REASON})
    page = client_for(request.getfixturevalue(persona)).get(reverse("casework:referral", args=[received.pk])).text
    assert "Withdrawn because" in page and REASON in page


def test_an_accepted_referral_cannot_be_withdrawn_and_the_page_says_so(client_for, gp_a, adviser_a, received):
    received.status, received.adviser = Status.ACCEPTED, adviser_a
    received.save()
    client = client_for(gp_a)
    page = client.get(_url(received), follow=True).text
    assert "This referral is accepted, so it cannot be withdrawn." in page
    client.post(_url(received), {"reason": REASON})
    received.refresh_from_db()
    assert received.status == Status.ACCEPTED


@pytest.mark.parametrize("persona", ["gp_b", "adviser_a", "adviser_other", "manager", "provider_staff",
                                     "commissioner"])
def test_the_wrong_person_gets_404_and_nothing_changes(request, client_for, received, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_url(received)).status_code == 404
    assert client.post(_url(received), {"reason": REASON}).status_code == 404
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def test_nobody_signed_in_is_sent_to_sign_in(client, received):
    for response in (client.get(_url(received)), client.post(_url(received), {"reason": REASON})):
        assert response.url == f"{reverse('login')}?next={_url(received)}"
    received.refresh_from_db()
    assert received.status == Status.RECEIVED
