from django.db import models


class ProviderKind(models.TextChoices):
    VCS = "vcs", "Voluntary and community sector"
    STATUTORY = "statutory", "Statutory"
    OTHER = "other", "Other"


class Provider(models.Model):
    """An organisation that people are referred on to. Services and grants arrive with the providers issue."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ProviderKind.choices, default=ProviderKind.VCS)
    charity_number = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
