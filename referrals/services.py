"""Writes to patients and referrals, each with its rule from domain.md."""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from referrals import notifications
from referrals.models import (
    DECLINED,
    NATIONAL_CODES,
    OPEN_STATUSES,
    SUPPORTED_STATUSES,
    ClinicalCode,
    ClosureReason,
    CodedEvent,
    ConsentHow,
    GpLetter,
    Patient,
    PatientMoveRequest,
    Referral,
    Source,
    Status,
    Urgency,
)
from referrals.rules import ReferralRule
from referrals.selectors import open_move_request, open_referral_of, registered_elsewhere
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, Practice, Role, User
from sps.phone import EXAMPLE as PHONE_EXAMPLE
from sps.phone import normalise_uk_phone
from sps.services import save_checked


@transaction.atomic
def patient_create(*, by: User, practice: Practice, nhs_number: str, given_name: str, family_name: str,
                   date_of_birth: dt.date, sex: str, postcode: str, ethnicity: str = "", address: str = "",
                   phone: str = "", long_term_conditions: str = "", is_carer: bool = False) -> Patient:
    """Register a patient at `practice`. GP staff may add patients to their own practice only."""
    if by.role == Role.GP_STAFF and by.practice_id != practice.pk:
        raise PermissionDenied("GP staff add patients to their own practice only.")
    if Patient.objects.filter(nhs_number=nhs_number).exists():
        raise ValidationError({"nhs_number": "A patient with this NHS number is registered at another practice. "
                                             "Ask the service manager to move their registration."})
    patient = Patient(
        nhs_number=nhs_number, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth,
        sex=sex, postcode=postcode, ethnicity=ethnicity, address=address, phone=phone, practice=practice,
        long_term_conditions=long_term_conditions, is_carer=is_carer,
    )
    save_checked(patient, by=by)
    return patient


def _move_request_message(move_request: PatientMoveRequest) -> str:
    return (f"Your practice asked on {timezone.localtime(move_request.requested_at):%d/%m/%Y} for this patient to be "
            "moved to it; the service manager has not moved them yet.")


@transaction.atomic
def patient_move_request(*, by: User, nhs_number: str, reason: str) -> PatientMoveRequest:
    """GP staff ask the service manager to move the patient with this NHS number, registered at another practice,
    to their own; the manager is emailed. One open request per patient and practice (a database constraint)."""
    if by.role != Role.GP_STAFF:
        raise PermissionDenied("Only GP practice staff ask for a patient to be moved to their practice.")
    patient = registered_elsewhere(nhs_number, by)
    if patient is None:
        raise ValidationError("No patient with this NHS number is registered at another practice.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the patient should be moved to your practice."})
    if existing := open_move_request(patient, by.practice):
        raise ValidationError(_move_request_message(existing))
    move_request = PatientMoveRequest(patient=patient, to_practice=by.practice, requested_by=by,
                                      reason=reason.strip())
    try:
        with transaction.atomic():
            save_checked(move_request, by=by)
    except IntegrityError:
        # Two people at the practice asking at once: the constraint holds, and says why.
        raise ValidationError(_move_request_message(open_move_request(patient, by.practice))) from None
    transaction.on_commit(lambda: notifications.patient_move_requested(move_request))
    return move_request


@transaction.atomic
def patient_move(*, move_request: PatientMoveRequest, by: User) -> Patient:
    """The manager moves the patient to the practice that asked (their referrals stay with the practices that
    made them), closing the request; whoever asked is emailed. History is the manager's."""
    if by.role != Role.MANAGER:
        raise PermissionDenied("Only the service manager moves a patient to another practice.")
    current = PatientMoveRequest.objects.select_for_update().select_related("patient", "to_practice").get(
        pk=move_request.pk)
    if not current.is_open:
        raise ValidationError(f"This request was already dealt with on "
                              f"{timezone.localtime(current.moved_at):%d/%m/%Y}.")
    patient = current.patient
    patient.practice = current.to_practice
    save_checked(patient, by=by)
    current.moved_by, current.moved_at = by, timezone.now()
    save_checked(current, by=by)
    transaction.on_commit(lambda: notifications.patient_moved(current))
    return patient


def open_referral_message(referral: Referral) -> str:
    adviser = f", adviser {referral.adviser}" if referral.adviser else ""
    return (f"This patient already has an open referral (received {referral.referral_date:%d/%m/%Y}, "
            f"status {referral.get_status_display().lower()}{adviser}). A new referral can be made once it is closed.")


