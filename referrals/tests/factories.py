import datetime as dt

import factory

from referrals.models import Patient, Referral, Sex
from sps.tests.factories import PracticeFactory


def valid_nhs_number(n: int) -> str:
    """The n-th valid NHS number above 900 000 000 (the range used for test data)."""
    base = 900_000_000 + n * 7
    while True:
        digits = [int(d) for d in str(base)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{base}{check}"
        base += 1


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
