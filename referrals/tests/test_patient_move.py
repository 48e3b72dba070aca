"""A patient registered at another practice (issue 12: found only after the whole referral form was filled in):
the search step says so at once, without saying who the patient is; the GP asks the manager to move the patient to
their practice; the manager moves them on a page, with history, and whoever asked is told."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from referrals.models import Patient, PatientMoveRequest
from referrals.tests.factories import PatientFactory, PatientMoveRequestFactory, ReferralFactory
from sps.models import Role
from sps.tests.factories import UserFactory

NUMBER = "9434765919"
REASON = "Registered with us on 01/10/2026 after moving to Wickersley."


@pytest.fixture
def elsewhere(gp_b):
    return PatientFactory(practice=gp_b.practice, nhs_number=NUMBER, given_name="Dorothy", family_name="Hague",
                          postcode="S66 1AA")


def _find(client, number=NUMBER):
    return client.post(reverse("referrals:find_patient"), {"nhs_number": number})


def test_the_search_step_says_the_patient_is_registered_elsewhere_without_who(client_for, gp_a, elsewhere):
    page = _find(client_for(gp_a)).text
    assert "belongs to a patient registered at another practice" in page
    assert reverse("referrals:move_request") in page
    assert reverse("referrals:patient_create") not in page  # not offered a form that would fail at the end
    for detail in ["Dorothy", "Hague", "S66 1AA", elsewhere.practice.name, "1940"]:
        assert detail not in page


def test_a_number_nobody_has_is_still_offered_to_add(client_for, gp_a, elsewhere):
    page = _find(client_for(gp_a), "4010232137").text
    assert "another practice" not in page and reverse("referrals:patient_create") in page


def test_gp_asks_the_manager_to_move_the_patient_and_the_manager_is_emailed(
        client_for, gp_a, manager, elsewhere, mailoutbox, django_capture_on_commit_callbacks):
    client = client_for(gp_a)
    _find(client)
    form = client.get(reverse("referrals:move_request"))
    assert form.status_code == 200 and "943 476 5919" in form.text and "Hague" not in form.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("referrals:move_request"), {"reason": REASON}, follow=True)
    assert "Your request was sent to the service manager" in response.text
    move = PatientMoveRequest.objects.get()
    assert (move.patient, move.to_practice, move.requested_by, move.reason) == (elsewhere, gp_a.practice, gp_a,
                                                                                REASON)
    assert move.requested_at is not None and move.history.get().history_user == gp_a
    [email] = mailoutbox
    assert email.to == [manager.email]
    assert reverse("referrals:move_requests") in email.body
    for detail in ["Hague", "Dorothy", NUMBER, "943 476 5919", "S66"]:
        assert detail not in email.body and detail not in email.subject
    again = _find(client).text
    assert "Your practice asked for this on" in again and reverse("referrals:move_request") not in again


def test_asking_twice_is_refused(client_for, gp_a, elsewhere):
    client = client_for(gp_a)
    _find(client)
    client.post(reverse("referrals:move_request"), {"reason": REASON})
    response = client.post(reverse("referrals:move_request"), {"reason": REASON})
    assert "has not moved them yet" in response.text
    assert PatientMoveRequest.objects.count() == 1


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Enter why the patient should be moved to your practice."),
    ("x" * 501, "Why the patient should be moved to your practice must be 500 characters or fewer: you entered 501."),
])
def test_a_request_needs_a_reason_within_bounds(client_for, gp_a, elsewhere, reason, message):
    client = client_for(gp_a)
    _find(client)
    response = client.post(reverse("referrals:move_request"), {"reason": reason})
    assert response.status_code == 200 and message in response.text and "data-error-summary" in response.text
    assert not PatientMoveRequest.objects.exists()


def test_no_request_without_a_patient_registered_elsewhere_looked_up(client_for, gp_a, elsewhere):
    client = client_for(gp_a)
    assert client.get(reverse("referrals:move_request")).url == reverse("referrals:find_patient")
    PatientFactory(practice=gp_a.practice, nhs_number="4010232137")
    _find(client, "4010232137")  # one of their own
    response = client.post(reverse("referrals:move_request"), {"reason": REASON})
    assert response.url == reverse("referrals:find_patient")
    assert not PatientMoveRequest.objects.exists()


@pytest.mark.parametrize("persona", ["adviser_a", "manager", "provider_staff", "commissioner"])
def test_only_gp_staff_ask(request, client_for, persona, elsewhere):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("referrals:move_request")).status_code == 404
    assert client.post(reverse("referrals:move_request"), {"reason": REASON}).status_code == 404
    assert not PatientMoveRequest.objects.exists()


def test_the_manager_sees_the_open_requests(client_for, manager, gp_a, django_assert_num_queries):
    requests = [PatientMoveRequestFactory(to_practice=gp_a.practice, requested_by=gp_a,
                                          patient__family_name=f"Moving{i}") for i in range(4)]
    ReferralFactory(patient=requests[0].patient)
    client = client_for(manager)
    # session, user, OTP device, the requests (one query), the access log, session save (3 with its savepoint)
    with django_assert_num_queries(8):
        page = client.get(reverse("referrals:move_requests")).text
    for move in requests:
        assert escape(move.patient.family_name) in page and escape(move.patient.practice.name) in page
    assert page.count("Has an open referral") == 1
    PatientMoveRequestFactory.create_batch(3)
    with django_assert_num_queries(8):
        client.get(reverse("referrals:move_requests"))


def test_the_manager_moves_the_patient_with_history_and_whoever_asked_is_told(
        client_for, manager, gp_a, elsewhere, mailoutbox, django_capture_on_commit_callbacks):
    move = PatientMoveRequestFactory(patient=elsewhere, to_practice=gp_a.practice, requested_by=gp_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(reverse("referrals:move_patient", args=[move.pk]), follow=True)
    assert f"Dorothy Hague moved to {gp_a.practice.name}" in response.text
    assert "No open requests." in response.text
    elsewhere.refresh_from_db()
    move.refresh_from_db()
    assert elsewhere.practice == gp_a.practice
    assert elsewhere.history.first().history_user == manager
    assert (move.moved_by, move.is_open) == (manager, False)
    [email] = mailoutbox
    assert email.to == [gp_a.email] and "Hague" not in email.body and NUMBER not in email.body
    page = _find(client_for(gp_a)).text
    assert reverse("referrals:create", args=[elsewhere.pk]) in page


def test_moving_twice_says_it_was_done(client_for, manager, gp_a, elsewhere):
    move = PatientMoveRequestFactory(patient=elsewhere, to_practice=gp_a.practice, requested_by=gp_a)
    client = client_for(manager)
    client.post(reverse("referrals:move_patient", args=[move.pk]))
    again = client.post(reverse("referrals:move_patient", args=[move.pk]), follow=True).text
    assert "This request was already dealt with" in again
    assert elsewhere.history.count() == 2


@pytest.mark.parametrize("persona", ["gp_a", "gp_b", "adviser_a", "provider_staff", "commissioner"])
def test_only_the_manager_sees_and_moves(request, client_for, persona, gp_a, elsewhere):
    move = PatientMoveRequestFactory(patient=elsewhere, to_practice=gp_a.practice, requested_by=gp_a)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("referrals:move_requests")).status_code == 404
    assert client.post(reverse("referrals:move_patient", args=[move.pk])).status_code == 404
    assert Patient.objects.get(pk=elsewhere.pk).practice == elsewhere.practice


def test_moving_is_a_post(client_for, manager, gp_a, elsewhere):
    move = PatientMoveRequestFactory(patient=elsewhere, to_practice=gp_a.practice, requested_by=gp_a)
    assert client_for(manager).get(reverse("referrals:move_patient", args=[move.pk])).status_code == 405


def test_nobody_signed_in_is_sent_to_sign_in(client, gp_a, elsewhere):
    move = PatientMoveRequestFactory(patient=elsewhere, to_practice=gp_a.practice, requested_by=gp_a)
    for url in [reverse("referrals:move_request"), reverse("referrals:move_requests"),
                reverse("referrals:move_patient", args=[move.pk])]:
        assert client.post(url).url == f"{reverse('login')}?next={url}"
    assert Patient.objects.get(pk=elsewhere.pk).practice == elsewhere.practice


def test_inactive_managers_are_not_emailed(client_for, gp_a, manager, elsewhere, mailoutbox,
                                           django_capture_on_commit_callbacks):
    UserFactory(role=Role.MANAGER, is_active=False, email="gone@example.org")
    client = client_for(gp_a)
    _find(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("referrals:move_request"), {"reason": REASON})
    assert [email.to for email in mailoutbox] == [[manager.email]]


def test_the_managers_referral_list_points_to_waiting_requests(client_for, manager, gp_a):
    client = client_for(manager)
    assert "requests from practices to move a patient" not in client.get(reverse("referrals:list")).text
    PatientMoveRequestFactory.create_batch(2)
    page = client.get(reverse("referrals:list")).text
    assert "2 requests from practices to move a patient" in page  # the page is also in the manager's menu
    assert reverse("referrals:move_requests") not in client_for(gp_a).get(reverse("referrals:list")).text
