"""Making onward referrals (to a directory service, or non-VCS/signpost) and moving them on, through the views:
the right person, the wrong person (404), nobody (the login page), and bad input with its message."""

import datetime as dt

import pytest
from django.urls import reverse

from providers.models import OnwardKind, OnwardReferral, OnwardStatus
from providers.tests.factories import GrantFactory, OnwardReferralFactory, ProviderFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.lib.nhs_number import format_nhs_number
from sps.tests.factories import UserFactory

GOOD = {"need": "befriending", "notes": "Mornings are best", "made_date": "2026-10-05", "send": "on"}
OTHER = {"kind": "non_vcs", "destination": "Adult Social Care", "need": "", "notes": "", "made_date": "2026-10-05"}


@pytest.fixture
def referral(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, patient__given_name="Edna", patient__family_name="Hague",
                           patient__address="12 Moorgate Road, Rotherham", patient__phone="01709 555123",
                           patient__long_term_conditions="COPD", status=Status.ACCEPTED, adviser=adviser_a)


@pytest.fixture
def service(provider_staff):
    service = ServiceFactory(provider=provider_staff.provider, name="Telephone befriending")
    GrantFactory(provider=service.provider, services=[service])
    return service


def _create_url(referral, service):
    return reverse("providers:onward_create", args=[referral.pk, service.pk])


def _other_url(referral):
    return reverse("providers:onward_create_other", args=[referral.pk])


def _status_url(onward):
    return reverse("providers:onward_status", args=[onward.pk])


def _assert_nothing_written(referral):
    assert not OnwardReferral.objects.exists()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


# Referring on to a service from the directory ------------------------------------------------------------------


def test_adviser_refers_on_and_is_sent_back_to_the_referral(client_for, adviser_a, referral, service):
    response = client_for(adviser_a).post(_create_url(referral, service), GOOD)
    assert response.status_code == 302
    assert response.url == reverse("casework:referral", args=[referral.pk])
    onward = OnwardReferral.objects.get()
    assert (onward.referral, onward.service, onward.kind, onward.status) == (
        referral, service, OnwardKind.COMMISSIONED, OnwardStatus.SENT)
    assert (onward.made_date, onward.sent_date, onward.made_by, onward.notes) == (
        dt.date(2026, 10, 5), dt.date(2026, 10, 5), adviser_a, "Mornings are best")
    referral.refresh_from_db()
    assert referral.status == Status.ACTIVE


def test_provider_is_emailed_without_patient_details(client_for, adviser_a, provider_staff, referral, service,
                                                     mailoutbox, django_capture_on_commit_callbacks):
    service.provider.email = "referrals@rvbs.example.org"
    service.provider.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(adviser_a).post(_create_url(referral, service), GOOD)
    [email] = mailoutbox
    assert sorted(email.to) == sorted(["referrals@rvbs.example.org", provider_staff.email])
    assert email.subject == "[SPS] New referral to Telephone befriending"
    assert reverse("providers:inbox") in email.body
    patient = referral.patient
    for detail in ["Edna", "Hague", patient.nhs_number, format_nhs_number(patient.nhs_number), "17/05/1940",
                   "1940-05-17", "01709 555123", "Moorgate", patient.postcode, "COPD", "Mornings are best"]:
        assert detail not in email.body
        assert detail not in email.subject


def test_referral_page_shows_the_onward_referral_to_the_adviser(client_for, adviser_a, referral, service):
    page = client_for(adviser_a).post(_create_url(referral, service), GOOD, follow=True).text
    assert "Referred on to Telephone befriending." in page
    assert "<strong>Telephone befriending</strong>" in page
    assert "Commissioned VCS service" in page


