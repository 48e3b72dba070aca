"""Writes for onward referrals and spot purchases, each with its rule from domain.md and issue 3."""

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from providers import notifications
from providers.models import (
    STATUS_DATE_FIELD,
    GrantDecision,
    OnwardKind,
    OnwardReferral,
    OnwardStatus,
    Provider,
    ProviderKind,
    Service,
    SpotPurchase,
    SpotPurchaseStatus,
)
from providers.selectors import open_onward_referrals, waiting_spot_purchases
from referrals.models import SUPPORTED_STATUSES, Referral, Status
from referrals.rules import ReferralRule
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, Role, User
from sps.services import save_checked

# Those supporting the person refer them on, while they are supported.
can_refer_on = ReferralRule(roles=SUPPORT_ROLES, statuses=SUPPORTED_STATUSES,
                            refusal="This referral is {status}: onward referrals are made once it is accepted and "
                                    "until it is closed.")
# The adviser asks for a spot purchase (the manager decides it), while the person is supported.
can_ask_for_spot_purchase = ReferralRule(roles=(Role.ADVISER,), statuses=SUPPORTED_STATUSES,
                                         refusal="This referral is {status}: spot purchases are asked for while "
                                                 "the person is supported.")


def _check_date(day: dt.date, referral: Referral, what: str) -> None:
    if day > today():
        raise ValidationError({"made_date": f"The {what} cannot be in the future."})
    if day < referral.referral_date:
        raise ValidationError({"made_date": f"The {what} cannot be before the referral date "
                                            f"({referral.referral_date:%d/%m/%Y})."})


def onward_kind_for(service: Service, on: dt.date) -> str:
    """The kind fixed when an onward referral is made (domain.md): `commissioned` if a VCS service is under a
    grant active on that date, `non_commissioned` for any other VCS service, `non_vcs` for the rest.

    A service that was commissioned but whose grants have all ended is refused, so that nobody is sent to a
    service that is no longer paid to take them without the manager knowing.
    """
    if not service.active or not service.provider.active:
        raise ValidationError({"service": f"{service.name} is no longer active: choose another service."})
    if service.provider.kind != ProviderKind.VCS:
        return OnwardKind.NON_VCS
    awarded = service.grants.filter(decision=GrantDecision.AWARDED)
    if awarded.filter(start_date__lte=on, end_date__gte=on).exists():
        return OnwardKind.COMMISSIONED
    if ended := awarded.filter(end_date__lt=on).order_by("-end_date").first():
        raise ValidationError({"service": f"The grant for {service.name} ended on {ended.end_date:%d/%m/%Y}: "
                                          "it can take no more referrals until it is funded again."})
    return OnwardKind.NON_COMMISSIONED


@transaction.atomic
def onward_referral_create(*, referral: Referral, by: User, service: Service | None = None,
                           kind: str = "", destination: str = "", need: str = "", notes: str = "",
                           made_date: dt.date | None = None, send: bool = True,
                           idempotency_key: uuid.UUID | None = None) -> OnwardReferral:
    """Refer the person on. With a service, the kind follows from it; without, it is `non_vcs` or `signpost`
    with a free-text destination. The referral becomes `active` at its first onward referral."""
    made_date = made_date or today()
    can_refer_on.check(referral, by)
    _check_date(made_date, referral, "date of the onward referral")
    if service is not None:
        kind = onward_kind_for(service, made_date)
        if not referral.patient.consent_share:
            raise ValidationError("The patient has not agreed to share their details with providers: record their "
                                  "consent first, or give them the details as a signpost.")
    elif kind not in (OnwardKind.NON_VCS, OnwardKind.SIGNPOST):
        raise ValidationError({"service": "Choose a service from the directory."})
    elif not destination.strip():
        raise ValidationError({"destination": "Say where the person is referred or signposted to."})
    status = OnwardStatus.COMPLETED if kind == OnwardKind.SIGNPOST else (
        OnwardStatus.SENT if send else OnwardStatus.PROPOSED)
    onward = OnwardReferral(
        referral=referral, service=service, kind=kind, destination=destination.strip(), need=need, notes=notes,
        status=status, made_date=made_date, made_by=by,
        sent_date=made_date if status == OnwardStatus.SENT else None,
        ended_date=made_date if status == OnwardStatus.COMPLETED else None, idempotency_key=idempotency_key,
    )
    save_checked(onward, by=by)
    if referral.status != Status.ACTIVE:
        referral.status = Status.ACTIVE
        save_checked(referral, by=by)
    if status == OnwardStatus.SENT and service is not None:
        transaction.on_commit(lambda: notifications.onward_referral_sent(onward))
    return onward


# Provider staff answer for their service; sending and withdrawing are the adviser's.
_ADVISER_ONLY = (OnwardStatus.SENT, OnwardStatus.WITHDRAWN)


def statuses_allowed(onward: OnwardReferral, user: User) -> tuple[str, ...]:
    if user.role == Role.PROVIDER_STAFF:
        return tuple(s for s in onward.next_statuses if s not in _ADVISER_ONLY)
    return onward.next_statuses


def _check_status_date(onward: OnwardReferral, status: str, on: dt.date) -> None:
    """A status is dated from the day the onward referral was sent, the date its card shows (made, for sending a
    proposed one), never from the GP's referral date, which the provider never sees."""
    if on > today():
        raise ValidationError({"on": "The date cannot be in the future."})
    if status == OnwardStatus.SENT or onward.status == OnwardStatus.PROPOSED:
        if on < onward.made_date:
            raise ValidationError({"on": f"The date cannot be before the onward referral was made "
                                         f"({onward.made_date:%d/%m/%Y})."})
        return
    sent = onward.sent_date or onward.made_date
    if on < sent:
        raise ValidationError({"on": f"The date cannot be before the onward referral was sent ({sent:%d/%m/%Y})."})


