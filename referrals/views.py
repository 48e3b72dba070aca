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
    ConsentForm,
    ContactForm,
    DeclineForm,
    FindPatientForm,
    MoveRequestForm,
    PatientForm,
    ReferralEditForm,
    ReferralFilterForm,
    ReferralForm,
    SearchForm,
    WithdrawForm,
)
from referrals.models import Status
from sps.access import fetch_if_allowed, role_required
from sps.exports import csv_response
from sps.forms import form_errors_from
from sps.idempotency import create_once
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, Role
from sps.search import CappedPaginator, keep_posted_term, querystring_without, shown_count

PAGE_SIZE = 50
# The referral list goes this many pages deep (1,000 referrals), then asks for a narrower search: counting and
# skipping a national table's rows on every page would grow with it (issue 13).
MAX_PAGES = 20
# Names and NHS numbers searched for are kept in the session, never in a URL.
SEARCH_KEY = "referral_search"
FOUND_KEY = "find_patient_nhs_number"


@role_required(Role.GP_STAFF, Role.ADVISER, Role.MANAGER)
def referral_list(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.POST or None, initial={"q": request.session.get(SEARCH_KEY, "")})
    if request.method == "POST":
        if not keep_posted_term(request, search, field="q", key=SEARCH_KEY):
            request.session.pop(SEARCH_KEY, None)  # a search it cannot take: the whole list again
        return redirect(f"{request.path}?{querystring_without(request, 'page')}")
    filter_form = ReferralFilterForm(request.GET or None)
    term = request.session.get(SEARCH_KEY, "")
    referrals = selectors.referral_list(user=request.user, q=term, **filter_form.filters())
    page = CappedPaginator(referrals, PAGE_SIZE, max_pages=MAX_PAGES).get_page(request.GET.get("page"))
    counts = selectors.status_counts(request.user)
    access_log.record(request, access_log.LISTED, "referral list", referrals=page.object_list)
    return render(request, "referrals/referral_list.html", {
        "filter_form": filter_form, "search_form": search, "searching": bool(term), "page": page,
        "counts": [(value, label, shown_count(counts[value], selectors.COUNT_CAP)) for value, label in Status.choices],
        "querystring": querystring_without(request, "page"),
        "show_practice": request.user.role != Role.GP_STAFF,
        # The manager's way to the practices' requests to move a patient, besides the email.
        "move_requests": selectors.move_requests_for(request.user, still_open=True).count()
        if request.user.role == Role.MANAGER else 0,
    })


@role_required(Role.GP_STAFF, Role.MANAGER)
def find_patient(request: HttpRequest) -> HttpResponse:
    """Step 1 of a referral: look the patient up by NHS number within what the user may see. The number is
    posted, never put in a URL."""
    form = FindPatientForm(request.POST or None)
    patient = open_referral = elsewhere = asked = None
    searched = request.method == "POST" and form.is_valid()
    if searched:
        number = form.cleaned_data["nhs_number"]
        request.session[FOUND_KEY] = number  # for "Add the patient", without putting it in the link
        patient = selectors.patients_for(request.user).filter(nhs_number=number).first()
        open_referral = selectors.open_referral_of(patient) if patient else None
        # Registered at another practice: said now, before a form is filled in, without saying who it is.
        elsewhere = None if patient else selectors.registered_elsewhere(number, request.user)
        asked = selectors.open_move_request(elsewhere, request.user.practice) if elsewhere else None
        if patient or elsewhere:
            access_log.record(request, access_log.VIEWED, "patient look-up" if patient else
                              "patient look-up (registered at another practice)", patients=[patient or elsewhere])
    return render(request, "referrals/find_patient.html", {
        "form": form, "searched": searched, "patient": patient, "open_referral": open_referral,
        "elsewhere": bool(elsewhere), "move_request": asked,
    })


@role_required(Role.GP_STAFF)
def move_request(request: HttpRequest) -> HttpResponse:
    """Ask the service manager to move the patient just looked up (the NHS number is in the session, never in a
    URL) from the practice they are registered at to this one."""
    number = request.session.get(FOUND_KEY, "")
    if selectors.registered_elsewhere(number, request.user) is None:
        messages.error(request, "Find the patient by NHS number first.")
        return redirect("referrals:find_patient")
    form = MoveRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_move_request(by=request.user, nhs_number=number, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Your request was sent to the service manager. You will get an email "
                                      "when the patient is moved to your practice; then you can refer them.")
            return redirect("referrals:find_patient")
    return render(request, "referrals/move_request.html", {"form": form, "number": number})


