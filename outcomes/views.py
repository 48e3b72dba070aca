from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from outcomes import selectors, services
from outcomes.forms import HomeVisitForm
from outcomes.models import AssessmentKind, ReadingKind
from outcomes.progress import baseline_of, progress_of
from outcomes.star import AREAS
from providers.selectors import onward_referrals_for
from referrals.selectors import referrals_for
from sps.access import role_required
from sps.forms import form_errors_from
from sps.lib.dates import today
from sps.models import Role


@role_required(Role.ADVISER, Role.MANAGER)
def home_visit(request: HttpRequest, referral_pk: int) -> HttpResponse:
    """The home-visit form: one page, made for a tablet in someone's living room."""
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    readings = selectors.readings_of(referral)
    baseline = baseline_of(readings)
    suggested = request.GET.get("reading") or (ReadingKind.REVIEW if baseline else ReadingKind.BASELINE)
    form = HomeVisitForm(request.POST or None, initial={
        "date": today(), "kind": AssessmentKind.HOME_VISIT, "reading_kind": suggested, "needs": referral.needs,
    })
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(referral=referral, by=request.user,
                                                    **form.service_arguments())
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            reading = getattr(assessment, "reading", None)
            messages.success(request, f"{assessment.get_kind_display()} recorded"
                                      f"{f' with the {reading.get_kind_display().lower()} star' if reading else ''}.")
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "outcomes/home_visit.html", {
        "form": form, "referral": referral, "baseline": baseline,
    })


@role_required(Role.ADVISER, Role.MANAGER)
def summary(request: HttpRequest, referral_pk: int) -> HttpResponse:
    """A printable one-page summary to leave with the person."""
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    readings = selectors.readings_of(referral)
    return render(request, "outcomes/summary.html", {
        "referral": referral, "star": star_context(readings),
        "onward_referrals": list(onward_referrals_for(request.user).filter(referral=referral)),
        "review": selectors.review_due(*_review_inputs(readings)),
    })


def _review_inputs(readings) -> tuple:
    baseline = baseline_of(readings)
    return (baseline.reading_date if baseline else None,
            sum(1 for r in readings if r.kind == ReadingKind.REVIEW))


def star_context(readings: list) -> dict:
    """Baseline against the latest reading, per area, for the chart and its table."""
    baseline = baseline_of(readings)
    latest = max(readings, key=lambda r: (r.reading_date, r.pk)) if readings else None
    progress = progress_of(readings)
    rows = [{
        "area": area, "baseline": getattr(baseline, area.key) if baseline else None,
        "latest": getattr(latest, area.key) if latest and latest != baseline else None,
        "change": progress.change[area.key] if progress else None,
        "note": (latest.notes or {}).get(area.key, "") if latest else "",
    } for area in AREAS]
    return {"baseline": baseline, "latest": latest if latest != baseline else None, "progress": progress,
            "rows": rows, "readings": readings,
            "chart": {"labels": [a.label for a in AREAS],
                      "baseline": [r["baseline"] for r in rows],
                      "latest": [r["latest"] for r in rows],
                      "latest_label": f"{latest.get_kind_display()} {latest.reading_date:%d/%m/%Y}"
                      if latest and latest != baseline else "",
                      "baseline_label": f"Baseline {baseline.reading_date:%d/%m/%Y}" if baseline else ""}}
