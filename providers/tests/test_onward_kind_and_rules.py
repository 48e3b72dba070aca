"""onward_referral_create and its status services: the kind fixed on the day, each rule refused with the message
the adviser sees, and nothing written when refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from providers import services
from providers.models import OnwardKind, OnwardReferral, OnwardStatus, ProviderKind
from providers.tests.factories import GrantFactory, OnwardReferralFactory, ProviderFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

DAY = dt.date(2026, 10, 5)  # in the default grant's year, after the default referral date (01/10/2026)


@pytest.fixture
def referral(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a)


def _refer(referral, by, *, made_date=DAY, **kwargs):
    return services.onward_referral_create(referral=referral, by=by, made_date=made_date, **kwargs)


def _commissioned_service(**fields):
    service = ServiceFactory(**fields)
    GrantFactory(provider=service.provider, services=[service])
    return service


def _state(referral):
    """What a refused onward referral must leave as it was: the referral's status and its history."""
    referral.refresh_from_db()
    return referral.status, referral.history.count()


def _assert_refused_and_nothing_written(referral, call, message=None):
    before = _state(referral)
    with pytest.raises(ValidationError) as refused:
        call()
    assert OnwardReferral.objects.count() == 0
    assert _state(referral) == before
    if message is not None:
        assert refused.value.messages == [message]
    return refused.value


# The kind, fixed on the day -----------------------------------------------------------------------------------


def test_vcs_service_under_a_grant_running_on_the_day_is_commissioned(referral, adviser_a):
    assert _refer(referral, adviser_a, service=_commissioned_service()).kind == OnwardKind.COMMISSIONED


@pytest.mark.parametrize(("start", "end"), [(DAY, dt.date(2027, 3, 31)), (dt.date(2026, 4, 1), DAY)])
def test_grant_counts_on_its_first_and_last_day(referral, adviser_a, start, end):
    service = ServiceFactory()
    GrantFactory(provider=service.provider, services=[service], start_date=start, end_date=end)
    assert _refer(referral, adviser_a, service=service).kind == OnwardKind.COMMISSIONED


def test_vcs_service_with_no_grant_is_non_commissioned(referral, adviser_a):
    assert _refer(referral, adviser_a, service=ServiceFactory()).kind == OnwardKind.NON_COMMISSIONED


def test_grant_for_another_service_of_the_same_provider_does_not_commission_this_one(referral, adviser_a):
    funded = _commissioned_service()
    unfunded = ServiceFactory(provider=funded.provider)
    assert _refer(referral, adviser_a, service=unfunded).kind == OnwardKind.NON_COMMISSIONED


@pytest.mark.parametrize("kind", [ProviderKind.STATUTORY, ProviderKind.OTHER])
def test_statutory_or_other_providers_service_is_non_vcs_even_with_a_grant(referral, adviser_a, kind):
    service = _commissioned_service(provider=ProviderFactory(kind=kind))
    assert _refer(referral, adviser_a, service=service).kind == OnwardKind.NON_VCS


@pytest.mark.parametrize("decision", ["refused", "pending"])
def test_grant_not_awarded_does_not_make_a_service_commissioned(referral, adviser_a, decision):
    service = ServiceFactory()
    GrantFactory(provider=service.provider, services=[service], decision=decision)
    assert _refer(referral, adviser_a, service=service).kind == OnwardKind.NON_COMMISSIONED


def test_refused_grant_that_has_ended_does_not_block_the_service(referral, adviser_a):
    service = ServiceFactory()
    GrantFactory(provider=service.provider, services=[service], decision="refused",
                 start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))
    assert _refer(referral, adviser_a, service=service).kind == OnwardKind.NON_COMMISSIONED


# Services that cannot take the person -------------------------------------------------------------------------


def test_inactive_service_is_refused_and_nothing_written(referral, adviser_a):
    service = _commissioned_service(name="Old Lunch Club", active=False)
    _assert_refused_and_nothing_written(referral, lambda: _refer(referral, adviser_a, service=service),
                                        "Old Lunch Club is no longer active: choose another service.")


def test_service_of_an_inactive_provider_is_refused(referral, adviser_a):
    service = ServiceFactory(name="Old Lunch Club", provider=ProviderFactory(active=False))
    _assert_refused_and_nothing_written(referral, lambda: _refer(referral, adviser_a, service=service),
                                        "Old Lunch Club is no longer active: choose another service.")


