"""The letter to the GP practice (issue 14): what it says at each level of what the person allows, the PDF, the
FHIR STU3 ITK Document Bundle of GP Connect Send Document (checked by fhir.resources, and here for what that
library cannot check), the `gp_letter` command and the page."""

import base64
import datetime as dt
import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from letters.content import letter_for
from letters.fhir import NHS_NUMBER, ODS_CODE, PROFILES, NotConfigured, letter_message
from letters.pdf import letter_html, letter_pdf
from outcomes.models import Assessment
from outcomes.services import assessment_record
from outcomes.tests.factories import reading
from providers.tests.factories import OnwardReferralFactory
from referrals.models import AccessEvent, ClinicalCode, GpLetter, Status
from referrals.services import referral_close
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

REFERRAL_CODE, DECLINED_CODE = "871731000000106", "871711000000103"


@pytest.fixture(autouse=True)
def service_ods(settings, national_codes):
    settings.SERVICE_ODS_CODE = "NL3"
    settings.SERVICE_NAME = "Rotherham Social Prescribing Service"


@pytest.fixture
def closed(practice_a, adviser_a):
    """A referral seen twice, referred on, with a baseline and a discharge star, closed because the person
    declined further support; a need and a star area mapped to codes."""
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=120), patient__family_name="O'Neill",
                               needs=["befriending"])
    for days, needs in ((100, ["befriending", "information_advice"]), (20, [])):
        assessment_record(referral=referral, by=adviser_a, date=today() - dt.timedelta(days=days), kind="phone",
                          needs=needs)
    reading(referral, "baseline", today() - dt.timedelta(days=100), lifestyle=2)
    reading(referral, "discharge", today() - dt.timedelta(days=20), lifestyle=4)
    OnwardReferralFactory(referral=referral, status="started", started_date=today() - dt.timedelta(days=60))
    ClinicalCode.objects.create(meaning="need:befriending", concept_id="22298006", term="Befriending need")
    ClinicalCode.objects.create(meaning="area:lifestyle", concept_id="138875005", term="Lifestyle outcome")
    referral_close(referral=referral, by=adviser_a, reason="declined_support",
                   closed_date=today() - dt.timedelta(days=20))
    referral.refresh_from_db()
    return referral


def _shared(referral, level):
    referral.gp_letter = level
    referral.save()
    return letter_for(referral)


def test_the_full_letter_says_who_what_where_how_the_star_and_the_codes(closed, adviser_a):
    html = letter_html(_shared(closed, GpLetter.FULL))
    assert str(adviser_a) in html and "2 contacts" in html
    assert "Befriending" in html and "Information and advice" in html
    assert "Started (started" in html and closed.onward_referrals.get().destination_name in html
    assert "Wellbeing star" in html and "Lifestyle" in html
    assert REFERRAL_CODE in html and DECLINED_CODE in html and "22298006" in html
    assert "2 at baseline, 4 at the end" in html
    assert "Declined further support" in html


def test_the_codes_only_letter_has_the_codes_and_nothing_said_about_them(closed, adviser_a):
    html = letter_html(_shared(closed, GpLetter.CODES))
    assert REFERRAL_CODE in html and DECLINED_CODE in html and "22298006" in html and "138875005" in html
    for withheld in (str(adviser_a), "Who saw them", "Wellbeing star", "What was found", "Declined further support",
                     closed.onward_referrals.get().destination_name):
        assert withheld not in html


def test_a_person_not_yet_asked_shares_nothing_beyond_the_referral_code(closed):
    letter = _shared(closed, "")
    assert letter.shared == GpLetter.REFERRAL_CODE
    assert [code.concept_id for code in letter.codes] == [REFERRAL_CODE]
    html = letter_html(letter)
    assert DECLINED_CODE not in html and "22298006" not in html and "Wellbeing star" not in html
    assert "Nothing beyond the referral code" in html


def test_the_pdf_is_a_pdf_of_the_letter(closed):
    pdf = letter_pdf(_shared(closed, GpLetter.FULL))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 5000


def _resources(bundle) -> dict:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def _document(message) -> dict:
    """The ITK document bundle a message's header points at."""
    return _resources(message)[message["entry"][0]["resource"]["focus"][0]["reference"]]


def test_the_message_is_an_itk3_message_with_the_send_document_header(closed, settings):
    settings.MESH_MAILBOX = "X26ABC1"
    message = letter_message(_shared(closed, GpLetter.FULL))
    assert message["type"] == "message" and message["meta"]["profile"] == [PROFILES["message"]]
    header = message["entry"][0]["resource"]  # the header first
    assert header["resourceType"] == "MessageHeader" and header["meta"]["profile"] == [PROFILES["MessageHeader"]]
    assert header["event"]["code"] == "ITK007C" and header["source"] == {"endpoint": "X26ABC1"}
    handling = {e["url"]: e for e in header["extension"][0]["extension"]}
    assert handling["BusAckRequested"]["valueBoolean"] and handling["InfAckRequested"]["valueBoolean"]
    assert handling["RecipientType"]["valueCoding"]["code"] == "FA"
    assert handling["MessageDefinition"]["valueReference"]["reference"].endswith(
        "ITK-GPConnectSendDocument-MessageDefinition-1")
    assert "destination" not in header and "receiver" not in header  # routed by MESH (GPCM-SD-049)
    sender = _resources(message)[header["sender"]["reference"]]
    assert sender["meta"]["profile"] == [PROFILES["header organization"]]
    assert sender["identifier"] == [{"system": ODS_CODE, "value": "NL3"}]
    again = letter_message(_shared(closed, GpLetter.FULL))["entry"][0]["resource"]
    assert {e["url"]: e for e in again["extension"][0]["extension"]}["SenderReference"] == handling["SenderReference"]