@transaction.atomic
def referral_create(*, patient: Patient, by: User, reason: str, referral_date: dt.date | None = None,
                    needs: list[str] | None = None, needs_detail: str = "", source: str = Source.GP,
                    mdt_date: dt.date | None = None, risk_score: int | None = None,
                    urgency: str = Urgency.ROUTINE, consent_referral: bool = False,
                    consent_share: bool = False, idempotency_key: uuid.UUID | None = None) -> Referral:
    """Refer `patient` to the service from their practice.

    Rules: the patient consented to the referral; one patient has at most one open referral at a time
    (a database constraint; the message shows the open referral's status).
    """
    if not consent_referral:
        raise ValidationError({"consent_referral": "The patient must agree to the referral before it is sent."})
    if existing := open_referral_of(patient):
        raise ValidationError(open_referral_message(existing))
    referral_date = referral_date or today()
    if mdt_date and mdt_date > referral_date:
        raise ValidationError({"mdt_date": "The MDT meeting date cannot be after the referral date."})
    patient.consent_referral = True
    patient.consent_share = consent_share
    patient.consent_how, patient.consent_given_on, patient.consent_recorded_by = (ConsentHow.GP_PRACTICE,
                                                                                 referral_date, by)
    save_checked(patient, by=by)
    referral = Referral(
        patient=patient, practice=patient.practice, referred_by=by, referral_date=referral_date, source=source,
        mdt_date=mdt_date, risk_score=risk_score, reason=reason, needs=list(needs or []),
        needs_detail=needs_detail, urgency=urgency, idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            save_checked(referral, by=by)
    except IntegrityError:
        # Two people referring the same patient at once: the constraint holds, and says why.
        raise ValidationError(open_referral_message(open_referral_of(patient))) from None
    return referral


# The referring practice withdraws a referral before it is accepted.
can_withdraw = ReferralRule(roles=(Role.GP_STAFF,), statuses=(Status.RECEIVED,))


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User, reason: str) -> Referral:
    """The referring practice withdraws a referral before it is accepted, saying why (domain.md: `withdrawn`, by
    the practice, before acceptance); everyone who sees the referral sees the reason."""
    can_withdraw.check(referral, by, action="withdrawn")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the referral is withdrawn."})
    referral.status = Status.WITHDRAWN
    referral.withdrawn_date = today()
    referral.withdraw_reason = reason.strip()
    save_checked(referral, by=by)
    return referral


# An adviser decides on a received referral: accept (taking it on) or decline.
can_decide = ReferralRule(roles=(Role.ADVISER,), statuses=(Status.RECEIVED,))


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    """An adviser accepts a received referral and takes it on (assigning themselves)."""
    can_decide.check(referral, by, action="accepted")
    referral.status = Status.ACCEPTED
    referral.adviser = by
    referral.decision_date = today()
    save_checked(referral, by=by)
    transaction.on_commit(lambda: notifications.referral_accepted(referral))
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str, person_declined: bool = False) -> Referral:
    """An adviser declines a received referral, with a reason the practice will see; when it is the person who
    declined, that is coded for their GP record."""
    can_decide.check(referral, by, action="declined")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the referral is declined: the practice will see it."})
    referral.status = Status.DECLINED
    referral.decline_reason = reason.strip()
    referral.decision_date = today()
    save_checked(referral, by=by)
    if person_declined:
        record_code(referral, DECLINED, on=referral.decision_date, by=by)
    return referral


def add_national_codes() -> None:
    """The two national codes, where the table has nothing for them (as migration 0010 adds them)."""
    for meaning, (concept_id, term) in NATIONAL_CODES.items():
        ClinicalCode.objects.get_or_create(meaning=meaning, defaults={"concept_id": concept_id, "term": term})


def record_code(referral: Referral, meaning: str, *, on: dt.date, by: User | None) -> CodedEvent | None:
    """Record the code the table gives `meaning` for the referral, once (the first time is the one that counts),
    copying its concept and description as they are today. None when the table has no code for it (the manager
    removed it)."""
    code = ClinicalCode.objects.filter(meaning=meaning).first()
    if code is None:
        return None
    event, _ = CodedEvent.objects.get_or_create(referral=referral, meaning=meaning, defaults={
        "concept_id": code.concept_id, "term": code.term, "date": on, "recorded_by": by})
    return event


# The manager assigns an open referral to an adviser.
can_assign = ReferralRule(roles=(Role.MANAGER,), statuses=OPEN_STATUSES)


@transaction.atomic
def referral_assign(*, referral: Referral, adviser: User, by: User) -> Referral:
    """The manager assigns an open referral to an adviser."""
    can_assign.check(referral, by, action="assigned")
    if adviser.role != Role.ADVISER or not adviser.is_active:
        raise ValidationError({"adviser": "Choose an active adviser."})
    referral.adviser = adviser
    save_checked(referral, by=by)
    return referral


class ReferralChanged(Exception):
    """Someone else saved the referral since this person opened it: nothing was written."""

    def __init__(self, current: Referral):
        super().__init__("The referral was changed by someone else.")
        self.current = current


EDITABLE_FIELDS = ("reason", "needs", "needs_detail", "urgency", "risk_score")
# Those supporting the person edit the reason and needs while they support them.
can_edit = ReferralRule(roles=SUPPORT_ROLES, statuses=SUPPORTED_STATUSES)


