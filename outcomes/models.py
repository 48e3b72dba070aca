from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from outcomes.star import AREA_KEYS, AREAS
from sps.idempotency import idempotency_key_field


class AssessmentKind(models.TextChoices):
    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Phone"
    CLINIC = "clinic", "Clinic"


class Assessment(models.Model):
    """A contact by an adviser: when, how, the needs they found and their notes."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="assessments")
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=AssessmentKind.choices, default=AssessmentKind.HOME_VISIT)
    needs = models.JSONField(default=list, blank=True, help_text="Categories of need identified (domain.md).")
    notes = models.TextField(blank=True)
    idempotency_key = idempotency_key_field()
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%d/%m/%Y}"


class ReadingKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    REVIEW = "review", "Review"
    DISCHARGE = "discharge", "Discharge"


def _score_field(area) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(area.label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class StarReading(models.Model):
    """Eight scores, one per area of the star, each 1 (furthest from where the person wants to be) to 5."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="star_readings")
    assessment = models.OneToOneField(Assessment, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="reading")
    kind = models.CharField(max_length=10, choices=ReadingKind.choices)
    reading_date = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    lifestyle = _score_field(AREAS[0])
    looking_after_yourself = _score_field(AREAS[1])
    managing_symptoms = _score_field(AREAS[2])
    work_volunteering = _score_field(AREAS[3])
    money = _score_field(AREAS[4])
    where_you_live = _score_field(AREAS[5])
    family_friends = _score_field(AREAS[6])
    feeling_positive = _score_field(AREAS[7])
    notes = models.JSONField(default=dict, blank=True, help_text="An optional note per area, by area key.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["reading_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(**{f"{key}__gte": 1, f"{key}__lte": 5}), name=f"star_{key}_1_to_5")
            for key in AREA_KEYS
        ] + [models.CheckConstraint(condition=Q(kind__in=ReadingKind.values), name="star_kind_known")]
        indexes = [models.Index(fields=["referral", "kind", "reading_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} star, {self.reading_date:%d/%m/%Y}"

    @property
    def area_notes(self) -> list[tuple[str, str]]:
        """The adviser's notes, area by area in the star's order: (the area's name, the note)."""
        return [(area.label, self.notes[area.key]) for area in AREAS if (self.notes or {}).get(area.key)]

    @property
    def scores(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in AREA_KEYS}
