from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from referrals import access_log, selectors, services
from referrals.forms import (
    AccessLogFilterForm,
    AssignForm,
    DeclineForm,
    FindPatientForm,
    PatientForm,
    ReferralEditForm,
    ReferralFilterForm,
    ReferralForm,
    SearchForm,
)
from referrals.models import Status
from sps.access import refused, role_required
from sps.exports import csv_response
from sps.forms import form_errors_from
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, Role
from sps.search import keep_posted_term
from sps.selectors import practices_for

PAGE_SIZE = 50
# Names and NHS numbers searched for are kept in the session, never in a URL.
SEARCH_KEY = "referral_search"
FOUND_KEY = "find_patient_nhs_number"


@role_required(Role.GP_STAFF, Role.ADVISER, Role.MANAGER)
def referral_list(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.POST or None, initial={"q": request.session.get(SEARCH_KEY, "")})
    if request.method == "POST":
        if not keep_posted_term(request, search, field="q", key=SEARCH_KEY):
            request.session.pop(SEARCH_KEY, None)  # a search it cannot take: the whole list again
        return redirect(f"{request.path}?{_querystring_without_page(request)}")
    practices = practices_for(request.user)
    filter_form = ReferralFilterForm(request.GET or None, practices=practices)
    term = request.session.get(SEARCH_KEY, "")
    referrals = selectors.referral_list(user=request.user, q=term, **filter_form.filters())
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.status_counts(selectors.referrals_for(request.user))
    access_log.record(request, access_log.LISTED, "referral list", referrals=page.object_list)
    return render(request, "referrals/referral_list.html", {
        "filter_form": filter_form, "search_form": search, "searching": bool(term),
        "page": page, "counts": counts, "statuses": Status.choices,
        "querystring": _querystring_without_page(request),
        "show_practice": request.user.role != Role.GP_STAFF,
    })


def _querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@role_required(Role.GP_STAFF, Role.MANAGER)
def find_patient(request: HttpRequest) -> HttpResponse:
    """Step 1 of a referral: look the patient up by NHS number within what the user may see. The number is
    posted, never put in a URL."""
    form = FindPatientForm(request.POST or None)
    patient = open_referral = None
    searched = request.method == "POST" and form.is_valid()
    if searched:
        number = form.cleaned_data["nhs_number"]
        request.session[FOUND_KEY] = number  # for "Add the patient", without putting it in the link
        patient = selectors.patients_for(request.user).filter(nhs_number=number).first()
        open_referral = selectors.open_referral_of(patient) if patient else None
        if patient:
            access_log.record(request, access_log.VIEWED, "patient look-up", patients=[patient])
    return render(request, "referrals/find_patient.html", {
        "form": form, "searched": searched, "patient": patient, "open_referral": open_referral,
    })


@role_required(Role.GP_STAFF)
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, initial={"nhs_number": request.session.get(FOUND_KEY, "")})
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(by=request.user, practice=request.user.practice, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{patient} added. Now complete the referral.")
            return redirect("referrals:create", patient_pk=patient.pk)
    return render(request, "referrals/patient_form.html", {"form": form})


@role_required(Role.GP_STAFF)
def referral_create(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = get_object_or_404(selectors.patients_for(request.user), pk=patient_pk)
    open_referral = selectors.open_referral_of(patient)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Referral for {patient} sent. It is listed as received.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "referral form", patients=[patient])
    return render(request, "referrals/referral_form.html", {
        "form": form, "patient": patient, "open_referral": open_referral,
    })


def _act(request: HttpRequest, pk: int, action, success: str, **kwargs) -> HttpResponse:
    """Run a lifecycle service on a referral the user may see, then back to its page with the outcome."""
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    try:
        action(referral=referral, by=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("casework:referral", pk=referral.pk)


@require_POST
@role_required(Role.GP_STAFF)
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.referral_withdraw, "Referral withdrawn.")


@require_POST
@role_required(Role.ADVISER)
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.referral_accept, "Referral accepted and added to your caseload.")


@role_required(Role.ADVISER)
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    back = redirect("casework:referral", pk=referral.pk)
    if stop := refused(request, services.can_decide, referral, action="declined", back=back):
        return stop
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _act(request, pk, services.referral_decline, "Referral declined.", **form.cleaned_data)
    access_log.record(request, access_log.VIEWED, "decline form", referrals=[referral])
    return render(request, "referrals/decline_form.html", {"referral": referral, "form": form})


@require_POST
@role_required(Role.MANAGER)
def referral_assign(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an adviser to assign.")
        return redirect("casework:referral", pk=referral.pk)
    adviser = form.cleaned_data["adviser"]
    return _act(request, pk, services.referral_assign, f"Referral assigned to {adviser}.", adviser=adviser)


@role_required(*SUPPORT_ROLES)
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the reason and needs. If someone else saved first, say so and show both versions side by side."""
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    back = redirect("casework:referral", pk=referral.pk)
    if stop := refused(request, services.can_edit, referral, action="edited", back=back):
        return stop
    form = ReferralEditForm(request.POST or None, instance=referral, initial={"version": referral.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in services.EDITABLE_FIELDS}
        try:
            services.referral_update(referral=referral, by=request.user, version=form.cleaned_data["version"],
                                     **changes)
        except services.ReferralChanged as changed:
            conflict = selectors.edit_conflict(changed.current, changes)
            form = ReferralEditForm(request.POST, instance=changed.current)
            form.data = form.data.copy()
            form.data["version"] = changed.current.version
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Referral updated.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "edit form", referrals=[referral])
    return render(request, "referrals/referral_edit.html", {"form": form, "referral": referral,
                                                            "conflict": conflict})


ACCESS_PATIENT_KEY = "access_log_nhs_number"
ACCESS_HEADER = ["When", "Who", "Role", "Action", "What", "NHS number", "Patient", "Referral", "From address"]


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def access_log_page(request: HttpRequest) -> HttpResponse:
    """Who saw which patient: filtered by person (a posted NHS number, kept in the session), by user, action and
    dates; 100 a page, or all of it as CSV (itself recorded). Nobody can change or delete it."""
    number = request.session.get(ACCESS_PATIENT_KEY, "")
    patient_form = FindPatientForm(request.POST or None, initial={"nhs_number": number})
    if request.method == "POST" and keep_posted_term(request, patient_form, field="nhs_number",
                                                     key=ACCESS_PATIENT_KEY):
        return redirect(f"{request.path}?{_querystring_without_page(request)}")
    patient = selectors.patients_for(request.user).filter(nhs_number=number).first() if number else None
    filter_form = AccessLogFilterForm(request.GET or None)
    events = selectors.access_events(patient=patient, **filter_form.filters()) if not number or patient else \
        selectors.access_events().none()
    if request.GET.get("download") == "csv":
        access_log.record(request, access_log.EXPORTED, "access log",
                                 patients=[patient] if patient else ())
        return csv_response(f"access_log_{today():%Y-%m-%d}.csv", ACCESS_HEADER, map(_access_cells, events))
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "referrals/access_log.html", {
        "page": page, "filter_form": filter_form, "patient_form": patient_form,
        "patient": patient, "number": number, "querystring": _querystring_without_page(request),
    })


def _access_cells(event) -> list:
    patient = event.patient
    return [timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M:%S"), event.user.username if event.user else "",
            event.user.get_role_display() if event.user else "", event.get_action_display(), event.what,
            patient.nhs_number if patient else "", str(patient) if patient else "", event.referral_id or "",
            event.ip_address or ""]
