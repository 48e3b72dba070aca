from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from referrals.models import Sex


class EpisodeType(models.TextChoices):
    NEL_ADMISSION = "nel_admission", "Non-elective admission (spell)"
    NEL_FCE = "nel_fce", "Non-elective finished consultant episode"
    AE_ATTENDANCE = "ae_attendance", "A&E attendance"
    OUTPATIENT = "outpatient", "Outpatient appointment"


class ImportKind(models.TextChoices):
    PRACTICES = "practices", "Practices"
    USERS = "users", "Users"
    PROVIDERS = "providers", "Providers and services"
    GRANTS = "grants", "Grants"
    REFERRALS = "referrals", "Referrals (with their patients)"
    ONWARD = "onward", "Onward referrals"
    STAR = "star", "Star readings"
    EPISODES = "episodes", "Hospital episodes"
    COSTS = "costs", "Programme costs"
    COMPARISON = "comparison", "Comparison people (pseudonymised)"
    COMPARISON_EPISODES = "comparison_episodes", "Comparison people's hospital episodes"


class ImportBatch(models.Model):
    """One import of a file: who, when, what file, and what it did. For hospital episodes and programme costs
    the batch is their record (they keep no history of their own)."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    covered_until = models.DateField(null=True, blank=True, help_text="Episodes: the last date the extract covers.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"


class ImportRun(models.Model):
    """An uploaded file on its way through the check and, once the manager confirms, the import, each run as a
    background task (reports/tasks.py): what the imports page shows while it waits and runs, and then its outcome.
    The batch it makes is the lasting record; a run is deleted a day after it ends."""

    class Stage(models.TextChoices):
        CHECK = "check", "Check"
        IMPORT = "import", "Import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Also names the uploaded file in IMPORT_DIR; random, so that it cannot be guessed.
    token = models.CharField(max_length=32, unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    covered_until = models.DateField(null=True, blank=True)
    skip_invalid = models.BooleanField(default=False)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.CHECK)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Written by the task as it goes, outside the import's own transaction, so that the page sees them.
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(default=0, help_text="The file's lines less the header.")
    result = models.JSONField(null=True, blank=True, help_text="What the stage last finished found (ImportResult).")
    failure = models.TextField(blank=True, help_text="Why the task stopped, when it failed.")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "status"], name="import_run_by_status")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of {self.file_name}: {self.get_status_display()}"

    @property
    def under_way(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Episode(models.Model):
    """A row of a hospital activity extract: what it was, when, and the extract's own reference."""

    episode_type = models.CharField(max_length=20, choices=EpisodeType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    episode_ref = models.CharField(max_length=50, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_episode_type_display()} {self.start_date:%d/%m/%Y}"


def ends_after_start(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name=name)


class HospitalEpisode(Episode):
    """A row of the commissioner's hospital activity extract, for a patient of the service."""

    # Millions of rows arrive at once, only through the import, which finds each patient by NHS number and
    # makes the batch in the same transaction: the database's per-row foreign-key checks and extra indexes would
    # double the import's time. The natural key is the primary key, whose index also serves lookups by patient.
    pk = models.CompositePrimaryKey("patient", "episode_type", "start_date", "episode_ref")
    patient = models.ForeignKey("referrals.Patient", on_delete=models.CASCADE, related_name="episodes",
                                db_constraint=False, db_index=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="episodes", db_constraint=False,
                              db_index=False)

    class Meta:
        ordering = ["patient", "start_date"]
        constraints = [ends_after_start("episode_ends_after_start")]


class ComparisonPerson(models.Model):
    """Someone in the commissioner's pseudonymised comparison extract (evaluation.md section 5): never referred,
    known only by a pseudo id, with no NHS number and no name. Nobody sees one individually, in any role: they are
    only ever counted, as the controls matched to the service's patients."""

    pseudo_id = models.CharField(max_length=64, unique=True)
    year_of_birth = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    practice_ods_code = models.CharField(max_length=10, blank=True)
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                              db_index=False)

    def __str__(self) -> str:
        return "A comparison person"  # never which one


class ComparisonEpisode(Episode):
    """A row of the comparison extract's hospital episodes: as HospitalEpisode, for a comparison person."""

    pk = models.CompositePrimaryKey("person", "episode_type", "start_date", "episode_ref")
    person = models.ForeignKey(ComparisonPerson, on_delete=models.CASCADE, related_name="episodes",
                               db_constraint=False, db_index=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                              db_index=False)

    class Meta:
        constraints = [ends_after_start("comparison_episode_ends_after_start")]


