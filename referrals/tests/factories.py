import datetime as dt

import factory

from referrals.models import Patient, PatientMoveRequest, Referral, Sex
from sps.lib.nhs_number import with_check_digit
from sps.tests.factories import GPFactory, PracticeFactory


def valid_nhs_number(n: int) -> str:
    """The n-th valid NHS number above 900 000 000 (the range the NHS keeps for test data)."""
    base = 900_000_000 + n * 7
    while (number := with_check_digit(str(base))) is None:
        base += 1
    return number


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    nhs_number = factory.Sequence(valid_nhs_number)
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(1940, 5, 17)
    sex = Sex.FEMALE
    ethnicity = "A"
    postcode = "S65 1AB"
    phone = "01709 123456"
    practice = factory.SubFactory(PracticeFactory)
    consent_referral = True
    consent_share = True


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    patient = factory.SubFactory(PatientFactory)
    practice = factory.SelfAttribute("patient.practice")
    referral_date = dt.date(2026, 10, 1)
    reason = "Lives alone; three A&E attendances after falls."
    needs = ["befriending", "community_transport"]


class PatientMoveRequestFactory(factory.django.DjangoModelFactory):
    """A practice's open request to move a patient registered elsewhere to it."""

    class Meta:
        model = PatientMoveRequest

    patient = factory.SubFactory(PatientFactory)
    to_practice = factory.SubFactory(PracticeFactory)
    requested_by = factory.SubFactory(GPFactory, practice=factory.SelfAttribute("..to_practice"))
    reason = "Registered with us on 01/10/2026."
