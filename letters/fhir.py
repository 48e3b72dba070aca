"""The letter as GP Connect Send Document sends it (issue 14): a FHIR STU3 ITK Document Bundle holding a
CareConnect Composition (the patient as CareConnect-Patient-1 by NHS number, the service as custodian by its ODS
code, the adviser as author) and the PDF as an ITK-Attachment-Binary-1 in base64, the primary (and only)
attachment first. A corrected letter names the one it replaces (relatesTo, code `replaces`). Checked with
fhir.resources' STU3 models before it leaves; what they cannot check (profiles, identifier systems, the order of the
attachments) letters/tests/test_fhir.py does."""

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
# The kind of document in the GP record: SNOMED CT "Report of clinical encounter (record artifact)".
DOCUMENT_TYPE = {"system": SNOMED, "code": "371531000", "display": "Report of clinical encounter"}
VERIFIED = {"url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
            "valueCodeableConcept": {"coding": [{
                "system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1",
                "code": "01", "display": "Number present and verified"}]}}
GENDER = {"F": "female", "M": "male", "X": "other", "U": "unknown"}  # Sex -> FHIR administrative gender


class NotConfigured(Exception):
    """The service's ODS code is not set: the letter would have no custodian."""


def letter_bundle(letter: Letter, *, identifier: uuid.UUID | None = None, replaces: uuid.UUID | None = None) -> dict:
    """The bundle, checked by fhir.resources. `identifier` names the letter (the Composition) for good; `replaces`,
    the earlier letter's identifier when this one corrects it."""
    if not settings.SERVICE_ODS_CODE:
        raise NotConfigured("Set SERVICE_ODS_CODE, the service's ODS code: the GP record names it as the letter's "
                            "custodian.")
    referral = letter.referral
    ids = {name: uuid.uuid4() for name in ("patient", "service", "practice", "author", "pdf")}
    resources = [
        _composition(letter, ids, identifier or uuid.uuid4(), replaces),
        _patient(referral.patient, ids),
        _organization(ids["service"], settings.SERVICE_ODS_CODE, settings.SERVICE_NAME),
        _organization(ids["practice"], referral.patient.practice.ods_code, referral.patient.practice.name),
        _practitioner(ids["author"], str(referral.adviser or settings.SERVICE_NAME)),
        _binary(ids["pdf"], letter_pdf(letter)),
    ]
    bundle_id = uuid.uuid4()
    bundle = {"resourceType": "Bundle", "id": str(bundle_id), "meta": _meta("Bundle"),
              "identifier": {"system": UUID_SYSTEM, "value": str(bundle_id)}, "type": "document",
              "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources]}
    from fhir.resources.STU3.bundle import Bundle

    Bundle.model_validate(bundle)  # raises pydantic's ValidationError naming the element
    return bundle


def letter_bundle_json(letter: Letter, **options) -> str:
    return json.dumps(letter_bundle(letter, **options), indent=2, ensure_ascii=False)


def _meta(kind: str) -> dict:
    return {"profile": [PROFILES[kind]]}


def _reference(ids: dict, name: str) -> dict:
    return {"reference": f"urn:uuid:{ids[name]}"}


def _composition(letter: Letter, ids: dict, identifier: uuid.UUID, replaces: uuid.UUID | None) -> dict:
    composition = {
        "resourceType": "Composition", "id": str(uuid.uuid4()), "meta": _meta("Composition"),
        "identifier": {"system": UUID_SYSTEM, "value": str(identifier)}, "status": "final",
        "type": {"coding": [DOCUMENT_TYPE]}, "subject": _reference(ids, "patient"),
        "date": timezone.localtime().isoformat(timespec="seconds"), "author": [_reference(ids, "author")],
        "title": letter.title, "custodian": _reference(ids, "service"),
        "section": [{"title": letter.title, "text": {"status": "generated", "div": _summary(letter)},
                     "entry": [_reference(ids, "pdf")]}],
    }
    if replaces:
        composition["relatesTo"] = [{"code": "replaces",
                                     "targetIdentifier": {"system": UUID_SYSTEM, "value": str(replaces)}}]
    return composition


def _summary(letter: Letter) -> str:
    """The section's narrative: what is shared, and the codes."""
    codes = "".join(f"<li>{escape(code.concept_id)} {escape(code.term)}"
                    f"{' ' + code.date.strftime('%d/%m/%Y') if code.date else ''}"
                    f"{' ' + escape(code.value) if code.value else ''}</li>" for code in letter.codes)
    return (f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(GpLetter(letter.shared).label)}. The letter is '
            f"attached as a PDF.</p>{f'<ul>{codes}</ul>' if codes else ''}</div>")


def _patient(patient, ids: dict) -> dict:
    return {"resourceType": "Patient", "id": str(ids["patient"]), "meta": _meta("Patient"),
            "identifier": [{"extension": [VERIFIED], "system": NHS_NUMBER, "value": patient.nhs_number}],
            "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
            "gender": GENDER.get(patient.sex, "unknown"), "birthDate": patient.date_of_birth.isoformat(),
            "generalPractitioner": [_reference(ids, "practice")]}


def _organization(resource_id: uuid.UUID, ods_code: str, name: str) -> dict:
    return {"resourceType": "Organization", "id": str(resource_id), "meta": _meta("Organization"),
            "identifier": [{"system": ODS_CODE, "value": ods_code}], "name": name}


def _practitioner(resource_id: uuid.UUID, name: str) -> dict:
    return {"resourceType": "Practitioner", "id": str(resource_id), "meta": _meta("Practitioner"),
            "name": [{"use": "official", "text": name}]}


def _binary(resource_id: uuid.UUID, pdf: bytes) -> dict:
    return {"resourceType": "Binary", "id": str(resource_id), "meta": _meta("Binary"),
            "contentType": "application/pdf", "content": base64.b64encode(pdf).decode("ascii")}
