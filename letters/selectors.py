from django.db.models import QuerySet

from letters.models import OutgoingLetter
from referrals.selectors import referrals_for
from sps.models import User


def outgoing_letters_for(user: User) -> QuerySet[OutgoingLetter]:
    """The letters about referrals `user` may see (the outbox is the manager's, who sees every referral)."""
    return OutgoingLetter.objects.filter(referral__in=referrals_for(user).values("pk")) \
        .select_related("referral__patient__practice")
