"""Email through Django's mail backend (console by default, SMTP from EMAIL_URL).

Bodies carry a link and the least the recipient needs; never patient details beyond what they may see in
the application, and in practice none at all: the link asks them to sign in.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send(*, to: Iterable[str], subject: str, lines: list[str]) -> int:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    body = "\n\n".join([*lines, "This message was sent by the Social Prescribing Service. Please do not reply."])
    return send_mail(f"[SPS] {subject}", body, None, recipients)
