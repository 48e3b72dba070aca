"""Writes that need several apps."""

import datetime as dt

from django.db import transaction

from casework.selectors import status_to_reopen_as
from letters.services import queue_letter
from letters.tasks import send_gp_letters
from providers import services as provider_services
from referrals import services as referral_services
from referrals.models import Referral
from sps.models import User


@transaction.atomic
def referral_close(*, referral: Referral, by: User, reason: str, note: str = "",
                   closed_date: dt.date | None = None) -> Referral:
    """Close the referral and withdraw the work still live for it (onward referrals not ended, spot purchases
    awaiting approval), telling each provider and the managers: all or nothing, so that a referral is never
    closed with a provider still expecting the person."""
    referral = referral_services.referral_close(referral=referral, by=by, reason=reason, note=note,
                                                closed_date=closed_date)
    provider_services.referral_open_work_withdraw(referral=referral, by=by, on=referral.closed_date)
    # The GP practice gets the letter (issue 14), over MESH when it is set up.
    if queue_letter(referral):
        transaction.on_commit(send_gp_letters.enqueue)
    return referral


@transaction.atomic
def referral_reopen(*, referral: Referral, by: User, reason: str) -> Referral:
    """Reopen a closed referral, with a reason; it goes back to where it was in the lifecycle."""
    return referral_services.referral_reopen(referral=referral, by=by, reason=reason,
                                             status=status_to_reopen_as(referral))