@transaction.atomic
def referral_update(*, referral: Referral, by: User, version: int, **changes) -> Referral:
    """Edit a referral's reason and needs. Two people editing at once must not silently lose either change:
    the save only happens if nobody saved since `version` was read; otherwise ReferralChanged carries the
    current record, to show the difference."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    can_edit.check(current, by, action="edited")
    if current.version != version:
        raise ReferralChanged(current)
    for field, value in changes.items():
        setattr(current, field, value)
    current.version += 1
    save_checked(current, by=by)
    return current


# Discharge: those supporting the person close the referral.
can_close = ReferralRule(roles=SUPPORT_ROLES, statuses=SUPPORTED_STATUSES)


@transaction.atomic
def referral_close(*, referral: Referral, by: User, reason: str, note: str = "",
                   closed_date: dt.date | None = None) -> Referral:
    """Discharge: close an open referral with a reason (a discharge star reading is asked for, not forced)."""
    can_close.check(referral, by, action="closed")
    closed_date = closed_date or today()
    if closed_date > today() or closed_date < referral.referral_date:
        raise ValidationError({"closed_date": "The closing date must be between the referral date and today."})
    if reason == "other" and not note.strip():
        raise ValidationError({"note": "Say why the referral is closed."})
    referral.status = Status.CLOSED
    referral.closure_reason = reason
    referral.closure_note = note.strip()
    referral.closed_date = closed_date
    save_checked(referral, by=by)
    if reason == ClosureReason.DECLINED_SUPPORT:
        record_code(referral, DECLINED, on=closed_date, by=by)
    return referral


can_reopen = ReferralRule(roles=SUPPORT_ROLES, statuses=(Status.CLOSED,))


@transaction.atomic
def referral_reopen(*, referral: Referral, by: User, reason: str, status: str = Status.ACCEPTED) -> Referral:
    """Reopen a closed referral, with a reason, back to `status`: where it was in the lifecycle, which the
    caller works out from the visits and onward referrals that this floor cannot see."""
    can_reopen.check(referral, by, action="reopened")
    if status not in SUPPORTED_STATUSES:
        raise ValueError(f"A referral is reopened as accepted, assessed or active, not {status}.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the referral is reopened."})
    if existing := open_referral_of(referral.patient):
        raise ValidationError(open_referral_message(existing))
    referral.status = status
    referral.reopen_reason = reason.strip()
    referral.closed_date = None
    referral.closure_reason = ""
    referral.closure_note = ""
    save_checked(referral, by=by)
    return referral


# Those supporting the person record their consent and keep their contact details right, whatever the referral's
# status: consent and an address belong to the person, not to one referral.
can_record_consent = ReferralRule(roles=SUPPORT_ROLES, statuses=tuple(Status.values))
can_edit_contact = ReferralRule(roles=SUPPORT_ROLES, statuses=tuple(Status.values))


@transaction.atomic
def patient_consent_record(*, referral: Referral, by: User, consent_referral: bool, consent_share: bool,
                           how: str, given_on: dt.date, gp_letter: str | None = None) -> Patient:
    """Record the person's consent to the referral and to sharing their details with the providers they are
    referred on to (domain.md: the patient 'consented to the referral / to sharing data'): how and when they gave
    or refused it, and who recorded it (`by`, in history too); and, if given, what this referral's letter to their
    GP practice may hold (GpLetter)."""
    can_record_consent.check(referral, by, action="given a consent record")
    if how not in ConsentHow.values:
        raise ValidationError({"how": "Choose how the person gave consent."})
    if gp_letter is not None and gp_letter not in GpLetter.values:
        raise ValidationError({"gp_letter": "Choose what their GP practice may be sent."})
    if given_on > today():
        raise ValidationError({"given_on": "The date consent was given cannot be in the future."})
    patient = Patient.objects.select_for_update().get(pk=referral.patient_id)
    patient.consent_referral, patient.consent_share = consent_referral, consent_share
    patient.consent_how, patient.consent_given_on, patient.consent_recorded_by = how, given_on, by
    save_checked(patient, by=by)
    if gp_letter is not None and gp_letter != referral.gp_letter:
        referral.gp_letter = gp_letter
        save_checked(referral, by=by)
    return patient


CONTACT_FIELDS = ("address", "postcode", "phone")


@transaction.atomic
def patient_contact_update(*, referral: Referral, by: User, address: str, postcode: str, phone: str) -> Patient:
    """Correct the person's address, postcode and phone (the form checks and normalises them); history keeps
    what they were and who changed them."""
    can_edit_contact.check(referral, by, action="given new contact details")
    if not address.strip():
        raise ValidationError({"address": "Enter the patient's address: the adviser visits them there."})
    uk_phone = normalise_uk_phone(phone) if phone else ""
    if uk_phone is None:
        raise ValidationError({"phone": f"Enter the phone number as a UK number, like {PHONE_EXAMPLE}."})
    patient = Patient.objects.select_for_update().get(pk=referral.patient_id)
    patient.address, patient.postcode, patient.phone = address.strip(), postcode, uk_phone
    save_checked(patient, by=by)
    return patient
