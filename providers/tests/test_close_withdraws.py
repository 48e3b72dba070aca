"""Closing a referral withdraws what is still live for it (issue 12): its onward referrals not yet ended and its
spot purchases awaiting approval, each provider and the managers told, all in one transaction with the close.
The close form lists them first."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import services as casework_services
from providers import services as provider_services
from providers.models import OnwardKind, OnwardStatus, SpotPurchaseStatus
from providers.tests.factories import OnwardReferralFactory, ProviderFactory, ServiceFactory, SpotPurchaseFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.lib.nhs_number import format_nhs_number

SENT = today() - dt.timedelta(days=20)


@pytest.fixture
def referral(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, patient__given_name="Edna", patient__family_name="Hague",
                           status=Status.ACTIVE, adviser=adviser_a, referral_date=today() - dt.timedelta(days=40))


@pytest.fixture
def work(referral, provider_staff, adviser_a):
    """Live: sent to the provider staff's befriending, started at a lunch club, proposed to walks, non-VCS sent,
    a spot purchase waiting. Over: a completed one, a declined one, an approved spot purchase."""
    befriending = ServiceFactory(provider=provider_staff.provider, name="Telephone befriending")
    lunch = ServiceFactory(provider=ProviderFactory(name="Maltby Lunch Club", email="lunch@example.org"),
                           name="Lunch club")
    walks = ServiceFactory(name="Walking group")

    def onward(service, status, **fields):
        return OnwardReferralFactory(referral=referral, service=service, status=status, made_date=SENT,
                                     sent_date=None if status == OnwardStatus.PROPOSED else SENT, **fields)

    return {
        "sent": onward(befriending, OnwardStatus.SENT),
        "started": onward(lunch, OnwardStatus.STARTED, accepted_date=SENT, started_date=SENT + dt.timedelta(days=5)),
        "proposed": onward(walks, OnwardStatus.PROPOSED),
        "non_vcs": onward(None, OnwardStatus.SENT, kind=OnwardKind.NON_VCS, destination="Adult Social Care"),
        "completed": onward(walks, OnwardStatus.COMPLETED, ended_date=SENT + dt.timedelta(days=9)),
        "declined": onward(lunch, OnwardStatus.DECLINED, declined_date=SENT, decline_reason="Full"),
        "waiting": SpotPurchaseFactory(referral=referral, requested_by=adviser_a, description="Taxi to the group"),
        "approved": SpotPurchaseFactory(referral=referral, requested_by=adviser_a, status=SpotPurchaseStatus.APPROVED,
                                        description="Swimming sessions"),
    }


def _url(referral):
    return reverse("casework:close", args=[referral.pk])


CLOSE = {"reason": "goals_met", "note": "", "closed_date": today().isoformat()}


def _statuses(work) -> dict:
    for thing in work.values():
        thing.refresh_from_db()
    return {name: thing.status for name, thing in work.items()}


BEFORE = {"sent": "sent", "started": "started", "proposed": "proposed", "non_vcs": "sent", "completed": "completed",
          "declined": "declined", "waiting": "requested", "approved": "approved"}


def test_the_close_form_lists_what_closing_withdraws(client_for, adviser_a, referral, work):
    client = client_for(adviser_a)
    page = client.get(_url(referral)).text
    section = page.split('id="still-open"', 1)[1].split("</section>", 1)[0]
    for listed in ["Telephone befriending", "Lunch club", "Walking group", "Adult Social Care", "Taxi to the group",
                   "£250", "awaiting approval", "The manager will be told"]:
        assert listed in section, listed
    assert section.count("<li>") == 5
    assert "Swimming sessions" not in section and "declined" not in section
    assert "Close the referral and withdraw these" in page


def test_the_close_form_lists_nothing_when_nothing_is_open(client_for, adviser_a, referral):
    page = client_for(adviser_a).get(_url(referral)).text
    assert "still-open" not in page and "withdraw these" not in page


def test_the_close_forms_query_count_does_not_grow_with_open_work(client_for, adviser_a, referral, work,
                                                                  django_assert_num_queries):
    client = client_for(adviser_a)
    with django_assert_num_queries(11):
        client.get(_url(referral))
    for _ in range(4):
        OnwardReferralFactory(referral=referral, service=ServiceFactory(), status=OnwardStatus.ACCEPTED)
        SpotPurchaseFactory(referral=referral, provider=ProviderFactory())
    with django_assert_num_queries(11):
        page = client.get(_url(referral)).text
    assert page.split('id="still-open"', 1)[1].split("</section>", 1)[0].count("<li>") == 13


def test_closing_withdraws_the_open_work_and_leaves_the_rest(client_for, adviser_a, referral, work):
    response = client_for(adviser_a).post(_url(referral), CLOSE)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED
    assert _statuses(work) == {**BEFORE, "sent": "withdrawn", "started": "withdrawn", "proposed": "withdrawn",
                               "non_vcs": "withdrawn", "waiting": "withdrawn"}
    for name in ["sent", "started", "proposed", "non_vcs"]:
        assert work[name].ended_date == today()
        assert work[name].history.latest().history_user == adviser_a
    assert (work["waiting"].decided_by, work["waiting"].decided_date) == (adviser_a, today())
    assert work["waiting"].history.latest().history_user == adviser_a


def test_the_providers_and_the_managers_are_told_without_patient_details(
        client_for, adviser_a, manager, provider_staff, referral, work, mailoutbox,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(adviser_a).post(_url(referral), CLOSE)
    by_subject = {mail.subject: mail for mail in mailoutbox}
    # Only what a provider had: not the proposed one (never sent), nor the non-VCS one (no provider here).
    assert sorted(by_subject) == ["[SPS] A referral to Lunch club is withdrawn",
                                  "[SPS] A referral to Telephone befriending is withdrawn",
                                  "[SPS] A spot purchase is withdrawn"]
    assert by_subject["[SPS] A referral to Telephone befriending is withdrawn"].to == [provider_staff.email]
    assert by_subject["[SPS] A referral to Lunch club is withdrawn"].to == ["lunch@example.org"]
    assert by_subject["[SPS] A spot purchase is withdrawn"].to == [manager.email]
    patient = referral.patient
    for mail in mailoutbox:
        for detail in ["Edna", "Hague", patient.nhs_number, format_nhs_number(patient.nhs_number), patient.postcode]:
            assert detail not in mail.body and detail not in mail.subject
    assert f"sent on {SENT:%d/%m/%Y}" in by_subject["[SPS] A referral to Telephone befriending is withdrawn"].body


def test_nobody_is_told_before_the_close_is_committed(client_for, adviser_a, referral, work, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(adviser_a).post(_url(referral), CLOSE)
    assert mailoutbox == [] and len(callbacks) == 3


def test_a_withdrawal_that_fails_leaves_the_referral_open_and_everything_as_it_was(
        client_for, adviser_a, referral, work, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("The spot purchase could not be withdrawn.")

    monkeypatch.setattr(provider_services, "spot_purchase_withdraw", refuse)
    response = client_for(adviser_a).post(_url(referral), CLOSE)
    assert response.status_code == 200
    assert "The spot purchase could not be withdrawn." in response.text
    referral.refresh_from_db()
    assert (referral.status, referral.closed_date) == (Status.ACTIVE, None)
    assert _statuses(work) == BEFORE
    assert work["sent"].history.count() == 1


def test_a_bad_close_withdraws_nothing(client_for, adviser_a, referral, work):
    response = client_for(adviser_a).post(_url(referral), {**CLOSE, "reason": "other", "note": ""})
    assert "Say why the referral is closed." in response.text
    assert _statuses(work) == BEFORE


def test_a_close_dated_back_withdraws_each_on_the_day_it_last_moved_if_later(adviser_a, referral, work):
    closed = SENT + dt.timedelta(days=2)  # after it was sent, before the lunch club started
    casework_services.referral_close(referral=referral, by=adviser_a, reason="moved_away", closed_date=closed)
    _statuses(work)
    assert work["sent"].ended_date == closed
    assert work["started"].ended_date == SENT + dt.timedelta(days=5)


def test_the_manager_may_close_and_withdraw_too(client_for, manager, referral, work):
    client_for(manager).post(_url(referral), CLOSE)
    assert _statuses(work)["sent"] == "withdrawn"
    assert work["sent"].history.latest().history_user == manager


@pytest.mark.parametrize("persona", ["adviser_other", "gp_a", "provider_staff", "commissioner"])
def test_others_get_404_and_nothing_is_withdrawn(request, client_for, referral, work, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_url(referral)).status_code == 404
    response = client.post(_url(referral), CLOSE)
    assert response.status_code == 404 and "Hague" not in response.text
    assert _statuses(work) == BEFORE


def test_nobody_signed_in_is_sent_to_sign_in_and_nothing_is_withdrawn(client, referral, work):
    response = client.post(_url(referral), CLOSE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert _statuses(work) == BEFORE


def test_the_provider_is_told_when_the_adviser_withdraws_one_by_hand(adviser_a, work, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        provider_services.onward_referral_set_status(onward=work["sent"], status=OnwardStatus.WITHDRAWN,
                                                     by=adviser_a)
    [mail] = mailoutbox
    assert mail.subject == "[SPS] A referral to Telephone befriending is withdrawn"


def test_the_provider_is_told_when_a_proposed_one_is_sent_later(adviser_a, work, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    """Found on the way: a proposed onward referral sent from the referral page reached the inbox unannounced."""
    provider = work["proposed"].service.provider
    provider.email = "walks@example.org"
    provider.save()
    with django_capture_on_commit_callbacks(execute=True):
        provider_services.onward_referral_set_status(onward=work["proposed"], status=OnwardStatus.SENT, by=adviser_a)
    [mail] = mailoutbox
    assert (mail.subject, mail.to) == ("[SPS] New referral to Walking group", ["walks@example.org"])
