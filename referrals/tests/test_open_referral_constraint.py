import pytest
from django.db import IntegrityError, transaction

from referrals.models import Status
from referrals.tests.factories import ReferralFactory


@pytest.mark.smoke
def test_database_refuses_a_second_open_referral_for_a_patient(db):
    first = ReferralFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(patient=first.patient, status=Status.ACCEPTED)


def test_database_allows_closed_and_declined_referrals_beside_an_open_one(db):
    first = ReferralFactory()
    ReferralFactory(patient=first.patient, status=Status.CLOSED)
    ReferralFactory(patient=first.patient, status=Status.DECLINED)
    assert first.patient.referrals.count() == 3
