"""Writes that need several apps."""

from django.db import transaction

from casework.selectors import status_to_reopen_as
from referrals import services as referral_services
from referrals.models import Referral
from sps.models import User


@transaction.atomic
def referral_reopen(*, referral: Referral, by: User, reason: str) -> Referral:
    """Reopen a closed referral, with a reason; it goes back to where it was in the lifecycle."""
    return referral_services.referral_reopen(referral=referral, by=by, reason=reason,
                                             status=status_to_reopen_as(referral))
