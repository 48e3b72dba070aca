"""The letter as a PDF (weasyprint, imported only when a letter is made: `make run` does not need its system
libraries)."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from letters.content import Letter
from referrals.models import GpLetter
from sps.lib.nhs_number import format_nhs_number


def letter_html(letter: Letter) -> str:
    referral = letter.referral
    return render_to_string("letters/letter.html", {
        "letter": letter, "referral": referral, "patient": referral.patient, "practice": referral.patient.practice,
        "nhs_number": format_nhs_number(referral.patient.nhs_number), "service_ods": settings.SERVICE_ODS_CODE,
        "shared_label": GpLetter(letter.shared).label})


def letter_pdf(letter: Letter) -> bytes:
    return html_pdf(letter_html(letter))


def html_pdf(html: str) -> bytes:
    """A page of ours as a PDF, styled as the letters are."""
    from weasyprint import CSS, HTML

    # The styles are a file of their own: no template holds inline styles (the Content-Security-Policy's rule).
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find("letters/letter.css"))])
