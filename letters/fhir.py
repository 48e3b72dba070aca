"""The letter as GP Connect Send Document sends it (issue 14; GP Connect Messaging 1.3.0 in
nhsconnect/gpconnect-messaging, requirement ids GPCM-SD-nnn).

An ITK3 FHIR STU3 message (ITK-Message-Bundle-1: the ITK-MessageHeader-2 first, then the sender organisation)
whose focus is the ITK-Document-Bundle-1: a CareConnect Composition (type 371531000 "Report of clinical encounter",
title "Consultation report"), the patient as CareConnect-Patient-1 by NHS number, the service as custodian by its
ODS code, the adviser as author, and the PDF as an ITK-Attachment-Binary-1 in base64, the primary (and only)
attachment as the first section entry. A corrected letter names the one it replaces (relatesTo, code `replaces`)
and carries the next version number. Checked with fhir.resources' STU3 models before it leaves; what they cannot
check (profiles, identifier systems, the order of the attachments) letters/tests/test_letter.py does.

Where we differ from a GP practice sending a consultation report: our advisers have no SDS user id, so the author
has a name and no identifier (GPCM-SD-032 asks for one)."""

import base64
import json
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape

from letters.content import Letter
from letters.pdf import letter_pdf
from referrals.models import GpLetter

NHS = "https://fhir.nhs.uk"
CARE_CONNECT = "https://fhir.hl7.org.uk/STU3/StructureDefinition"
PROFILES = {
    "message": f"{NHS}/STU3/StructureDefinition/ITK-Message-Bundle-1",
    "MessageHeader": f"{NHS}/STU3/StructureDefinition/ITK-MessageHeader-2",
    "header organization": f"{NHS}/STU3/StructureDefinition/CareConnect-ITK-Header-Organization-1",
    "Bundle": f"{NHS}/STU3/StructureDefinition/ITK-Document-Bundle-1",
    "Composition": f"{CARE_CONNECT}/CareConnect-Composition-1",
    "Patient": f"{CARE_CONNECT}/CareConnect-Patient-1",
    "Organization": f"{CARE_CONNECT}/CareConnect-Organization-1",
    "Practitioner": f"{CARE_CONNECT}/CareConnect-Practitioner-1",
    "Binary": f"{NHS}/STU3/StructureDefinition/ITK-Attachment-Binary-1",
}
NHS_NUMBER = f"{NHS}/Id/nhs-number"
ODS_CODE = f"{NHS}/Id/ods-organization-code"
UUID_SYSTEM = "https://tools.ietf.org/html/rfc4122"
SNOMED = "http://snomed.info/sct"
# The kind of document in the GP record (GPCM-SD-115) and its fixed title (GPCM-SD-118).
DOCUMENT_TYPE = {"system": SNOMED, "code": "371531000", "display": "Report of clinical encounter"}
TITLE = "Consultation report"
MESSAGE_HANDLING = f"{NHS}/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
MESSAGE_DEFINITION = f"{NHS}/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1"
SEND_DOCUMENT_EVENT = {"system": f"{NHS}/STU3/CodeSystem/ITK-MessageEvent-2", "code": "ITK007C",
                       "display": "ITK GP Connect Send Document"}
VERIFIED = {"url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
            "valueCodeableConcept": {"coding": [{
                "system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1",
                "code": "01", "display": "Number present and verified"}]}}
GENDER = {"F": "female", "M": "male", "X": "other", "U": "unknown"}  # Sex -> FHIR administrative gender


class NotConfigured(Exception):
    """The service's ODS code is not set: the letter would have no custodian."""


def letter_message(letter: Letter, *, identifier: uuid.UUID | None = None, replaces: uuid.UUID | None = None,
                   version: int = 1, sender_mailbox: str = "") -> dict:
    """The ITK3 message holding the letter's document bundle, checked by fhir.resources. `identifier` names the
    letter (the Composition) for good; `replaces`, the earlier letter's identifier when this one corrects it."""
    if not settings.SERVICE_ODS_CODE:
        raise NotConfigured("Set SERVICE_ODS_CODE, the service's ODS code: the GP record names it as the letter's "
                            "custodian.")
    document = letter_document(letter, identifier=identifier or uuid.uuid4(), replaces=replaces, version=version)
    header_organization = _organization(uuid.uuid4(), settings.SERVICE_ODS_CODE, kind="header organization")
    header = _message_header(letter, sender=header_organization["id"], focus=document["id"],
                             sender_mailbox=sender_mailbox)
    message = _bundle("message", "message", [header, header_organization, document])
    from fhir.resources.STU3.bundle import Bundle

    Bundle.model_validate(message)  # raises pydantic's ValidationError naming the element
    return message


def letter_document(letter: Letter, *, identifier: uuid.UUID, replaces: uuid.UUID | None, version: int) -> dict:
    """The ITK-Document-Bundle-1: the Composition first, then what it refers to."""
    referral = letter.referral
    ids = {name: uuid.uuid4() for name in ("patient", "service", "practice", "author", "pdf")}
    return _bundle("Bundle", "document", [
        _composition(letter, ids, identifier, replaces, version),
        _binary(ids["pdf"], letter_pdf(letter)),
        _practitioner(ids["author"], referral.adviser),
        _organization(ids["service"], settings.SERVICE_ODS_CODE, settings.SERVICE_NAME, settings.SERVICE_PHONE),
        _organization(ids["practice"], referral.patient.practice.ods_code, referral.patient.practice.name),
        _patient(referral.patient, ids),
    ])


def letter_message_json(letter: Letter, **options) -> str:
    return json.dumps(letter_message(letter, **options), indent=2, ensure_ascii=False)


