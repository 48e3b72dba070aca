import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from providers import selectors, services
from providers.forms import (
    ContinuedForm,
    DirectoryFilterForm,
    InboxSearchForm,
    OnwardReferralForm,
    OnwardStatusForm,
    OtherOnwardForm,
    SpotPurchaseDecisionForm,
    SpotPurchaseForm,
)
from providers.models import OnwardStatus
from referrals import access_log
from referrals.selectors import referrals_for
from sps.access import role_required
from sps.exports import csv_response
from sps.forms import form_errors_from
from sps.lib.dates import today
from sps.lib.money import format_pounds
from sps.lib.percent import format_percentage
from sps.models import Role
from sps.periods import PeriodForm
from sps.search import keep_posted_term


@role_required(Role.ADVISER, Role.MANAGER)
def directory(request: HttpRequest) -> HttpResponse:
    """The service directory; opened from a referral, it offers to refer that person to a service."""
    referral = None
    if referral_pk := request.GET.get("referral", ""):
        # Only a plain number can be a referral: "²" and a 5,000-digit number pass str.isdigit() but not int().
        if not (referral_pk.isascii() and referral_pk.isdigit() and len(referral_pk) < 19):
            raise Http404
        referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    data = request.GET.copy()
    if referral and "categories" not in data and "q" not in data:
        data.setlist("categories", referral.needs)
    form = DirectoryFilterForm(data)
    return render(request, "providers/directory.html", {
        "form": form, "services": list(selectors.service_directory(**form.filters())), "referral": referral,
    })


@role_required(Role.ADVISER, Role.MANAGER)
def onward_create(request: HttpRequest, referral_pk: int, service_pk: int) -> HttpResponse:
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    service = get_object_or_404(selectors.service_directory(), pk=service_pk)
    form = OnwardReferralForm(request.POST or None, initial={"made_date": today(), "send": True,
                                                             "need": service.category})
    if request.method == "POST" and form.is_valid():
        try:
            services.onward_referral_create(referral=referral, by=request.user, service=service,
                                            **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Referred on to {service.name}.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "onward referral form", referrals=[referral])
    return render(request, "providers/onward_form.html", {"form": form, "referral": referral, "service": service})


@role_required(Role.ADVISER, Role.MANAGER)
def onward_create_other(request: HttpRequest, referral_pk: int) -> HttpResponse:
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    form = OtherOnwardForm(request.POST or None, initial={"made_date": today(), "kind": "signpost"})
    if request.method == "POST" and form.is_valid():
        try:
            services.onward_referral_create(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Recorded.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "non-VCS referral or signpost form", referrals=[referral])
    return render(request, "providers/onward_other_form.html", {"form": form, "referral": referral})


def _back(request: HttpRequest, onward) -> HttpResponse:
    if request.user.role == Role.PROVIDER_STAFF:
        return redirect("providers:inbox")
    return redirect("casework:referral", pk=onward.referral_id)


