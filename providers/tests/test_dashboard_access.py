"""The contract dashboard is the manager's: who may open it, its CSV downloads, a bad period, its query count."""

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from providers.models import OnwardStatus
from providers.tests.factories import (
    GrantFactory,
    OnwardReferralFactory,
    ProviderFactory,
    ServiceFactory,
    SpotPurchaseFactory,
)
from sps.lib.dates import today
from sps.periods import financial_year, financial_year_of

URL = reverse("providers:dashboard")
GRANT_HEADER = ("Grant,Provider,Services,Flags,Target (pro rata),Received,Capacity,Supported now,Accepted %,"
                "Median days to start,Completed %,Did not attend %,Continued %,Spend in period (£)")
PROVIDER_HEADER = ("Provider,Onward referrals,Of which commissioned,Grant spend (£),Spot purchases,"
                   "Spot purchase spend (£),Total spend (£)")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_manager_sees_the_dashboard(client_for, manager):
    GrantFactory(ref="GR-AGE", provider=ProviderFactory(name="Age UK Rotherham"))
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    assert "Contract dashboard" in response.text
    assert "GR-AGE" in response.text and "Age UK Rotherham" in response.text


@pytest.mark.parametrize("persona", ["adviser_a", "gp_a", "provider_staff", "commissioner"])
def test_everyone_but_the_manager_gets_404(request, client_for, persona):
    user = request.getfixturevalue(persona)
    GrantFactory(ref="GR-AGE")
    client = client_for(user)
    for params in [{}, {"download": "grants"}, {"download": "providers"}]:
        response = client.get(URL, params)
        assert response.status_code == 404
        assert "GR-AGE" not in response.content.decode()


def test_not_logged_in_is_sent_to_login(client):
    response = client.get(URL)
    assert (response.status_code, response.url) == (302, f"/accounts/login/?next={URL}")


