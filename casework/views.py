"""Pages that show several apps at once: the referral page, the caseload, the printable summary, and closing
and reopening (which offer the discharge reading and go back to where the referral was)."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string

from casework import selectors, services
from casework.forms import ClinicalCodeForm, code_meanings
from casework.retention import anonymise, past_retention, retention_cutoff
from casework.subject_access import as_html, subject_access
from letters.pdf import html_pdf
from outcomes.presentation import star_context
from outcomes.selectors import assessments_for, has_discharge_reading, next_review, readings_of
from outcomes.services import can_record
from providers.selectors import (
    onward_referrals_for,
    open_onward_referrals,
    spot_purchases_for,
    waiting_spot_purchases,
)
from providers.services import can_ask_for_spot_purchase, can_refer_on
from referrals import access_log
from referrals import services as referral_services
from referrals.forms import CloseForm, DeclineForm, ReopenForm, SearchForm, assign_forms
from referrals.models import SUPPORTED_STATUSES, Status
from referrals.selectors import change_log, codes_for_the_gp_record, patients_for, referral_timeline, referrals_for
from sps.access import fetch_if_allowed, role_required
from sps.forms import form_errors_from
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, Role
from sps.search import keep_posted_term, querystring_without
from sps.selectors import practices_for
from sps.services import save_checked


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
           "record_consent": referral_services.can_record_consent(referral, user),
           "edit_contact": referral_services.can_edit_contact(referral, user),
           "record": can_record(referral, user),
           "refer_on": can_refer_on(referral, user),
           "ask_for_spot_purchase": can_ask_for_spot_purchase(referral, user)}
    find_adviser_form, assign_form = assign_forms(request.GET, referral) if can["assign"] else (None, None)
    return render(request, "casework/referral.html", {
        "referral": referral, "supports": supports, "can": can,
        "star": star_context(readings_of(referral)),  # GP staff get only the progress summary from it
        "assessments": list(assessments_for(user).filter(referral=referral)),
        "onward_referrals": list(onward_referrals_for(user).filter(referral=referral)),
        "spot_purchases": list(spot_purchases_for(user).filter(referral=referral)),
        "today": today(),
        "timeline": referral_timeline(referral, notes=supports),
        "changes": change_log(referral, notes=supports),
        "assign_form": assign_form, "find_adviser_form": find_adviser_form,
        "decline_form": DeclineForm(),
        "coded_events": list(referral.coded_events.all()),
    })


CASELOAD_SEARCH_KEY = "caseload_search"  # kept in the session, never in a URL
CASELOAD_PAGE_SIZE = 25


@role_required(Role.ADVISER)
def caseload(request: HttpRequest) -> HttpResponse:
    """The adviser's caseload: a tile per count, each a link to what it counts; search by name or NHS number
    (posted); filter by tile and status; each list a page at a time."""
    search = SearchForm(request.POST or None, initial={"q": request.session.get(CASELOAD_SEARCH_KEY, "")})
    if request.method == "POST":
        if not keep_posted_term(request, search, field="q", key=CASELOAD_SEARCH_KEY):
            request.session.pop(CASELOAD_SEARCH_KEY, None)
        return redirect(f"{request.path}?{querystring_without(request, 'page', 'waiting_page')}")
    show = request.GET.get("show") if request.GET.get("show") in selectors.TILES else ""
    status = request.GET.get("status") if request.GET.get("status") in SUPPORTED_STATUSES else ""
    term = request.session.get(CASELOAD_SEARCH_KEY, "")
    caseload = selectors.caseload_for(request.user, q=term)
    waiting = caseload.waiting_found() if show in ("", "waiting") and not status else []
    mine = caseload.mine_found(show or "mine", status) if show != "waiting" else []
    waiting_page = Paginator(waiting, CASELOAD_PAGE_SIZE).get_page(request.GET.get("waiting_page"))
    page = Paginator(mine, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    access_log.record(request, access_log.LISTED, "caseload",
                      referrals=[*waiting_page.object_list, *page.object_list])
    return render(request, "casework/caseload.html", {
        "caseload": caseload, "practices": practices_for(request.user), "search_form": search,
        "searching": bool(term), "show": show, "status": status, "waiting_page": waiting_page, "page": page,
        "showing_waiting": show in ("", "waiting") and not status, "showing_mine": show != "waiting",
        "statuses": [(value, Status(value).label) for value in SUPPORTED_STATUSES],
        "querystring": querystring_without(request, "page", "waiting_page"), "tiles": selectors.TILES,
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
        "review": next_review(readings), "service_phone": settings.SERVICE_PHONE,
    })


@role_required(*SUPPORT_ROLES)
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close with a reason, offering to record the discharge reading first, and listing the onward referrals and
    spot purchases that closing withdraws."""
    referral, stop = fetch_if_allowed(request, referrals_for(request.user), pk, referral_services.can_close,
                                      action="closed")
    if stop:
        return stop
    form = CloseForm(request.POST or None, initial={"closed_date": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_close(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Referral closed.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "close form", referrals=[referral])
    return render(request, "casework/close_form.html", {
        "form": form, "referral": referral, "has_discharge": has_discharge_reading(referral),
        "open_onward": list(open_onward_referrals(referral)),
        "waiting_purchases": list(waiting_spot_purchases(referral)),
    })


@role_required(*SUPPORT_ROLES)
def referral_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    referral, stop = fetch_if_allowed(request, referrals_for(request.user), pk, referral_services.can_reopen,
                                      action="reopened")
    if stop:
        return stop
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_reopen(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Referral reopened.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "reopen form", referrals=[referral])
    return render(request, "casework/reopen_form.html", {"form": form, "referral": referral})


@role_required(Role.MANAGER)
def clinical_codes(request: HttpRequest) -> HttpResponse:
    """The manager's table of the SNOMED CT codes the GP record gets (issue 14): the two national ones, and any
    need or star area mapped to a code; with a form to add one."""
    form = ClinicalCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.save(commit=False)
        save_checked(code, by=request.user)
        messages.success(request, f"Code {code.concept_id} added.")
        return redirect("casework:clinical_codes")
    return render(request, "casework/clinical_codes.html", {
        "codes": list(codes_for_the_gp_record()), "meanings": dict(code_meanings()), "form": form})


@role_required(Role.MANAGER)
def clinical_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a code. What was recorded for a referral before keeps the code it was recorded with."""
    code = get_object_or_404(codes_for_the_gp_record(), pk=pk)
    form = ClinicalCodeForm(request.POST or None, instance=code)
    if request.method == "POST" and form.is_valid():
        save_checked(form.save(commit=False), by=request.user)
        messages.success(request, f"Code {code.concept_id} saved.")
        return redirect("casework:clinical_codes")
    return render(request, "casework/clinical_code_form.html", {"code": code, "form": form})


@role_required(Role.MANAGER)
def subject_access_export(request: HttpRequest, patient_pk: int, file_format: str) -> HttpResponse:
    """Everything held about a person (a subject access request), as JSON or as a readable PDF; recorded in the
    access log. The file's name has no name in it: it is kept in downloads folders."""
    if file_format not in ("json", "pdf"):
        raise Http404
    patient = get_object_or_404(patients_for(request.user), pk=patient_pk)
    held = subject_access(patient)
    access_log.record(request, access_log.EXPORTED, f"subject access export ({file_format})", patients=[patient])
    if file_format == "json":
        response = HttpResponse(json.dumps(held, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder),
                                content_type="application/json")
    else:
        html = render_to_string("casework/subject_access.html", {
            "patient": patient,
            "sections": {key.replace("_", " "): as_html(value) for key, value in held.items() if key != "about"}})
        try:
            response = HttpResponse(html_pdf(html), content_type="application/pdf")
        except OSError:  # weasyprint's system libraries are missing
            return render(request, "letters/no_pdf.html", {"referral": patient.referrals.first()}, status=503)
    response["Content-Disposition"] = f'attachment; filename="subject-access-{patient.pk}.{file_format}"'
    return response


RETENTION_PAGE_SIZE = 25


@role_required(Role.MANAGER)
def retention(request: HttpRequest) -> HttpResponse:
    """The people past the retention period, a page at a time, for the manager to review and anonymise (issue 14).
    Anonymising takes the people on the page the manager saw (their ids posted), after a confirmation, in one
    transaction."""
    people = past_retention().order_by("pk")
    page = Paginator(people, RETENTION_PAGE_SIZE).get_page(request.GET.get("page"))
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "Tick the box to confirm: anonymising cannot be undone.")
        else:
            chosen = [int(pk) for pk in request.POST.getlist("patient") if pk.isdigit()]
            # anonymise() takes only those still past retention
            done = anonymise(list(patients_for(request.user).filter(pk__in=chosen)))
            messages.success(request, f"{done} {'person' if done == 1 else 'people'} anonymised.")
        return redirect("casework:retention")
    access_log.record(request, access_log.LISTED, "people past retention", patients=list(page))
    return render(request, "casework/retention.html", {
        "page": page, "years": settings.RETENTION_YEARS, "cutoff": retention_cutoff()})
