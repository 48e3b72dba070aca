"""The rules of onward referrals (services), each refused with its message and nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from providers import services
from providers.models import Grant, OnwardReferral, OnwardStatus, Provider, ProviderKind, Service
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today


@pytest.fixture
def referral(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ACCEPTED,
                           adviser=adviser_a, referral_date=today() - dt.timedelta(days=30))


def _service(code="S1", kind=ProviderKind.VCS, **fields):
    provider, _ = Provider.objects.get_or_create(code=f"P-{code}", defaults={"name": f"Provider {code}", "kind": kind})
    return Service.objects.create(provider=provider, code=code, name=f"Service {code}", category="befriending",
                                  capacity=5, **fields)


def _grant(service, start, end, decision="awarded"):
    grant = Grant.objects.create(ref=f"G-{service.code}-{start}", provider=service.provider, amount=1000,
                                 start_date=start, end_date=end, decision=decision)
    grant.services.set([service])
    return grant


def _refer(referral, by, **kwargs):
    return services.onward_referral_create(referral=referral, by=by, **kwargs)


def test_kind_follows_the_service_and_its_grant_on_the_day(referral, adviser_a):
    funded, unfunded, statutory = _service("F"), _service("U"), _service("S", kind=ProviderKind.STATUTORY)
    _grant(funded, today() - dt.timedelta(days=100), today() + dt.timedelta(days=100))
    assert _refer(referral, adviser_a, service=funded).kind == "commissioned"
    assert _refer(referral, adviser_a, service=unfunded).kind == "non_commissioned"
    assert _refer(referral, adviser_a, service=statutory).kind == "non_vcs"


def test_a_refused_grant_does_not_make_a_service_commissioned(referral, adviser_a):
    service = _service()
    _grant(service, today() - dt.timedelta(days=10), today() + dt.timedelta(days=10), decision="refused")
    assert _refer(referral, adviser_a, service=service).kind == "non_commissioned"


def test_first_onward_referral_makes_the_referral_active(referral, adviser_a):
    _refer(referral, adviser_a, service=_service())
    referral.refresh_from_db()
    assert referral.status == Status.ACTIVE


@pytest.mark.parametrize(("setup", "message"), [
    (lambda s: Service.objects.filter(pk=s.pk).update(active=False), "is no longer active"),
    (lambda s: _grant(s, today() - dt.timedelta(days=400), today() - dt.timedelta(days=35)), "ended on"),
])
def test_inactive_services_and_ended_grants_are_refused(referral, adviser_a, setup, message):
    service = _service()
    setup(service)
    service.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        _refer(referral, adviser_a, service=service)
    assert not OnwardReferral.objects.exists()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


@pytest.mark.parametrize(("made", "message"), [(lambda r: today() + dt.timedelta(days=1), "cannot be in the future"),
                                              (lambda r: r.referral_date - dt.timedelta(days=1),
                                               "cannot be before the referral date")])
def test_dates_in_the_future_or_before_the_referral_are_refused(referral, adviser_a, made, message):
    with pytest.raises(ValidationError, match=message):
        _refer(referral, adviser_a, service=_service(), made_date=made(referral))
    assert not OnwardReferral.objects.exists()


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.CLOSED, Status.DECLINED])
def test_only_referrals_being_supported_are_referred_on(referral, adviser_a, status):
    referral.status = status
    referral.save()
    with pytest.raises(ValidationError, match="onward referrals are made once it is accepted"):
        _refer(referral, adviser_a, service=_service())


def test_without_consent_to_share_only_a_signpost_is_possible(referral, adviser_a):
    referral.patient.consent_share = False
    referral.patient.save()
    with pytest.raises(ValidationError, match="has not agreed to share"):
        _refer(referral, adviser_a, service=_service())
    signpost = _refer(referral, adviser_a, kind="signpost", destination="Citizens Advice leaflet")
    assert (signpost.status, signpost.ended_date) == (OnwardStatus.COMPLETED, today())


def test_a_signpost_or_non_vcs_referral_needs_a_destination(referral, adviser_a):
    with pytest.raises(ValidationError, match="Say where"):
        _refer(referral, adviser_a, kind="non_vcs", destination=" ")


def test_statuses_move_in_order_with_their_dates(referral, adviser_a, provider_staff):
    service = Service.objects.create(provider=provider_staff.provider, code="RV1", name="Phones",
                                     category="befriending")
    onward = _refer(referral, adviser_a, service=service)
    with pytest.raises(ValidationError, match="cannot be marked completed now"):
        services.onward_referral_set_status(onward=onward, status="completed", by=provider_staff)
    for status in ["accepted", "started", "completed"]:
        services.onward_referral_set_status(onward=onward, status=status, by=provider_staff)
    onward.refresh_from_db()
    assert (onward.accepted_date, onward.started_date, onward.ended_date) == (today(), today(), today())
    assert onward.history.first().history_user == provider_staff


def test_declining_needs_a_reason_and_provider_staff_cannot_withdraw(referral, adviser_a, provider_staff):
    service = Service.objects.create(provider=provider_staff.provider, code="RV1", name="Phones",
                                     category="befriending")
    onward = _refer(referral, adviser_a, service=service)
    with pytest.raises(ValidationError, match="Say why"):
        services.onward_referral_set_status(onward=onward, status="declined", by=provider_staff)
    with pytest.raises(ValidationError, match="cannot be marked withdrawn"):
        services.onward_referral_set_status(onward=onward, status="withdrawn", by=provider_staff)
    services.onward_referral_set_status(onward=onward, status="withdrawn", by=adviser_a)
    assert OnwardReferral.objects.get().status == "withdrawn"


def test_continued_after_the_end_only_once_completed(referral, adviser_a):
    onward = _refer(referral, adviser_a, service=_service())
    with pytest.raises(ValidationError, match="once the service is completed"):
        services.onward_referral_set_continued(onward=onward, continued=True, by=adviser_a)


def test_spot_purchase_rules(referral, adviser_a, manager):
    provider = _service().provider
    with pytest.raises(ValidationError, match="more than £0"):
        services.spot_purchase_request(referral=referral, by=adviser_a, provider=provider, description="Taxi",
                                       reason="None fits", cost=0)
    purchase = services.spot_purchase_request(referral=referral, by=adviser_a, provider=provider,
                                              description="Taxi", reason="None fits", cost=120)
    with pytest.raises(ValidationError, match="Say why"):
        services.spot_purchase_decide(purchase=purchase, by=manager, approve=False)
    services.spot_purchase_decide(purchase=purchase, by=manager, approve=True)
    with pytest.raises(ValidationError, match="already approved"):
        services.spot_purchase_decide(purchase=purchase, by=manager, approve=False, reason="No")
