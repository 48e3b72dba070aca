"""Reads of patients and referrals. The access rules live here: every view fetches through them."""

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from referrals.models import OPEN_STATUSES, AccessEvent, ClinicalCode, Patient, PatientMoveRequest, Referral, Status
from sps.models import Practice, Role, User
from sps.selectors import advisers


def referrals_for(user: User) -> QuerySet[Referral]:
    """The referrals `user` may see (domain.md, 'Who uses it').

    GP staff: their own practice's. Advisers: those from the practices they are linked to, and any assigned
    to them. The manager: all. Provider staff and the commissioner: none (they see other things).
    """
    referrals = Referral.objects.select_related("patient", "practice", "adviser", "referred_by")
    if user.role == Role.MANAGER:
        return referrals
    if user.role == Role.GP_STAFF and user.practice_id:
        return referrals.filter(practice_id=user.practice_id)
    if user.role == Role.ADVISER:
        return referrals.filter(pk__in=_adviser_referral_ids(user))
    return referrals.none()


def _adviser_referral_ids(adviser: User) -> QuerySet:
    """The ids of the referrals from the adviser's practices and of those assigned to them, as one subquery.
    Written as a union, not as "practice in (...) OR adviser = ...": with the OR, PostgreSQL reads the whole
    table; with the union, two index look-ups, whatever the size of the table (issue 13)."""
    linked = Practice.advisers.through.objects.filter(user=adviser).values("practice_id")
    from_practices = Referral.objects.filter(practice_id__in=linked).order_by().values("pk")
    assigned = Referral.objects.filter(adviser=adviser).order_by().values("pk")
    return from_practices.union(assigned, all=True)


def patients_for(user: User) -> QuerySet[Patient]:
    """The patients `user` may see: GP staff their practice's; advisers those with a referral they may see."""
    patients = Patient.objects.select_related("practice")
    if user.role == Role.MANAGER:
        return patients
    if user.role == Role.GP_STAFF and user.practice_id:
        return patients.filter(practice_id=user.practice_id)
    if user.role == Role.ADVISER:
        return patients.filter(pk__in=referrals_for(user).values("patient_id"))
    return patients.none()


def open_referral_of(patient: Patient) -> Referral | None:
    return patient.referrals.filter(status__in=OPEN_STATUSES).select_related("adviser").first()


CONSENT_FIELDS = ("consent_referral", "consent_share", "consent_how", "consent_given_on", "consent_recorded_by_id")


def consent_history(patient: Patient) -> list:
    """Each recorded change to the patient's consent, newest first (history records, with who made them)."""
    records = list(patient.history.select_related("history_user", "consent_recorded_by")
                   .order_by("history_date", "history_id"))
    changed = [record for previous, record in zip([None, *records], records, strict=False)
               if previous is None or any(getattr(record, f) != getattr(previous, f) for f in CONSENT_FIELDS)]
    return [record for record in reversed(changed) if record.consent_how or record.consent_referral]


def advisers_with_caseloads() -> QuerySet[User]:
    """Active advisers, each with `open_referrals`: how many open referrals are assigned to them, for the manager
    choosing whom to assign. Counted per adviser from the index on (adviser, status), in the same query: a join
    of every referral to the advisers would read the whole table."""
    open_assigned = (Referral.objects.filter(adviser=OuterRef("pk"), status__in=OPEN_STATUSES).order_by()
                     .values("adviser").annotate(n=Count("*")).values("n"))
    return advisers().annotate(open_referrals=Coalesce(Subquery(open_assigned), 0))


# How many advisers the manager is offered to assign a referral to (besides its current adviser): nationally there
# are 3,300, and a list of them all, each with a count, on every view of a referral took most of its time (issue 13).
ADVISERS_OFFERED = 25


def advisers_to_offer(*, name: str = "", current_id: int | None = None) -> list[User]:
    """Up to ADVISERS_OFFERED active advisers to assign a referral to, each with `open_referrals`: the lightest
    caseloads first, then by name; only those whose name matches `name` (each word in the first or last name) if
    it is given; and the referral's current adviser, first, whatever the name. One query: at national size it
    counts each adviser's open referrals from the partial index on them (about 25 ms for 3,300 advisers)."""
    lightest_first = ("open_referrals", "last_name", "first_name", "pk")
    offered, wanted = advisers_with_caseloads(), names_match(name)
    if current_id is None:
        return list(offered.filter(wanted).order_by(*lightest_first)[:ADVISERS_OFFERED])
    if wanted:  # (an empty Q() would turn "matches or is the current adviser" into "is the current adviser")
        offered = offered.filter(wanted | Q(pk=current_id))
    current_first = Case(When(pk=current_id, then=0), default=1)
    rows = list(offered.order_by(current_first, *lightest_first)[:ADVISERS_OFFERED + 1])
    return rows if rows and rows[0].pk == current_id else rows[:ADVISERS_OFFERED]  # the current one may have left


