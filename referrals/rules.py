"""What a user may do with a referral now. Each rule is one callable, `can_withdraw(referral, user) -> bool`,
defined beside the service that enforces it: the page asks it whether to show the button, and the service
asks it (through `check`) before acting, so the two cannot disagree. Whether the user may see the referral
at all is the selectors' rule (`referrals_for`), applied before either."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from referrals.models import Referral
from sps.models import User


@dataclass(frozen=True)
class ReferralRule:
    roles: tuple[str, ...]
    statuses: tuple[str, ...]
    # Why a referral in another status is refused; `{status}` and `{action}` are filled in.
    refusal: str = "This referral is {status}, so it cannot be {action}."

    def __call__(self, referral: Referral, user: User) -> bool:
        return user.role in self.roles and referral.status in self.statuses

    def check(self, referral: Referral, user: User, *, action: str = "") -> None:
        """Raise unless `user` may do this to `referral` now, with a message the user can act on."""
        if user.role not in self.roles:
            raise PermissionDenied(f"{user.get_role_display()} may not do this.")
        if referral.status not in self.statuses:
            raise ValidationError(self.refusal.format(status=referral.get_status_display().lower(), action=action))
