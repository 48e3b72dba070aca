from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from outcomes import selectors, services
from outcomes.forms import HomeVisitForm
from outcomes.models import AssessmentKind, ReadingKind
from outcomes.progress import baseline_of
from referrals import access_log
from referrals.selectors import referrals_for
from sps.access import role_required
from sps.forms import form_errors_from
from sps.idempotency import create_once
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES


@role_required(*SUPPORT_ROLES)
def home_visit(request: HttpRequest, referral_pk: int) -> HttpResponse:
    """The home-visit form: one page, made for a tablet in someone's living room."""
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    baseline = baseline_of(selectors.readings_of(referral))
    suggested = request.GET.get("reading") or (ReadingKind.REVIEW if baseline else ReadingKind.BASELINE)
    form = HomeVisitForm(request.POST or None, initial={
        "date": today(), "kind": AssessmentKind.HOME_VISIT, "reading_kind": suggested, "needs": referral.needs,
    })
    if request.method == "POST" and form.is_valid():
        try:
            assessment, made = create_once(
                request, referral.assessments.all(), form.cleaned_data["idempotency_key"],
                lambda: services.assessment_record(referral=referral, by=request.user, **form.service_arguments()))
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if made:
                reading = getattr(assessment, "reading", None)
                star = f" with the {reading.get_kind_display().lower()} star" if reading else ""
                messages.success(request, f"{assessment.get_kind_display()} recorded{star}.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "home-visit form", referrals=[referral])
    return render(request, "outcomes/home_visit.html", {
        "form": form, "referral": referral, "baseline": baseline,
    })
