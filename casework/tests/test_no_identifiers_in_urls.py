"""NHS numbers and names never travel in a URL, where proxies and server logs keep them: no link, form
action or redirect the application makes holds one, for any role, on any page that shows people."""

import re

import pytest
from django.urls import reverse

from providers.tests.factories import OnwardReferralFactory, ServiceFactory, SpotPurchaseFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory

URL_ATTRIBUTE = re.compile(r'(?:href|action|src)="([^"]*)"')


@pytest.fixture
def people(practice_a, adviser_a, provider_staff):
    referrals = [ReferralFactory(patient__practice=practice_a, patient__given_name="Winifred",
                                 patient__family_name="Quarmby", status=Status.ACTIVE, adviser=adviser_a),
                 ReferralFactory(patient__practice=practice_a, patient__given_name="Ebenezer",
                                 patient__family_name="Throssell", status=Status.RECEIVED)]
    service = ServiceFactory(provider=provider_staff.provider)
    OnwardReferralFactory(referral=referrals[0], service=service)
    SpotPurchaseFactory(referral=referrals[0], provider=provider_staff.provider, requested_by=adviser_a)
    return referrals


def _identifiers(referrals) -> list[str]:
    return [value.lower() for r in referrals
            for value in (r.patient.nhs_number, r.patient.given_name, r.patient.family_name)]


PAGES = {
    "gp_a": ["referrals:list", "referral", "referrals:find_patient", "referrals:patient_create"],
    "adviser_a": ["referrals:list", "referral", "casework:caseload", "summary", "providers:spot_purchases",
                  "providers:directory"],
    "manager": ["referrals:list", "referral", "summary", "providers:spot_purchases", "reports:overview"],
    "provider_staff": ["providers:inbox", "providers:spot_purchases"],
}


@pytest.mark.parametrize("persona", sorted(PAGES))
def test_no_link_holds_a_name_or_nhs_number(request, client_for, persona, people):
    client = client_for(request.getfixturevalue(persona))
    client.post(reverse("referrals:find_patient"), {"nhs_number": people[0].patient.nhs_number})
    urls = []
    for name in PAGES[persona]:
        if name in ("referral", "summary"):
            name, args = f"casework:{name}", [people[0].pk]
        else:
            args = []
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        urls += URL_ATTRIBUTE.findall(response.text)
    shown = " ".join(urls).lower()
    assert urls and not [value for value in _identifiers(people) if value in shown]


def test_searches_redirect_without_the_term(client_for, manager, people):
    response = client_for(manager).post(reverse("referrals:list"), {"q": "Quarmby"})
    assert response.status_code == 302 and "quarmby" not in response["Location"].lower()
