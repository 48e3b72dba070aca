from django.apps import AppConfig


class LettersConfig(AppConfig):
    """What the service sends the GP practice about a referral (issue 14): the outcome letter, as a PDF and as
    GP Connect Send Document's FHIR bundle."""

    name = "letters"
    default_auto_field = "django.db.models.BigAutoField"
