"""The Open Referral UK API (issue 14): the service directory, read-only, for councils' and other directories.
Open to anyone, unlike every other page: it holds no patient data, only what providers publish about their
services. Paging and the filters the UK profile names that the directory can answer (search, taxonomy_term_id,
organization_id, modified_after); a bad parameter is refused with 400 and a message naming it."""

import datetime as dt
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from providers.oruk import PROFILE, category_term_id, published_services, service_full, service_summary
from providers.selectors import locate, miles_from
from sps.categories import Category
from sps.lib.postcode import normalise_postcode
from sps.lib.uuids import as_uuid

PER_PAGE, MAX_PER_PAGE = 50, 500
# Filters the UK profile names that this directory cannot answer: it holds no age range, no coverage area, and
# opening times only as text. Refused, not ignored, so that a reader never takes every service for the ones that
# match. (`postcode` is answered with `proximity`: services within that distance of its centroid.)
NOT_ANSWERED = ("minimum_age", "maximum_age", "start_time", "end_time", "day", "taxonomy_id")
METRES_PER_MILE = 1609.344
OPENAPI = "https://raw.githubusercontent.com/openreferral/uk-profile/main/openapi.json"


class BadParameter(ValueError):
    pass


@login_not_required
@require_GET
def meta(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": "3.0", "profile": PROFILE, "openapi_url": OPENAPI})


@login_not_required
@require_GET
def services(request: HttpRequest) -> JsonResponse:
    try:
        chosen = _filtered(request.GET)
        page_number = _whole(request.GET, "page", 1, 1)
        per_page = _whole(request.GET, "per_page", PER_PAGE, 1, MAX_PER_PAGE)
    except BadParameter as error:
        return JsonResponse({"error": str(error)}, status=400)
    paginator = Paginator(chosen, per_page)
    try:
        page = paginator.page(page_number)
        contents = [service_summary(service) for service in page]
    except EmptyPage:
        contents = []
    return JsonResponse({"total_items": paginator.count, "total_pages": paginator.num_pages,
                         "page_number": page_number, "size": len(contents), "first_page": page_number == 1,
                         "last_page": page_number >= paginator.num_pages, "empty": not contents,
                         "contents": contents})


@login_not_required
@require_GET
def service(request: HttpRequest, oruk_id: uuid.UUID) -> JsonResponse:
    found = published_services().filter(oruk_id=oruk_id).first()
    if found is None:
        return JsonResponse({"error": f"There is no service {oruk_id}."}, status=404)
    return JsonResponse(service_full(found))


def _filtered(params):
    if asked := [name for name in NOT_ANSWERED if params.get(name)]:
        raise BadParameter(f"This directory cannot filter by {', '.join(asked)}: it does not hold what they need.")
    chosen = published_services()
    if search := params.get("search", "").strip():
        chosen = chosen.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if term := params.get("taxonomy_term_id"):
        categories = {str(category_term_id(value)): value for value in Category.values}
        if term not in categories:
            raise BadParameter(f"taxonomy_term_id {term} is not one of this directory's terms.")
        chosen = chosen.filter(category=categories[term])
    if organization := params.get("organization_id"):
        if (organization_id := as_uuid(organization)) is None:
            raise BadParameter("organization_id must be a UUID.")
        chosen = chosen.filter(provider__oruk_id=organization_id)
    if params.get("postcode") or params.get("proximity"):
        chosen = _within(chosen, params.get("postcode", ""), params.get("proximity", ""))
    if modified_after := params.get("modified_after"):
        when = parse_datetime(modified_after) if len(modified_after) > 10 else None
        if when is None:
            raise BadParameter("modified_after must be a date and time, e.g. 2026-11-01T00:00:00Z.")
        chosen = chosen.filter(updated_at__gte=when if when.tzinfo else when.replace(tzinfo=dt.UTC))
    return chosen


def _within(chosen, postcode: str, proximity: str):
    """The services whose postcode's centroid is within `proximity` metres of `postcode`'s (located as the
    directory locates a postcode)."""
    if not proximity or not postcode:
        raise BadParameter("postcode and proximity go together: services within proximity metres of the postcode "
                           "(this directory holds no coverage areas).")
    if not proximity.isdigit():
        raise BadParameter("proximity must be a whole number of metres.")
    place = locate(postcode).place if normalise_postcode(postcode) else None
    if place is None:
        raise BadParameter(f"postcode {postcode} is not a postcode this directory can place.")
    return chosen.annotate(miles=miles_from(place)).filter(miles__lte=int(proximity) / METRES_PER_MILE)


def _whole(params, name: str, default: int, least: int, most: int | None = None) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit() or int(value) < least or (most and int(value) > most):
        raise BadParameter(f"{name} must be a whole number from {least}{f' to {most}' if most else ''}.")
    return int(value)
