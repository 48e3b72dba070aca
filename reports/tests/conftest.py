import datetime as dt

import pytest

from providers.models import Service
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from reports.models import ComparisonPerson, ImportBatch

NHS = "9434765919"  # the patient of referral R1
KNOWN_BATCH = "known.csv"  # the batch of the known comparison person


@pytest.fixture
def known(practice_a, adviser_a, provider_staff):
    """What the imports' good rows refer to (test_imports_fuzz.GOOD, the example files): practice C87001, adviser_a,
    provider RVBS with service RVBS-1, referral R1, comparison person C-1."""
    Service.objects.create(provider=provider_staff.provider, code="RVBS-1", name="Telephone befriending",
                           category="befriending")
    ReferralFactory(ref="R1", patient__nhs_number=NHS, patient__practice=practice_a, practice=practice_a,
                    status=Status.ACCEPTED, adviser=adviser_a, referral_date=dt.date(2025, 5, 1))
    ComparisonPerson.objects.create(pseudo_id="C-1", year_of_birth=1940, sex="F",
                                    batch=ImportBatch.objects.create(kind="comparison", file_name=KNOWN_BATCH))