class HospitalUse(models.Model):
    """A referral's hospital episodes in evaluation.md's windows (365 days before and after its date), as the last
    import left them. Counting them for a year's cohort live reads over a million episodes at national size, several
    seconds however it is written; the import, the only writer of episodes, counts again the referrals of every
    patient whose episodes it changed. The patient and date it was counted for are kept: a referral whose date or
    patient has changed since, or that has no row, is counted live by the report (issue 13)."""

    referral = models.OneToOneField("referrals.Referral", primary_key=True, on_delete=models.CASCADE,
                                    related_name="+")
    patient_id = models.BigIntegerField()
    referral_date = models.DateField()
    nel_admission_before = models.PositiveIntegerField()
    nel_admission_after = models.PositiveIntegerField()
    nel_fce_before = models.PositiveIntegerField()
    nel_fce_after = models.PositiveIntegerField()
    ae_attendance_before = models.PositiveIntegerField()
    ae_attendance_after = models.PositiveIntegerField()
    outpatient_before = models.PositiveIntegerField()
    outpatient_after = models.PositiveIntegerField()
    bed_days_before = models.PositiveIntegerField()
    bed_days_after = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = "hospital use"

    def __str__(self) -> str:
        return f"Hospital use around {self.referral_date:%d/%m/%Y}"


class ProgrammeCost(models.Model):
    """Money spent on the service (staff, grants) on a date; evaluation.md's programme cost sums these."""

    date = models.DateField()
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="costs")

    class Meta:
        ordering = ["date", "description"]
        constraints = [
            models.UniqueConstraint(fields=["date", "description"], name="programme_cost_natural_key"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="programme_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.date:%d/%m/%Y})"


# NHS Reference Costs 2016/17 (evaluation.md): spells are costed, not the episodes within them.
DEFAULT_UNIT_COSTS = {"nel_admission": 1590, "ae_attendance": 148, "outpatient": 120, "bed_days": 0, "nel_fce": 0}


class UnitCostMeasure(models.TextChoices):
    NEL_ADMISSION = "nel_admission", "Non-elective admission (spell)"
    NEL_FCE = "nel_fce", "Non-elective finished consultant episode"
    AE_ATTENDANCE = "ae_attendance", "A&E attendance"
    OUTPATIENT = "outpatient", "Outpatient appointment"
    BED_DAYS = "bed_days", "Bed day"


class UnitCost(models.Model):
    """£ per episode (or bed day) in a financial year (the year it starts: 2026 is 2026/27); the manager keeps
    them. A year without its own figures uses the defaults."""

    financial_year = models.PositiveSmallIntegerField(help_text="The year the financial year starts: 2026 is 2026/27.")
    measure = models.CharField(max_length=20, choices=UnitCostMeasure.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "measure"]
        constraints = [models.UniqueConstraint(fields=["financial_year", "measure"], name="one_unit_cost_a_year")]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.financial_year}/{(self.financial_year + 1) % 100:02d}"


class ReferralTarget(models.Model):
    """How many referrals a month the service aims for in a financial year (the trend chart's line)."""

    financial_year = models.PositiveSmallIntegerField(unique=True, help_text="The year it starts: 2026 is 2026/27.")
    monthly_referrals = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year"]

    def __str__(self) -> str:
        return f"{self.monthly_referrals} a month in {self.financial_year}/{(self.financial_year + 1) % 100:02d}"


class OverviewFigures(models.Model):
    """The manager's Overview as last worked out (one row). Counting the whole programme twice takes seconds at
    national size, so a task works it out (reports.tasks.refresh_overview) and the landing page reads this row
    (issue 13)."""

    figures = models.JSONField(default=dict, help_text="This year so far and the same months last year.")
    computed_at = models.DateTimeField(null=True, blank=True)
    # When a refresh was queued: set by whoever claims it, cleared by the task, so that one refresh runs at a time.
    refresh_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "overview figures"

    def __str__(self) -> str:
        return f"Overview as at {self.computed_at}"


class DisclosedView(models.Model):
    """One view of a report (a period of a financial year, all practices or one) as the commissioner may see it,
    disclosed together with every other view of the year and kept for DISCLOSED_MAX_AGE seconds: at national size
    working out and disclosing the year's 38,240 views takes half a minute, so it is done once for all of them
    (reports/commissioner.py, issue 13)."""

    key = models.CharField(max_length=200, help_text="The report, the financial year and the report's options.")
    period = models.CharField(max_length=10)
    practice = models.CharField(max_length=10, blank=True, help_text="ODS code; blank: all practices.")
    # JSON text: jsonb would sort the keys, and the report's order is the order its tables are shown in.
    figures = models.TextField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "period", "practice"], name="one_disclosed_view")]

    def __str__(self) -> str:
        return f"{self.key} {self.period} {self.practice or 'all practices'}"


class DisclosedRefresh(models.Model):
    """A refresh of a report's disclosed year (DisclosedView), claimed by whoever first found the kept views too old,
    so that one refresh of a year runs at a time while everyone else is shown the views kept."""

    key = models.CharField(max_length=200, unique=True)
    claimed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} claimed {self.claimed_at}"