def test_unticked_send_records_it_as_proposed_and_emails_nobody(client_for, adviser_a, referral, service,
                                                                mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(adviser_a).post(_create_url(referral, service), {**GOOD, "send": ""})
    assert OnwardReferral.objects.get().status == OnwardStatus.PROPOSED
    assert mailoutbox == []


def test_service_without_a_grant_is_referred_to_as_non_commissioned(client_for, adviser_a, referral):
    unfunded = ServiceFactory(name="Lunch club")
    client_for(adviser_a).post(_create_url(referral, unfunded), GOOD)
    assert OnwardReferral.objects.get().kind == OnwardKind.NON_COMMISSIONED


def test_form_names_the_person_and_the_service_with_its_room(client_for, adviser_a, referral, service):
    OnwardReferralFactory(service=service, status=OnwardStatus.STARTED)
    response = client_for(adviser_a).get(_create_url(referral, service))
    assert response.status_code == 200
    assert "Refer Edna Hague to Telephone befriending" in response.text
    assert "room for 9 of 10" in response.text


def test_manager_may_refer_on_too(client_for, manager, referral, service):
    response = client_for(manager).post(_create_url(referral, service), GOOD)
    assert response.url == reverse("casework:referral", args=[referral.pk])
    assert OnwardReferral.objects.get().made_by == manager


@pytest.mark.parametrize(("field", "value", "message"), [
    ("made_date", "2099-01-01", "The date of the onward referral cannot be in the future."),
    ("made_date", "2026-09-30", "The date of the onward referral cannot be before the referral date (01/10/2026)."),
    ("made_date", "", "Enter the date of the onward referral."),
    ("need", "gardening", "Choose the need it meets from the list."),
])
def test_bad_input_is_refused_with_the_message_and_nothing_written(client_for, adviser_a, referral, service,
                                                                  field, value, message):
    response = client_for(adviser_a).post(_create_url(referral, service), {**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.text
    _assert_nothing_written(referral)


def test_patient_without_consent_to_share_is_refused_with_the_reason(client_for, adviser_a, referral, service):
    referral.patient.consent_share = False
    referral.patient.save()
    response = client_for(adviser_a).post(_create_url(referral, service), GOOD)
    assert response.status_code == 200
    assert "Consent to share is missing" in response.text  # the service refused it: providers.services
    _assert_nothing_written(referral)


def test_service_whose_grant_ended_is_refused_with_the_date(client_for, adviser_a, referral):
    ended = ServiceFactory(name="Phone friends")
    GrantFactory(provider=ended.provider, services=[ended], start_date=dt.date(2025, 4, 1),
                 end_date=dt.date(2026, 3, 31))
    response = client_for(adviser_a).post(_create_url(referral, ended), GOOD)
    assert "The grant for Phone friends ended on 31/03/2026" in response.text
    _assert_nothing_written(referral)


def test_closed_referral_is_refused_with_its_status(client_for, adviser_a, referral, service):
    referral.status = Status.CLOSED
    referral.save()
    response = client_for(adviser_a).post(_create_url(referral, service), GOOD)
    assert "This referral is closed: onward referrals are made once it is accepted" in response.text
    assert not OnwardReferral.objects.exists()


def test_inactive_service_is_404(client_for, adviser_a, referral):
    inactive = ServiceFactory(active=False)
    client = client_for(adviser_a)
    assert client.get(_create_url(referral, inactive)).status_code == 404
    assert client.post(_create_url(referral, inactive), GOOD).status_code == 404
    _assert_nothing_written(referral)


# Non-VCS referrals and signposts -------------------------------------------------------------------------------


def test_adviser_records_a_non_vcs_referral_and_no_provider_is_emailed(client_for, adviser_a, referral, mailoutbox,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(adviser_a).post(_other_url(referral), OTHER)
    assert response.url == reverse("casework:referral", args=[referral.pk])
    onward = OnwardReferral.objects.get()
    assert (onward.kind, onward.status, onward.service, onward.destination) == (
        OnwardKind.NON_VCS, OnwardStatus.SENT, None, "Adult Social Care")
    assert mailoutbox == []


def test_adviser_records_a_signpost_as_completed(client_for, adviser_a, referral):
    client_for(adviser_a).post(_other_url(referral), {**OTHER, "kind": "signpost",
                                                      "destination": "Citizens Advice leaflet on PIP"})
    onward = OnwardReferral.objects.get()
    assert (onward.kind, onward.status, onward.ended_date) == (OnwardKind.SIGNPOST, OnwardStatus.COMPLETED,
                                                               dt.date(2026, 10, 5))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("destination", "", "Enter where the person is sent."),
    ("destination", "   ", "Enter where the person is sent."),
    ("made_date", "2099-01-01", "The date of the onward referral cannot be in the future."),
    ("kind", "commissioned", "Choose whether it is a non-VCS referral or a signpost from the list."),
])
def test_bad_non_vcs_input_is_refused_with_the_message_and_nothing_written(client_for, adviser_a, referral, field,
                                                                          value, message):
    response = client_for(adviser_a).post(_other_url(referral), {**OTHER, field: value})
    assert response.status_code == 200
    assert message in response.text
    _assert_nothing_written(referral)


# Who may refer on ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["adviser_other", "gp_a", "gp_b", "provider_staff", "commissioner"])
def test_others_get_404_and_nothing_is_written(request, client_for, referral, service, persona):
    client = client_for(request.getfixturevalue(persona))
    for url, data in [(_create_url(referral, service), GOOD), (_other_url(referral), OTHER)]:
        assert client.get(url).status_code == 404
        response = client.post(url, data)
        assert response.status_code == 404
        assert "Hague" not in response.text
    _assert_nothing_written(referral)


def test_not_logged_in_is_sent_to_login(client, referral, service):
    for url in [_create_url(referral, service), _other_url(referral)]:
        response = client.get(url)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={url}")
        assert client.post(url, GOOD).url == f"/accounts/login/?next={url}"
    assert not OnwardReferral.objects.exists()


# Status changes ------------------------------------------------------------------------------------------------


@pytest.fixture
def onward(referral, service):
    return OnwardReferralFactory(referral=referral, service=service)


def test_provider_staff_accept_then_start_and_go_back_to_their_inbox(client_for, provider_staff, onward):
    client = client_for(provider_staff)
    response = client.post(_status_url(onward), {"status": "accepted", "on": "2026-10-07"})
    assert response.url == f"{reverse('providers:inbox')}?status=open#onward-{onward.pk}"
    onward.refresh_from_db()
    assert (onward.status, onward.accepted_date) == (OnwardStatus.ACCEPTED, dt.date(2026, 10, 7))
    page = client.post(_status_url(onward), {"status": "started", "on": "2026-10-12"}, follow=True).text
    assert "Edna Hague&#x27;s referral to Telephone befriending: marked started." in page
    onward.refresh_from_db()
    assert (onward.status, onward.started_date) == (OnwardStatus.STARTED, dt.date(2026, 10, 12))
    assert onward.history.latest().history_user == provider_staff


def test_adviser_hears_when_the_provider_accepts(client_for, provider_staff, adviser_a, onward, mailoutbox,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(provider_staff).post(_status_url(onward), {"status": "accepted", "on": "2026-10-07"})
    [email] = mailoutbox
    assert email.to == [adviser_a.email]
    assert "accepted" in email.subject
    assert "Hague" not in email.body


def test_adviser_withdraws_and_goes_back_to_the_referral(client_for, adviser_a, onward):
    response = client_for(adviser_a).post(_status_url(onward), {"status": "withdrawn", "on": "2026-10-09"})
    assert response.url == reverse("casework:referral", args=[onward.referral_id])
    onward.refresh_from_db()
    assert (onward.status, onward.ended_date) == (OnwardStatus.WITHDRAWN, dt.date(2026, 10, 9))


def test_adviser_records_that_a_non_vcs_destination_accepted(client_for, adviser_a, referral,
                                                             django_capture_on_commit_callbacks):
    """A non-VCS referral to a free-text destination has no service: the adviser records the answer."""
    onward = OnwardReferralFactory(referral=referral, service=None, kind=OnwardKind.NON_VCS,
                                   destination="Adult Social Care")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(adviser_a).post(_status_url(onward), {"status": "accepted", "on": "2026-10-07"})
    assert response.url == reverse("casework:referral", args=[referral.pk])
    onward.refresh_from_db()
    assert onward.status == OnwardStatus.ACCEPTED


def test_out_of_order_status_shows_the_error_and_changes_nothing(client_for, provider_staff, onward):
    response = client_for(provider_staff).post(_status_url(onward), {"status": "started", "on": "2026-10-07"},
                                               follow=True)
    assert response.redirect_chain == [(f"{reverse('providers:inbox')}?status=open#onward-{onward.pk}", 302)]
    assert "This onward referral is sent: it cannot be marked started now." in response.text
    onward.refresh_from_db()
    assert (onward.status, onward.started_date, onward.history.count()) == (OnwardStatus.SENT, None, 1)


@pytest.mark.parametrize(("data", "message"), [
    ({"status": "declined", "on": "2026-10-07", "reason": ""},
     "Say why the referral is declined: the adviser will see it."),
    ({"status": "withdrawn", "on": "2026-10-07"}, "This onward referral is sent: it cannot be marked withdrawn now."),
    ({"status": "accepted", "on": "2099-01-01"}, "The date cannot be in the future."),
    ({"status": "accepted", "on": ""}, "Give the date it happened: nothing was saved."),
    ({"status": "accepted", "on": "7 Oct"}, "Give the date it happened as a date, for example 23/11/2026"),
    ({"status": "maybe", "on": "2026-10-07"}, "Choose what happened in &quot;Mark as&quot;: nothing was saved."),
    ({"status": "", "on": "2026-10-07"}, "Choose what happened in &quot;Mark as&quot;: nothing was saved."),
])
def test_bad_status_change_shows_the_message_and_changes_nothing(client_for, provider_staff, onward, data, message):
    response = client_for(provider_staff).post(_status_url(onward), data, follow=True)
    assert message in response.text
    onward.refresh_from_db()
    assert (onward.status, onward.history.count()) == (OnwardStatus.SENT, 1)


def test_provider_staff_of_another_organisation_get_404(client_for, onward):
    stranger = UserFactory(role="provider_staff", provider=ProviderFactory())
    client = client_for(stranger)
    assert client.post(_status_url(onward), {"status": "accepted", "on": "2026-10-07"}).status_code == 404
    assert client.post(reverse("providers:onward_continued", args=[onward.pk]),
                       {"continued": "yes"}).status_code == 404
    onward.refresh_from_db()
    assert (onward.status, onward.history.count()) == (OnwardStatus.SENT, 1)


def test_provider_staff_cannot_act_on_a_proposed_onward_referral(client_for, provider_staff, referral, service):
    proposed = OnwardReferralFactory(referral=referral, service=service, status=OnwardStatus.PROPOSED,
                                     sent_date=None)
    response = client_for(provider_staff).post(_status_url(proposed), {"status": "accepted", "on": "2026-10-07"})
    assert response.status_code == 404
    proposed.refresh_from_db()
    assert proposed.status == OnwardStatus.PROPOSED


@pytest.mark.parametrize("persona", ["adviser_other", "gp_a", "commissioner"])
def test_others_cannot_change_the_status(request, client_for, onward, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(_status_url(onward), {"status": "withdrawn", "on": "2026-10-07"}).status_code == 404
    onward.refresh_from_db()
    assert onward.status == OnwardStatus.SENT


def test_status_change_needs_a_login(client, onward):
    response = client.post(_status_url(onward), {"status": "accepted", "on": "2026-10-07"})
    assert response.url == f"/accounts/login/?next={_status_url(onward)}"
    onward.refresh_from_db()
    assert onward.status == OnwardStatus.SENT


@pytest.mark.parametrize("persona", ["provider_staff", "adviser_a", "manager"])
def test_get_on_the_post_only_urls_is_405(request, client_for, onward, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_status_url(onward)).status_code == 405
    assert client.get(reverse("providers:onward_continued", args=[onward.pk])).status_code == 405


def test_provider_staff_record_that_the_person_continued_after_the_end(client_for, provider_staff, onward):
    onward.status, onward.ended_date = OnwardStatus.COMPLETED, today()
    onward.save()
    response = client_for(provider_staff).post(reverse("providers:onward_continued", args=[onward.pk]),
                                               {"continued": "yes"})
    assert response.url == f"{reverse('providers:inbox')}?status=open#onward-{onward.pk}"
    onward.refresh_from_db()
    assert onward.continued_after_end is True


def test_continued_before_the_service_is_completed_shows_the_error(client_for, provider_staff, onward):
    response = client_for(provider_staff).post(reverse("providers:onward_continued", args=[onward.pk]),
                                               {"continued": "yes"}, follow=True)
    assert "Whether the person continued is recorded once the service is completed." in response.text
    onward.refresh_from_db()
    assert onward.continued_after_end is None


def test_the_onward_form_says_consent_is_missing_before_anything_is_filled_in(client_for, adviser_a, referral,
                                                                               service):
    referral.patient.consent_share = False
    referral.patient.save()
    page = client_for(adviser_a).get(_create_url(referral, service)).text
    assert "Consent to share is missing" in page
    assert reverse("referrals:consent", args=[referral.pk]) in page and _other_url(referral) in page
    assert "Make the onward referral" not in page  # no form to fill in that could only be refused


def test_with_consent_the_onward_form_is_there(client_for, adviser_a, referral, service):
    page = client_for(adviser_a).get(_create_url(referral, service)).text
    assert "Consent to share is missing" not in page and "Make the onward referral" in page