def test_service_whose_only_grant_ended_is_refused_with_the_end_date(referral, adviser_a):
    service = ServiceFactory(name="Phone Friends")
    GrantFactory(provider=service.provider, services=[service], start_date=dt.date(2025, 4, 1),
                 end_date=dt.date(2026, 3, 31))
    _assert_refused_and_nothing_written(
        referral, lambda: _refer(referral, adviser_a, service=service),
        "The grant for Phone Friends ended on 31/03/2026: it can take no more referrals until it is funded again.")


def test_grant_that_ended_the_day_before_is_refused(referral, adviser_a):
    service = ServiceFactory(name="Phone Friends")
    GrantFactory(provider=service.provider, services=[service], end_date=DAY - dt.timedelta(days=1))
    error = _assert_refused_and_nothing_written(referral, lambda: _refer(referral, adviser_a, service=service))
    assert "ended on 04/10/2026" in error.messages[0]


def test_service_funded_again_after_an_ended_grant_is_commissioned(referral, adviser_a):
    service = _commissioned_service()
    GrantFactory(provider=service.provider, services=[service], start_date=dt.date(2025, 4, 1),
                 end_date=dt.date(2026, 3, 31))
    assert _refer(referral, adviser_a, service=service).kind == OnwardKind.COMMISSIONED


# Dates and the referral's own state ---------------------------------------------------------------------------


def test_date_in_the_future_is_refused(referral, adviser_a):
    service = ServiceFactory()
    _assert_refused_and_nothing_written(
        referral, lambda: _refer(referral, adviser_a, service=service, made_date=today() + dt.timedelta(days=1)),
        "The date of the onward referral cannot be in the future.")


def test_date_before_the_referral_date_is_refused(referral, adviser_a):
    service = ServiceFactory()
    _assert_refused_and_nothing_written(
        referral, lambda: _refer(referral, adviser_a, service=service, made_date=dt.date(2026, 9, 30)),
        "The date of the onward referral cannot be before the referral date (01/10/2026).")


def test_today_and_the_referral_date_itself_are_accepted(referral, adviser_a):
    service = ServiceFactory()
    assert _refer(referral, adviser_a, service=service, made_date=today()).made_date == today()
    first_day = dt.date(2026, 10, 1)
    assert _refer(referral, adviser_a, service=service, made_date=first_day).made_date == first_day


@pytest.mark.parametrize(("status", "label"), [(Status.RECEIVED, "received"), (Status.CLOSED, "closed"),
                                               (Status.DECLINED, "declined"), (Status.WITHDRAWN, "withdrawn")])
def test_referral_not_being_supported_cannot_have_onward_referrals(referral, adviser_a, status, label):
    referral.status = status
    referral.save()
    _assert_refused_and_nothing_written(
        referral, lambda: _refer(referral, adviser_a, kind="signpost", destination="Citizens Advice"),
        f"This referral is {label}: onward referrals are made once it is accepted and until it is closed.")


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.ASSESSED])
def test_first_onward_referral_makes_the_referral_active_recorded_in_its_history(referral, adviser_a, status):
    referral.status = status
    referral.save()
    _refer(referral, adviser_a, service=ServiceFactory())
    referral.refresh_from_db()
    assert referral.status == Status.ACTIVE
    assert (referral.history.latest().status, referral.history.latest().history_user) == (Status.ACTIVE,
                                                                                           adviser_a)


def test_further_onward_referrals_leave_an_active_referral_alone(referral, adviser_a):
    _refer(referral, adviser_a, service=ServiceFactory())
    after_first = _state(referral)
    _refer(referral, adviser_a, service=ServiceFactory())
    assert _state(referral) == after_first == (Status.ACTIVE, after_first[1])


def test_sent_onward_referral_is_dated_and_records_who_made_it(referral, adviser_a):
    onward = _refer(referral, adviser_a, service=ServiceFactory(), need="befriending", notes="Mornings best")
    assert (onward.status, onward.sent_date, onward.made_by, onward.need) == (OnwardStatus.SENT, DAY, adviser_a,
                                                                             "befriending")
    assert onward.history.get().history_user == adviser_a


