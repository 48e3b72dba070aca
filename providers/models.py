import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sps.categories import Category
from sps.idempotency import idempotency_key_field
from sps.lib.postcode import normalise_postcode
from sps.validators import validate_postcode

# Around the United Kingdom, the Channel Islands and the Isle of Man: a centroid outside is a mistake (columns
# swapped, a sign lost).
UK_LATITUDES = (49.0, 61.0)
UK_LONGITUDES = (-9.0, 2.0)


class ProviderKind(models.TextChoices):
    VCS = "vcs", "Voluntary and community sector"
    STATUTORY = "statutory", "Statutory"
    OTHER = "other", "Other"


class Provider(models.Model):
    """An organisation that people are referred on to."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ProviderKind.choices, default=ProviderKind.VCS)
    charity_number = models.CharField(max_length=20, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, help_text="Where new onward referrals are announced.")
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    # Its identifier in the Open Referral UK directory (issue 14): a UUID, as the UK profile requires.
    oruk_id = models.UUIDField("Open Referral UK id", default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """What a provider offers: time-limited, a pathway to independence (domain.md).

    Where and when it runs follows Open Referral UK (standards/openreferral-uk), so that the directory can be
    published in it: `address` and `postcode` are a location's address_1 and postal_code, `phone` a contact's
    phone number, `email` and `website` the service's email and url, `opening_times` a schedule's description
    and `how_to_get_there` a location's description. The postcode's centroid (Postcode) gives its distance."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=Category.choices)
    description = models.TextField(blank=True)
    area = models.CharField(max_length=100, default="Borough-wide", help_text="Where the service is offered.")
    capacity = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="People it can support at a time; blank for no fixed limit.",
    )
    duration_weeks = models.PositiveSmallIntegerField("typical duration (weeks)", null=True, blank=True)
    eligibility = models.TextField("eligibility notes", blank=True)
    address = models.TextField(blank=True, help_text="Where it runs; blank when it comes to the person or is by "
                                                     "phone.")
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode],
                                help_text="Of the address: the directory lists services nearest a person first.")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    opening_times = models.TextField(blank=True, help_text="For example: Tuesdays 10am to 12 noon.")
    how_to_get_there = models.TextField(blank=True, help_text="Buses, parking, step-free access.")
    active = models.BooleanField(default=True)
    oruk_id = models.UUIDField("Open Referral UK id", default=uuid.uuid4, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                                              name="service_capacity_positive")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Stored as everywhere else ("S66 8AB"), so that it meets its centroid.
        self.postcode = normalise_postcode(self.postcode) or self.postcode


class Postcode(models.Model):
    """A postcode's centroid, from the ONS Postcode Directory (the `postcodes` import): how far a person is from
    each service."""

    postcode = models.CharField(max_length=8, unique=True, validators=[validate_postcode],
                                help_text="As stored everywhere: 'S60 2HX'.")
    latitude = models.FloatField(validators=[MinValueValidator(UK_LATITUDES[0]), MaxValueValidator(UK_LATITUDES[1])])
    longitude = models.FloatField(validators=[MinValueValidator(UK_LONGITUDES[0]),
                                              MaxValueValidator(UK_LONGITUDES[1])])

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return self.postcode

    def clean(self) -> None:
        self.postcode = normalise_postcode(self.postcode) or self.postcode


class GrantDecision(models.TextChoices):
    PENDING = "pending", "Awaiting the funding panel"
    AWARDED = "awarded", "Awarded"
    REFUSED = "refused", "Refused"


class Grant(models.Model):
    """Funding that makes a provider's services *commissioned* for its period, with the panel's decision."""

    ref = models.CharField("grant reference", max_length=30, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="grants")
    services = models.ManyToManyField(Service, related_name="grants")
    amount_requested = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0)])
    amount = models.DecimalField("amount awarded", max_digits=10, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    start_date = models.DateField()
    end_date = models.DateField()
    target_referrals = models.PositiveIntegerField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=GrantDecision.choices, default=GrantDecision.AWARDED)
    decision_date = models.DateField(null=True, blank=True)
    notes = models.TextField("panel notes", blank=True)

    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["provider__name", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="grant_ends_after_start"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} ({self.provider})"