@require_POST
@role_required(Role.ADVISER, Role.MANAGER, Role.PROVIDER_STAFF)
def onward_status(request: HttpRequest, pk: int) -> HttpResponse:
    onward = get_object_or_404(selectors.onward_referrals_for(request.user), pk=pk)
    form = OnwardStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what happened and give its date.")
        return _back(request, onward)
    try:
        services.onward_referral_set_status(onward=onward, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{onward.destination_name}: marked {onward.get_status_display().lower()}.")
    return _back(request, onward)


@require_POST
@role_required(Role.ADVISER, Role.MANAGER, Role.PROVIDER_STAFF)
def onward_continued(request: HttpRequest, pk: int) -> HttpResponse:
    onward = get_object_or_404(selectors.onward_referrals_for(request.user), pk=pk)
    form = ContinuedForm(request.POST)
    if form.is_valid():
        try:
            services.onward_referral_set_continued(onward=onward, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Recorded whether the person continued after the service ended.")
    return _back(request, onward)


INBOX_PAGE_SIZE = 50
# Where the inbox keeps its name search: in the session, never in a URL (URLs land in proxy logs).
INBOX_SEARCH = "provider_inbox_search"


@require_http_methods(["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def inbox(request: HttpRequest) -> HttpResponse:
    """The onward referrals sent to the provider, 50 a page. A search by name is posted, kept in the session
    and read back by the list, so the name never travels in a URL; the status tab and page do."""
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *OnwardStatus.values):
        status = "open"  # and nothing a visitor typed is echoed into the page's links
    back_to_list = f"{reverse('providers:inbox')}?{urlencode({'status': status})}"
    search = request.session.get(INBOX_SEARCH, "")
    form = InboxSearchForm(request.POST or None, initial={"q": search})
    if request.method == "POST" and keep_posted_term(request, form, field="q", key=INBOX_SEARCH):
        return redirect(back_to_list)
    onward = selectors.provider_inbox(request.user, status=status if status != "all" else "", name=search)
    page = Paginator(onward, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    access_log.record(request, access_log.LISTED, "provider inbox",
                      referrals=[o.referral for o in page if o.contact_shown])
    return render(request, "providers/inbox.html", {
        "page": page, "status": status, "statuses": OnwardStatus.choices, "today": today(), "search": search,
        "search_form": form, "contact_days": settings.PROVIDER_CONTACT_DAYS,
    })


@role_required(Role.ADVISER, Role.MANAGER, Role.PROVIDER_STAFF)
def spot_purchase_list(request: HttpRequest) -> HttpResponse:
    purchases = list(selectors.spot_purchases_for(request.user))
    access_log.record(request, access_log.LISTED, "spot purchases", referrals=[p.referral for p in purchases])
    return render(request, "providers/spot_purchases.html", {
        "purchases": purchases, "decision_form": SpotPurchaseDecisionForm(),
    })


@role_required(Role.ADVISER)
def spot_purchase_create(request: HttpRequest, referral_pk: int) -> HttpResponse:
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    form = SpotPurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.spot_purchase_request(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Spot purchase requested: the manager will decide.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "spot purchase form", referrals=[referral])
    return render(request, "providers/spot_purchase_form.html", {"form": form, "referral": referral})


@require_POST
@role_required(Role.MANAGER)
def spot_purchase_decide(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = get_object_or_404(selectors.spot_purchases_for(request.user), pk=pk)
    form = SpotPurchaseDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or refuse.")
        return redirect("providers:spot_purchases")
    try:
        services.spot_purchase_decide(purchase=purchase, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Spot purchase {purchase.get_status_display().lower()}.")
    return redirect("providers:spot_purchases")


GRANT_HEADER = ["Grant", "Provider", "Services", "Target (pro rata)", "Capacity", "Received", "Accepted %",
                "Median days to start", "Completed %", "Did not attend %", "Continued %", "Spend in period"]
PROVIDER_HEADER = ["Provider", "Onward referrals", "Of which commissioned", "Grant spend", "Spot purchases",
                   "Spot purchase spend", "Total spend"]


def _grant_cells(row) -> list:
    return [row.grant.ref, row.grant.provider.name, row.services, row.target or "", row.capacity or "",
            row.received, format_percentage(row.accepted_pct),
            "" if row.median_days_to_start is None else f"{row.median_days_to_start:g}",
            format_percentage(row.completed_pct), format_percentage(row.dna_pct),
            format_percentage(row.continued_pct), format_pounds(row.spend)]


def _provider_cells(row) -> list:
    return [row.provider.name, row.received, row.commissioned, format_pounds(row.grant_spend), row.spot_count,
            format_pounds(row.spot_spend), format_pounds(row.spend)]


@role_required(Role.MANAGER)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The manager's contract dashboard; `?download=grants|providers` gives a table as CSV."""
    period = PeriodForm(request.GET or None)
    start, end = period.dates()
    data = selectors.contract_dashboard(start=start, end=end)
    stamp = f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"
    if request.GET.get("download") == "grants":
        return csv_response(f"grants_{stamp}.csv", GRANT_HEADER, map(_grant_cells, data["grants"]))
    if request.GET.get("download") == "providers":
        return csv_response(f"providers_{stamp}.csv", PROVIDER_HEADER, map(_provider_cells, data["providers"]))
    charts = {
        "grants": {"labels": [r.grant.provider.name for r in data["grants"]],
                   "received": [r.received for r in data["grants"]],
                   "target": [r.target or 0 for r in data["grants"]]},
        "spend": {"labels": [r.provider.name for r in data["providers"]],
                  "grant": [float(r.grant_spend) for r in data["providers"]],
                  "spot": [float(r.spot_spend) for r in data["providers"]]},
    }
    return render(request, "providers/dashboard.html", {
        "period": period, "data": data, "charts": charts,
        "grant_table": {"header": GRANT_HEADER, "rows": [_grant_cells(r) for r in data["grants"]]},
        "provider_table": {"header": PROVIDER_HEADER, "rows": [_provider_cells(r) for r in data["providers"]]},
        "querystring": request.GET.urlencode(), "charts_json": json.dumps(charts),
    })