def test_unsent_onward_referral_is_proposed_with_no_sent_date(referral, adviser_a):
    onward = _refer(referral, adviser_a, service=ServiceFactory(), send=False)
    assert (onward.status, onward.sent_date) == (OnwardStatus.PROPOSED, None)


# Signposts and free-text destinations -------------------------------------------------------------------------


def test_signpost_is_created_completed_on_its_date(referral, adviser_a):
    onward = _refer(referral, adviser_a, kind="signpost", destination="  Citizens Advice leaflet on PIP ")
    assert (onward.kind, onward.status, onward.ended_date, onward.sent_date) == (
        OnwardKind.SIGNPOST, OnwardStatus.COMPLETED, DAY, None)
    assert onward.destination == "Citizens Advice leaflet on PIP"


def test_non_vcs_referral_to_a_free_text_destination_is_sent(referral, adviser_a):
    onward = _refer(referral, adviser_a, kind="non_vcs", destination="Adult Social Care")
    assert (onward.kind, onward.status, onward.service) == (OnwardKind.NON_VCS, OnwardStatus.SENT, None)


@pytest.mark.parametrize("kind", ["signpost", "non_vcs"])
@pytest.mark.parametrize("destination", ["", "   "])
def test_signpost_or_non_vcs_referral_needs_a_destination(referral, adviser_a, kind, destination):
    error = _assert_refused_and_nothing_written(
        referral, lambda: _refer(referral, adviser_a, kind=kind, destination=destination))
    assert error.message_dict == {"destination": ["Say where the person is referred or signposted to."]}


@pytest.mark.parametrize("kind", ["commissioned", "non_commissioned", ""])
def test_vcs_kinds_need_a_service_from_the_directory(referral, adviser_a, kind):
    error = _assert_refused_and_nothing_written(
        referral, lambda: _refer(referral, adviser_a, kind=kind, destination="Somewhere"))
    assert error.message_dict == {"service": ["Choose a service from the directory."]}


def test_patient_without_consent_to_share_cannot_be_sent_to_a_service_but_can_be_signposted(referral, adviser_a):
    referral.patient.consent_share = False
    referral.patient.save()
    service = ServiceFactory()
    error = _assert_refused_and_nothing_written(referral, lambda: _refer(referral, adviser_a, service=service))
    assert "has not agreed to share their details with providers" in error.messages[0]
    signpost = _refer(referral, adviser_a, kind="signpost", destination="Age UK leaflet")
    assert signpost.status == OnwardStatus.COMPLETED


# Status changes -----------------------------------------------------------------------------------------------


@pytest.fixture
def onward(referral, provider_staff):
    return OnwardReferralFactory(referral=referral, service=ServiceFactory(provider=provider_staff.provider))


def _set(onward, status, by, on=None, reason=""):
    return services.onward_referral_set_status(onward=onward, status=status, by=by, on=on, reason=reason)


def _assert_unchanged(onward):
    """As the factory made it: sent, with only the history row of its creation."""
    onward.refresh_from_db()
    assert (onward.status, onward.history.count()) == (OnwardStatus.SENT, 1)


def test_sent_accepted_started_completed_each_set_their_date(onward, provider_staff):
    accepted, started, completed = dt.date(2026, 10, 7), dt.date(2026, 10, 12), dt.date(2026, 11, 16)
    _set(onward, "accepted", provider_staff, on=accepted)
    _set(onward, "started", provider_staff, on=started)
    _set(onward, "completed", provider_staff, on=completed)
    onward.refresh_from_db()
    assert (onward.status, onward.accepted_date, onward.started_date, onward.ended_date) == (
        OnwardStatus.COMPLETED, accepted, started, completed)
    changes = onward.history.order_by("history_id")[1:]  # after the factory's own row
    assert [(h.status, h.history_user) for h in changes] == [("accepted", provider_staff),
                                                             ("started", provider_staff),
                                                             ("completed", provider_staff)]


def test_status_date_defaults_to_today(onward, provider_staff):
    _set(onward, "accepted", provider_staff)
    onward.refresh_from_db()
    assert onward.accepted_date == today()


