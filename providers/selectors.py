"""Reads for the directory, onward referrals, spot purchases and the contract dashboard; access rules here."""

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import ASin, Cast, Coalesce, Concat, Cos, Greatest, Least, Power, Radians, Sin, Sqrt

from providers.models import (
    NEXT_STATUSES,
    OCCUPYING_STATUSES,
    Budget,
    Grant,
    GrantDecision,
    OnwardKind,
    OnwardReferral,
    OnwardStatus,
    Postcode,
    Provider,
    Service,
    SpotPurchase,
    SpotPurchaseStatus,
)
from referrals.selectors import referrals_for
from sps.db import DaysBetween, Median
from sps.lib.dates import today
from sps.lib.percent import percentage
from sps.lib.postcode import normalise_postcode
from sps.models import Role, User

# Miles, as people in England give distances (the mean radius of the Earth).
EARTH_RADIUS_MILES = 3958.8
# A postcode district, the part before the space ("S66", "S1", "WC1A"): a search for an area by its district.
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


@dataclass(frozen=True)
class Place:
    """Where the directory measures distances from: a postcode's centroid or, for a district, the middle of its
    postcodes' centroids."""

    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Located:
    """What a search for `searched` (a postcode or a district as typed) found: a place, or why there is none."""

    searched: str
    place: Place | None
    note: str = ""


