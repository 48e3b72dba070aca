"""Every route of the site, by GET and by POST, against every persona, with the objects of practice A (and its
provider) and of practice B (and another provider): who gets through, that everyone else gets 404 (or 405 for
a method the route never takes), and that nobody signed in is sent to the sign-in page. A new route fails
`test_every_route_is_in_the_matrix` until it is added here, with who may use it."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from providers.tests.factories import OnwardReferralFactory, ProviderFactory, ServiceFactory, SpotPurchaseFactory
from referrals.models import ClinicalCode, Status
from referrals.tests.factories import PatientFactory, PatientMoveRequestFactory, ReferralFactory
from reports.imports.uploads import rejects_path
from reports.models import ImportBatch, ImportRun
from sps.models import Role
from sps.tests.factories import UserFactory
from sps.tests.signin import sign_in

PERSONAS = ["gp_a", "gp_b", "adviser_a", "adviser_other", "provider_staff", "provider_other", "manager",
            "commissioner"]
ADVISERS = {"adviser_a", "adviser_other"}
GPS = {"gp_a", "gp_b"}
PROVIDERS = {"provider_staff", "provider_other"}
# With practice B's objects, each persona of A stands in for their counterpart of B, and the other way round.
MIRROR = {"gp_a": "gp_b", "gp_b": "gp_a", "adviser_a": "adviser_other", "adviser_other": "adviser_a",
          "provider_staff": "provider_other", "provider_other": "provider_staff"}
METHODS = ("get", "post")

# route name: (the method it is used with, the personas who get through with practice A's objects; everyone
# else gets 404, or 405 for a method the route does not take).
MATRIX = {
    "home": ("get", set(PERSONAS)),
    "two_factor": ("get", set(PERSONAS)),
    "referrals:list": ("get", GPS | ADVISERS | {"manager"}),
    "referrals:find_patient": ("get", GPS | {"manager"}),
    "referrals:patient_create": ("get", GPS),
    "referrals:create": ("get", {"gp_a"}),
    "referrals:withdraw": ("get", {"gp_a"}),
    "referrals:accept": ("post", {"adviser_a"}),
    "referrals:decline": ("get", {"adviser_a"}),
    "referrals:assign": ("post", {"manager"}),
    "referrals:edit": ("get", {"adviser_a", "manager"}),
    "referrals:access_log": ("get", {"manager"}),
    "referrals:move_request": ("get", GPS),
    "referrals:move_requests": ("get", {"manager"}),
    "referrals:move_patient": ("post", {"manager"}),
    "referrals:consent": ("get", {"adviser_a", "manager"}),
    "referrals:contact": ("get", {"adviser_a", "manager"}),
    "casework:referral": ("get", {"gp_a", "adviser_a", "manager"}),
    "casework:caseload": ("get", ADVISERS),
    "casework:close": ("get", {"adviser_a", "manager"}),
    "casework:reopen": ("get", {"adviser_a", "manager"}),
    "casework:summary": ("get", {"adviser_a", "manager"}),
    "outcomes:home_visit": ("get", {"adviser_a", "manager"}),
    "providers:directory": ("get", ADVISERS | {"manager"}),
    "providers:onward_create": ("get", {"adviser_a", "manager"}),
    "providers:onward_create_other": ("get", {"adviser_a", "manager"}),
    "providers:onward_status": ("post", {"adviser_a", "manager", "provider_staff"}),
    "providers:onward_continued": ("post", {"adviser_a", "manager", "provider_staff"}),
    "providers:inbox": ("get", PROVIDERS),
    "providers:spot_purchases": ("get", ADVISERS | PROVIDERS | {"manager"}),
    "providers:spot_purchase_create": ("get", {"adviser_a"}),
    "providers:spot_purchase_decide": ("post", {"manager"}),
    "providers:dashboard": ("get", {"manager"}),
    "reports:evaluation": ("get", {"manager", "commissioner"}),
    "reports:overview": ("get", {"manager"}),
    "reports:imports": ("get", {"manager"}),
    "reports:import_run": ("get", {"manager"}),
    "reports:import_confirm": ("post", {"manager"}),
    "reports:import_rejects": ("get", {"manager"}),
    "reports:import_example": ("get", {"manager"}),
    "casework:clinical_codes": ("get", {"manager"}),
    "casework:clinical_code": ("get", {"manager"}),
    "letters:letter": ("get", {"gp_a", "adviser_a", "manager"}),
    "letters:outbox": ("get", {"manager"}),
    "casework:subject_access": ("get", {"manager"}),
    "casework:retention": ("get", {"manager"}),
}

# Django's own: the admin (tested in sps/tests/test_home_and_admin.py) and sign-in and password reset.
NOT_OURS = {"admin", None}
# The Open Referral UK directory is published to anyone (providers/tests/test_open_referral.py).
PUBLIC = {"openreferral:meta", "openreferral:services", "openreferral:service"}
OPEN_TO_ALL = {"login", "logout", "password_change", "password_change_done", "password_reset",
               "password_reset_done", "password_reset_confirm", "password_reset_complete"}


def _route_names(resolver: URLResolver = None, namespace: str | None = None) -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace not in NOT_OURS:
                names |= _route_names(entry, entry.namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace:
            names.add(f"{namespace}:{entry.name}")
        elif isinstance(entry, URLPattern) and entry.name not in OPEN_TO_ALL:
            names.add(entry.name)
    return names


def test_every_route_is_in_the_matrix():
    assert _route_names() == set(MATRIX) | PUBLIC



@pytest.fixture
def provider_other(db):
    return UserFactory(username="provider_other", role=Role.PROVIDER_STAFF, provider=ProviderFactory())


def _objects(practice, adviser, provider) -> dict:
    referral = ReferralFactory(patient__practice=practice, adviser=adviser, status=Status.ACTIVE)
    service = ServiceFactory(provider=provider)
    return {"referral": referral, "service": service, "patient": PatientFactory(practice=practice),
            "onward": OnwardReferralFactory(referral=referral, service=service),
            "purchase": SpotPurchaseFactory(referral=referral, requested_by=adviser, provider=provider),
            "move": PatientMoveRequestFactory(to_practice=practice),
            "token": "a" * 32, "batch": ImportBatch.objects.create(kind="practices", file_name="p.csv"),
            "kind": "practices", "code": ClinicalCode.objects.get(meaning="referred"), "file_format": "json"}


@pytest.fixture
def sites(gp_a, gp_b, adviser_a, adviser_other, provider_staff, provider_other, tmp_path, settings, national_codes):
    """Practice A's referral with an onward referral to the provider staff's organisation and a spot purchase,
    a patient to refer; the same at practice B with the other provider. An import waits to be confirmed in
    each persona's session (see `_client`)."""
    settings.IMPORT_DIR = tmp_path
    return {"a": _objects(gp_a.practice, adviser_a, provider_staff.provider),
            "b": _objects(gp_b.practice, adviser_other, provider_other.provider)}