@pytest.mark.parametrize(("steps", "target", "now"), [
    ([], "completed", "sent"),
    ([], "started", "sent"),
    (["accepted"], "completed", "accepted"),
    (["accepted"], "declined", "accepted"),
    (["accepted", "started"], "accepted", "started"),
])
def test_status_out_of_order_is_refused(onward, provider_staff, steps, target, now):
    for step in steps:
        _set(onward, step, provider_staff)
    history_before = onward.history.count()
    with pytest.raises(ValidationError) as refused:
        _set(onward, target, provider_staff)
    assert refused.value.messages == [f"This onward referral is {now}: it cannot be marked {target} now."]
    onward.refresh_from_db()
    assert (onward.status, onward.history.count()) == (now, history_before)


@pytest.mark.parametrize("finished", ["completed", "declined", "did_not_attend", "withdrawn"])
def test_finished_onward_referral_moves_no_further(referral, adviser_a, finished):
    onward = OnwardReferralFactory(referral=referral, status=finished)
    for status in ["sent", "accepted", "started", "completed", "withdrawn"]:
        with pytest.raises(ValidationError, match="cannot be marked"):
            _set(onward, status, adviser_a)


def test_declining_needs_a_reason(onward, provider_staff):
    with pytest.raises(ValidationError) as refused:
        _set(onward, "declined", provider_staff, reason="  ")
    assert refused.value.message_dict == {"reason": ["Say why the referral is declined: the adviser will see it."]}
    _assert_unchanged(onward)


def test_declining_with_a_reason_records_it_and_the_date(onward, provider_staff):
    _set(onward, "declined", provider_staff, on=dt.date(2026, 10, 8), reason=" Outside our area ")
    onward.refresh_from_db()
    assert (onward.status, onward.declined_date, onward.decline_reason) == (
        OnwardStatus.DECLINED, dt.date(2026, 10, 8), "Outside our area")


def test_provider_staff_cannot_withdraw_but_the_adviser_can(onward, provider_staff, adviser_a):
    with pytest.raises(ValidationError, match="cannot be marked withdrawn now"):
        _set(onward, "withdrawn", provider_staff)
    _assert_unchanged(onward)
    _set(onward, "withdrawn", adviser_a, on=dt.date(2026, 10, 9))
    onward.refresh_from_db()
    assert (onward.status, onward.ended_date) == (OnwardStatus.WITHDRAWN, dt.date(2026, 10, 9))


def test_provider_staff_cannot_send_a_proposed_onward_referral_but_the_adviser_can(referral, adviser_a,
                                                                                   provider_staff):
    onward = OnwardReferralFactory(referral=referral, service=ServiceFactory(provider=provider_staff.provider),
                                   status=OnwardStatus.PROPOSED, sent_date=None)
    with pytest.raises(ValidationError, match="cannot be marked sent now"):
        _set(onward, "sent", provider_staff)
    _set(onward, "sent", adviser_a, on=dt.date(2026, 10, 6))
    onward.refresh_from_db()
    assert (onward.status, onward.sent_date) == (OnwardStatus.SENT, dt.date(2026, 10, 6))


@pytest.mark.parametrize(("on", "message"), [
    (lambda: today() + dt.timedelta(days=1), "The date cannot be in the future."),
    (lambda: dt.date(2026, 10, 4), "The date cannot be before the onward referral was sent (05/10/2026)."),
    # Before the GP's referral too: the provider is told the date their card shows, never the GP's.
    (lambda: dt.date(2026, 9, 30), "The date cannot be before the onward referral was sent (05/10/2026)."),
])
def test_status_date_in_the_future_or_before_the_onward_referral_is_refused(onward, provider_staff, on, message):
    with pytest.raises(ValidationError) as refused:
        _set(onward, "accepted", provider_staff, on=on())
    assert refused.value.messages == [message]
    _assert_unchanged(onward)


def test_continued_after_end_is_recorded_only_once_completed(onward, provider_staff):
    for status in ["accepted", "started"]:
        _set(onward, status, provider_staff)
        with pytest.raises(ValidationError) as refused:
            services.onward_referral_set_continued(onward=onward, continued=True, by=provider_staff)
        assert refused.value.messages == ["Whether the person continued is recorded once the service is completed."]
        onward.refresh_from_db()
        assert onward.continued_after_end is None
    _set(onward, "completed", provider_staff)
    services.onward_referral_set_continued(onward=onward, continued=True, by=provider_staff)
    onward.refresh_from_db()
    assert onward.continued_after_end is True
