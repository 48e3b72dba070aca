import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from providers.models import Provider
from referrals.models import Patient, Referral, Status
from sps.lib.dates import age_on
from sps.models import Practice, Role, User

DAY = dt.date(2026, 11, 23)


def _fingerprint() -> list[tuple]:
    return list(Referral.objects.order_by("patient__nhs_number").values_list(
        "patient__nhs_number", "practice__ods_code", "referral_date", "status", "adviser__username"))


def _wipe() -> None:
    from outcomes.models import Assessment, StarReading
    from providers.models import Budget, Grant, OnwardReferral, Service, SpotPurchase
    from referrals.models import CodedEvent
    from reports.models import (
        ComparisonEpisode,
        ComparisonPerson,
        HospitalEpisode,
        ImportBatch,
        ProgrammeCost,
        ReferralTarget,
    )

    for model in [ReferralTarget, HospitalEpisode, ComparisonEpisode, ComparisonPerson, ProgrammeCost, ImportBatch,
                  StarReading, Assessment, OnwardReferral, SpotPurchase, Grant, Budget, Service, CodedEvent]:
        model.objects.all().delete()
    User.objects.filter(role=Role.PROVIDER_STAFF).delete()
    Referral.objects.all().delete()
    Patient.objects.all().delete()
    User.objects.all().delete()
    Practice.objects.all().delete()
    Provider.objects.all().delete()


@pytest.mark.smoke
def test_demo_has_a_login_for_every_role_and_is_reproducible(db, capsys):
    call_command("seed_demo", "--force", referrals=400, today=DAY)
    assert "manager" in capsys.readouterr().out
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.filter(role=Role.ADVISER).count() == 5
    assert Practice.objects.count() == 35
    assert all(p.advisers.exists() for p in Practice.objects.prefetch_related("advisers"))
    first = _fingerprint()
    _wipe()
    call_command("seed_demo", "--force", referrals=400, today=DAY)
    assert _fingerprint() == first


def test_demo_matches_the_seeds(db):
    """One demo of the full size (loading it takes a while), checked against the seeds' figures."""
    call_command("seed_demo", "--force", referrals=3600, today=DAY)
    _check_patient_mix()
    _check_providers_grants_and_onward_referrals()
    _check_progress_on_the_star()
    _check_the_impact_has_something_to_say()


def _check_the_impact_has_something_to_say():
    """The demo's comparison extract (reports/demo.py): nearly everyone with a year of data matched, their A&E use
    falling anyway, and the service's own fall beyond it."""
    from reports.impact import impact
    from sps.periods import financial_year, financial_year_of

    start, end = financial_year(financial_year_of(DAY) - 2)
    everyone = impact(start=start, end=end)["subgroups"]["all"]
    assert everyone["cases"] > 300 and everyone["unmatched"] < 0.1 * everyone["cases"]
    ae = everyone["measures"]["ae_attendance"]
    assert ae["naive_change"] < ae["expected_change"] < 0 and ae["effect"] < 0


def _check_patient_mix():
    referrals = list(Referral.objects.select_related("patient"))
    assert len(referrals) == 3600
    ages = [age_on(r.patient.date_of_birth, r.referral_date) for r in referrals]
    assert 0.48 <= sum(a >= 80 for a in ages) / len(ages) <= 0.54
    assert 0.10 <= sum(a < 60 for a in ages) / len(ages) <= 0.15
    stated = [r.patient.ethnicity for r in referrals if r.patient.ethnicity not in ("", "Z")]
    assert 0.025 <= sum(e not in "ABC" for e in stated) / len(stated) <= 0.055
    dates = [r.referral_date for r in referrals]
    assert DAY - dt.timedelta(days=3 * 365) <= min(dates) and max(dates) <= DAY


def test_demo_lifecycle_is_consistent_and_has_a_history(db):
    call_command("seed_demo", "--force", referrals=600, today=DAY)
    assert not Referral.objects.filter(status=Status.ACCEPTED, adviser__isnull=True).exists()
    assert not Referral.objects.filter(status=Status.CLOSED, closed_date__isnull=True).exists()
    assert not Referral.objects.filter(status=Status.DECLINED, decline_reason="").exists()
    closed = Referral.objects.filter(status=Status.CLOSED).first()
    assert [h.status for h in closed.history.order_by("history_date")] == ["received", "accepted", "closed"]


def test_demo_refuses_to_load_twice_unless_asked_to_skip(db, capsys):
    call_command("seed_demo", "--force", referrals=50, today=DAY)
    with pytest.raises(CommandError, match="already has practices"):
        call_command("seed_demo", "--force", referrals=50, today=DAY)
    call_command("seed_demo", "--force", "--if-empty", referrals=50, today=DAY)
    assert "not loaded again" in capsys.readouterr().out
    assert Referral.objects.count() == 50


def _check_providers_grants_and_onward_referrals():
    from django.db.models import Sum

    from providers.models import Grant, OnwardReferral, Service

    grants = Grant.objects.all()
    assert grants.count() == 23
    assert 590_000 <= grants.aggregate(total=Sum("amount"))["total"] <= 615_000
    assert Service.objects.filter(grants__isnull=False).distinct().count() == 33
    onward = OnwardReferral.objects.all()
    assert 1.5 <= onward.count() / 3600 <= 1.75
    commissioned = onward.filter(kind="commissioned").count() / onward.count()
    assert 0.44 <= commissioned <= 0.54
    top = [c for c, _ in Counter(
        onward.exclude(service=None).values_list("service__category", flat=True)).most_common(3)]
    assert top[:2] == ["community_activity", "information_advice"]
    assert not Referral.objects.filter(status=Status.ACCEPTED, onward_referrals__isnull=False).exists()
    assert User.objects.get(username="provider1").provider.code == "RVBS"


def _check_progress_on_the_star():
    from collections import defaultdict

    from outcomes.models import StarReading
    from outcomes.progress import progress_of

    by_referral = defaultdict(list)
    for reading in StarReading.objects.all():
        by_referral[reading.referral_id].append(reading)
    progress = [p for p in map(progress_of, by_referral.values()) if p]
    assert len(progress) > 1500
    assert 0.75 <= sum(bool(p.improved) for p in progress) / len(progress) <= 0.87  # about four in five
    low = sum(len(p.low_improved) for p in progress) / sum(len(p.low_at_baseline) for p in progress)
    high = (sum(len(p.improved) - len(p.low_improved) for p in progress)
            / sum(8 - len(p.low_at_baseline) for p in progress))
    assert low > high + 0.2  # low scorers improve most
    assert not Referral.objects.filter(status=Status.ACCEPTED, star_readings__kind="baseline").exists()


def test_the_demo_is_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production database"):
        call_command("seed_demo", referrals=50, today=DAY)
    assert not Practice.objects.exists()
