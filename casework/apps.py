from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """The top floor: pages that show several apps at once (the referral page, the caseload, the printable
    summary, closing and reopening), and the demo seeded from each app's own part. No models of its own."""

    name = "casework"
