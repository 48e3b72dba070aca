"""GP staff see the referral's status, dates and outcome, never the adviser's own notes (domain.md): not the
closing note, not why it was reopened, not in the timeline nor in the list of changes."""

import pytest
from django.urls import reverse

from casework.services import referral_reopen
from referrals.models import Status
from referrals.services import referral_close
from referrals.tests.factories import ReferralFactory

CLOSING_NOTE = "Moved in with her daughter; low mood again after the funeral"
REOPEN_REASON = "Daughter rang: she is struggling at home again"


@pytest.fixture
def reopened_then_closed(practice_a, adviser_a):
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a)
    referral_close(referral=referral, by=adviser_a, reason="other", note=CLOSING_NOTE)
    referral_reopen(referral=referral, by=adviser_a, reason=REOPEN_REASON)
    referral_close(referral=referral, by=adviser_a, reason="other", note=CLOSING_NOTE)
    return referral


def test_gp_staff_never_see_the_advisers_notes(client_for, gp_a, reopened_then_closed):
    page = client_for(gp_a).get(reverse("casework:referral", args=[reopened_then_closed.pk])).text
    assert "Closed" in page and "Reopened" in page  # what happened, and when
    assert CLOSING_NOTE not in page and REOPEN_REASON not in page


@pytest.mark.parametrize("persona", ["adviser_a", "manager"])
def test_those_supporting_the_person_see_them(request, client_for, persona, reopened_then_closed):
    page = client_for(request.getfixturevalue(persona)).get(
        reverse("casework:referral", args=[reopened_then_closed.pk])).text
    assert CLOSING_NOTE in page and REOPEN_REASON in page