@role_required(Role.MANAGER)
def move_requests(request: HttpRequest) -> HttpResponse:
    """The open requests from practices to move a patient to them; the manager moves each here."""
    requests = list(selectors.move_requests_for(request.user, still_open=True))
    access_log.record(request, access_log.LISTED, "patient move requests", patients=[r.patient for r in requests])
    return render(request, "referrals/move_requests.html", {"requests": requests})


@require_POST
@role_required(Role.MANAGER)
def move_patient(request: HttpRequest, pk: int) -> HttpResponse:
    asked = get_object_or_404(selectors.move_requests_for(request.user), pk=pk)
    try:
        patient = services.patient_move(move_request=asked, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{patient} moved to {patient.practice.name}. The practice has been told.")
    return redirect("referrals:move_requests")


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
            referral, made = create_once(
                request, patient.referrals.all(), form.cleaned_data["idempotency_key"],
                lambda: services.referral_create(patient=patient, by=request.user, **form.cleaned_data))
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if made:
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


@role_required(Role.GP_STAFF)
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A page that says what withdrawing does and asks why; only its post withdraws."""
    return _ask_why(request, pk, rule=services.can_withdraw, action="withdrawn", form_class=WithdrawForm,
                    service=services.referral_withdraw, success="Referral withdrawn.",
                    template="referrals/withdraw_form.html", what="withdraw form")


@require_POST
@role_required(Role.ADVISER)
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.referral_accept, "Referral accepted and added to your caseload.")


@role_required(Role.ADVISER)
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _ask_why(request, pk, rule=services.can_decide, action="declined", form_class=DeclineForm,
                    service=services.referral_decline, success="Referral declined.",
                    template="referrals/decline_form.html", what="decline form")


def _ask_why(request: HttpRequest, pk: int, *, rule, action: str, form_class, service, success: str,
             template: str, what: str) -> HttpResponse:
    """A page that asks the reason for an action on a referral, then does it (withdraw, decline)."""
    referral, stop = fetch_if_allowed(request, selectors.referrals_for(request.user), pk, rule,
                                      action=action)
    if stop:
        return stop
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _act(request, pk, service, success, **form.cleaned_data)
    access_log.record(request, access_log.VIEWED, what, referrals=[referral])
    return render(request, template, {"referral": referral, "form": form})


@require_POST
@role_required(Role.MANAGER)
def referral_assign(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():  # nothing is written; the message says what to do (no adviser, or not an active one)
        messages.error(request, form.errors["adviser"][0])
        return redirect("casework:referral", pk=referral.pk)
    adviser = form.cleaned_data["adviser"]
    return _act(request, pk, services.referral_assign, f"Referral assigned to {adviser}.", adviser=adviser)


@role_required(*SUPPORT_ROLES)
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the reason and needs. If someone else saved first, say so and show both versions side by side."""
    referral, stop = fetch_if_allowed(request, selectors.referrals_for(request.user), pk, services.can_edit,
                                      action="edited")
    if stop:
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


@role_required(*SUPPORT_ROLES)
def patient_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the person's consent (to the referral, to sharing with providers), how and when they gave it."""
    referral, stop = fetch_if_allowed(request, selectors.referrals_for(request.user), pk, services.can_record_consent,
                                      action="given a consent record")
    if stop:
        return stop
    patient = referral.patient
    form = ConsentForm(request.POST or None, initial=ConsentForm.initial_for(referral))
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_consent_record(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Consent recorded for {patient}.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "consent form", referrals=[referral])
    return render(request, "referrals/consent_form.html", {
        "form": form, "referral": referral, "patient": patient, "history": selectors.consent_history(patient),
    })


@role_required(*SUPPORT_ROLES)
def patient_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the person's address, postcode and phone (history keeps the old ones)."""
    referral, stop = fetch_if_allowed(request, selectors.referrals_for(request.user), pk, services.can_edit_contact,
                                      action="given new contact details")
    if stop:
        return stop
    patient = referral.patient
    form = ContactForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in services.CONTACT_FIELDS}
        try:
            services.patient_contact_update(referral=referral, by=request.user, **changes)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Contact details of {patient} saved.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "contact details form", referrals=[referral])
    return render(request, "referrals/contact_form.html", {"form": form, "referral": referral, "patient": patient})


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
        return redirect(f"{request.path}?{querystring_without(request, 'page')}")
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
        "patient": patient, "number": number, "querystring": querystring_without(request, "page"),
    })


def _access_cells(event) -> list:
    patient = event.patient
    return [timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M:%S"), event.user.username if event.user else "",
            event.user.get_role_display() if event.user else "", event.get_action_display(), event.what,
            patient.nhs_number if patient else "", str(patient) if patient else "", event.referral_id or "",
            event.ip_address or ""]
