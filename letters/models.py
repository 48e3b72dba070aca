import uuid

from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent, not yet acknowledged"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the practice"
    FAILED = "failed", "Failed"


class OutgoingLetter(models.Model):
    """A letter to the GP practice, on its way over MESH (GP Connect Send Document, issue 14). Sent at most once: the
    sender claims it (queued -> sending) in a transaction of its own before calling MESH, and a letter left
    `sending` (the sender died mid-call) is never sent again but shown to the manager as failed, to check in MESH's
    tracking. A corrected letter is a new one naming the identifier of the letter it replaces."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="outgoing_letters")
    identifier = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                  help_text="The Composition's identifier in the GP record.")
    replaces = models.UUIDField(null=True, blank=True, help_text="The identifier of the letter this one corrects.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    recipient = models.CharField("MESH mailbox", max_length=20, blank=True)
    mesh_message_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a sender last took it to send.")
    error_code = models.CharField(max_length=20, blank=True, help_text="MESH's or the practice's, e.g. EPL-151.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One letter for a referral on its way at a time: a second close before the first went out adds none.
            models.UniqueConstraint(fields=["referral"], condition=Q(status__in=["queued", "sending"]),
                                    name="one_letter_on_its_way"),
            models.CheckConstraint(condition=Q(status__in=["queued", "sending", "sent", "acknowledged", "failed"]),
                                   name="letter_status_known"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Letter {self.identifier} ({self.get_status_display().lower()})"