def test_grants_csv_has_the_header_and_a_row_per_grant(client_for, manager):
    service = ServiceFactory(name="Telephone befriending", provider=ProviderFactory(name="Age UK Rotherham"))
    GrantFactory(ref="GR-AGE", provider=service.provider, services=[service])
    response = client_for(manager).get(URL, {"period": "fy2026", "download": "grants"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="grants_2026-04-01_2027-03-31.csv"'
    assert response.content.decode("utf-8-sig").splitlines()[0] == GRANT_HEADER
    header, *rows = _csv(response)
    assert header == GRANT_HEADER.split(",")
    [[ref, provider, services, flags, *figures]] = rows
    assert (ref, provider, services) == ("GR-AGE", "Age UK Rotherham", "Telephone befriending")
    assert flags.startswith("Under target: 0 received, ") or flags == "On track"  # how far into the year today is
    assert figures == ["40", "0", "10", "0", "", "", "", "", "", "10000.00"]


def test_providers_csv_has_the_header(client_for, manager):
    response = client_for(manager).get(URL, {"download": "providers"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines()[0] == PROVIDER_HEADER


def test_csv_without_a_period_is_this_financial_year(client_for, manager):
    start, end = financial_year(financial_year_of(today()))
    response = client_for(manager).get(URL, {"download": "grants"})
    assert response["Content-Disposition"] == f'attachment; filename="grants_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"'


def test_csv_follows_a_custom_period(client_for, manager):
    response = client_for(manager).get(URL, {"period": "custom", "start": "2026-04-01", "end": "2026-06-30",
                                             "download": "grants"})
    assert response["Content-Disposition"] == 'attachment; filename="grants_2026-04-01_2026-06-30.csv"'


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-06-30", "2026-04-01", "The period ends before it starts."),
    ("2026-04-01", "", "Give both dates of a custom period."),
])
def test_bad_custom_period_shows_the_message_and_this_financial_year(client_for, manager, start, end, message):
    response = client_for(manager).get(URL, {"period": "custom", "start": start, "end": end})
    assert response.status_code == 200
    assert message in response.text
    assert "Showing this financial year." in response.text
    fy_start, fy_end = financial_year(financial_year_of(today()))
    assert f"{fy_start:%d/%m/%Y} to {fy_end:%d/%m/%Y}" in response.text


def _programme(n: int) -> None:
    """n funded providers, each with two services, onward referrals at several stages and a spot purchase."""
    for _ in range(n):
        provider = ProviderFactory()
        services = [ServiceFactory(provider=provider), ServiceFactory(provider=provider)]
        GrantFactory(provider=provider, services=services)
        for status in [OnwardStatus.SENT, OnwardStatus.ACCEPTED, OnwardStatus.STARTED, OnwardStatus.COMPLETED]:
            OnwardReferralFactory(service=services[0], status=status)
        SpotPurchaseFactory(provider=provider, status="approved", decided_date=today())


def test_query_count_does_not_grow_with_grants(client_for, manager, django_assert_num_queries):
    """Session, user, second factor, a query for each list's page (counted beside its rows), the figures for the
    rows shown, the totals, the session saved: the same for 2 grants as for 27, on any page (issue 13)."""
    _programme(2)
    client = client_for(manager)
    with django_assert_num_queries(18):
        page = client.get(URL).text
    assert page.count("<td>GR-") == 2
    _programme(25)
    with django_assert_num_queries(18):
        page = client.get(URL).text
    assert page.count("<td>GR-") == 25 and "Page 1 of 2 (27 grants)" in page and "Page 1 of 2 (27 providers)" in page
    with django_assert_num_queries(18):
        page = client.get(URL, {"grants_page": "2", "providers_page": "2"}).text
    assert page.count("<td>GR-") == 2 and "Page 2 of 2 (27 grants)" in page


def _charts(page: str) -> dict:
    return json.loads(page.split('<script id="charts-data" type="application/json">')[1].split("</script>")[0])


def test_a_national_programme_is_shown_a_page_at_a_time_but_downloaded_whole(client_for, manager):
    """27 grants and providers: 25 a page, each chart a bar for each row on its page, every row in the CSVs."""
    _programme(27)
    client = client_for(manager)
    page = client.get(URL).text
    charts = _charts(page)
    assert (len(charts["grants"]["labels"]), len(charts["spend"]["labels"])) == (25, 25)
    assert 'href="?grants_page=2">Next</a>' in page and 'href="?providers_page=2">Next</a>' in page
    charts = _charts(client.get(URL, {"grants_page": "2"}).text)
    assert (len(charts["grants"]["labels"]), len(charts["spend"]["labels"])) == (2, 25)
    assert len(_csv(client.get(URL, {"download": "grants", "grants_page": "2"}))) == 1 + 27
    assert len(_csv(client.get(URL, {"download": "providers", "provider": "nothing like it"}))) == 1 + 27


def test_flagged_grants_come_first_and_can_be_shown_alone(client_for, manager):
    """26 grants on track (no target, no capacity) by providers named A...; one under target, by Zed, last by
    name: it heads the first page, and is alone with "flagged grants only"."""
    for n in range(26):
        GrantFactory(ref=f"GR-OK{n:02d}", provider=ProviderFactory(name=f"A{n:02d} Trust"), target_referrals=None,
                     services=[ServiceFactory(capacity=None)])
    GrantFactory(ref="GR-BEHIND", provider=ProviderFactory(name="Zed Club"), target_referrals=400,
                 start_date=today() - dt.timedelta(days=30), end_date=today() + dt.timedelta(days=30))
    client = client_for(manager)
    page = client.get(URL).text
    assert page.index("<td>GR-BEHIND</td>") < page.index("<td>GR-OK00</td>")
    assert "&#9888;</span> 1 grant flagged</h3>" in page
    assert "<strong>GR-BEHIND</strong> (Zed Club): Under target" in page
    page = client.get(URL, {"flagged": "on"}).text
    assert page.count("<td>GR-") == 1 and "1 grant matches the filters" in page


def test_a_typed_provider_name_narrows_both_lists(client_for, manager):
    _programme(3)
    GrantFactory(ref="GR-AGE", provider=ProviderFactory(name="Age UK Rotherham"))
    page = client_for(manager).get(URL, {"provider": "  age   uk "}).text
    assert page.count("<td>GR-") == 1 and "<td>GR-AGE</td>" in page
    assert "Showing this financial year." not in page  # no period chosen is no mistake
    assert "1 provider matches the name" in page and "<td>Age UK Rotherham</td>" in page
    assert 'value="  age   uk "' in page  # kept in the box as typed


@pytest.mark.parametrize("number", ["0", "-1", "abc", "2.5", "99999999999999999999", "²", "3", ""])
def test_any_page_number_gives_a_page(client_for, manager, number):
    """Not a page of the list (too large, not a number, "²" which str.isdigit() takes for a digit): the first page,
    never a 500 nor an error from the database (OFFSET past bigint)."""
    _programme(2)
    response = client_for(manager).get(URL, {"grants_page": number, "providers_page": number})
    assert response.status_code == 200
    assert response.text.count("<td>GR-") == 2


@pytest.mark.parametrize(("typed", "message"), [
    ("x" * 101, "Provider name: The provider name must be 100 characters or fewer: you entered 101."),
    ("Age\x00UK", "Provider name: Type the provider name in letters, numbers and punctuation only."),
])
def test_a_bad_provider_name_says_why_and_shows_every_provider(client_for, manager, typed, message):
    _programme(2)
    response = client_for(manager).get(URL, {"provider": typed, "flagged": "on"})
    assert response.status_code == 200
    assert message in response.text and "Showing every provider." in response.text
    assert 'aria-describedby="provider-error"' in response.text
    assert response.text.count("<td>GR-") == 2  # flagged only still applies: both are under target
