"""The contract dashboard is the manager's: who may open it, its CSV downloads, a bad period, its query count."""

import csv
import io

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
    _programme(2)
    client = client_for(manager)
    with django_assert_num_queries(14):
        page = client.get(URL).text
    assert page.count("<td>GR-") == 2
    _programme(4)
    with django_assert_num_queries(14):
        page = client.get(URL).text
    assert page.count("<td>GR-") == 6
