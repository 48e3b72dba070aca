from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from sps.categories import Category
from sps.idempotency import idempotency_key_field
from sps.validators import validate_concept_id, validate_nhs_number, validate_postcode


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / indeterminate"
    UNKNOWN = "U", "Not known"


class Ethnicity(models.TextChoices):
    """NHS Data Dictionary ethnic category codes."""

    A = "A", "White - British"
    B = "B", "White - Irish"
    C = "C", "White - Any other White background"
    D = "D", "Mixed - White and Black Caribbean"
    E = "E", "Mixed - White and Black African"
    F = "F", "Mixed - White and Asian"
    G = "G", "Mixed - Any other mixed background"
    H = "H", "Asian or Asian British - Indian"
    J = "J", "Asian or Asian British - Pakistani"
    K = "K", "Asian or Asian British - Bangladeshi"
    L = "L", "Asian or Asian British - Any other Asian background"
    M = "M", "Black or Black British - Caribbean"
    N = "N", "Black or Black British - African"
    P = "P", "Black or Black British - Any other Black background"
    R = "R", "Other ethnic groups - Chinese"
    S = "S", "Other ethnic groups - Any other ethnic group"
    Z = "Z", "Not stated"


class ConsentHow(models.TextChoices):
    """How the person gave (or refused) consent."""

    GP_PRACTICE = "gp_practice", "To the GP practice, when it referred them"
    PHONE = "phone", "Spoken, by phone"
    IN_PERSON = "in_person", "Spoken, in person"
    WRITTEN = "written", "In writing (a signed form)"


class Patient(models.Model):
    """A person registered at a practice. The NHS number identifies them across the service."""

    nhs_number = models.CharField("NHS number", max_length=10, unique=True, validators=[validate_nhs_number])
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=1, choices=Ethnicity.choices, blank=True)
    address = models.TextField(blank=True, help_text="Where the adviser will visit.")
    postcode = models.CharField(max_length=8, validators=[validate_postcode])
    phone = models.CharField(max_length=30, blank=True)
    practice = models.ForeignKey("sps.Practice", on_delete=models.PROTECT, related_name="patients")
    long_term_conditions = models.TextField(blank=True)
    is_carer = models.BooleanField("is a carer", default=False)
    consent_referral = models.BooleanField("consented to the referral", default=False)
    consent_share = models.BooleanField("consented to sharing data with providers", default=False)
    # Who recorded the consent above, how and when the person gave it (issue 12); every change is in history.
    consent_how = models.CharField("how consent was given", max_length=20, choices=ConsentHow.choices, blank=True)
    consent_given_on = models.DateField("date consent was given", null=True, blank=True)
    consent_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False,
                                         help_text="When what identifies the person was removed (retention).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "pk"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class PatientMoveRequest(models.Model):
    """A GP practice asks the service manager to move a patient's registration to it: the NHS number it looked up
    is registered at another practice, so it cannot refer the patient until the manager moves them (issue 12)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="move_requests")
    to_practice = models.ForeignKey("sps.Practice", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(help_text="Why the patient should be registered with the practice asking.")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    moved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "to_practice"], condition=Q(moved_at__isnull=True),
                name="one_open_move_request_per_patient_and_practice",
                violation_error_message="This practice has already asked for this patient to be moved.",
            ),
        ]

    def __str__(self) -> str:
        return f"Move request {self.pk} to {self.to_practice}"

    @property
    def is_open(self) -> bool:
        return self.moved_at is None


class Source(models.TextChoices):
    GP = "gp", "GP practice"
    MDT = "mdt", "MDT meeting"
    MENTAL_HEALTH = "mental_health", "Mental health team"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ASSESSED = "assessed", "Assessed"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    MOVED_ON_VCS = "moved_on_vcs", "Moved on to VCS activity"
    DECLINED_SUPPORT = "declined_support", "Declined further support"
    MOVED_AWAY = "moved_away", "Moved away"
    DIED = "died", "Died"
    OTHER = "other", "Other"


class GpLetter(models.TextChoices):
    """What the person lets their GP practice be sent about this referral (issue 14; the PRSB standard's "message
    back to GP" allows each). Until they are asked: nothing beyond the referral code."""

    FULL = "full", "The full letter: who saw them, what was found, where they were referred and how it went, " \
                    "their wellbeing star, and the codes"
    CODES = "codes", "The codes only"
    REFERRAL_CODE = "referral_code", "Nothing beyond the referral code"


# A patient may have only one referral in these states at a time (domain.md).
OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.ASSESSED, Status.ACTIVE)
# The person is being supported: accepted and not yet closed. Visits, onward referrals and closing happen now.
SUPPORTED_STATUSES = (Status.ACCEPTED, Status.ASSESSED, Status.ACTIVE)


