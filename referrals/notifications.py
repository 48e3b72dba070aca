from django.urls import reverse
from django.utils import timezone

from referrals.models import PatientMoveRequest, Referral
from sps.models import Role, User
from sps.notify import absolute_url, send


def referral_accepted(referral: Referral) -> None:
    """The referring GP practice is told its referral was accepted (no patient details in the email)."""
    staff = User.objects.filter(role=Role.GP_STAFF, practice_id=referral.practice_id, is_active=True)
    send(to=staff.values_list("email", flat=True),
         subject="A referral from your practice was accepted",
         lines=[f"{referral.adviser} has accepted referral {referral.pk} and will contact the patient.",
                f"See it: {absolute_url(reverse('casework:referral', args=[referral.pk]))}"])


def patient_move_requested(move_request: PatientMoveRequest) -> None:
    """The service manager is told a practice asked for a patient to be moved to it (no patient details)."""
    managers = User.objects.filter(role=Role.MANAGER, is_active=True)
    send(to=managers.values_list("email", flat=True),
         subject="A practice asked for a patient to be moved to it",
         lines=[f"{move_request.requested_by} at {move_request.to_practice.name} asked for a patient's "
                f"registration to be moved to their practice (request {move_request.pk}).",
                f"See the open requests: {absolute_url(reverse('referrals:move_requests'))}"])


def patient_moved(move_request: PatientMoveRequest) -> None:
    """Whoever asked is told the patient was moved, so they can refer them (no patient details)."""
    send(to=[move_request.requested_by.email],
         subject="The patient you asked about was moved to your practice",
         lines=[f"The service manager moved the patient of your request {move_request.pk} "
                f"(made {timezone.localtime(move_request.requested_at):%d/%m/%Y}) to {move_request.to_practice.name}.",
                f"Find them by NHS number to refer them: {absolute_url(reverse('referrals:find_patient'))}"])