def test_the_document_is_an_itk_document_bundle_as_send_document_requires(closed):
    document = _document(letter_message(_shared(closed, GpLetter.FULL)))
    assert document["type"] == "document" and document["meta"]["profile"] == [PROFILES["Bundle"]]
    resources = _resources(document)
    for resource in resources.values():
        assert resource["meta"]["profile"] == [PROFILES[resource["resourceType"]]]
    composition = document["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition" and composition["status"] == "final"
    assert composition["type"]["coding"][0]["code"] == "371531000" and composition["title"] == "Consultation report"
    assert f"NHS Number {closed.patient.nhs_number}" in composition["text"]["div"] and "Version 1" in \
        composition["text"]["div"]
    for reference in [composition["subject"], composition["custodian"], *composition["author"],
                      *composition["section"][0]["entry"]]:
        assert reference["reference"] in resources  # every reference resolves inside the bundle
    patient = resources[composition["subject"]["reference"]]
    assert patient["identifier"][0]["system"] == NHS_NUMBER and patient["identifier"][0]["value"] == \
        closed.patient.nhs_number
    assert patient["name"][0] == {"use": "official", "family": "O'Neill", "given": [closed.patient.given_name]}
    custodian = resources[composition["custodian"]["reference"]]
    assert custodian["identifier"] == [{"system": ODS_CODE, "value": "NL3"}]
    practice = resources[patient["generalPractitioner"][0]["reference"]]
    assert practice["identifier"] == [{"system": ODS_CODE, "value": closed.patient.practice.ods_code}]
    author = resources[composition["author"][0]["reference"]]
    assert author["resourceType"] == "Practitioner" and author["name"][0]["family"] == closed.adviser.last_name


def test_the_pdf_is_the_primary_attachment_first_in_base64(closed):
    document = _document(letter_message(_shared(closed, GpLetter.FULL)))
    composition = document["entry"][0]["resource"]
    first = _resources(document)[composition["section"][0]["entry"][0]["reference"]]
    assert first["resourceType"] == "Binary" and first["contentType"] == "application/pdf"
    assert base64.b64decode(first["content"], validate=True).startswith(b"%PDF-")


def test_a_corrected_letter_replaces_the_earlier_one(closed):
    earlier, later = uuid.uuid4(), uuid.uuid4()
    message = letter_message(_shared(closed, GpLetter.FULL), identifier=later, replaces=earlier, version=2)
    composition = _document(message)["entry"][0]["resource"]
    assert composition["identifier"]["value"] == str(later) and "Version 2" in composition["text"]["div"]
    assert composition["relatesTo"] == [{"code": "replaces", "targetIdentifier": {
        "system": "https://tools.ietf.org/html/rfc4122", "value": str(earlier)}}]
    first = _document(letter_message(_shared(closed, GpLetter.FULL)))["entry"][0]["resource"]
    assert "relatesTo" not in first


def test_the_narrative_escapes_what_it_is_given(closed):
    ClinicalCode.objects.filter(meaning="need:befriending").update(term="<script>x</script> & more")
    closed.coded_events.all().delete()
    composition = _document(letter_message(_shared(closed, GpLetter.CODES)))["entry"][0]["resource"]
    div = composition["section"][0]["text"]["div"]
    assert "<script>" not in div and "&lt;script&gt;x&lt;/script&gt; &amp; more" in div


def test_without_the_services_ods_code_there_is_no_message(closed, settings):
    settings.SERVICE_ODS_CODE = ""
    with pytest.raises(NotConfigured, match="SERVICE_ODS_CODE"):
        letter_message(letter_for(closed))


def test_the_command_writes_the_letter_as_it_would_be_sent(closed, capsysbinary):
    call_command("gp_letter", str(closed.pk), "--format", "pdf")
    assert capsysbinary.readouterr().out.startswith(b"%PDF-")
    out = io.StringIO()
    call_command("gp_letter", str(closed.pk), "--format", "fhir", stdout=out)
    assert json.loads(out.getvalue())["resourceType"] == "Bundle"


def test_the_command_refuses_a_referral_that_does_not_exist_or_no_ods_code(closed, settings):
    with pytest.raises(CommandError, match="no referral 999999"):
        call_command("gp_letter", "999999")
    settings.SERVICE_ODS_CODE = ""
    with pytest.raises(CommandError, match="SERVICE_ODS_CODE"):
        call_command("gp_letter", str(closed.pk), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("gp_letter", str(closed.pk), "--format", "docx")


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "manager"])
def test_the_letter_page_gives_the_pdf_and_logs_it(request, client_for, persona, closed, django_assert_num_queries):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse("letters:letter", args=[closed.pk])
    client.get(url)
    with django_assert_num_queries(9) as counted:
        response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "O'Neill" not in response["Content-Disposition"] and response.content.startswith(b"%PDF-")
    assert AccessEvent.objects.filter(referral=closed, user=user, what="letter to the GP practice").exists()
    for days in (15, 10, 5):  # more contacts and onward referrals: the same queries
        Assessment.objects.create(referral=closed, adviser=closed.adviser, date=today() - dt.timedelta(days=days))
        OnwardReferralFactory(referral=closed)
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get(url)


def test_without_weasyprints_libraries_the_page_says_so(client_for, adviser_a, closed, monkeypatch):
    """A server without Debian's libpango (weasyprint raises OSError on import) says what to install, not 500."""
    import letters.views

    def missing(letter):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(letters.views, "letter_pdf", missing)
    response = client_for(adviser_a).get(reverse("letters:letter", args=[closed.pk]))
    assert response.status_code == 503 and "libpango-1.0-0" in response.text