class Referral(models.Model):
    """A referral of a patient into the service, and its lifecycle (domain.md, 'Referral lifecycle')."""

    ref = models.CharField("referral reference", max_length=50, unique=True, null=True, blank=True,
                           help_text="The old system's reference, for imports.")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    practice = models.ForeignKey("sps.Practice", on_delete=models.PROTECT, related_name="referrals")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referral_date = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.GP)
    mdt_date = models.DateField("MDT meeting date", null=True, blank=True)
    risk_score = models.PositiveSmallIntegerField(
        "risk-stratification score", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    reason = models.TextField("reason for referral")
    needs = models.JSONField(default=list, blank=True, help_text="Categories of social need (domain.md).")
    needs_detail = models.TextField("needs in more detail", blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_referrals"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    decision_date = models.DateField(null=True, blank=True, help_text="When it was accepted or declined.")
    withdrawn_date = models.DateField(null=True, blank=True)
    closed_date = models.DateField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    withdraw_reason = models.TextField("why it was withdrawn", blank=True,
                                       help_text="The referring practice's reason; everyone who sees the referral "
                                                 "sees it.")
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_note = models.TextField(blank=True)
    reopen_reason = models.TextField(blank=True, help_text="Why a closed referral was reopened (the latest time).")
    gp_letter = models.CharField("what the GP practice may be sent", max_length=20, choices=GpLetter.choices,
                                 blank=True, help_text="Blank until the person is asked: the referral code only.")
    version = models.PositiveIntegerField(default=1, help_text="Raised by every edit, so that two people editing "
                                                               "at once cannot silently overwrite each other.")
    idempotency_key = idempotency_key_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-referral_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status__in=OPEN_STATUSES), name="one_open_referral_per_patient",
                violation_error_message="This patient already has an open referral.",
            ),
            models.CheckConstraint(
                condition=Q(risk_score__isnull=True) | Q(risk_score__gte=0, risk_score__lte=100),
                name="risk_score_0_to_100",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="referral_status_known"),
        ]
        indexes = [models.Index(fields=["practice", "status"]), models.Index(fields=["referral_date"])]

    def __str__(self) -> str:
        return f"Referral {self.pk} for {self.patient}"

    @property
    def gp_letter_shared(self) -> str:
        """What the GP practice may be sent: the referral code only until the person says otherwise."""
        return self.gp_letter or GpLetter.REFERRAL_CODE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def need_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [labels.get(key, key) for key in self.needs]


# What a clinical code is recorded for (issue 14): the national social prescribing codes (Network Contract DES), and
# any need category ("need:<category>") or star area ("area:<key>") the manager maps to a code.
REFERRED, DECLINED = "referred", "declined"
NATIONAL_CODES = {REFERRED: ("871731000000106", "Referral to social prescribing service (procedure)"),
                  DECLINED: ("871711000000103", "Social prescribing declined (situation)")}


class ClinicalCode(models.Model):
    """The SNOMED CT concept the GP record gets for something the service did or found. NHS England gives the
    needs and outcome code sets only on request, so the manager keeps this table; the two national codes come as
    defaults (migration 0010)."""

    meaning = models.CharField(max_length=60, unique=True,
                               help_text="What it codes: referred, declined, need:<category> or area:<star area>.",
                               error_messages={"unique": "There is a code for this already: change that one instead."})
    concept_id = models.CharField("SNOMED CT concept id", max_length=18, validators=[validate_concept_id])
    term = models.CharField("description", max_length=255,
                            help_text="The concept's description, as the GP record shows it.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["meaning"]

    def __str__(self) -> str:
        return f"{self.concept_id} {self.term}"


class CodedEvent(models.Model):
    """A code recorded for a referral, as the GP record will get it: the concept and description are copied, so
    that a later change to the table does not rewrite what was recorded. Once per referral and meaning: the
    referral code at the first contact of an episode only."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="coded_events")
    meaning = models.CharField(max_length=60)
    concept_id = models.CharField("SNOMED CT concept id", max_length=18, validators=[validate_concept_id])
    term = models.CharField("description", max_length=255)
    date = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        constraints = [models.UniqueConstraint(fields=["referral", "meaning"], name="one_coded_event_a_meaning")]

    def __str__(self) -> str:
        return f"{self.concept_id} {self.term}"


class AccessAction(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    LISTED = "listed", "Listed"
    PRINTED = "printed", "Printed"
    EXPORTED = "exported", "Exported or downloaded"
    IMPORTED = "imported", "Imported"


class AccessEventQuerySet(models.QuerySet):
    """The access log is append-only: no update or delete through the application (a database trigger holds it
    too on PostgreSQL, for anything that goes round the ORM)."""

    def update(self, **kwargs):
        raise PermissionError("The access log cannot be changed.")

    def delete(self):
        raise PermissionError("The access log cannot be deleted.")


class AccessEvent(models.Model):
    """Who saw which patient's record, when, how and from where (the Data Security and Protection Toolkit's
    audit of access to records): every view of a record or referral, every list that shows people, every print,
    every download that holds patient rows, and every import."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    what = models.CharField(max_length=200, help_text="The page or file, e.g. 'referral page'.")
    patient = models.ForeignKey(Patient, null=True, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, null=True, on_delete=models.PROTECT, related_name="+")
    ip_address = models.GenericIPAddressField(null=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display().lower()} {self.what} at {self.at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log cannot be deleted.")