# Sent to a provider and not ended: withdrawing it is news to them.
_WITH_THE_PROVIDER = (OnwardStatus.SENT, OnwardStatus.ACCEPTED, OnwardStatus.STARTED)


@transaction.atomic
def onward_referral_set_status(*, onward: OnwardReferral, status: str, by: User, on: dt.date | None = None,
                               reason: str = "") -> OnwardReferral:
    """Move an onward referral on, in order (sent -> accepted -> started -> completed, ...), dated."""
    on = on or today()
    if status not in statuses_allowed(onward, by):
        raise ValidationError(f"This onward referral is {onward.get_status_display().lower()}: it cannot be "
                              f"marked {OnwardStatus(status).label.lower()} now.")
    _check_status_date(onward, status, on)
    if status == OnwardStatus.DECLINED and not reason.strip():
        raise ValidationError({"reason": "Say why the referral is declined: the adviser will see it."})
    previous = onward.status
    onward.status = status
    setattr(onward, STATUS_DATE_FIELD[status], on)
    if status == OnwardStatus.DECLINED:
        onward.decline_reason = reason.strip()
    save_checked(onward, by=by)
    # Only a provider's decision is news to the adviser; a destination without a service is recorded by them.
    decided = previous == OnwardStatus.SENT and status in (OnwardStatus.ACCEPTED, OnwardStatus.DECLINED)
    if decided and onward.service_id:
        transaction.on_commit(lambda: notifications.onward_referral_decided(onward))
    if status == OnwardStatus.WITHDRAWN and previous in _WITH_THE_PROVIDER and onward.service_id:
        transaction.on_commit(lambda: notifications.onward_referral_withdrawn(onward))
    if status == OnwardStatus.SENT and onward.service_id:  # a proposed one sent now: as if made and sent today
        transaction.on_commit(lambda: notifications.onward_referral_sent(onward))
    return onward


@transaction.atomic
def onward_referral_set_continued(*, onward: OnwardReferral, continued: bool | None, by: User) -> OnwardReferral:
    """Whether the person went on using VCS activity after the service ended (None: not known), known only once
    it has ended."""
    if onward.status != OnwardStatus.COMPLETED or onward.kind == OnwardKind.SIGNPOST:
        raise ValidationError("Whether the person continued is recorded once the service is completed.")
    onward.continued_after_end = continued
    save_checked(onward, by=by)
    return onward


# Closing a referral ---------------------------------------------------------------------------------------------


@transaction.atomic
def referral_open_work_withdraw(*, referral: Referral, by: User, on: dt.date
                                ) -> tuple[list[OnwardReferral], list[SpotPurchase]]:
    """When a referral closes, nothing may stay live for it: every onward referral not yet ended is withdrawn
    (dated `on`, or the day it last moved when that is later: a close dated back) and its provider told; every
    spot purchase still awaiting approval is withdrawn and the managers told. Returns what was withdrawn."""
    onward = list(open_onward_referrals(referral))
    for one in onward:
        last = max(filter(None, [one.made_date, one.sent_date, one.accepted_date, one.started_date]))
        onward_referral_set_status(onward=one, status=OnwardStatus.WITHDRAWN, by=by, on=max(on, last))
    purchases = list(waiting_spot_purchases(referral))
    for purchase in purchases:
        spot_purchase_withdraw(purchase=purchase, by=by)
    return onward, purchases


@transaction.atomic
def spot_purchase_withdraw(*, purchase: SpotPurchase, by: User) -> SpotPurchase:
    """A spot purchase still awaiting the manager's decision is withdrawn (its referral is closing); the managers
    are told, so that nobody approves it."""
    if purchase.status != SpotPurchaseStatus.REQUESTED:
        raise ValidationError(f"This spot purchase is already {purchase.get_status_display().lower()}.")
    purchase.status = SpotPurchaseStatus.WITHDRAWN
    purchase.decided_by = by
    purchase.decided_date = today()
    save_checked(purchase, by=by)
    transaction.on_commit(lambda: notifications.spot_purchase_withdrawn(purchase))
    return purchase


@transaction.atomic
def spot_purchase_request(*, referral: Referral, by: User, provider: Provider, description: str, reason: str,
                          cost: Decimal) -> SpotPurchase:
    """An adviser asks to buy something for one person when no commissioned service fits."""
    can_ask_for_spot_purchase.check(referral, by)
    if cost <= 0:
        raise ValidationError({"cost": "The cost must be more than £0."})
    purchase = SpotPurchase(referral=referral, provider=provider, description=description, reason=reason,
                            cost=cost, requested_by=by, requested_date=today())
    save_checked(purchase, by=by)
    transaction.on_commit(lambda: notifications.spot_purchase_requested(purchase))
    return purchase


@transaction.atomic
def spot_purchase_decide(*, purchase: SpotPurchase, by: User, approve: bool, reason: str = "") -> SpotPurchase:
    """The manager approves or refuses a spot purchase; approved spend counts against the budget."""
    if purchase.status != SpotPurchaseStatus.REQUESTED:
        raise ValidationError(f"This spot purchase is already {purchase.get_status_display().lower()}.")
    if not approve and not reason.strip():
        raise ValidationError({"reason": "Say why the spot purchase is refused: the adviser will see it."})
    purchase.status = SpotPurchaseStatus.APPROVED if approve else SpotPurchaseStatus.REFUSED
    purchase.decided_by = by
    purchase.decided_date = today()
    purchase.refusal_reason = "" if approve else reason.strip()
    save_checked(purchase, by=by)
    transaction.on_commit(lambda: notifications.spot_purchase_decided(purchase))
    return purchase
