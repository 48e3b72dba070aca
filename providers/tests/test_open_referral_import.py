"""A service directory read from another system's Open Referral UK feed (issue 14): added, then updated (not
duplicated) on a second read, categories mapped, bad services refused naming the service and the field with
nothing written, and a dry run that writes nothing."""

import copy
import io
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from providers.models import Provider, Service
from providers.tests.factories import ServiceFactory

EXAMPLES = Path(settings.BASE_DIR).parent / "shared" / "standards" / "openreferral-uk" / "examples"


def _service(**changes) -> dict:
    service = {"id": str(uuid.uuid4()), "name": "Men's shed", "description": "Woodwork and company",
               "status": "active", "email": "shed@example.org", "url": "https://example.org/shed",
               "organization": {"id": str(uuid.uuid4()), "name": "Rotherham Sheds", "description": "Sheds"},
               "service_areas": [{"id": str(uuid.uuid4()), "name": "Wath and Swinton"}],
               "schedules": [{"id": str(uuid.uuid4()), "description": "Thursdays 1pm to 4pm"}],
               "attributes": [{"id": str(uuid.uuid4()), "taxonomy_term": {
                   "id": str(uuid.uuid4()), "name": "Community activity", "description": "x"}}],
               "service_at_locations": [{"id": str(uuid.uuid4()), "location": {
                   "id": str(uuid.uuid4()), "location_type": "physical", "description": "Bus 220",
                   "addresses": [{"id": str(uuid.uuid4()), "address_1": "1 Station Road", "city": "Wath",
                                  "state_province": "", "postal_code": "s63 7aa", "country": "GB",
                                  "address_type": "physical"}]}}]}
    service.update(changes)
    return service


def _import(tmp_path, feed, *options) -> str:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed) if not isinstance(feed, str) else feed)
    out = io.StringIO()
    call_command("import_openreferral", str(path), *options, stdout=out)
    return out.getvalue()


def test_a_feed_is_read_then_read_again_as_an_update(db, tmp_path):
    feed = {"contents": [_service()]}
    assert "Added 1 service(s) and updated 0" in _import(tmp_path, feed)
    service = Service.objects.get()
    assert (service.name, service.category, service.area, service.postcode, service.address) == (
        "Men's shed", "community_activity", "Wath and Swinton", "S63 7AA", "1 Station Road, Wath")
    assert (service.opening_times, service.how_to_get_there, service.website) == (
        "Thursdays 1pm to 4pm", "Bus 220", "https://example.org/shed")
    assert service.provider.name == "Rotherham Sheds" and str(service.oruk_id) == feed["contents"][0]["id"]
    feed["contents"][0]["name"] = "Men's shed (Wath)"
    feed["contents"][0]["status"] = "temporarily closed"
    assert "Added 0 service(s) and updated 1" in _import(tmp_path, feed)
    service = Service.objects.get()
    assert (service.name, service.active, Provider.objects.count()) == ("Men's shed (Wath)", False, 1)


def test_our_own_published_directory_reads_back_the_same(client, db, tmp_path):
    published = ServiceFactory(name="Phone friends", category="befriending", postcode="S60 1AA", address="1 Road")
    body = client.get(reverse("openreferral:service", args=[published.oruk_id])).json()
    body["name"] = "Phone friends (renamed)"
    assert "updated 1" in _import(tmp_path, body)
    published.refresh_from_db()
    assert (published.name, published.category, published.postcode) == ("Phone friends (renamed)", "befriending",
                                                                         "S60 1AA")


def test_the_standards_example_page_is_read(db, tmp_path):
    assert "Added 1 service(s)" in _import(tmp_path, json.loads((EXAMPLES / "service_list.json").read_text()))
    assert Service.objects.get().category == "other"  # its taxonomy names none of ours


def test_a_long_area_is_cut_to_fit(db, tmp_path):
    _import(tmp_path, _service(service_areas=[{"id": str(uuid.uuid4()), "name": "x" * 300}]))
    assert len(Service.objects.get().area) == 100


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "name: is missing"),
    ({"id": "42"}, "id: must be a UUID"),
    ({"status": "open"}, "status: must be one of"),
    ({"email": "not-an-email"}, "email: 'not-an-email' is not a valid email"),
    ({"url": "ftp://x"}, "url: 'ftp://x' is not a valid url"),
    ({"organization": {"id": str(uuid.uuid4()), "name": ""}}, "organization.name: is missing"),
    ({"organization": {"name": "A"}}, "organization.id: must be a UUID"),
])
def test_a_bad_service_stops_the_file_naming_it_and_the_field(db, tmp_path, change, message):
    good = _service(name="Good one")
    with pytest.raises(CommandError) as error:
        _import(tmp_path, [good, _service(**change)])
    assert "Nothing was imported" in str(error.value) and "Service 2" in str(error.value)
    assert message in str(error.value)
    assert not Service.objects.exists() and not Provider.objects.exists()


def test_a_postcode_that_is_not_one_is_refused(db, tmp_path):
    feed = json.loads((EXAMPLES / "service_full.json").read_text())  # the standard's example is American
    with pytest.raises(CommandError, match="postal_code"):
        _import(tmp_path, feed)
    assert not Service.objects.exists()


def test_a_dry_run_writes_nothing(db, tmp_path):
    assert "Would add 1 service(s)" in _import(tmp_path, _service(), "--dry-run")
    assert not Service.objects.exists()


@pytest.mark.parametrize(("text", "message"), [('{"contents": [', "is not JSON: line 1"),
                                             ("42", "not an Open Referral")])
def test_a_file_that_is_not_a_feed_is_refused(db, tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        _import(tmp_path, text)


def test_each_read_is_kept_in_the_services_history(db, tmp_path):
    feed = _service()
    _import(tmp_path, feed)
    _import(tmp_path, {**copy.deepcopy(feed), "name": "Renamed"})
    assert Service.objects.get().history.count() == 2
