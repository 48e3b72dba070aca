from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from providers import selectors, services
from providers.forms import (
    ContinuedForm,
    DashboardFilterForm,
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
from sps.idempotency import create_once
from sps.lib.dates import today
from sps.lib.money import format_pounds
from sps.models import Role
from sps.periods import PeriodForm
from sps.search import keep_posted_term, querystring_without

# A national directory holds thousands of services: shown a page at a time, nearest or most room first.
DIRECTORY_PAGE_SIZE = 25


@role_required(Role.ADVISER, Role.MANAGER)
def directory(request: HttpRequest) -> HttpResponse:
    """The service directory; opened from a referral, it offers to refer that person to a service. A search by a
    postcode or postcode district lists the nearest services first (opened from a referral, the person's
    postcode, unless another area is typed); a postcode with no known location falls back to the area served."""
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
    filters = form.filters()
    area = filters.get("area", "")
    # The person's postcode is used on the server, never put in the form (and so never in a URL).
    origin = area if area else referral.patient.postcode if referral else ""
    located = selectors.locate(origin) if origin and selectors.is_postcode_or_district(origin) else None
    if located:
        filters["area"] = "" if located.place else area  # no place known: the area served, as typed
        filters["near"] = located.place
    page = Paginator(selectors.service_directory(**filters), DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "providers/directory.html", {
        "form": form, "page": page, "services": page.object_list, "referral": referral,
        "located": located, "from_the_person": bool(located) and not area,
        "querystring": querystring_without(request, "page"),
    })


@role_required(Role.ADVISER, Role.MANAGER)
def onward_create(request: HttpRequest, referral_pk: int, service_pk: int) -> HttpResponse:
    referral = get_object_or_404(referrals_for(request.user), pk=referral_pk)
    service = get_object_or_404(selectors.service_directory(), pk=service_pk)
    form = OnwardReferralForm(request.POST or None, initial={"made_date": today(), "send": True,
                                                             "need": service.category})
    if request.method == "POST" and form.is_valid():
        try:
            _, made = create_once(request, referral.onward_referrals.all(), form.cleaned_data["idempotency_key"],
                                  lambda: services.onward_referral_create(referral=referral, by=request.user,
                                                                          service=service, **form.cleaned_data))
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if made:
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
            _, made = create_once(request, referral.onward_referrals.all(), form.cleaned_data["idempotency_key"],
                                  lambda: services.onward_referral_create(referral=referral, by=request.user,
                                                                          **form.cleaned_data))
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if made:
                messages.success(request, "Recorded.")
            return redirect("casework:referral", pk=referral.pk)
    access_log.record(request, access_log.VIEWED, "non-VCS referral or signpost form", referrals=[referral])
    return render(request, "providers/onward_other_form.html", {"form": form, "referral": referral})


# The inbox's tabs: open, all, and one per status.
INBOX_TABS = ("open", "all", *OnwardStatus.values)
# Where the inbox keeps the answer to the last change, shown on the card changed: in the session, not a URL.
INBOX_NOTE = "provider_inbox_note"


def _inbox_place(data) -> str:
    """The inbox at the tab and page the person acted from; anything else sent gives the first page of Open
    (nothing a visitor typed is echoed into a link)."""
    tab = data.get("back_tab", "")
    query = {"status": tab if tab in INBOX_TABS else "open"}
    page = data.get("back_page", "")
    if page.isascii() and page.isdigit() and len(page) < 7 and int(page) > 1:
        query["page"] = str(int(page))
    return f"{reverse('providers:inbox')}?{urlencode(query)}"


def _whose(onward) -> str:
    """The card's own words for whose referral it is: the person's name while the provider may see it."""
    if getattr(onward, "contact_shown", False):
        return f"{onward.referral.patient}'s referral to {onward.destination_name}"
    return f"The referral to {onward.destination_name} sent {onward.sent_date or onward.made_date:%d/%m/%Y}"


def _back(request: HttpRequest, onward, *, text: str, ok: bool) -> HttpResponse:
    """Provider staff go back to the same card on the same tab and page of their inbox, the answer shown on the
    card; the adviser and the manager go back to the referral."""
    if request.user.role == Role.PROVIDER_STAFF:
        request.session[INBOX_NOTE] = {"pk": onward.pk, "text": f"{_whose(onward)}: {text}", "ok": ok}
        return redirect(f"{_inbox_place(request.POST)}#onward-{onward.pk}")
    (messages.success if ok else messages.error)(request, f"{onward.destination_name}: {text}")
    return redirect("casework:referral", pk=onward.referral_id)


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@require_POST
@role_required(Role.ADVISER, Role.MANAGER, Role.PROVIDER_STAFF)
def onward_status(request: HttpRequest, pk: int) -> HttpResponse:
    onward = get_object_or_404(selectors.with_contact_shown(selectors.onward_referrals_for(request.user)), pk=pk)
    form = OnwardStatusForm(request.POST)
    if not form.is_valid():
        return _back(request, onward, text=_first_error(form), ok=False)
    try:
        services.onward_referral_set_status(onward=onward, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _back(request, onward, text=" ".join(error.messages), ok=False)
    return _back(request, onward, text=f"marked {onward.get_status_display().lower()}.", ok=True)


@require_POST
@role_required(Role.ADVISER, Role.MANAGER, Role.PROVIDER_STAFF)
def onward_continued(request: HttpRequest, pk: int) -> HttpResponse:
    onward = get_object_or_404(selectors.with_contact_shown(selectors.onward_referrals_for(request.user)), pk=pk)
    form = ContinuedForm(request.POST)
    if not form.is_valid():
        return _back(request, onward, text="Choose yes or no: nothing was saved.", ok=False)
    try:
        services.onward_referral_set_continued(onward=onward, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _back(request, onward, text=" ".join(error.messages), ok=False)
    answer = {True: "yes", False: "no", None: "not known"}[onward.continued_after_end]
    return _back(request, onward, text=f"continued with VCS activity after the end recorded as {answer}.", ok=True)


INBOX_PAGE_SIZE = 50
# Where the inbox keeps its name search: in the session, never in a URL (URLs land in proxy logs).
INBOX_SEARCH = "provider_inbox_search"


@require_http_methods(["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def inbox(request: HttpRequest) -> HttpResponse:
    """The onward referrals sent to the provider, 50 a page, with how many each tab holds. A search by name is
    posted, kept in the session and read back by the list, so the name never travels in a URL; the status tab
    and page do. The answer to the last change made from a card is shown on that card."""
    status = request.GET.get("status", "open")
    if status not in INBOX_TABS:
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
    note = request.session.pop(INBOX_NOTE, None)
    return render(request, "providers/inbox.html", {
        "page": page, "status": status, "statuses": OnwardStatus.choices, "today": today(), "search": search,
        "search_form": form, "contact_days": settings.PROVIDER_CONTACT_DAYS,
        "counts": selectors.provider_inbox_counts(request.user, name=search),
        "note": note, "note_on_page": bool(note) and any(o.pk == note["pk"] for o in page),
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


GRANT_HEADER = ["Grant", "Provider", "Services", "Flags", "Target (pro rata)", "Received", "Capacity",
                "Supported now", "Accepted %", "Median days to start", "Completed %", "Did not attend %",
                "Continued %", "Spend in period (£)"]
PROVIDER_HEADER = ["Provider", "Onward referrals", "Of which commissioned", "Grant spend (£)", "Spot purchases",
                   "Spot purchase spend (£)", "Total spend (£)"]


def _number(value, places: int = 1):
    """A figure as a spreadsheet adds it up: a plain number (no £, no thousands separator, no %), blank for none."""
    return "" if value is None else round(value, places)


def _grant_csv_cells(row) -> list:
    return [row.grant.ref, row.grant.provider.name, row.services, "; ".join(row.flags) or "On track",
            _number(row.target, 0), row.received, _number(row.capacity, 0), row.supported_now,
            _number(row.accepted_pct), _number(row.median_days_to_start), _number(row.completed_pct),
            _number(row.dna_pct), _number(row.continued_pct), _number(row.spend, 2)]


def _provider_csv_cells(row) -> list:
    return [row.provider.name, row.received, row.commissioned, _number(row.grant_spend, 2), row.spot_count,
            _number(row.spot_spend, 2), _number(row.spend, 2)]


def _provider_cells(row) -> list:
    return [row.provider.name, row.received, row.commissioned, format_pounds(row.grant_spend), row.spot_count,
            format_pounds(row.spot_spend), format_pounds(row.spend)]


# A national programme funds thousands of grants and providers: the dashboard shows them a page at a time.
DASHBOARD_PAGE_SIZE = 25
# Far beyond any list's last page; a larger number (or none) gives the first page.
DASHBOARD_MAX_PAGE = 100_000


def _counted_page(rows, number: str | None) -> Page:
    """Page `number` of `rows`, a dashboard list that counts itself (`listed`, beside each row): one query, not
    a count and then the page. A number that is not one of the list's pages gives the first page."""
    number = int(number) if number and number.isascii() and number.isdigit() and len(number) < 7 else 1
    number = number if 1 <= number <= DASHBOARD_MAX_PAGE else 1
    start = (number - 1) * DASHBOARD_PAGE_SIZE
    found = list(rows[start:start + DASHBOARD_PAGE_SIZE])
    if not found and number > 1:
        number, found = 1, list(rows[:DASHBOARD_PAGE_SIZE])
    paginator = Paginator(rows, DASHBOARD_PAGE_SIZE)
    paginator.count = found[0].listed if found else 0  # cached_property: set, it is not counted again
    return Page(found, number, paginator)


def _dashboard_csv(table: str, start, end) -> HttpResponse:
    """Every grant or provider of the period, whatever the page's filters: a spreadsheet adds them up."""
    stamp = f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"
    if table == "grants":
        grants = selectors.dashboard_grants(start=start, end=end).order_by("provider_name", "ref", "pk")
        rows = selectors.grant_rows(grants, start=start, end=end, every=True)
        return csv_response(f"grants_{stamp}.csv", GRANT_HEADER, map(_grant_csv_cells, rows))
    rows = selectors.provider_rows(selectors.dashboard_providers(start=start, end=end), start=start, end=end,
                                   every=True)
    return csv_response(f"providers_{stamp}.csv", PROVIDER_HEADER, map(_provider_csv_cells, rows))


@role_required(Role.MANAGER)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The manager's contract dashboard: the programme's totals, then its grants (flagged first: under target or
    over capacity) and its providers, 25 a page, each list's chart of the rows on its page; a provider's name
    narrows both lists. `?download=grants|providers` gives every row as CSV, its figures plain numbers so that a
    spreadsheet adds them up (£ only on the page). A fixed number of queries, whatever the size of the data."""
    # No period chosen (a page or a filter of this financial year's lists): this financial year, no complaint.
    period = PeriodForm(request.GET if "period" in request.GET else None)
    start, end = period.dates()
    if (table := request.GET.get("download")) in ("grants", "providers"):
        return _dashboard_csv(table, start, end)
    filters = DashboardFilterForm(request.GET or None)
    chosen = filters.filters()
    grant_page = _counted_page(selectors.dashboard_grants(start=start, end=end, **chosen),
                               request.GET.get("grants_page"))
    grant_rows = selectors.grant_rows(grant_page.object_list, start=start, end=end)
    provider_page = _counted_page(selectors.dashboard_providers(start=start, end=end, name=chosen["name"]),
                                  request.GET.get("providers_page"))
    provider_rows = selectors.provider_rows(provider_page.object_list, start=start, end=end)
    charts = {
        "grants": {"labels": [r.grant.ref for r in grant_rows], "received": [r.received for r in grant_rows],
                   "target": [r.target or 0 for r in grant_rows]},
        "spend": {"labels": [r.provider.name for r in provider_rows],
                  "grant": [float(r.grant_spend) for r in provider_rows],
                  "spot": [float(r.spot_spend) for r in provider_rows]},
    }
    return render(request, "providers/dashboard.html", {
        "period": period, "filters": filters, "start": start, "end": end, "charts": charts,
        "totals": selectors.dashboard_totals(start=start, end=end),
        # Of the grants listed (all of the period's, unless filtered), how many are flagged.
        "flagged": grant_page.object_list[0].flagged_listed if grant_page.object_list else 0,
        "grant_page": grant_page, "grant_rows": grant_rows, "flagged_here": [r for r in grant_rows if r.flags],
        "provider_page": provider_page,
        "grant_header": [h.removesuffix(" (£)") for h in GRANT_HEADER],
        "provider_table": {"label": "Providers table", "header": [h.removesuffix(" (£)") for h in PROVIDER_HEADER],
                           "rows": [_provider_cells(r) for r in provider_rows]},
        "querystring": querystring_without(request, "grants_page", "providers_page", "download"),
        "grants_querystring": querystring_without(request, "grants_page", "download"),
        "providers_querystring": querystring_without(request, "providers_page", "download"),
    })
