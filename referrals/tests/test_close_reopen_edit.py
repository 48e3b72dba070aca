import datetime as dt

import pytest
from django.urls import reverse

from outcomes.tests.factories import reading
from referrals.models import Referral, Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today


@pytest.fixture
def supported(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ASSESSED,
                           adviser=adviser_a, referral_date=today() - dt.timedelta(days=90))


def test_adviser_closes_with_a_reason_and_the_timeline_says_so(client_for, adviser_a, supported):
    client = client_for(adviser_a)
    page = client.get(reverse("casework:close", args=[supported.pk])).text
    assert "No discharge star has been recorded" in page
    response = client.post(reverse("casework:close", args=[supported.pk]),
                           {"reason": "goals_met", "note": "", "closed_date": today().isoformat()})
    assert response.status_code == 302
    supported.refresh_from_db()
    assert (supported.status, supported.closure_reason, supported.closed_date) == ("closed", "goals_met", today())
    detail = client.get(reverse("casework:referral", args=[supported.pk])).text
    assert "Goals met" in detail


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": "", "note": ""}, "Choose the reason for closing."),
    ({"reason": "other", "note": "x" * 1001}, "The note must be 1,000 characters or fewer: you entered 1,001."),
    ({"reason": "other", "note": ""}, "Say why the referral is closed."),
    ({"reason": "died", "note": "", "closed_date": "2099-01-01"}, "between the referral date and today"),
])
def test_closing_with_bad_input_is_refused(client_for, adviser_a, supported, data, message):
    data = {"closed_date": today().isoformat(), **data}
    response = client_for(adviser_a).post(reverse("casework:close", args=[supported.pk]), data)
    assert message in response.text
    supported.refresh_from_db()
    assert supported.status == Status.ASSESSED


def test_reopen_needs_a_reason_and_returns_to_where_it_was(client_for, adviser_a, supported):
    reading(supported, "baseline", today() - dt.timedelta(days=60))
    supported.status, supported.closure_reason, supported.closed_date = Status.CLOSED, "moved_away", today()
    supported.save()
    client = client_for(adviser_a)
    url = reverse("casework:reopen", args=[supported.pk])
    assert "Enter the reason for reopening it." in client.post(url, {"reason": ""}).text
    client.post(url, {"reason": "Moved back to the area."})
    supported.refresh_from_db()
    assert (supported.status, supported.closed_date, supported.reopen_reason) == (
        Status.ASSESSED, None, "Moved back to the area.")
    assert "Reopened" in client.get(reverse("casework:referral", args=[supported.pk])).text


def test_reopen_is_refused_while_the_patient_has_another_open_referral(client_for, adviser_a, supported):
    supported.status = Status.CLOSED
    supported.save()
    ReferralFactory(patient=supported.patient, status=Status.RECEIVED)
    response = client_for(adviser_a).post(reverse("casework:reopen", args=[supported.pk]), {"reason": "Back"})
    assert "already has an open referral" in response.text
    supported.refresh_from_db()
    assert supported.status == Status.CLOSED


@pytest.mark.parametrize("view", ["casework:close", "casework:reopen", "referrals:edit"])
@pytest.mark.parametrize("persona", ["gp_a", "adviser_other", "provider_staff"])
def test_only_the_caseload_adviser_and_manager_may_close_reopen_or_edit(request, client_for, supported, view,
                                                                       persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse(view, args=[supported.pk])).status_code == 404


@pytest.mark.parametrize("view", ["casework:close", "casework:reopen", "referrals:edit"])
def test_close_reopen_edit_need_a_login(client, supported, view):
    url = reverse(view, args=[supported.pk])
    assert client.get(url).url == f"{reverse('login')}?next={url}"


def _edit(client, referral, version, reason, urgency="routine"):
    return client.post(reverse("referrals:edit", args=[referral.pk]), {
        "reason": reason, "needs": ["befriending"], "needs_detail": "", "urgency": urgency, "risk_score": "",
        "version": version})


def test_two_people_editing_at_once_the_second_is_told_and_shown_the_difference(client_for, adviser_a, manager,
                                                                                supported):
    version = supported.version
    first = _edit(client_for(manager), supported, version, "Manager's wording", urgency="urgent")
    assert first.status_code == 302
    second = _edit(client_for(adviser_a), supported, version, "Adviser's wording")
    assert second.status_code == 200
    assert "Someone else changed this referral" in second.text
    assert "Manager&#x27;s wording" in second.text and "Adviser&#x27;s wording" in second.text
    saved = Referral.objects.get(pk=supported.pk)
    assert (saved.reason, saved.urgency, saved.version) == ("Manager's wording", "urgent", version + 1)
    again = _edit(client_for(adviser_a), supported, saved.version, "Adviser's wording")
    assert again.status_code == 302
    assert Referral.objects.get(pk=supported.pk).reason == "Adviser's wording"