def names_match(words: str, person: str = "") -> Q:
    """Each word of `words` in the first or last name of the user at `person` (a relation such as "adviser__",
    or the user itself): "phil quarter" finds Philippa Quartermaine. No condition if there are no words."""
    condition = Q()
    for word in words.split():
        condition &= Q(**{f"{person}first_name__icontains": word}) | Q(**{f"{person}last_name__icontains": word})
    return condition


def registered_elsewhere(nhs_number: str, user: User) -> Patient | None:
    """For GP staff: the patient with this NHS number if they are registered at another practice. Only the fact
    is shown to them, never who the patient is; it lets them ask the manager to move the patient (issue 12)."""
    if user.role != Role.GP_STAFF or not nhs_number:
        return None
    return Patient.objects.filter(nhs_number=nhs_number).exclude(practice_id=user.practice_id).first()


def open_move_request(patient: Patient, practice) -> PatientMoveRequest | None:
    """The practice's open request to move `patient` to it, if it made one."""
    return PatientMoveRequest.objects.filter(patient=patient, to_practice=practice, moved_at__isnull=True).first()


def move_requests_for(user: User, *, still_open: bool = False) -> QuerySet[PatientMoveRequest]:
    """Requests to move a patient to another practice, oldest first: the manager's to deal with, nobody else's;
    with each, whether the patient has an open referral (it stays with the practice that made it)."""
    if user.role != Role.MANAGER:
        return PatientMoveRequest.objects.none()
    requests = PatientMoveRequest.objects.filter(moved_at__isnull=True) if still_open else \
        PatientMoveRequest.objects.all()
    open_referral = Referral.objects.filter(patient=OuterRef("patient"), status__in=OPEN_STATUSES)
    return (requests.select_related("patient", "patient__practice", "to_practice", "requested_by")
            .annotate(has_open_referral=Exists(open_referral))
            .order_by("requested_at", "pk"))


def referral_list(*, user: User, status: str = "", practice: str = "", adviser: str = "",
                  unassigned: bool = False, q: str = "") -> QuerySet[Referral]:
    """The referral list with its filters, newest first, within what `user` may see. `practice`: an ODS code or
    part of a practice's name; `adviser`: part of an adviser's name (each word in their first or last name)."""
    referrals = referrals_for(user)
    if status == "open":
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif status:
        referrals = referrals.filter(status=status)
    if practice := practice.strip():
        referrals = referrals.filter(Q(practice__ods_code__iexact=practice) | Q(practice__name__icontains=practice))
    referrals = referrals.filter(names_match(adviser, "adviser__"))
    if unassigned:
        referrals = referrals.filter(adviser__isnull=True)
    return matching(referrals, q).order_by("-referral_date", "-pk")


def matching(referrals: QuerySet[Referral], q: str) -> QuerySet[Referral]:
    """Referrals whose patient's NHS number starts with `q` (digits, spaces ignored) or whose name contains it."""
    if not q:
        return referrals
    digits = q.replace(" ", "")
    if digits.isdigit():
        return referrals.filter(patient__nhs_number__startswith=digits)
    return referrals.filter(Q(patient__family_name__icontains=q) | Q(patient__given_name__icontains=q))


# Counts on list pages stop here and show "over 1,000": an exact count of a national table on every page would
# read the whole of it; past a thousand, the exact number does not change what anyone does next.
COUNT_CAP = 1000


def status_counts(user: User) -> dict[str, int]:
    """How many of the referrals `user` may see are in each status, in one query. The manager sees the whole
    table: each status is counted only up to COUNT_CAP + 1 (more than COUNT_CAP means "over" it), reading at
    most that many index entries. Anyone else sees their practices' and their own referrals, a few hundred
    whatever the size of the table: counted exactly, in one grouped query."""
    referrals = referrals_for(user)
    if user.role == Role.MANAGER:
        return bounded_counts({value: referrals.filter(status=value) for value in Status.values})
    counts = dict(referrals.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value in Status.values}


