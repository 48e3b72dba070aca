"""A service directory read from another system's Open Referral UK feed (issue 14): a page of `/services` (its
`contents`), a list of services, or one service, as the UK profile gives them. Providers are matched by their
organisation's id and services by theirs, so a second read of the same feed updates and does not duplicate. Every
service is checked first; one bad service stops the whole file, with a message per problem naming the service and
the field, and nothing is written."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from providers.models import Provider, Service
from sps.categories import Category
from sps.lib.postcode import normalise_postcode, postcode_error
from sps.lib.uuids import as_uuid

STATUSES = {"active": True, "inactive": False, "defunct": False, "temporarily closed": False}
AREA_LENGTH = Service._meta.get_field("area").max_length


class FeedError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0


def services_in(feed) -> list:
    if isinstance(feed, dict) and isinstance(feed.get("contents"), list):
        return feed["contents"]
    if isinstance(feed, dict):
        return [feed]
    if isinstance(feed, list):
        return feed
    raise FeedError(["The file is not an Open Referral UK service, list of services or page of them."])


def import_feed(feed, *, dry_run: bool = False) -> Outcome:
    services = services_in(feed)
    problems, read = [], []
    for number, item in enumerate(services, start=1):
        fields, item_problems = _read(item, number)
        problems += item_problems
        read.append(fields)
    if problems:
        raise FeedError(problems)
    outcome = Outcome()
    with transaction.atomic():
        for fields in read:
            organization = {"name": fields.pop("organization_name"), "email": fields.pop("organization_email")}
            provider, _ = Provider.objects.update_or_create(
                oruk_id=fields.pop("organization_id"), defaults=organization,
                create_defaults={**organization, "code": f"OR-{uuid.uuid4().hex[:12]}"})
            _, created = Service.objects.update_or_create(
                oruk_id=fields.pop("id"), defaults={**fields, "provider": provider},
                create_defaults={**fields, "provider": provider, "code": f"OR-{uuid.uuid4().hex[:12]}"})
            outcome.created += created
            outcome.updated += not created
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def _read(item, number: int) -> tuple[dict, list[str]]:
    """The service's fields, and what is wrong with it, each problem naming the service and the field."""
    if not isinstance(item, dict):
        return {}, [f"Service {number}: not an object."]
    name = item.get("name")
    where = f"Service {number} ({name or item.get('id') or 'no name'})"
    problems = []

    def need(condition: bool, field: str, message: str) -> None:
        if not condition:
            problems.append(f"{where}, {field}: {message}")

    organization = item.get("organization") if isinstance(item.get("organization"), dict) else {}
    need(as_uuid(item.get("id")) is not None, "id", "must be a UUID.")
    need(isinstance(name, str) and name.strip() != "", "name", "is missing.")
    need(item.get("status") in STATUSES, "status", f"must be one of {', '.join(STATUSES)}.")
    need(as_uuid(organization.get("id") or item.get("organization_id")) is not None, "organization.id",
         "must be a UUID.")
    need(bool((organization.get("name") or "").strip()), "organization.name", "is missing.")
    for field, check in (("email", EmailValidator()), ("url", URLValidator(schemes=["http", "https"]))):
        if item.get(field):
            try:
                check(item[field])
            except ValidationError:
                problems.append(f"{where}, {field}: {item[field]!r} is not a valid {field}.")
    address = _first(_first(item.get("service_at_locations")).get("location", {}).get("addresses"))
    postcode = address.get("postal_code") or ""
    if postcode and (error := postcode_error(postcode)):
        problems.append(f"{where}, postal_code: {error}")
    if problems:
        return {}, problems
    area = (_first(item.get("service_areas")).get("name") or "Borough-wide").strip()
    location = _first(item.get("service_at_locations")).get("location", {})
    return {
        "id": as_uuid(item["id"]), "name": name.strip()[:200], "description": item.get("description") or "",
        "category": _category(item), "active": STATUSES[item["status"]], "email": item.get("email") or "",
        "website": item.get("url") or "",
        "area": area if len(area) <= AREA_LENGTH else area[:AREA_LENGTH - 1] + "…",
        "address": ", ".join(p for p in (address.get("address_1"), address.get("city")) if p),
        "postcode": normalise_postcode(postcode) if postcode else "",
        "opening_times": _first(item.get("schedules")).get("description") or "",
        "how_to_get_there": location.get("description") or "",
        "organization_id": as_uuid(organization.get("id") or item["organization_id"]),
        "organization_name": organization["name"].strip()[:200], "organization_email": organization.get("email") or "",
    }, []


def _category(item: dict) -> str:
    """Ours where a taxonomy term names one (by code or label); else `other`."""
    labels = {label.lower(): value for value, label in Category.choices}
    for attribute in item.get("attributes") or []:
        term = (attribute or {}).get("taxonomy_term") or {}
        for key in (term.get("code"), term.get("term"), term.get("name")):
            if key in Category.values:
                return key
            if isinstance(key, str) and key.lower() in labels:
                return labels[key.lower()]
    return Category.OTHER


def _first(items) -> dict:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
