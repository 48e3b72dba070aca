"""Recording who saw which patient (referrals.models.AccessEvent). Views call `record` after fetching through
the access-rule selectors, with the people the page shows."""

from collections.abc import Iterable

from django.http import HttpRequest

from referrals.models import AccessAction, AccessEvent, Patient, Referral
from sps.client_ip import client_ip


def _address(request: HttpRequest) -> str | None:
    return client_ip(request)


def record(request: HttpRequest, action: str, what: str, *, referrals: Iterable[Referral] = (),
           patients: Iterable[Patient] = ()) -> None:
    """One row per person shown (one query), or one row without a person (an import, an empty list)."""
    rows = [AccessEvent(user=request.user, action=action, what=what, patient_id=r.patient_id, referral=r,
                        ip_address=_address(request)) for r in referrals]
    rows += [AccessEvent(user=request.user, action=action, what=what, patient=p, ip_address=_address(request))
             for p in patients]
    AccessEvent.objects.bulk_create(rows or [AccessEvent(user=request.user, action=action, what=what,
                                                         ip_address=_address(request))])


def record_command_import(user, what: str) -> None:
    """An import made on the command line: no request, no address; the user is whoever ran it (`--user`) or the
    inactive system login."""
    AccessEvent.objects.create(user=user, action=AccessAction.IMPORTED, what=what[:200])


VIEWED, LISTED, PRINTED, EXPORTED, IMPORTED = (AccessAction.VIEWED, AccessAction.LISTED, AccessAction.PRINTED,
                                                AccessAction.EXPORTED, AccessAction.IMPORTED)
