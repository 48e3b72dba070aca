"""The service directory in Open Referral UK, the UK profile of HSDS 3 (issue 14; ../shared/standards/openreferral-uk):
what `/openreferral/services` publishes for councils' and other directories to read. A service and its provider
keep a UUID of their own (`oruk_id`); the parts a service is published with (its area, location, schedule,
category) get UUIDs made from the service's, so that they are the same on every read. The UK profile's service has
no phone number (nor its contact), so a service's phone is not published."""

import uuid

from django.db.models import QuerySet

from providers.models import Provider, Service
from sps.categories import Category

PROFILE = "https://openreferral.org/specification/3.0/uk"
TAXONOMY = "Social prescribing categories (Rotherham Social Prescribing Service, domain.md)"
# Our own namespace for the category terms' ids; fixed, so that a term's id never changes.
CATEGORIES_NAMESPACE = uuid.UUID("6f2f6c8e-1f0b-5b8e-9a1d-3c3b1c9e5a10")


def category_term_id(category: str) -> uuid.UUID:
    return uuid.uuid5(CATEGORIES_NAMESPACE, category)


def published_services() -> QuerySet[Service]:
    return Service.objects.select_related("provider").order_by("name", "pk")


def service_summary(service: Service) -> dict:
    """A service as the list gives it: its one-to-one fields and its organisation (service_list.json)."""
    summary = {"id": str(service.oruk_id), "organization_id": str(service.provider.oruk_id), "name": service.name,
               "description": service.description or service.name,
               "status": "active" if service.active and service.provider.active else "inactive",
               "last_modified": service.updated_at.isoformat(timespec="milliseconds"),
               "organization": organization(service.provider)}
    if service.website:
        summary["url"] = service.website
    if service.email:
        summary["email"] = service.email
    return summary


def service_full(service: Service) -> dict:
    """A service with everything it is published with (service.json)."""
    own = service.oruk_id
    full = service_summary(service)
    full["service_areas"] = [{"id": str(uuid.uuid5(own, "area")), "service_id": str(own), "name": service.area}]
    full["attributes"] = [_category(service)]
    if service.opening_times:
        full["schedules"] = [{"id": str(uuid.uuid5(own, "schedule")), "service_id": str(own),
                              "description": service.opening_times}]
    if service.address or service.postcode:
        location = uuid.uuid5(own, "location")
        full["service_at_locations"] = [{
            "id": str(uuid.uuid5(own, "service at location")), "service_id": str(own), "location_id": str(location),
            "location": {"id": str(location), "location_type": "physical", "name": service.name,
                         **({"description": service.how_to_get_there} if service.how_to_get_there else {}),
                         "addresses": [{"id": str(uuid.uuid5(own, "address")), "location_id": str(location),
                                        "address_1": service.address.replace("\n", ", ") or service.name,
                                        "city": "", "state_province": "", "postal_code": service.postcode,
                                        "country": "GB", "address_type": "physical"}]}}]
    return full


def organization(provider: Provider) -> dict:
    published = {"id": str(provider.oruk_id), "name": provider.name, "description": provider.name}
    if provider.email:
        published["email"] = provider.email
    return published


def _category(service: Service) -> dict:
    term = category_term_id(service.category)
    return {"id": str(uuid.uuid5(service.oruk_id, "category")), "link_id": str(service.oruk_id),
            "link_type": "service", "taxonomy_term_id": str(term),
            "taxonomy_term": {"id": str(term), "name": Category(service.category).label,
                              "description": Category(service.category).label, "code": service.category,
                              "taxonomy": TAXONOMY}}
