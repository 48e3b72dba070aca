import pytest
from django.urls import reverse
from django.utils.html import escape

from referrals.models import Referral, Status
from referrals.tests.factories import PatientFactory, ReferralFactory

GOOD = {"reason": "Lives alone, three falls this year.", "needs": ["befriending", "community_transport"],
        "needs_detail": "", "source": "gp", "mdt_date": "", "risk_score": "72", "urgency": "routine",
        "consent_referral": "on", "consent_share": "on"}


@pytest.mark.smoke
def test_gp_refers_own_patient_and_it_is_received(client_for, gp_a):
    patient = PatientFactory(practice=gp_a.practice)
    response = client_for(gp_a).post(reverse("referrals:create", args=[patient.pk]), GOOD)
    referral = Referral.objects.get()
    assert response.url == reverse("casework:referral", args=[referral.pk])
    assert (referral.status, referral.practice, referral.referred_by) == (Status.RECEIVED, gp_a.practice, gp_a)
    assert referral.needs == ["befriending", "community_transport"]
    assert referral.risk_score == 72
    assert referral.history.get().history_user == gp_a


@pytest.mark.smoke
def test_second_referral_while_one_is_open_is_refused_with_its_status_and_nothing_written(client_for, gp_a,
                                                                                         adviser_a):
    open_one = ReferralFactory(patient__practice=gp_a.practice, status=Status.ACCEPTED, adviser=adviser_a)
    response = client_for(gp_a).post(reverse("referrals:create", args=[open_one.patient.pk]), GOOD)
    assert response.status_code == 200
    assert "already has an open referral" in response.text
    assert f"status accepted, adviser {escape(adviser_a)}" in response.text  # O'Brien comes out escaped
    assert Referral.objects.count() == 1
    assert open_one.patient.history.count() == 1  # the patient's consent was not rewritten either


def test_patient_may_be_referred_again_once_the_referral_is_closed(client_for, gp_a):
    closed = ReferralFactory(patient__practice=gp_a.practice, status=Status.CLOSED)
    client_for(gp_a).post(reverse("referrals:create", args=[closed.patient.pk]), GOOD)
    assert closed.patient.referrals.filter(status=Status.RECEIVED).count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("consent_referral", "", "The patient must agree to the referral before it is sent."),
    ("reason", "", "Enter the reason for referral."),
    ("risk_score", "101", "Enter the risk-stratification score as a whole number from 0 to 100."),
    ("needs", "gardening", "Choose the needs from the list."),
    ("mdt_date", "2099-01-01", "The MDT meeting date cannot be in the future."),
])
def test_bad_input_is_refused_with_the_message_and_nothing_written(client_for, gp_a, field, value, message):
    patient = PatientFactory(practice=gp_a.practice)
    response = client_for(gp_a).post(reverse("referrals:create", args=[patient.pk]), {**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert not Referral.objects.exists()


def test_mdt_source_needs_the_meeting_date(client_for, gp_a):
    patient = PatientFactory(practice=gp_a.practice)
    response = client_for(gp_a).post(reverse("referrals:create", args=[patient.pk]), {**GOOD, "source": "mdt"})
    assert "Give the date of the MDT meeting" in response.text
    assert not Referral.objects.exists()


def test_gp_cannot_refer_another_practices_patient(client_for, gp_a, gp_b):
    patient = PatientFactory(practice=gp_a.practice)
    url = reverse("referrals:create", args=[patient.pk])
    assert client_for(gp_b).get(url).status_code == 404
    assert client_for(gp_b).post(url, GOOD).status_code == 404
    assert not Referral.objects.exists()


def test_adviser_cannot_use_the_referral_form(client_for, gp_a, adviser_a):
    patient = PatientFactory(practice=gp_a.practice)
    assert client_for(adviser_a).get(reverse("referrals:create", args=[patient.pk])).status_code == 404


def test_not_logged_in_is_sent_to_login(client, gp_a):
    patient = PatientFactory(practice=gp_a.practice)
    url = reverse("referrals:create", args=[patient.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_form_shows_the_open_referral_before_the_gp_types(client_for, gp_a):
    open_one = ReferralFactory(patient__practice=gp_a.practice)
    response = client_for(gp_a).get(reverse("referrals:create", args=[open_one.patient.pk]))
    assert "already has an open referral" in response.text