def is_postcode_or_district(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    return normalise_postcode(text) is not None or bool(_DISTRICT.match(compact))


def locate(text: str) -> Located:
    """The place a postcode or postcode district stands for, from the postcode centroids (the ONS Postcode
    Directory, imported): a postcode's own centroid; a district's, the mean of its postcodes'. A postcode that is
    not in the directory (new, mistyped, or the directory not imported) is measured from its district's middle,
    and the note says so; with neither, there is no place and the note says that too. One or two queries."""
    postcode = normalise_postcode(text)
    if postcode:
        found = Postcode.objects.filter(postcode=postcode).values_list("latitude", "longitude").first()
        if found:
            return Located(postcode, Place(postcode, *found))
        district = postcode.split(" ")[0]
    else:
        district = text.replace(" ", "").upper()
    middle = Postcode.objects.filter(postcode__startswith=f"{district} ").aggregate(
        latitude=Avg("latitude"), longitude=Avg("longitude"))
    searched = postcode or district
    if middle["latitude"] is None:
        return Located(searched, None, f"No location is known for {searched}, so the services are not in order of "
                                        "distance.")
    place = Place(district, middle["latitude"], middle["longitude"])
    if postcode:
        return Located(searched, place, f"{postcode} is not in the postcode directory: distances are from the "
                                        f"middle of {district}.")
    return Located(searched, place)


def miles_from(place: Place) -> Subquery:
    """The great-circle (haversine) distance in miles from `place` to each service's postcode centroid, worked
    out by the database in the same query; None for a service without a postcode, or with one not in the
    directory."""
    lat, lon = Radians(F("latitude")), Radians(F("longitude"))
    lat0, lon0 = math.radians(place.latitude), math.radians(place.longitude)
    half_chord = (Power(Sin((lat - Value(lat0)) / 2), 2)
                  + Value(math.cos(lat0)) * Cos(lat) * Power(Sin((lon - Value(lon0)) / 2), 2))
    miles = 2 * EARTH_RADIUS_MILES * ASin(Least(Sqrt(half_chord), Value(1.0)))
    return Subquery(Postcode.objects.filter(postcode=OuterRef("postcode"))
                    .annotate(miles=ExpressionWrapper(miles, output_field=FloatField())).values("miles")[:1])


def service_directory(*, q: str = "", categories: list[str] | None = None, area: str = "",
                      with_room: bool = False, near: Place | None = None,
                      on: dt.date | None = None) -> QuerySet[Service]:
    """Active services, each with `commissioned` (under a grant awarded and running on `on`), `occupied`
    (people accepted or started now) and `room` (capacity minus occupied; None when there is no limit).
    Near a place, each has `miles` from it and the nearest come first (those with no address last); otherwise
    commissioned services with room come first, so advisers send people where there is space. `area` keeps the
    services whose area served names it, and the borough-wide ones."""
    on = on or today()
    running_grant = Grant.objects.filter(services=OuterRef("pk"), decision=GrantDecision.AWARDED,
                                         start_date__lte=on, end_date__gte=on)
    # Counted per service from the index on (service, status): a join of every onward referral to the services,
    # grouped, read the whole table on every search (issue 13).
    occupying = (OnwardReferral.objects.filter(service=OuterRef("pk"), status__in=OCCUPYING_STATUSES).order_by()
                 .values("service").annotate(n=Count("*")).values("n"))  # "*": from the index alone
    services = (
        Service.objects.filter(active=True, provider__active=True)
        .select_related("provider")
        .annotate(commissioned=Exists(running_grant), occupied=Coalesce(Subquery(occupying), 0))
        .annotate(room=Case(When(capacity__isnull=True, then=None), default=F("capacity") - F("occupied"),
                            output_field=IntegerField()))
    )
    if q:
        services = services.filter(Q(name__icontains=q) | Q(provider__name__icontains=q)
                                   | Q(description__icontains=q) | Q(eligibility__icontains=q))
    if categories:
        services = services.filter(category__in=categories)
    if area:
        services = services.filter(Q(area__icontains=area) | Q(area__iexact="Borough-wide"))
    if with_room:
        services = services.filter(Q(room__isnull=True) | Q(room__gt=0))
    order = ["-commissioned", F("room").desc(nulls_first=True), "name", "pk"]  # pk: the same order on every page
    if near:
        services = services.annotate(miles=miles_from(near))
        order.insert(0, F("miles").asc(nulls_last=True))
    return services.order_by(*order)


def onward_referrals_for(user: User) -> QuerySet[OnwardReferral]:
    """The onward referrals `user` may see: the manager all; an adviser those of referrals they may see;
    provider staff those sent to their own organisation's services, and nothing else."""
    onward = OnwardReferral.objects.select_related("referral__patient", "referral__adviser", "service__provider",
                                                   "made_by")
    if user.role == Role.MANAGER:
        return onward
    if user.role == Role.ADVISER:
        return onward.filter(referral__in=referrals_for(user))
    if user.role == Role.PROVIDER_STAFF and user.provider_id:
        return onward.filter(service__provider_id=user.provider_id).exclude(status=OnwardStatus.PROPOSED)
    return onward.none()


# Open for the provider: sent to them and not yet ended.
PROVIDER_OPEN_STATUSES = (OnwardStatus.SENT, *OCCUPYING_STATUSES)
# Ended: nothing can follow (declined, completed, did not attend, withdrawn).
ENDED_STATUSES = tuple(status for status, following in NEXT_STATUSES.items() if not following)


def with_contact_shown(onward: QuerySet[OnwardReferral], *, on: dt.date | None = None) -> QuerySet[OnwardReferral]:
    """`onward`, each with `contact_shown`: whether provider staff may see who it is for (name, phone, address).

    The rule: "contact details visible to provider staff only while the onward referral is open and for
    PROVIDER_CONTACT_DAYS (90 by default) after it ends; after that the row still shows the onward referral
    but not who it was". It ends on the date it was declined (`declined_date`) or completed, marked did not
    attend or withdrawn (`ended_date`). An ended one with neither date (imports may leave it blank) counts from
    the last date it has, so that no gap in the data keeps the details for ever. Worked out by the database.
    """
    cutoff = (on or today()) - dt.timedelta(days=settings.PROVIDER_CONTACT_DAYS)
    return onward.alias(
        ended_on=Coalesce("ended_date", "declined_date", "started_date", "accepted_date", "sent_date", "made_date"),
    ).annotate(contact_shown=Case(
        When(status__in=PROVIDER_OPEN_STATUSES, then=Value(True)),
        When(status__in=ENDED_STATUSES, ended_on__gte=cutoff, then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    ))


def provider_inbox(user: User, *, status: str = "", name: str = "",
                   on: dt.date | None = None) -> QuerySet[OnwardReferral]:
    """The provider's onward referrals, each with `contact_shown` (see `with_contact_shown`), those waiting for
    the provider first. A search by `name` finds only people whose details are still shown: a match on a hidden
    row, even one shown without its details, would say who it was."""
    onward = with_contact_shown(onward_referrals_for(user), on=on)
    if status == "open":
        onward = onward.filter(status__in=PROVIDER_OPEN_STATUSES)
    elif status:
        onward = onward.filter(status=status)
    if name:
        onward = onward.alias(
            full_name=Concat("referral__patient__given_name", Value(" "), "referral__patient__family_name"),
        ).filter(contact_shown=True, full_name__icontains=name)
    return onward.order_by(
        Case(When(status=OnwardStatus.SENT, then=0), When(status__in=OCCUPYING_STATUSES, then=1), default=2),
        "-made_date", "-pk",
    )


# What closing a referral withdraws: onward referrals that may still be withdrawn (not yet ended).
WITHDRAWABLE_STATUSES = tuple(status for status, following in NEXT_STATUSES.items()
                              if OnwardStatus.WITHDRAWN in following)


def open_onward_referrals(referral) -> QuerySet[OnwardReferral]:
    """The referral's onward referrals not yet ended (proposed, sent, accepted or started), oldest first."""
    return (OnwardReferral.objects.filter(referral=referral, status__in=WITHDRAWABLE_STATUSES)
            .select_related("service__provider").order_by("made_date", "pk"))


def waiting_spot_purchases(referral) -> QuerySet[SpotPurchase]:
    """The referral's spot purchases still awaiting the manager's decision, oldest first."""
    return (SpotPurchase.objects.filter(referral=referral, status=SpotPurchaseStatus.REQUESTED)
            .select_related("provider").order_by("requested_date", "pk"))


def provider_inbox_counts(user: User, *, name: str = "", on: dt.date | None = None) -> dict[str, int]:
    """How many onward referrals each inbox tab holds (open, waiting for the provider, all), for the same search
    by name, in one query."""
    onward = provider_inbox(user, name=name, on=on).order_by()
    return onward.aggregate(open=Count("pk", filter=Q(status__in=PROVIDER_OPEN_STATUSES)),
                            sent=Count("pk", filter=Q(status=OnwardStatus.SENT)), all=Count("pk"))


def spot_purchases_for(user: User) -> QuerySet[SpotPurchase]:
    """The manager all; an adviser those for referrals they may see; provider staff their organisation's."""
    purchases = SpotPurchase.objects.select_related("provider", "referral__patient", "requested_by",
                                                    "decided_by")
    if user.role == Role.MANAGER:
        return purchases
    if user.role == Role.ADVISER:
        return purchases.filter(referral__in=referrals_for(user))
    if user.role == Role.PROVIDER_STAFF and user.provider_id:
        return purchases.filter(provider_id=user.provider_id)
    return purchases.none()


def spot_purchase_providers() -> QuerySet[Provider]:
    return Provider.objects.filter(active=True).order_by("name")


# The contract dashboard ------------------------------------------------------------------------------------


def _overlap_days(start: dt.date, end: dt.date, period_start: dt.date, period_end: dt.date) -> int:
    return max(0, (min(end, period_end) - max(start, period_start)).days + 1)


def prorated(amount: Decimal, start: dt.date, end: dt.date, period_start: dt.date, period_end: dt.date) -> Decimal:
    """The part of an amount spread evenly over [start, end] that falls in the period."""
    days = (end - start).days + 1
    return amount * _overlap_days(start, end, period_start, period_end) / days


# The same, worked out by the database for every grant (or budget) at once: the row's `start_date` and `end_date`.


def _days(start, end) -> Greatest:
    """Days from `start` to `end`, both counted; none when `end` is earlier."""
    return Greatest(DaysBetween(start, end) + 1, Value(0))


def _days_in(start: dt.date, end: dt.date) -> Greatest:
    """The row's days that fall in [start, end]."""
    return _days(Greatest("start_date", Value(start)), Least("end_date", Value(end)))


def _spread(amount: str, start: dt.date, end: dt.date) -> ExpressionWrapper:
    """prorated(), in the database: the part of `amount`, spread evenly over the row's dates, in [start, end]."""
    return ExpressionWrapper(F(amount) * _days_in(start, end) / _days("start_date", "end_date"),
                             output_field=DecimalField(max_digits=24, decimal_places=10))


def _target_share(start: dt.date, end: dt.date) -> ExpressionWrapper:
    """A grant's target for [start, end], spread evenly over its dates and rounded half up, in whole numbers only
    (round(t x d / D) is (2 t d + D) div 2D), so that the page, the CSV and the flags agree to the referral."""
    days_in, days = _days_in(start, end), _days("start_date", "end_date")
    target = Cast("target_referrals", BigIntegerField())
    return ExpressionWrapper((Value(2) * target * days_in + days) / (Value(2) * days), output_field=IntegerField())


@dataclass
class GrantRow:
    grant: Grant
    services: str
    target: int | None
    capacity: int | None
    received: int
    accepted_pct: float | None
    median_days_to_start: float | None
    completed_pct: float | None
    dna_pct: float | None
    continued_pct: float | None
    spend: Decimal
    # The target for the part of the period already past (the whole target once the period has ended), and the
    # people its services with a capacity support now.
    expected_by_now: int | None = None
    as_of: dt.date | None = None
    supported_now: int = 0

    @property
    def under_target(self) -> bool:
        return self.expected_by_now is not None and self.received < self.expected_by_now

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.supported_now > self.capacity

    @property
    def flag_labels(self) -> list[str]:
        return [label for label, on in [("Under target", self.under_target), ("Over capacity", self.over_capacity)]
                if on]

    @property
    def flags(self) -> list[str]:
        """What the manager should look at, in words (the page adds a symbol; never colour alone)."""
        flags = []
        if self.under_target:
            flags.append(f"Under target: {self.received} received, {self.expected_by_now} expected by "
                         f"{self.as_of:%d/%m/%Y}")
        if self.over_capacity:
            flags.append(f"Over capacity: {self.supported_now} supported now, room for {self.capacity}")
        return flags


@dataclass
class ProviderRow:
    provider: Provider
    grant_spend: Decimal
    spot_count: int
    spot_spend: Decimal
    received: int
    commissioned: int

    @property
    def spend(self) -> Decimal:
        return self.grant_spend + self.spot_spend


# Onward referrals sent (not merely proposed): what a provider has received.
SENT_STATUSES = tuple(status for status in OnwardStatus.values if status != OnwardStatus.PROPOSED)


def as_of(start: dt.date, end: dt.date) -> dt.date:
    """The day the period's target so far runs to: today, within the period."""
    return min(end, max(start, today()))


def _onward_stats(onward: QuerySet, group: str) -> dict:
    """Per-group performance of onward referrals, in one query."""
    rows = onward.values(group).annotate(
        received=Count("pk"),
        commissioned=Count("pk", filter=Q(kind=OnwardKind.COMMISSIONED)),
        accepted=Count("pk", filter=Q(accepted_date__isnull=False)),
        declined=Count("pk", filter=Q(declined_date__isnull=False)),
        completed=Count("pk", filter=Q(status=OnwardStatus.COMPLETED)),
        dna=Count("pk", filter=Q(status=OnwardStatus.DID_NOT_ATTEND)),
        continued=Count("pk", filter=Q(status=OnwardStatus.COMPLETED, continued_after_end=True)),
        # Of those completed, whether they continued is known for these: an unrecorded answer is not a "no".
        continued_known=Count("pk", filter=Q(status=OnwardStatus.COMPLETED, continued_after_end__isnull=False)),
        median_days=Median(Case(When(started_date__isnull=False, sent_date__isnull=False,
                                     then=DaysBetween("sent_date", "started_date")))),
    ).order_by()
    return {row[group]: row for row in rows}


def _grants_running(start: dt.date, end: dt.date) -> QuerySet[Grant]:
    return Grant.objects.filter(decision=GrantDecision.AWARDED, start_date__lte=end, end_date__gte=start)


class TotalOverAll(Func):
    """SUM(x) OVER (): the total of x over every row of the result, beside each row (after any grouping)."""

    template = "SUM(%(expressions)s) OVER ()"
    contains_over_clause = True
    output_field = IntegerField()

    def get_group_by_cols(self):
        return []


# Under target or over capacity (of dashboard_grants' figures).
FLAGGED = Q(received__lt=F("expected_by_now")) | Q(supported_now__gt=F("capacity"))


def dashboard_grants(*, start: dt.date, end: dt.date, name: str = "", flagged_only: bool = False) -> QuerySet[Grant]:
    """The grants awarded and running in [start, end], flagged first, then by provider; `name` keeps those of
    providers whose name contains it. Each carries the figures its flags need, worked out by the database in one
    grouped query: `received` (onward referrals sent in the period while it ran), `target` and `expected_by_now`
    (its target for the period, and for the part of it up to today), `capacity` (of its services that have one),
    `supported_now` (accepted or started now at those), `spend` (its award spread over its dates, the part in the
    period) and `flagged`.

    A grant is under target when it has received fewer than its target for the period so far, and over capacity
    when its services with a capacity support more people now than their capacities add up to. The counts join
    the onward referrals once (a count per grant in a subquery made PostgreSQL walk the made_date index for every
    grant: 4 minutes for the 8,300 grants of a national dataset, issue 13)."""
    # Only the onward referrals sent in the period are joined (PostgreSQL then reads them once, by date).
    sent = FilteredRelation("services__onward_referrals", condition=Q(
        services__onward_referrals__status__in=SENT_STATUSES,
        services__onward_referrals__made_date__range=(start, end)))
    grants = _grants_running(start, end).alias(sent=sent).annotate(
        received=Count("sent", filter=Q(sent__made_date__gte=F("start_date"), sent__made_date__lte=F("end_date"))),
        # Subqueries, worked out once a grant (none when no one is supported: Coalesce would make PostgreSQL
        # group by it and work it out for every onward referral joined).
        supported_now=Subquery(OnwardReferral.objects.filter(
            service__grants=OuterRef("pk"), status__in=OCCUPYING_STATUSES, service__capacity__isnull=False,
        ).order_by().values("service__grants").annotate(n=Count("pk")).values("n")),
        capacity=Subquery(Service.objects.filter(grants=OuterRef("pk")).order_by().values("grants")
                          .annotate(total=Sum("capacity")).values("total")),
        # The grant's own figures, taken once per grant (Max) rather than added to the GROUP BY: grouped by the
        # grant's key alone, PostgreSQL hashes the period's onward referrals once instead of walking the service
        # index for every grant (5 s for the national dataset, issue 13).
        target=Max(_target_share(start, end)),
        expected_by_now=Max(_target_share(start, as_of(start, end))),
        spend=Max(_spread("amount", start, end)),
    ).annotate(
        flagged=Case(When(FLAGGED, then=True), default=False, output_field=BooleanField()),
        # By a subquery, not a join: grouped by the provider too, PostgreSQL misjudges the groups and walks the
        # service index for every grant again.
        provider_name=Subquery(Provider.objects.filter(pk=OuterRef("provider_id")).values("name")),
    ).order_by("-flagged", "provider_name", "ref", "pk")
    if name:
        grants = grants.filter(provider__name__icontains=name)
    if flagged_only:
        grants = grants.filter(flagged=True)
    # Beside each grant, how many the list holds and how many of them are flagged: a page of the list is then one
    # pass over the period's onward referrals, not a count, a tally of the flags and the page.
    return grants.annotate(listed=TotalOverAll(Value(1)), flagged_listed=TotalOverAll(Case(When(FLAGGED, then=1),
                                                                                             default=0)))


def dashboard_providers(*, start: dt.date, end: dt.date, name: str = "") -> QuerySet[Provider]:
    """The providers with a grant running in the period, an approved spot purchase decided in it, or onward
    referrals sent to them in it, by name; `name` keeps those whose name contains it."""
    providers = Provider.objects.filter(
        Exists(_grants_running(start, end).filter(provider=OuterRef("pk")))
        | Exists(_spots(start, end).filter(provider=OuterRef("pk")))
        | Exists(_sent(start, end).filter(service__provider=OuterRef("pk")))
    ).order_by("name", "pk")
    if name:
        providers = providers.filter(name__icontains=name)
    return providers.annotate(listed=Window(Count("pk")))  # how many the list holds, beside each (see above)


def _sent(start: dt.date, end: dt.date) -> QuerySet[OnwardReferral]:
    return OnwardReferral.objects.filter(status__in=SENT_STATUSES, made_date__range=(start, end))


def _spots(start: dt.date, end: dt.date) -> QuerySet[SpotPurchase]:
    return SpotPurchase.objects.filter(status=SpotPurchaseStatus.APPROVED, decided_date__range=(start, end))


def dashboard_totals(*, start: dt.date, end: dt.date) -> dict:
    """The programme's headline figures for the period, each added up by the database (how many grants are
    flagged comes with the list: dashboard_grants)."""
    running = _grants_running(start, end)
    totals = running.aggregate(
        organisations_funded=Count("provider", distinct=True),
        total_awarded=Coalesce(Sum("amount"), Decimal(0)),
        grant_spend=Coalesce(Sum(_spread("amount", start, end)), Decimal(0)),
    )
    totals["services_funded"] = Service.objects.filter(grants__in=running).distinct().count()
    totals["spot_spend"] = _spots(start, end).aggregate(cost=Coalesce(Sum("cost"), Decimal(0)))["cost"]
    totals["budget"] = Budget.objects.filter(start_date__lte=end, end_date__gte=start).aggregate(
        amount=Coalesce(Sum(_spread("amount", start, end)), Decimal(0)))["amount"]
    totals["spend"] = totals["grant_spend"] + totals["spot_spend"]
    totals["spend_pct"] = percentage(totals["spend"], totals["budget"])
    return totals


def grant_rows(grants, *, start: dt.date, end: dt.date, every: bool = False) -> list[GrantRow]:
    """A row for each of these grants (from dashboard_grants) with its performance, in a fixed number of queries;
    `every` when they are all the period's grants (the CSV), so that the figures are not asked for by id.

    Rates: accepted % = accepted / (accepted + declined); completed %, did-not-attend % = of those accepted;
    continued % = of those completed for whom it was recorded. An onward referral counts for a grant when it was
    made in the period and while the grant ran; the median days are from sent to started."""
    grants = list(grants)
    prefetch_related_objects(grants, "provider", "services")
    onward = _sent(start, end).filter(service__grants__decision=GrantDecision.AWARDED,
                                      made_date__gte=F("service__grants__start_date"),
                                      made_date__lte=F("service__grants__end_date"),
                                      **({} if every else {"service__grants__in": [g.pk for g in grants]}))
    stats = _onward_stats(onward, "service__grants")
    day = as_of(start, end)
    return [_grant_row(grant, stats.get(grant.pk, {}), start, end, as_of=day) for grant in grants]


def provider_rows(providers, *, start: dt.date, end: dt.date, every: bool = False) -> list[ProviderRow]:
    """A row for each of these providers with its referrals and spend, in a fixed number of queries; `every`
    when they are all the period's providers (the CSV)."""
    providers = list(providers)
    mine = {} if every else {"provider__in": [p.pk for p in providers]}
    stats = _onward_stats(_sent(start, end).filter(service__isnull=False, **{f"service__{k}": v for k, v in
                                                                             mine.items()}), "service__provider")
    grant_spend = dict(_grants_running(start, end).filter(**mine).values("provider")
                       .annotate(spend=Sum(_spread("amount", start, end))).values_list("provider", "spend")
                       .order_by())
    spots = {row["provider"]: row for row in _spots(start, end).filter(**mine).values("provider")
             .annotate(n=Count("pk"), cost=Sum("cost")).order_by()}
    return [_provider_row(p, grant_spend.get(p.pk) or Decimal(0), spots.get(p.pk, {}), stats.get(p.pk, {}))
            for p in providers]


def _grant_row(grant: Grant, stats: dict, start: dt.date, end: dt.date, *, as_of: dt.date) -> GrantRow:
    accepted = stats.get("accepted", 0)
    return GrantRow(
        grant=grant,
        services=", ".join(s.name for s in grant.services.all()),
        target=grant.target,
        expected_by_now=grant.expected_by_now,
        as_of=as_of,
        supported_now=grant.supported_now or 0,
        capacity=grant.capacity,
        received=grant.received,
        accepted_pct=percentage(accepted, accepted + stats.get("declined", 0)),
        median_days_to_start=stats.get("median_days"),
        completed_pct=percentage(stats.get("completed"), accepted),
        dna_pct=percentage(stats.get("dna"), accepted),
        continued_pct=percentage(stats.get("continued"), stats.get("continued_known")),
        # In Python, for the few rows shown: exact, as the CSV's and the page's pounds and pence are.
        spend=prorated(grant.amount, grant.start_date, grant.end_date, start, end),
    )


def _provider_row(provider: Provider, grant_spend: Decimal, spot: dict, stats: dict) -> ProviderRow:
    return ProviderRow(
        provider=provider,
        grant_spend=grant_spend,
        spot_count=spot.get("n", 0),
        spot_spend=spot.get("cost") or Decimal(0),
        received=stats.get("received", 0),
        commissioned=stats.get("commissioned", 0),
    )