# The URL arguments each route takes; routes not named here take the referral's pk as `pk`.
ARGUMENTS = {
    "home": {}, "two_factor": {}, "referrals:list": {}, "referrals:find_patient": {},
    "referrals:patient_create": {}, "referrals:access_log": {},
    "referrals:move_request": {}, "referrals:move_requests": {}, "referrals:move_patient": {"pk": "move"},
    "casework:caseload": {}, "providers:directory": {}, "providers:inbox": {}, "providers:spot_purchases": {},
    "providers:dashboard": {}, "reports:evaluation": {}, "reports:overview": {}, "reports:imports": {},
    "referrals:create": {"patient_pk": "patient"},
    "casework:summary": {"referral_pk": "referral"}, "outcomes:home_visit": {"referral_pk": "referral"},
    "providers:onward_create_other": {"referral_pk": "referral"},
    "providers:spot_purchase_create": {"referral_pk": "referral"},
    "providers:onward_create": {"referral_pk": "referral", "service_pk": "service"},
    "providers:onward_status": {"pk": "onward"}, "providers:onward_continued": {"pk": "onward"},
    "providers:spot_purchase_decide": {"pk": "purchase"},
    "reports:import_confirm": {"token": "token"}, "reports:import_run": {"token": "token"},
    "reports:import_rejects": {"batch_pk": "batch"},
    "reports:import_example": {"kind": "kind"},
    "casework:clinical_codes": {}, "casework:clinical_code": {"pk": "code"},
    "letters:letter": {"referral_pk": "referral"}, "letters:outbox": {},
    "casework:subject_access": {"patient_pk": "patient", "file_format": "file_format"}, "casework:retention": {},
}


def _url(name: str, site: dict) -> str:
    arguments = ARGUMENTS.get(name, {"pk": "referral"})
    return reverse(name, kwargs={key: getattr(site[thing], "pk", site[thing]) for key, thing in arguments.items()})


def _client(user, site: dict) -> Client:
    """Signed in as `user`, with a checked upload of theirs waiting to be confirmed and rejected rows to
    download, so that the manager's import pages have something to show and only the role decides."""
    client = sign_in(Client(), user)
    ImportRun.objects.create(token=site["token"], requested_by=user, kind="practices", file_name="p.csv",
                             status=ImportRun.Status.DONE, batch=site["batch"])
    (settings.IMPORT_DIR / f"{site['token']}.csv").write_text("ods_code,name\n")
    rejects_path(site["token"]).write_text("line,error\n")
    return client


def allowed(name: str, practice: str) -> set[str]:
    through = MATRIX[name][1]
    return through if practice == "a" else {MIRROR.get(persona, persona) for persona in through}


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("practice", ["a", "b"])
@pytest.mark.parametrize("method", METHODS)
def test_who_gets_through_and_who_gets_404(request, sites, name, persona, practice, method):
    usual_method, _ = MATRIX[name]
    site = sites[practice]
    response = getattr(_client(request.getfixturevalue(persona), site), method)(_url(name, site))
    if persona in allowed(name, practice) and method == usual_method:
        assert response.status_code in (200, 302), response.status_code
    elif persona in allowed(name, practice):
        assert response.status_code in (200, 302, 405), response.status_code  # a GET page may take a POST
    else:
        assert response.status_code in (404, 405), response.status_code


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("method", METHODS)
def test_nobody_signed_in_is_sent_to_sign_in(client, sites, name, method):
    response = getattr(client, method)(_url(name, sites["a"]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