def bounded_counts(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """How many rows each queryset has, up to COUNT_CAP + 1, in one query: a SELECT of one bounded count each."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, part_params = queryset.order_by().values("pk")[:COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) bounded)")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        counts = cursor.fetchone()
    return dict(zip(querysets, counts, strict=True))


@dataclass(frozen=True)
class TimelineEvent:
    when: dt.datetime
    what: str
    who: str
    detail: str = ""


_EVENT_WORDS = {
    Status.RECEIVED: "Referral received",
    Status.ACCEPTED: "Accepted",
    Status.DECLINED: "Declined",
    Status.WITHDRAWN: "Withdrawn by the practice",
    Status.ASSESSED: "Assessed (baseline recorded)",
    Status.ACTIVE: "Active (referred on)",
    Status.CLOSED: "Closed",
}


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    who: str
    record: str
    fields: list[tuple[str, str, str]]  # (field, old, new)


_NOT_SHOWN = {"id", "updated_at", "created_at", "version"}
# The adviser's own words about the support: never shown to GP staff, who see status, dates and outcome only
# (domain.md). The decline reason is written for the practice and stays.
ADVISER_NOTES = {"closure_note", "reopen_reason"}


def _display(field, value) -> str:
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _changes(records: list, record_name: str, *, hidden: set[str]) -> list[Change]:
    """Field-by-field differences between successive history records (FK changes are in the timeline)."""
    changes = []
    for previous, record in pairwise(records):
        delta = record.diff_against(previous)
        model_fields = [(record.instance_type._meta.get_field(c.field), c) for c in delta.changes
                        if c.field not in hidden]
        fields = [(str(f.verbose_name), _display(f, c.old), _display(f, c.new))
                  for f, c in model_fields if not f.is_relation]
        if fields:
            who = str(record.history_user) if record.history_user else "System"
            changes.append(Change(record.history_date, who, record_name, fields))
    return changes


def change_log(referral: Referral, *, notes: bool) -> list[Change]:
    """Every recorded change to the referral and its patient (who, when, what), newest first; the adviser's
    notes only if `notes`."""
    hidden = _NOT_SHOWN if notes else _NOT_SHOWN | ADVISER_NOTES
    referral_records = list(referral.history.select_related("history_user").order_by("history_date", "history_id"))
    patient_records = list(
        referral.patient.history.select_related("history_user").order_by("history_date", "history_id")
    )
    changes = (_changes(referral_records, "Referral", hidden=hidden)
               + _changes(patient_records, "Patient", hidden=hidden))
    return sorted(changes, key=lambda c: c.when, reverse=True)


def referral_timeline(referral: Referral, *, notes: bool) -> list[TimelineEvent]:
    """What happened to a referral, oldest first, from its history (django-simple-history); the adviser's
    notes (why it was closed or reopened, in their words) only if `notes`."""
    records = referral.history.select_related("history_user", "adviser").order_by("history_date", "history_id")
    events: list[TimelineEvent] = []
    previous = None
    for record in records:
        who = str(record.history_user) if record.history_user else "System"
        if previous is not None and previous.status == Status.CLOSED and record.status != Status.CLOSED:
            events.append(TimelineEvent(record.history_date, "Reopened", who, record.reopen_reason if notes else ""))
        elif previous is None or record.status != previous.status:
            detail = {Status.DECLINED: record.decline_reason, Status.WITHDRAWN: record.withdraw_reason,
                      Status.CLOSED: " ".join(filter(None, [record.get_closure_reason_display(),
                                                            record.closure_note if notes else ""]))
                      }.get(record.status, "")
            events.append(TimelineEvent(record.history_date, _EVENT_WORDS[record.status], who, detail))
        if record.adviser_id and (previous is None or record.adviser_id != previous.adviser_id):
            events.append(TimelineEvent(record.history_date, "Adviser assigned", who, str(record.adviser)))
        previous = record
    return events


def edit_conflict(current: Referral, mine: dict) -> list[tuple[str, str, str]]:
    """(field, what is saved now, what this person tried to save) for each field where they differ."""
    rows = []
    for field, value in mine.items():
        model_field = Referral._meta.get_field(field)
        saved = getattr(current, field)
        if saved != value:
            rows.append((str(model_field.verbose_name), _display(model_field, saved), _display(model_field, value)))
    return rows


def access_events(*, user_id: int | None = None, patient: Patient | None = None, action: str = "",
                  start: dt.date | None = None, end: dt.date | None = None) -> QuerySet:
    """The access log, newest first, filtered; for the manager only (the view's role rule)."""
    events = AccessEvent.objects.select_related("user", "patient", "referral")
    if user_id:
        events = events.filter(user_id=user_id)
    if patient is not None:
        events = events.filter(patient=patient)
    if action:
        events = events.filter(action=action)
    if start:
        events = events.filter(at__date__gte=start)
    if end:
        events = events.filter(at__date__lte=end)
    return events.order_by("-at", "-pk")


def codes_for_the_gp_record() -> QuerySet[ClinicalCode]:
    """The codes for the GP record (reference data, no person): the manager's pages are the only readers."""
    return ClinicalCode.objects.order_by("meaning")
