from django.urls import reverse

from referrals.tests.factories import ReferralFactory
from sps.tests.factories import GPFactory


def test_practice_is_emailed_when_its_referral_is_accepted_without_patient_details(
        client_for, adviser_a, gp_a, gp_b, mailoutbox, django_capture_on_commit_callbacks):
    colleague = GPFactory(practice=gp_a.practice, email="colleague@gp.example.nhs.uk")
    referral = ReferralFactory(patient__practice=gp_a.practice, patient__given_name="Philippa",
                               patient__family_name="Hague")  # fixed names: a random one may be the adviser's
    with django_capture_on_commit_callbacks(execute=True):
        client_for(adviser_a).post(reverse("referrals:accept", args=[referral.pk]))
    [email] = mailoutbox
    assert sorted(email.to) == sorted([gp_a.email, colleague.email])
    assert gp_b.email not in email.to
    assert f"/referrals/{referral.pk}/" in email.body
    for detail in ["Philippa", "Hague", referral.patient.nhs_number, referral.patient.postcode]:
        assert detail not in email.body and detail not in email.subject


def test_no_email_when_the_accept_is_refused(client_for, adviser_a, gp_a, mailoutbox,
                                             django_capture_on_commit_callbacks):
    referral = ReferralFactory(patient__practice=gp_a.practice, status="declined")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(adviser_a).post(reverse("referrals:accept", args=[referral.pk]))
    assert mailoutbox == []
