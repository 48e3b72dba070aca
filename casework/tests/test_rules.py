"""What a user may do with a referral now is one rule each (referrals.rules.ReferralRule), asked by the page
and by the service. These tests hold the two together: for every rule, role and status, the service acts
exactly when the rule says the page may offer it, and the referral page offers exactly what the rules allow."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from casework import services as casework_services
from outcomes import services as outcome_services
from providers import services as provider_services
from providers.tests.factories import ProviderFactory
from referrals import services as referral_services
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

PERSONAS = ["gp_a", "adviser_a", "provider_staff", "manager", "commissioner"]


def _acts(service, **arguments) -> bool:
    """Whether the service acts; whatever it wrote is rolled back."""
    try:
        with transaction.atomic():
            service(**arguments)
            transaction.set_rollback(True)
    except (ValidationError, PermissionDenied):
        return False
    return True


# rule: (the service that enforces it, its other arguments for a valid request)
RULES = {
    "withdraw": (referral_services.can_withdraw, referral_services.referral_withdraw, {"reason": "Referred in error."}),
    "accept": (referral_services.can_decide, referral_services.referral_accept, {}),
    "decline": (referral_services.can_decide, referral_services.referral_decline, {"reason": "Not eligible."}),
    "assign": (referral_services.can_assign, referral_services.referral_assign, {"adviser": "adviser_a"}),
    "edit": (referral_services.can_edit, referral_services.referral_update,
             {"version": 1, "reason": "Lives alone and is lonely."}),
    "close": (referral_services.can_close, referral_services.referral_close, {"reason": "goals_met"}),
    "reopen": (referral_services.can_reopen, casework_services.referral_reopen, {"reason": "Asked for help again."}),
    "record consent": (referral_services.can_record_consent, referral_services.patient_consent_record,
                       {"consent_referral": True, "consent_share": True, "how": "phone", "given_on": "today"}),
    "edit contact": (referral_services.can_edit_contact, referral_services.patient_contact_update,
                     {"address": "12 Church Lane, Wickersley", "postcode": "S66 1AB", "phone": "01709 123456"}),
    "record": (outcome_services.can_record, outcome_services.assessment_record,
               {"date": "today", "kind": "phone", "needs": []}),
    "refer on": (provider_services.can_refer_on, provider_services.onward_referral_create,
                 {"kind": "signpost", "destination": "Citizens Advice"}),
    "ask for a spot purchase": (provider_services.can_ask_for_spot_purchase,
                                provider_services.spot_purchase_request,
                                {"provider": "provider", "description": "Taxi to a group", "reason": "None near",
                                 "cost": Decimal(40)}),
}


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_service_acts_exactly_when_the_rule_allows(request, rule, status, persona, adviser_a, practice_a):
    can, service, arguments = RULES[rule]
    user = request.getfixturevalue(persona)
    referral = ReferralFactory(patient__practice=practice_a, status=status,
                               referral_date=today() - dt.timedelta(days=30),
                               adviser=adviser_a if status != Status.RECEIVED else None)
    values = {"adviser_a": adviser_a, "today": today(), "provider": ProviderFactory()}
    arguments = {key: values.get(value, value) if isinstance(value, str) else value
                 for key, value in arguments.items()}
    allowed = can(referral, user)  # asked first: the service changes the referral it is given
    assert _acts(service, referral=referral, by=user, **arguments) == allowed


def test_rules_allow_something_to_someone():
    """A rule that allowed nobody would pass the test above by refusing everything."""
    for can, _, _ in RULES.values():
        assert can.roles and can.statuses


BUTTONS = {"withdraw": "Withdraw referral", "decide": "Accept and take on", "record": "Record a visit",
           "edit": ">Edit<", "close": ">Close<", "reopen": ">Reopen<", "refer_on": "Find a service",
           "ask_for_spot_purchase": "Ask for a spot purchase", "assign": "Assign to an adviser",
           "record_consent": "Record consent", "edit_contact": "Edit contact details"}


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "manager"])
def test_the_referral_page_offers_exactly_what_the_rules_allow(request, client_for, status, persona, practice_a):
    user = request.getfixturevalue(persona)
    referral = ReferralFactory(patient__practice=practice_a, status=status)
    page = client_for(user).get(reverse("casework:referral", args=[referral.pk]))
    can = page.context["can"]
    for action, text in BUTTONS.items():
        assert (text in page.text) == can[action], action
