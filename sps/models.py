from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from sps.lib.postcode import normalise_postcode
from sps.validators import validate_ods_practice_code, validate_postcode


class Role(models.TextChoices):
    GP_STAFF = "gp_staff", "GP practice staff"
    ADVISER = "adviser", "VCS adviser"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    MANAGER = "manager", "Service manager"
    COMMISSIONER = "commissioner", "Commissioner"


# The roles that support people: they see the support plan (visits, star readings, onward referrals).
SUPPORT_ROLES = (Role.ADVISER, Role.MANAGER)


class SPSUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.MANAGER)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A login. What it may see follows from its role (domain.md, 'Who uses it')."""

    role = models.CharField(max_length=20, choices=Role.choices)
    practice = models.ForeignKey(
        "sps.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
        help_text="For GP practice staff: the practice they work at.",
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
        help_text="For provider staff: the organisation they work for.",
    )

    objects = SPSUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_known"),
            models.CheckConstraint(
                condition=~Q(role=Role.GP_STAFF) | Q(practice__isnull=False), name="gp_staff_has_practice"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.PROVIDER_STAFF) | Q(provider__isnull=False),
                name="provider_staff_has_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Practice(models.Model):
    """A GP practice that refers into the service."""

    ods_code = models.CharField("ODS code", max_length=6, unique=True, validators=[validate_ods_practice_code])
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=8, validators=[validate_postcode])
    advisers = models.ManyToManyField(
        User, blank=True, related_name="linked_practices", limit_choices_to={"role": Role.ADVISER},
        help_text="The VCS advisers who take this practice's referrals.",
    )
    active = models.BooleanField(default=True, help_text="Whether the practice currently takes part.")
    mesh_mailbox = models.CharField(
        "MESH mailbox", max_length=20, blank=True,
        help_text="Where its letters go over MESH; blank: MESH's own routing finds the practice the person is "
                  "registered with.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    def clean(self) -> None:
        self.ods_code = (self.ods_code or "").strip().upper()
        self.postcode = normalise_postcode(self.postcode) or self.postcode
