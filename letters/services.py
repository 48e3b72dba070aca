"""Letters to GP practices on their way over MESH (issue 14): queued when a referral closes, sent by the task
worker (or `manage.py send_gp_letters`, from a timer) at most once each, retried with back-off while MESH cannot be
reached, and followed until the practice's system acknowledges them or MESH reports an error."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from letters import mesh
from letters.content import letter_for
from letters.fhir import letter_message_json, report_description
from letters.models import OutgoingLetter, Status
from referrals.models import Referral
from sps.lib.uuids import as_uuid

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6  # 2, 4, 8, 16, 32 minutes apart: about an hour of MESH being unreachable before a person looks
STUCK_AFTER = dt.timedelta(minutes=30)  # `sending` this long: the sender died mid-call


def queue_letter(referral: Referral) -> OutgoingLetter | None:
    """Queue the referral's letter, when MESH is set up: a correction of the last one sent, if any. One letter a
    referral on its way at a time (a second close before the first went out adds none)."""
    if not mesh.configured():
        return None
    previous = referral.outgoing_letters.filter(status__in=[Status.SENT, Status.ACKNOWLEDGED]).first()
    with transaction.atomic():
        letter, _ = OutgoingLetter.objects.get_or_create(
            referral=referral, status=Status.QUEUED,
            defaults={"replaces": previous.identifier if previous else None, "next_attempt_at": timezone.now()})
    return letter


def send_due_letters() -> int:
    """Send every queued letter whose time has come; how many were sent."""
    _fail_stuck()
    due = OutgoingLetter.objects.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()),
                                        status=Status.QUEUED).values_list("pk", flat=True)
    return sum(send_letter(pk) for pk in list(due))


def send_letter(pk: int) -> bool:
    """Claim the letter (queued -> sending, committed) and send it; True when MESH took it."""
    from mesh_client import MeshError

    with transaction.atomic():
        letter = OutgoingLetter.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
            "referral__patient__practice", "referral__adviser", "referral__referred_by").filter(
            pk=pk, status=Status.QUEUED).first()
        if letter is None:
            return False  # another sender has it, or it went
        letter.status, letter.attempts, letter.claimed_at = Status.SENDING, letter.attempts + 1, timezone.now()
        letter.save(update_fields=["status", "attempts", "claimed_at"])
    referral = letter.referral
    version = referral.outgoing_letters.filter(status__in=[Status.SENT, Status.ACKNOWLEDGED]).count() + 1
    content = letter_for(referral)
    body = letter_message_json(content, identifier=letter.identifier, replaces=letter.replaces, version=version,
                               sender_mailbox=settings.MESH_MAILBOX).encode()
    recipient = mesh.recipient(referral.patient)
    try:
        with mesh.client() as client:
            message_id = client.send_message(
                recipient, body, workflow_id=settings.MESH_WORKFLOW_ID, local_id=str(letter.identifier),
                subject=report_description(content, version), filename=f"{letter.identifier}.json",
                content_type="application/fhir+json")
    except MeshError as error:  # MESH refused it: sending again would be refused again
        _finish(letter, Status.FAILED, **_mesh_error(error))
        return False
    except Exception as error:  # MESH could not be reached: try again later
        log.warning("MESH unreachable sending letter %s (attempt %s): %s", letter.pk, letter.attempts,
                    type(error).__name__)
        if letter.attempts >= MAX_ATTEMPTS:
            _finish(letter, Status.FAILED, error_code="", error=f"MESH could not be reached ({type(error).__name__}) "
                                                                  f"in {letter.attempts} attempts.")
        else:
            retry_at = timezone.now() + dt.timedelta(minutes=2 ** letter.attempts)
            _finish(letter, Status.QUEUED, error=f"MESH could not be reached ({type(error).__name__}); trying again.",
                    next_attempt_at=retry_at)
            _retry_at(retry_at)
        return False
    _finish(letter, Status.SENT, recipient=recipient, mesh_message_id=message_id, sent_at=timezone.now(),
            error_code="", error="")
    return True


def follow_sent_letters() -> int:
    """Mark sent letters the practice's system has acknowledged (MESH tracking), and failed those MESH reports an
    error for (an error report in our inbox, e.g. EPL-151 "No mailbox matched"); how many changed."""
    changed = 0
    with mesh.client() as client:
        for message_id in client.list_messages():
            message = client.retrieve_message(message_id)
            if (message.message_type or "").upper() == "REPORT":
                changed += _report(message)
            client.acknowledge_message(message_id)
        for letter in OutgoingLetter.objects.filter(status=Status.SENT).exclude(mesh_message_id=""):
            tracked = client.track_message(letter.mesh_message_id)
            if (tracked.get("status") or "").lower() == "acknowledged":
                _finish(letter, Status.ACKNOWLEDGED, acknowledged_at=timezone.now())
                changed += 1
    return changed


def _report(message) -> int:
    """A MESH error report about one of our letters, found by its MESH id or by our identifier (its local id)."""
    linked, local = message.mex_header("linkedmsgid"), message.local_id
    identifier = as_uuid(local)
    letter = (OutgoingLetter.objects.filter(mesh_message_id=linked).first() if linked else None) or \
        (OutgoingLetter.objects.filter(identifier=identifier).first() if identifier else None)
    if letter is None:
        return 0
    _finish(letter, Status.FAILED, error_code=message.mex_header("statuscode") or "",
            error=message.mex_header("statusdescription") or "MESH reported an error.")
    return 1


def _mesh_error(error) -> dict:
    detail = (error.args[1].get("detail") or [{}])[0] if len(error.args) > 1 and isinstance(error.args[1], dict) \
        else {}
    return {"error_code": str(detail.get("code", "")), "error": str(error.args[0]) if error.args else "MESH error"}


def _retry_at(when: dt.datetime) -> None:
    """Ask the task worker to try again then, where the task backend can wait (the database one); else the
    `send_gp_letters` timer picks the letter up."""
    from letters.tasks import send_gp_letters

    if send_gp_letters.get_backend().supports_defer:
        transaction.on_commit(lambda: send_gp_letters.using(run_after=when).enqueue())


def _finish(letter: OutgoingLetter, status: str, **fields) -> None:
    for name, value in fields.items():
        setattr(letter, name, value)
    letter.status = status
    letter.save()


def _fail_stuck() -> None:
    """A letter left `sending` by a sender that died may or may not have gone: never send it again; say so."""
    OutgoingLetter.objects.filter(status=Status.SENDING, claimed_at__lt=timezone.now() - STUCK_AFTER).update(
        status=Status.FAILED, error="The sender stopped while sending: check MESH's tracking before sending again.")