def encounter_id(letter: Letter) -> uuid.UUID:
    """The ITK SenderReference: the same for every letter about a referral (GPCM-SD-042), and not identifying."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/referrals/{letter.referral.pk}")


def report_description(letter: Letter, version: int) -> str:
    """Composition.text and the MESH subject (GPCM-SD-119, -061, -091)."""
    patient = letter.referral.patient
    return (f"{TITLE} for {patient.given_name} {patient.family_name} , NHS Number {patient.nhs_number}, seen at "
            f"{settings.SERVICE_NAME}, ODS Code {settings.SERVICE_ODS_CODE}, Version {version}")


def _bundle(kind: str, bundle_type: str, resources: list[dict]) -> dict:
    bundle_id = str(uuid.uuid4())
    return {"resourceType": "Bundle", "id": bundle_id, "meta": _meta(kind),
            "identifier": {"system": UUID_SYSTEM, "value": bundle_id}, "type": bundle_type,
            "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources]}


def _message_header(letter: Letter, *, sender: str, focus: str, sender_mailbox: str) -> dict:
    handling = [("BusAckRequested", {"valueBoolean": True}), ("InfAckRequested", {"valueBoolean": True}),
                ("RecipientType", {"valueCoding": {"system": f"{NHS}/STU3/CodeSystem/ITK-RecipientType-1",
                                                   "code": "FA", "display": "For Action"}}),
                ("MessageDefinition", {"valueReference": {"reference": MESSAGE_DEFINITION}}),
                ("SenderReference", {"valueString": str(encounter_id(letter))}),
                ("LocalExtension", {"valueString": "SendDocument-ConsultationReport"})]
    return {"resourceType": "MessageHeader", "id": str(uuid.uuid4()), "meta": _meta("MessageHeader"),
            "extension": [{"url": MESSAGE_HANDLING,
                           "extension": [{"url": key, **value} for key, value in handling]}],
            "event": SEND_DOCUMENT_EVENT, "sender": {"reference": f"urn:uuid:{sender}"},
            "timestamp": timezone.localtime().isoformat(timespec="seconds"),
            "source": {"endpoint": sender_mailbox or settings.MESH_MAILBOX or "not-sent"},
            "focus": [{"reference": f"urn:uuid:{focus}"}]}


def _meta(kind: str) -> dict:
    return {"profile": [PROFILES[kind]]}


def _reference(ids: dict, name: str) -> dict:
    return {"reference": f"urn:uuid:{ids[name]}"}


def _composition(letter: Letter, ids: dict, identifier: uuid.UUID, replaces: uuid.UUID | None, version: int) -> dict:
    composition = {
        "resourceType": "Composition", "id": str(identifier), "meta": _meta("Composition"),
        "identifier": {"system": UUID_SYSTEM, "value": str(identifier)}, "status": "final",
        "type": {"coding": [DOCUMENT_TYPE]}, "subject": _reference(ids, "patient"),
        "date": timezone.localtime().isoformat(timespec="seconds"), "author": [_reference(ids, "author")],
        "title": TITLE, "confidentiality": "N", "custodian": _reference(ids, "service"),
        "text": {"status": "generated", "div": _div(f"<p>{escape(report_description(letter, version))}</p>")},
        "section": [{"title": TITLE, "text": {"status": "generated", "div": _summary(letter)},
                     "entry": [_reference(ids, "pdf")]}],
    }
    if replaces:
        composition["relatesTo"] = [{"code": "replaces",
                                     "targetIdentifier": {"system": UUID_SYSTEM, "value": str(replaces)}}]
    return composition


def _div(html: str) -> str:
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{html}</div>'


def _summary(letter: Letter) -> str:
    """The section's narrative: what is shared, and the codes."""
    codes = "".join(f"<li>{escape(code.concept_id)} {escape(code.term)}"
                    f"{' ' + code.date.strftime('%d/%m/%Y') if code.date else ''}"
                    f"{' ' + escape(code.value) if code.value else ''}</li>" for code in letter.codes)
    return _div(f"<p>{escape(GpLetter(letter.shared).label)}. The letter is attached as a PDF.</p>"
                f"{f'<ul>{codes}</ul>' if codes else ''}")


def _patient(patient, ids: dict) -> dict:
    return {"resourceType": "Patient", "id": str(ids["patient"]), "meta": _meta("Patient"),
            "identifier": [{"extension": [VERIFIED], "system": NHS_NUMBER, "value": patient.nhs_number}],
            "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
            "gender": GENDER.get(patient.sex, "unknown"), "birthDate": patient.date_of_birth.isoformat(),
            "generalPractitioner": [_reference(ids, "practice")]}


def _organization(resource_id: uuid.UUID, ods_code: str, name: str = "", phone: str = "", *,
                  kind: str = "Organization") -> dict:
    organization = {"resourceType": "Organization", "id": str(resource_id), "meta": _meta(kind),
                    "identifier": [{"system": ODS_CODE, "value": ods_code}]}
    if name:
        organization["name"] = name
    if phone:
        organization["telecom"] = [{"system": "phone", "value": phone, "use": "work"}]
    return organization


def _practitioner(resource_id: uuid.UUID, adviser) -> dict:
    name = ({"use": "official", "family": adviser.last_name, "given": [adviser.first_name]}
            if adviser and adviser.last_name else {"use": "official", "text": str(adviser or settings.SERVICE_NAME)})
    return {"resourceType": "Practitioner", "id": str(resource_id), "meta": _meta("Practitioner"), "name": [name]}


def _binary(resource_id: uuid.UUID, pdf: bytes) -> dict:
    return {"resourceType": "Binary", "id": str(resource_id), "meta": _meta("Binary"),
            "contentType": "application/pdf", "content": base64.b64encode(pdf).decode("ascii")}
