from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from letters import mesh
from letters.content import letter_for
from letters.models import Status
from letters.pdf import letter_pdf
from letters.selectors import outgoing_letters_for
from referrals import access_log
from referrals.selectors import referrals_for
from sps.access import role_required
from sps.models import SUPPORT_ROLES, Role


@role_required(Role.GP_STAFF, *SUPPORT_ROLES)
def letter(request: HttpRequest, referral_pk: int) -> HttpResponse:
    """The referral's letter to the GP practice as a PDF, as it stands today and as far as the person allows: what
    the practice is sent (issue 14)."""
    referral = get_object_or_404(referrals_for(request.user).select_related("patient__practice", "referred_by",
                                                                           "adviser"), pk=referral_pk)
    try:
        pdf = letter_pdf(letter_for(referral))
    except OSError:  # weasyprint's system libraries (Debian's libpango-1.0-0, libpangoft2-1.0-0) are missing
        return render(request, "letters/no_pdf.html", {"referral": referral}, status=503)
    access_log.record(request, access_log.PRINTED, "letter to the GP practice", referrals=[referral])
    response = HttpResponse(pdf, content_type="application/pdf")
    # No name in the file name: it is kept in downloads folders and browser histories.
    response["Content-Disposition"] = f'inline; filename="gp-letter-{referral.pk}.pdf"'
    return response


OUTBOX_PAGE_SIZE = 25


@role_required(Role.MANAGER)
def outbox(request: HttpRequest) -> HttpResponse:
    """The letters to GP practices on their way over MESH and where each is: queued, being sent, sent, acknowledged
    by the practice's system, or failed with MESH's error (issue 14)."""
    status = request.GET.get("status", "")
    letters = outgoing_letters_for(request.user).order_by("-created_at", "-pk")
    if status in Status.values:
        letters = letters.filter(status=status)
    else:
        status = ""
    page = Paginator(letters, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    access_log.record(request, access_log.LISTED, "letters to GP practices",
                      referrals=[letter.referral for letter in page])
    return render(request, "letters/outbox.html", {
        "page": page, "status": status, "statuses": Status.choices, "mesh_on": mesh.configured(),
        "querystring": f"status={status}" if status in Status.values else ""})
