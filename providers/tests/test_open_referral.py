"""The service directory published as Open Referral UK (issue 14): every response validates against the UK
profile's JSON Schemas in ../shared/standards/openreferral-uk (formats checked too), paging and filters work, bad
parameters are refused naming them, anyone may read it, and the queries do not grow with the directory."""

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from providers.models import Postcode, Service
from providers.oruk import category_term_id
from providers.tests.factories import ProviderFactory, ServiceFactory

STANDARD = Path(settings.BASE_DIR).parent / "shared" / "standards" / "openreferral-uk"


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((STANDARD / "schema" / name).read_text()), format_checker=FormatChecker())


def _page_validator() -> Draft202012Validator:
    page = json.loads((STANDARD / "openapi.json").read_text())["components"]["schemas"]["Page"]
    return Draft202012Validator({**page, "required": list(page["properties"])}, format_checker=FormatChecker())


def _valid(validator, document) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors


@pytest.fixture
def directory(db):
    befriending = ServiceFactory(name="Phone friends", category="befriending", description="Weekly calls",
                                 website="https://example.org/friends", email="friends@example.org",
                                 address="12 Main Street\nRotherham", postcode="S60 1AA",
                                 opening_times="Tuesdays 10am to 12 noon", how_to_get_there="Bus 22")
    walking = ServiceFactory(name="Walking group", category="physical_activity", description="", website="",
                             email="", address="", postcode="", opening_times="", active=False)
    return befriending, walking


def test_the_list_validates_against_the_uk_profile(client, directory):
    response = client.get(reverse("openreferral:services"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    _valid(_page_validator(), body)
    item = _validator("service_list.json")
    for service in body["contents"]:
        _valid(item, service)
    assert [s["name"] for s in body["contents"]] == ["Phone friends", "Walking group"]
    assert [s["status"] for s in body["contents"]] == ["active", "inactive"]
    assert (body["total_items"], body["total_pages"], body["first_page"], body["last_page"]) == (2, 1, True, True)


def test_each_service_validates_whole_with_its_location_schedule_and_category(client, directory):
    befriending, _ = directory
    validator = _validator("service.json")
    for service in directory:
        body = client.get(reverse("openreferral:service", args=[service.oruk_id])).json()
        _valid(validator, body)
    body = client.get(reverse("openreferral:service", args=[befriending.oruk_id])).json()
    assert body["id"] == str(befriending.oruk_id) and body["organization"]["id"] == str(befriending.provider.oruk_id)
    assert body["schedules"][0]["description"] == "Tuesdays 10am to 12 noon"
    address = body["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["address_1"], address["postal_code"], address["country"]) == ("12 Main Street, Rotherham",
                                                                                 "S60 1AA", "GB")
    assert body["attributes"][0]["taxonomy_term_id"] == str(category_term_id("befriending"))
    again = client.get(reverse("openreferral:service", args=[befriending.oruk_id])).json()
    assert again == body  # the same ids on every read


def test_the_schemas_do_catch_a_wrong_service(client, directory):
    """The check above can fail: a status outside the profile's, an id that is no UUID, an email that is none."""
    body = client.get(reverse("openreferral:service", args=[directory[0].oruk_id])).json()
    wrong = {**body, "status": "open", "id": "42", "email": "not an email"}
    messages = " ".join(e.message for e in _validator("service.json").iter_errors(wrong))
    assert "'open' is not one of" in messages and "'42' is not a 'uuid'" in messages and "email" in messages


def test_filters_and_paging(client, directory):
    befriending, walking = directory
    url = reverse("openreferral:services")
    assert [s["name"] for s in client.get(url, {"search": "weekly"}).json()["contents"]] == ["Phone friends"]
    term = str(category_term_id("physical_activity"))
    assert [s["name"] for s in client.get(url, {"taxonomy_term_id": term}).json()["contents"]] == ["Walking group"]
    by_provider = client.get(url, {"organization_id": str(walking.provider.oruk_id)}).json()
    assert [s["name"] for s in by_provider["contents"]] == ["Walking group"]
    Service.objects.filter(pk=befriending.pk).update(updated_at=timezone.now() - dt.timedelta(days=30))
    recent = client.get(url, {"modified_after": (timezone.now() - dt.timedelta(days=1)).isoformat()}).json()
    assert [s["name"] for s in recent["contents"]] == ["Walking group"]
    second = client.get(url, {"per_page": "1", "page": "2"}).json()
    _valid(_page_validator(), second)
    assert (second["size"], second["total_pages"], second["first_page"], second["last_page"]) == (1, 2, False, True)
    beyond = client.get(url, {"per_page": "1", "page": "9"}).json()
    assert beyond["contents"] == [] and beyond["empty"]


@pytest.mark.parametrize(("params", "named"), [
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"per_page": "100000"}, "per_page"),
    ({"taxonomy_term_id": str(uuid.uuid4())}, "taxonomy_term_id"), ({"organization_id": "nope"}, "organization_id"),
    ({"modified_after": "yesterday"}, "modified_after"), ({"modified_after": "2026-11-01"}, "modified_after"),
    ({"postcode": "S60 1AA"}, "postcode and proximity"), ({"proximity": "x", "postcode": "S60 1AA"}, "proximity"),
    ({"postcode": "nowhere", "proximity": "100"}, "postcode nowhere"),
    ({"day": "Monday"}, "day"), ({"minimum_age": "18"}, "minimum_age"),
])
def test_a_bad_parameter_is_refused_naming_it(client, directory, params, named):
    response = client.get(reverse("openreferral:services"), params)
    assert response.status_code == 400 and named in response.json()["error"]


def test_services_within_a_distance_of_a_postcode(client, directory):
    near, far = Postcode.objects.create(postcode="S60 1AA", latitude=53.43, longitude=-1.36), \
        Postcode.objects.create(postcode="S81 7AA", latitude=53.30, longitude=-1.12)
    Service.objects.filter(pk=directory[1].pk).update(postcode=far.postcode)
    url = reverse("openreferral:services")
    close = client.get(url, {"postcode": near.postcode, "proximity": "1000"}).json()
    assert [s["name"] for s in close["contents"]] == ["Phone friends"]  # the other is about 22 km away
    wide = client.get(url, {"postcode": near.postcode, "proximity": "50000"}).json()
    assert [s["name"] for s in wide["contents"]] == ["Phone friends", "Walking group"]


def test_an_unknown_service_is_404_in_json(client, directory):
    response = client.get(reverse("openreferral:service", args=[uuid.uuid4()]))
    assert response.status_code == 404 and "no service" in response.json()["error"]


def test_the_api_describes_itself(client):
    body = client.get(reverse("openreferral:meta")).json()
    assert body["version"] == "3.0" and body["openapi_url"].endswith("openapi.json")


def test_anyone_may_read_it_and_nobody_may_write(client, client_for, manager, gp_a, directory):
    for reader in (client, client_for(manager), client_for(gp_a)):
        assert reader.get(reverse("openreferral:services")).status_code == 200
    assert client.post(reverse("openreferral:services")).status_code == 405


def test_the_list_takes_the_same_queries_for_any_size(client, directory, django_assert_num_queries):
    url = reverse("openreferral:services")
    with django_assert_num_queries(2):  # the count, the page
        client.get(url)
    provider = ProviderFactory()
    for n in range(30):
        ServiceFactory(provider=provider, name=f"Group {n:02d}")
    with django_assert_num_queries(2):
        assert len(client.get(url, {"per_page": "20"}).json()["contents"]) == 20