class SpotPurchaseStatus(models.TextChoices):
    REQUESTED = "requested", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SpotPurchase(models.Model):
    """A one-off purchase for one referral when no commissioned service fits; the manager decides."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="spot_purchases")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="spot_purchases")
    description = models.CharField("what is bought", max_length=300)
    reason = models.TextField("why no commissioned service fits")
    cost = models.DecimalField(max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_date = models.DateField()
    status = models.CharField(max_length=10, choices=SpotPurchaseStatus.choices, default=SpotPurchaseStatus.REQUESTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_date = models.DateField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_date", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(cost__gte=0), name="spot_purchase_cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.description} ({self.provider})"


class OnwardKind(models.TextChoices):
    COMMISSIONED = "commissioned", "Commissioned VCS service"
    NON_COMMISSIONED = "non_commissioned", "Non-commissioned VCS service"
    NON_VCS = "non_vcs", "Non-VCS (statutory or other)"
    SIGNPOST = "signpost", "Signpost (information given)"


class OnwardStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Which status may follow which (domain.md, 'Onward referral'); a signpost is complete when it is made.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    OnwardStatus.PROPOSED: (OnwardStatus.SENT, OnwardStatus.WITHDRAWN),
    OnwardStatus.SENT: (OnwardStatus.ACCEPTED, OnwardStatus.DECLINED, OnwardStatus.WITHDRAWN),
    OnwardStatus.ACCEPTED: (OnwardStatus.STARTED, OnwardStatus.DID_NOT_ATTEND, OnwardStatus.WITHDRAWN),
    OnwardStatus.STARTED: (OnwardStatus.COMPLETED, OnwardStatus.DID_NOT_ATTEND, OnwardStatus.WITHDRAWN),
    OnwardStatus.DECLINED: (),
    OnwardStatus.COMPLETED: (),
    OnwardStatus.DID_NOT_ATTEND: (),
    OnwardStatus.WITHDRAWN: (),
}
# People a service is supporting now, for its room (capacity minus these).
OCCUPYING_STATUSES = (OnwardStatus.ACCEPTED, OnwardStatus.STARTED)
# The date field each status sets when reached.
STATUS_DATE_FIELD = {
    OnwardStatus.SENT: "sent_date", OnwardStatus.ACCEPTED: "accepted_date", OnwardStatus.DECLINED: "declined_date",
    OnwardStatus.STARTED: "started_date", OnwardStatus.COMPLETED: "ended_date",
    OnwardStatus.DID_NOT_ATTEND: "ended_date", OnwardStatus.WITHDRAWN: "ended_date",
}


class OnwardReferral(models.Model):
    """A referral on from the service to a community service, a statutory one, or a signpost."""

    ref = models.CharField("onward referral reference", max_length=50, unique=True, null=True, blank=True,
                           help_text="The old system's reference, for imports.")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="onward_referrals")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="onward_referrals")
    destination = models.CharField(max_length=200, blank=True,
                                   help_text="For a non-VCS referral or a signpost without a listed service.")
    kind = models.CharField(max_length=20, choices=OnwardKind.choices)
    need = models.CharField(max_length=30, choices=Category.choices, blank=True)
    notes = models.TextField(blank=True, help_text="What the provider needs to know to help the person.")
    status = models.CharField(max_length=20, choices=OnwardStatus.choices, default=OnwardStatus.SENT)
    made_date = models.DateField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    sent_date = models.DateField(null=True, blank=True)
    accepted_date = models.DateField(null=True, blank=True)
    declined_date = models.DateField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    started_date = models.DateField(null=True, blank=True)
    ended_date = models.DateField(null=True, blank=True, help_text="Completed, did not attend, or withdrawn.")
    # Unknown until the provider says: a blank counted as "no" would lower the continued rate and the evaluation's
    # "continuing" subgroup, which counts only a recorded yes.
    continued_after_end = models.BooleanField(
        null=True, blank=True, default=None,
        help_text="The person went on using VCS activity after the service ended; blank while not recorded.",
    )
    idempotency_key = idempotency_key_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-made_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(kind__in=["non_vcs", "signpost"]),
                name="vcs_onward_referral_has_service",
            ),
            models.CheckConstraint(
                condition=Q(service__isnull=False) | ~Q(destination=""), name="onward_referral_has_destination"
            ),
        ]
        indexes = [
            models.Index(fields=["service", "status"]), models.Index(fields=["made_date"]),
            # The evaluation's tests of a cohort's engagement and of continuing (reports.evaluation): read whole
            # from these, not from the table, they took a national cohort's hospital report from 1.9 s to 1.5 s.
            models.Index(fields=["referral"], name="onward_taken_up_idx",
                         condition=Q(status__in=[OnwardStatus.STARTED, OnwardStatus.COMPLETED])
                         & ~Q(kind=OnwardKind.SIGNPOST)),
            models.Index(fields=["referral"], name="onward_continued_idx", condition=Q(continued_after_end=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.destination_name}"

    @property
    def destination_name(self) -> str:
        return self.service.name if self.service_id else self.destination

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return NEXT_STATUSES[self.status]


class Budget(models.Model):
    """What the programme may spend on grants and spot purchases over a period (the manager keeps it)."""

    name = models.CharField(max_length=100, help_text="For example: Grants and spot purchases 2026/27.")
    start_date = models.DateField()
    end_date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=F("start_date")),
                                              name="budget_ends_after_start")]

    def __str__(self) -> str:
        return self.name
