"""Where services are (issue 12): each keeps its address, postcode, contact details, opening times and how to get
there, shown in the directory and the admin; a search by a postcode or district lists the nearest first, measured
from postcode centroids that come in through the `postcodes` import (here the demo borough's small file); without
a centroid the page says so and falls back to the area served."""

import io
import math
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from providers.demo import DEMO_POSTCODES, create_postcodes
from providers.models import Postcode
from providers.selectors import locate, service_directory
from providers.tests.factories import ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from reports.imports.run import run_import
from sps.tests.factories import UserFactory

URL = reverse("providers:directory")


def _import(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return run_import(kind="postcodes", stream=io.BytesIO(data), file_name="postcodes.csv", user=None)


@pytest.fixture
def centroids(db):
    """The demo borough's postcodes, through the import like any other file."""
    result = _import(Path(DEMO_POSTCODES).read_bytes())
    assert result.ok, result.file_error or [str(e) for e in result.errors]
    return result


@pytest.fixture
def services(centroids):
    """Maltby (S66 8AB), Rotherham town centre (S60 2TH), Wath (S63 7RL), one that rings people, and one whose
    postcode is not in the file."""
    return {
        "maltby": ServiceFactory(name="Maltby hub", address="High Street, Maltby", postcode="S66 8AB",
                                 area="Maltby and Dinnington"),
        "town": ServiceFactory(name="Town centre cafe", address="Moorgate, Rotherham", postcode="S60 2TH",
                               area="Rotherham South"),
        "wath": ServiceFactory(name="Wath walks", address="Wath Leisure Centre", postcode="S63 7RL",
                               area="Wath and Swinton"),
        "phone": ServiceFactory(name="Telephone befriending", area="Borough-wide"),
        "unknown": ServiceFactory(name="New hall club", address="New Hall", postcode="S66 9ZZ", area="Maltby"),
    }


def _names(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<td><strong>(.*?)</strong>", body)


def _row(page: str, name: str) -> str:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    [row] = [r for r in body.split("<tr>")[1:] if f"<strong>{name}</strong>" in r]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


# The import ---------------------------------------------------------------------------------------------------


def test_the_ons_file_imports_as_it_comes_its_other_columns_ignored(centroids):
    assert (centroids.counts.created, centroids.counts.ignored) == (38, 1)  # S66 8ZZ: the ONS cannot place it
    assert Postcode.objects.get(postcode="S66 8AB").latitude == pytest.approx(53.4232)
    again = _import(Path(DEMO_POSTCODES).read_bytes())
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 38)


def test_a_moved_centroid_is_updated_and_a_postcode_as_typed_is_stored_as_everywhere(centroids):
    result = _import("pcds,lat,long\ns668ab,53.5,-1.25\n")
    assert (result.counts.created, result.counts.updated) == (0, 1)
    assert Postcode.objects.get(postcode="S66 8AB").latitude == 53.5


@pytest.mark.parametrize(("row", "errors"), [
    ("S66 8AB,-1.2,53.4", ["line 3, lat: -1.2 is not in the United Kingdom (between 49 and 61)",
                           "line 3, long: 53.4 is not in the United Kingdom (between -9 and 2)"]),
    ("S66 8AB,53.4,", ["line 3, long: is required"]),
    ("S66 8AB,north,-1.2", ["line 3, lat: north is not a number of degrees"]),
    ("S66 8AB,nan,-1.2", ["line 3, lat: nan is not in the United Kingdom (between 49 and 61)"]),
    ("not a postcode,53.4,-1.2", ["line 3, pcds: not a postcode is not a UK postcode"]),
])
def test_a_bad_row_is_refused_by_line_and_column_and_nothing_is_written(db, row, errors):
    result = _import(f"pcds,lat,long\nS60 2TH,53.43,-1.35\n{row}\n")
    assert result.aborted and [str(e) for e in result.errors] == errors
    assert not Postcode.objects.exists()


def test_a_file_without_the_centroid_columns_is_refused_whole(db):
    result = _import("pcd,pcds,oslaua\nS66 8AB,S66 8AB,E08000018\n")
    assert result.file_error == "Required column missing: lat, long."


# Where a search measures from -------------------------------------------------------------------------------


def test_a_postcode_is_found_as_typed(centroids):
    located = locate("s66 8ab")
    assert (located.searched, located.place.name, located.note) == ("S66 8AB", "S66 8AB", "")
    assert (located.place.latitude, located.place.longitude) == pytest.approx((53.4232, -1.2012))


def test_a_district_is_the_middle_of_its_postcodes(centroids):
    located = locate("S66")
    assert located.place.name == "S66" and located.note == ""
    s66 = Postcode.objects.filter(postcode__startswith="S66 ")
    assert located.place.latitude == pytest.approx(sum(p.latitude for p in s66) / s66.count())


def test_a_postcode_not_in_the_directory_is_measured_from_its_district_and_says_so(centroids):
    located = locate("S66 9ZZ")
    assert located.place.name == "S66"
    assert located.note == "S66 9ZZ is not in the postcode directory: distances are from the middle of S66."


def test_nothing_known_says_so(centroids):
    located = locate("DN22 7AA")
    assert located.place is None
    assert located.note == "No location is known for DN22 7AA, so the services are not in order of distance."


@pytest.mark.smoke
def test_distances_are_worked_out_by_the_database_nearest_first(services, django_assert_num_queries):
    place = locate("S66 8AB").place
    with django_assert_num_queries(1):
        found = list(service_directory(near=place))
    assert [s.name for s in found][:3] == ["Maltby hub", "Town centre cafe", "Wath walks"]
    assert {s.name for s in found[3:]} == {"Telephone befriending", "New hall club"}  # no centroid: last
    miles = {s.name: s.miles for s in found}
    assert miles["Maltby hub"] == pytest.approx(0, abs=0.001)
    assert miles["Town centre cafe"] == pytest.approx(_haversine((53.4232, -1.2012), (53.4305, -1.3569)))
    assert miles["Wath walks"] == pytest.approx(_haversine((53.4232, -1.2012), (53.5030, -1.3440)))
    assert 6 < miles["Town centre cafe"] < 7 and 8 < miles["Wath walks"] < 9  # as a map shows them
    assert miles["Telephone befriending"] is None and miles["New hall club"] is None


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The same great-circle distance, in Python, in miles."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(h))


# The page -----------------------------------------------------------------------------------------------------


def test_searching_s66_lists_the_nearest_first_with_the_distance(client_for, adviser_a, services):
    page = client_for(adviser_a).get(URL, {"area": "S66"}).text
    assert _names(page)[:3] == ["Maltby hub", "Town centre cafe", "Wath walks"]
    assert len(_names(page)) == 5  # nobody is hidden: those with no place come last
    assert "Nearest first to S66:" in page
    assert "miles" in _row(page, "Maltby hub")
    assert "No fixed place" in _row(page, "Telephone befriending")
    assert "Not known for S66 9ZZ" in _row(page, "New hall club")


def test_a_postcode_nobody_can_place_falls_back_to_the_area_served(client_for, adviser_a, services):
    page = client_for(adviser_a).get(URL, {"area": "DN22 7AA"}).text
    assert "No location is known for DN22 7AA, so the services are not in order of distance." in page
    assert "whose area served matches DN22 7AA" in page
    assert _names(page) == ["Telephone befriending"]  # borough-wide; none serves "DN22 7AA" by name
    assert "<th scope=\"col\">Distance</th>" not in page


def test_without_any_centroids_imported_a_postcode_search_says_so(client_for, adviser_a, db):
    ServiceFactory(name="Maltby hub", area="Maltby", postcode="S66 8AB")
    ServiceFactory(name="Telephone befriending", area="Borough-wide")
    page = client_for(adviser_a).get(URL, {"area": "S66 8AB"}).text
    assert "No location is known for S66 8AB" in page
    assert _names(page) == ["Telephone befriending"]


def test_a_place_name_still_filters_by_the_area_served(client_for, adviser_a, services):
    page = client_for(adviser_a).get(URL, {"area": "wath"}).text
    assert set(_names(page)) == {"Wath walks", "Telephone befriending"}
    assert "Nearest first" not in page and "No location" not in page


def test_from_a_referral_the_persons_postcode_orders_the_list_and_stays_out_of_urls(client_for, practice_a,
                                                                                   adviser_a, services):
    referral = ReferralFactory(patient__practice=practice_a, patient__postcode="S63 7RL", status=Status.ACCEPTED,
                               needs=[])
    page = client_for(adviser_a).get(URL, {"referral": referral.pk}).text
    assert _names(page)[0] == "Wath walks"
    assert "Nearest first to the person's postcode, S63 7RL" in page
    urls = re.findall(r'(?:href|action|value)="([^"]*)"', page)
    assert not [url for url in urls if "S63" in url.upper() or "7RL" in url.upper()]


def test_from_a_referral_an_area_typed_wins_over_the_persons_postcode(client_for, practice_a, adviser_a, services):
    referral = ReferralFactory(patient__practice=practice_a, patient__postcode="S63 7RL", status=Status.ACCEPTED,
                               needs=[])
    page = client_for(adviser_a).get(URL, {"referral": referral.pk, "area": "S66 8AB"}).text
    assert _names(page)[0] == "Maltby hub"


def test_each_service_shows_where_when_and_how_to_get_in_touch(client_for, adviser_a, db):
    ServiceFactory(name="Maltby hub", address="High Street, Maltby", postcode="S66 8AB", phone="01709 812345",
                   email="hello@maltbyhub.example.org", website="https://maltbyhub.example.org/",
                   opening_times="Tuesdays 10am to 12 noon", how_to_get_there="Bus 10 stops outside")
    row = _row(client_for(adviser_a).get(URL).text, "Maltby hub")
    for shown in ["Address High Street, Maltby, S66 8AB", "Opening times Tuesdays 10am to 12 noon",
                  "Getting there Bus 10 stops outside", "Phone 01709 812345", "Email hello@maltbyhub.example.org",
                  "Website https://maltbyhub.example.org/"]:
        assert shown in row, shown
    page = client_for(adviser_a).get(URL).text
    assert 'href="tel:01709812345"' in page and 'href="mailto:hello@maltbyhub.example.org"' in page


def test_an_area_too_long_is_refused_with_a_message(client_for, adviser_a, db):
    page = client_for(adviser_a).get(URL, {"area": "x" * 101}).text
    assert "Type a postcode, a postcode district or a place of at most 100 characters." in page


def test_query_count_with_a_place_does_not_grow_with_services(client_for, adviser_a, services,
                                                              django_assert_num_queries):
    client = client_for(adviser_a)
    with django_assert_num_queries(9):  # the directory's eight (with its page count), and the postcode's centroid
        client.get(URL, {"area": "S66 8AB"})
    for postcode in ["S60 1AE", "S25 2AA", "S26 6AA", "S61 4NA"]:
        ServiceFactory(postcode=postcode, address="Somewhere")
    with django_assert_num_queries(9):
        page = client.get(URL, {"area": "S66 8AB"}).text
    assert len(_names(page)) == 9


# The model and the admin --------------------------------------------------------------------------------------


def test_a_postcode_is_stored_as_everywhere_else_and_a_bad_one_refused(db):
    service = ServiceFactory.build(provider=ServiceFactory().provider, postcode="s66  8ab")
    service.full_clean()
    assert service.postcode == "S66 8AB"
    service.postcode = "S66"
    with pytest.raises(ValidationError) as refused:
        service.full_clean()
    assert refused.value.message_dict == {"postcode": ["S66 is not a UK postcode"]}


def test_the_manager_keeps_the_details_in_the_admin(client_for, db):
    manager = UserFactory(username="boss", role="manager", is_staff=True)
    service = ServiceFactory(name="Maltby hub")
    page = client_for(manager).get(reverse("admin:providers_service_change", args=[service.pk])).text
    for label in ["Address", "Postcode", "Opening times", "How to get there", "Phone", "Email", "Website"]:
        assert f">{label}:</label>" in page, label


def test_the_demo_loads_its_postcodes_once_whatever_the_times_it_is_loaded(db):
    assert create_postcodes() == 38
    create_postcodes()
    assert Postcode.objects.count() == 38
