from django.urls import reverse

from referrals.models import Referral
from sps.models import Role, User
from sps.notify import absolute_url, send


def referral_accepted(referral: Referral) -> None:
    """The referring GP practice is told its referral was accepted (no patient details in the email)."""
    staff = User.objects.filter(role=Role.GP_STAFF, practice_id=referral.practice_id, is_active=True)
    send(to=staff.values_list("email", flat=True),
         subject="A referral from your practice was accepted",
         lines=[f"{referral.adviser} has accepted referral {referral.pk} and will contact the patient.",
                f"See it: {absolute_url(reverse('casework:referral', args=[referral.pk]))}"])
