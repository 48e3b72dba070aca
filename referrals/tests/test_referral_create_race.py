import pytest
from django.core.exceptions import ValidationError

from referrals import services
from referrals.models import Referral
from referrals.tests.factories import PatientFactory, ReferralFactory


def test_constraint_catches_a_simultaneous_second_referral_and_rolls_back_everything(monkeypatch, gp_a):
    """Two people refer the same patient at once: both pass the friendly check, the database refuses one."""
    patient = PatientFactory(practice=gp_a.practice, consent_share=False)
    open_one = ReferralFactory(patient=patient)
    calls = []

    def misses_the_first_time(p):
        calls.append(p)
        return None if len(calls) == 1 else open_one

    monkeypatch.setattr(services, "open_referral_of", misses_the_first_time)
    with pytest.raises(ValidationError, match="already has an open referral"):
        services.referral_create(patient=patient, by=gp_a, reason="Second", consent_referral=True,
                                 consent_share=True)
    assert Referral.objects.count() == 1
    patient.refresh_from_db()
    assert patient.consent_share is False  # the patient's change went back with the referral
