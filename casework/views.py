"""Pages that show several apps at once: the referral page, the caseload, the printable summary, and closing
and reopening (which offer the discharge reading and go back to where the referral was)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from casework import selectors, services
from outcomes.presentation import star_context
from outcomes.selectors import assessments_for, has_discharge_reading, next_review, readings_of
from outcomes.services import can_record
from providers.selectors import onward_referrals_for, spot_purchases_for
from providers.services import can_ask_for_spot_purchase, can_refer_on
from referrals import access_log
from referrals import services as referral_services
from referrals.forms import AssignForm, CloseForm, DeclineForm, ReopenForm
from referrals.selectors import change_log, referral_timeline, referrals_for
from sps.access import refused, role_required
from sps.forms import form_errors_from
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, Role
from sps.selectors import practices_for


def referral(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one referral that this user may see. GP staff see the referral and a summary of
    progress, never the support plan (visits, notes, onward referrals)."""
    referral = get_object_or_404(referrals_for(request.user), pk=pk)
    access_log.record(request, access_log.VIEWED, "referral page", referrals=[referral])
    user = request.user
    supports = user.role in SUPPORT_ROLES
    can = {"withdraw": referral_services.can_withdraw(referral, user),
           "decide": referral_services.can_decide(referral, user),
           "assign": referral_services.can_assign(referral, user),
           "edit": referral_services.can_edit(referral, user),
           "close": referral_services.can_close(referral, user),
           "reopen": referral_services.can_reopen(referral, user),
           "record": can_record(referral, user),
           "refer_on": can_refer_on(referral, user),
           "ask_for_spot_purchase": can_ask_for_spot_purchase(referral, user)}
    return render(request, "casework/referral.html", {
        "referral": referral, "supports": supports, "can": can,
        "star": star_context(readings_of(referral)),  # GP staff get only the progress summary from it
        "assessments": list(assessments_for(user).filter(referral=referral)),
        "onward_referrals": list(onward_referrals_for(user).filter(referral=referral)),
        "spot_purchases": list(spot_purchases_for(user).filter(referral=referral)),
        "today": today(),
        "timeline": referral_timeline(referral, notes=supports),
        "changes": change_log(referral, notes=supports),
        "assign_form": AssignForm(initial={"adviser": referral.adviser_id}) if can["assign"] else None,
        "decline_form": DeclineForm(),
    })


@role_required(Role.ADVISER)
def caseload(request: HttpRequest) -> HttpResponse:
    caseload = selectors.caseload_for(request.user)
    access_log.record(request, access_log.LISTED, "caseload", referrals=caseload.waiting + caseload.mine)
    return render(request, "casework/caseload.html", {
        "caseload": caseload, "practices": practices_for(request.user),
    })


@role_required(*SUPPORT_ROLES)
def summary(request: HttpRequest, referral_pk: int) -> HttpResponse:
    """A printable one-page summary to leave with the person."""
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    access_log.record(request, access_log.PRINTED, "printable summary", referrals=[referral])
    readings = readings_of(referral)
    return render(request, "casework/summary.html", {
        "referral": referral, "star": star_context(readings),
        "onward_referrals": list(onward_referrals_for(request.user).filter(referral=referral)),
        "review": next_review(readings),
    })


@role_required(*SUPPORT_ROLES)
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close with a reason, offering to record the discharge reading first."""
    referral = get_object_or_404(referrals_for(request.user), pk=pk)
    back = redirect("casework:referral", pk=referral.pk)
    if stop := refused(request, referral_services.can_close, referral, action="closed", back=back):
        return stop
    form = CloseForm(request.POST or None, initial={"closed_date": today()})
    if request.method == "POST" and form.is_valid():
        try:
            referral_services.referral_close(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Referral closed.")
            return back
    access_log.record(request, access_log.VIEWED, "close form", referrals=[referral])
    return render(request, "casework/close_form.html", {
        "form": form, "referral": referral, "has_discharge": has_discharge_reading(referral),
    })


@role_required(*SUPPORT_ROLES)
def referral_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(referrals_for(request.user), pk=pk)
    back = redirect("casework:referral", pk=referral.pk)
    if stop := refused(request, referral_services.can_reopen, referral, action="reopened", back=back):
        return stop
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_reopen(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Referral reopened.")
            return back
    access_log.record(request, access_log.VIEWED, "reopen form", referrals=[referral])
    return render(request, "casework/reopen_form.html", {"form": form, "referral": referral})
