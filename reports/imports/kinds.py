"""The import handlers for every KIND but episodes (formats.md). Each cleans a row with the same rules as the
forms and writes by natural key."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from outcomes.models import ReadingKind, StarReading
from outcomes.star import AREA_KEYS, AREA_LABELS, SCALE
from providers.models import (
    Grant,
    GrantDecision,
    OnwardKind,
    OnwardReferral,
    OnwardStatus,
    Provider,
    ProviderKind,
    Service,
)
from referrals.models import OPEN_STATUSES, ClosureReason, Ethnicity, Patient, Referral, Sex, Source, Status
from reports.imports import fields as f
from reports.imports.base import (
    DATE,
    MONEY,
    YES_NO,
    Cells,
    FieldChange,
    Handler,
    RowError,
    field_changes,
    shown_value,
    tally,
    upsert,
)
from reports.imports.reader import Row
from reports.models import ProgrammeCost
from sps.categories import Category
from sps.lib.dates import today
from sps.models import Practice, Role, User
from sps.services import users_invite
from sps.validators import validate_ods_practice_code


@dataclass
class Item:
    line: int
    key: tuple
    values: dict
    extra: dict


def _length(model: type[models.Model], field: str) -> int | None:
    """The column's length in the database: a longer value would stop the whole import with a database error."""
    return model._meta.get_field(field).max_length


def _validated(column: str, value: str, validator) -> str:
    """`value` if `validator` (the rule the model and the form use) takes it; its message otherwise, quoting a
    long value shortened."""
    try:
        validator(value)
    except ValidationError as error:
        raise f.CellError(column, error.messages[0].replace(value, f.shown(value))) from None
    return value


def ods_code(column: str, value: str) -> str:
    return _validated(column, f.required(column, value).upper(), validate_ods_practice_code)


def _one_of(values) -> str:
    return "One of " + ", ".join(values)


def _not_future(cells: Cells, column: str, day) -> None:
    if day and day > today():
        cells.error(column, f"{day:%d/%m/%Y} is in the future")


def _codes(value: str) -> list[str]:
    """A `;`-separated list of codes."""
    return [code for code in (part.strip() for part in value.split(";")) if code]


def _last_of_each(items: list[Item]) -> dict[tuple, Item]:
    """The last row of each key in a chunk: the one whose values were written."""
    return {item.key: item for item in items}


def _related_codes(model: type[models.Model], relation: str, code: str, objects) -> dict[int, set[str]]:
    """{object's primary key: the codes of the objects its many-to-many `relation` holds}, in one query."""
    codes = {obj.pk: set() for obj in objects}
    for pk, related in model.objects.filter(pk__in=codes).values_list("pk", f"{relation}__{code}"):
        if related is not None:
            codes[pk].add(related)
    return codes


def _set_change(column: str, stored: set[str], wanted: set[str]) -> FieldChange:
    def joined(codes: set[str]) -> str:
        return "; ".join(sorted(codes)) or shown_value("")

    return FieldChange(column, joined(stored), joined(wanted))


def _merged(*changes: list[FieldChange]) -> list[FieldChange]:
    """The changes of one row from several models, each column once (a patient's practice and its referral's)."""
    merged = []
    for change in (c for part in changes for c in part):
        if change not in merged:
            merged.append(change)
    return merged


class PracticesHandler(Handler):
    kind = "practices"
    columns = {"ods_code": True, "name": True, "postcode": True, "address": False, "adviser_usernames": False,
               "active": False}
    about = "One row per GP practice that refers people to the service."
    key = ("ods_code",)
    notes = {
        "ods_code": "The practice's ODS code: a letter and five digits.",
        "name": "The practice's name.",
        "postcode": "The practice's postcode.",
        "address": "The practice's address.",
        "adviser_usernames": "The usernames of the advisers who take its referrals, separated by ; (import the users "
                             "first, then this file again).",
        "active": f"{YES_NO}: whether it takes part now (yes for a new practice).",
    }
    example = [
        {"ods_code": "C88001", "name": "New Street Surgery", "postcode": "S60 1AA",
         "address": "1 New Street, Rotherham", "adviser_usernames": "", "active": "yes"},
        {"ods_code": "C88002", "name": "Wath Health Centre", "postcode": "S63 7RL", "address": "",
         "adviser_usernames": "", "active": "yes"},
    ]

    def prepare(self):
        self.advisers = {u.username: u for u in User.objects.filter(role=Role.ADVISER)}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        ods = c(ods_code, "ods_code")
        values = {"name": c(f.text, "name", max_length=_length(Practice, "name")),
                  "postcode": c(f.postcode, "postcode", required=True),
                  "address": c.optional(f.text, "address", max_length=None, cleared=""),
                  "active": c.optional(f.boolean, "active", default=True, cleared=f.NOT_CLEARABLE)}
        advisers = c.optional(self._advisers, "adviser_usernames", cleared=[])
        c.done()
        return Item(row.line, (ods,), values, {"advisers": advisers})

    def _advisers(self, column: str, value: str) -> list[User]:
        names = _codes(value)
        if not names:
            raise f.CellError(column, f"names no adviser (to remove every adviser, write {f.CLEAR_WORD})")
        if unknown := [name for name in names if name not in self.advisers]:
            raise f.CellError(column, f"unknown adviser {', '.join(map(f.shown, unknown))} (import users first)")
        return [self.advisers[name] for name in names]

    def write(self, items):
        diff = {}
        _, practices, outcome = upsert(Practice, ((i.key, i.values) for i in items), key_fields=("ods_code",),
                                       user=self.user, history=False, diff=diff)
        changes = field_changes(Practice, diff)
        stored = _related_codes(Practice, "advisers", "username", practices.values())
        for key, item in _last_of_each(items).items():
            practice, wanted = practices[key], item.extra["advisers"]
            if isinstance(wanted, f.Keep):
                continue
            names = {adviser.username for adviser in wanted}
            if names != stored[practice.pk]:
                practice.advisers.set(wanted)
                changes.setdefault(key, []).append(_set_change("adviser_usernames", stored[practice.pk], names))
                if outcome[key] == "unchanged":
                    outcome[key] = "updated"
        self.record_changes(items, outcome, changes)
        return tally(outcome.values()), []


class UsersHandler(Handler):
    kind = "users"
    columns = {"username": True, "email": True, "role": True, "given_name": False, "family_name": False,
               "practice_ods_code": False, "provider_code": False}
    about = "One row per person who signs in. Each new login is emailed a link to choose a password."
    key = ("username",)
    notes = {
        "username": "What they sign in with: letters, digits and @ . + - _ only.",
        "email": "Their email address, where the link to choose a password goes.",
        "role": f"{_one_of(Role.values)}.",
        "given_name": "Their given name.",
        "family_name": "Their family name.",
        "practice_ods_code": "Their practice's ODS code: required for gp_staff (import practices first).",
        "provider_code": "Their provider's code: required for provider_staff (import providers first).",
    }
    example = [
        {"username": "asmith", "email": "alice.smith@example.org", "role": "adviser", "given_name": "Alice",
         "family_name": "Smith", "practice_ods_code": "", "provider_code": ""},
        {"username": "gjones", "email": "gareth.jones@example.nhs.uk", "role": "gp_staff", "given_name": "Gareth",
         "family_name": "Jones", "practice_ods_code": "C88001", "provider_code": ""},
    ]

    def prepare(self):
        self.practices = {p.ods_code: p for p in Practice.objects.all()}
        self.providers = {p.code: p for p in Provider.objects.all()}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        role = c(f.choice, "role", Role.values)
        # A GP's practice and a provider's staff's provider are required; anyone else's are checked and not kept.
        practice = (c if role == Role.GP_STAFF else c.optional)(f.lookup, "practice_ods_code", self.practices,
                                                                 "practice")
        provider = (c if role == Role.PROVIDER_STAFF else c.optional)(f.lookup, "provider_code", self.providers,
                                                                       "provider")
        values = {"email": c(_email, "email"), "role": role,
                  "first_name": c.optional(f.text, "given_name", max_length=_length(User, "first_name"), cleared=""),
                  "last_name": c.optional(f.text, "family_name", max_length=_length(User, "last_name"), cleared=""),
                  "practice": practice if role == Role.GP_STAFF else None,
                  "provider": provider if role == Role.PROVIDER_STAFF else None}
        username = c(_username, "username")
        c.done()
        return Item(row.line, (username,), values, {})

    def write(self, items):
        keyed = [(i.key, {**i.values}) for i in items]
        existing = set(User.objects.filter(username__in=[k[0] for k, _ in keyed]).values_list("username", flat=True))
        unusable = make_password(None)  # new logins choose their password from the invitation emailed to them
        keyed = [(k, v if k[0] in existing else {**v, "password": unusable}) for k, v in keyed]
        diff = {}
        counts, _, outcome = upsert(User, keyed, key_fields=("username",), user=self.user, history=False, diff=diff)
        self.record_changes(items, outcome, field_changes(User, diff, USER_COLUMNS))
        new = [k[0] for k, _ in keyed if k[0] not in existing]
        transaction.on_commit(lambda: users_invite(new))  # never for a dry run, which is rolled back
        return counts, []


USER_COLUMNS = {"first_name": "given_name", "last_name": "family_name", "practice": "practice_ods_code",
                "provider": "provider_code"}


def _username(column: str, value: str) -> str:
    """The rule of the user form: letters, digits and @/./+/-/_ only, at most 150 characters."""
    value = f.text(column, value, max_length=_length(User, "username"))
    return _validated(column, value, User.username_validator)


def _email(column: str, value: str) -> str:
    """A new login sets its password by email, so the address must at least be one."""
    value = f.text(column, value, max_length=_length(User, "email"))
    try:
        validate_email(value)
    except ValidationError:
        raise f.CellError(column, f"{f.shown(value)} is not an email address") from None
    return value


class ProvidersHandler(Handler):
    kind = "providers"
    columns = {"provider_code": True, "provider_name": True, "provider_kind": True, "charity_number": False,
               "service_code": True, "service_name": True, "category": True, "capacity": False,
               "duration_weeks": False, "area": False, "active": False}
    about = "One row per service, with its provider: the provider's columns repeat on each of its services' rows."
    key = ("service_code",)
    notes = {
        "provider_code": "A short code for the provider.",
        "provider_name": "The provider's name.",
        "provider_kind": f"{_one_of(ProviderKind.values)}.",
        "charity_number": "Its registered charity number, if it has one.",
        "service_code": "A short code for the service, different for every service.",
        "service_name": "The service's name.",
        "category": f"{_one_of(Category.values)}.",
        "capacity": "How many people it can support at a time, a whole number (a new service without one has no "
                    "fixed limit).",
        "duration_weeks": "How many weeks it usually lasts, a whole number.",
        "area": "Where it is offered (Borough-wide for a new service without one).",
        "active": f"{YES_NO}: whether it takes referrals now (yes for a new service).",
    }
    example = [
        {"provider_code": "RVBS", "provider_name": "Rother Valley Befriending Scheme", "provider_kind": "vcs",
         "charity_number": "1123456", "service_code": "RVBS-1", "service_name": "Telephone befriending",
         "category": "befriending", "capacity": "30", "duration_weeks": "12", "area": "Borough-wide",
         "active": "yes"},
        {"provider_code": "RVBS", "provider_name": "Rother Valley Befriending Scheme", "provider_kind": "vcs",
         "charity_number": "1123456", "service_code": "RVBS-2", "service_name": "Walking group",
         "category": "physical_activity", "capacity": "", "duration_weeks": "10", "area": "Wath", "active": "yes"},
    ]

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        provider = {"name": c(f.text, "provider_name", max_length=_length(Provider, "name")),
                    "kind": c(f.choice, "provider_kind", ProviderKind.values),
                    "charity_number": c.optional(f.text, "charity_number",
                                                 max_length=_length(Provider, "charity_number"), cleared="")}
        everywhere = Service._meta.get_field("area").default
        values = {"name": c(f.text, "service_name", max_length=_length(Service, "name")),
                  "category": c(f.choice, "category", Category.values),
                  "capacity": c.optional(f.integer, "capacity", low=1, high=100000),
                  "duration_weeks": c.optional(f.integer, "duration_weeks", low=1, high=520),
                  "area": c.optional(f.text, "area", max_length=_length(Service, "area"), cleared=everywhere),
                  "active": c.optional(f.boolean, "active", default=True, cleared=f.NOT_CLEARABLE)}
        keys = (c(f.text, "provider_code", max_length=_length(Provider, "code")),
                c(f.text, "service_code", max_length=_length(Service, "code")))
        c.done()
        return Item(row.line, (keys[1],), values, {"provider_code": keys[0], "provider": provider})

    def write(self, items):
        provider_diff, service_diff = {}, {}
        _, providers, _ = upsert(Provider, (((i.extra["provider_code"],), i.extra["provider"]) for i in items),
                                 key_fields=("code",), user=self.user, history=False, diff=provider_diff)
        keyed = [(i.key, {**i.values, "provider": providers[(i.extra["provider_code"],)]}) for i in items]
        _, _, outcome = upsert(Service, keyed, key_fields=("code",), user=self.user, diff=service_diff)
        changes = field_changes(Service, service_diff, {"name": "service_name", "provider": "provider_code"})
        # A provider's fields repeat on each of its rows; a change to them is shown (and counted) on the last.
        provider_changes = field_changes(Provider, provider_diff, {"name": "provider_name", "kind": "provider_kind"})
        last_row = {(i.extra["provider_code"],): i.key for i in items}
        for provider_key, provider_change in provider_changes.items():
            key = last_row[provider_key]
            changes[key] = provider_change + changes.get(key, [])
            if outcome[key] == "unchanged":
                outcome[key] = "updated"
        self.record_changes(items, outcome, changes)
        return tally(outcome.values()), []


class GrantsHandler(Handler):
    kind = "grants"
    columns = {"grant_ref": True, "provider_code": True, "service_codes": True, "amount": True, "start_date": True,
               "end_date": True, "target_referrals": False, "decision_date": False, "amount_requested": False}
    about = "One row per grant awarded to a provider."
    key = ("grant_ref",)
    notes = {
        "grant_ref": "The grant's reference.",
        "provider_code": "The provider awarded it (import providers first).",
        "service_codes": "The services it funds, separated by ; (each one of that provider's).",
        "amount": f"The amount awarded: {MONEY}.",
        "start_date": f"When it starts: {DATE}.",
        "end_date": f"When it ends: {DATE}.",
        "target_referrals": "How many referrals it is expected to take, a whole number.",
        "decision_date": f"When the funding panel decided: {DATE}.",
        "amount_requested": f"What the provider asked for: {MONEY}.",
    }
    example = [
        {"grant_ref": "G2025-01", "provider_code": "RVBS", "service_codes": "RVBS-1;RVBS-2", "amount": "£24,000",
         "start_date": "2025-04-01", "end_date": "2026-03-31", "target_referrals": "120",
         "decision_date": "2025-03-01", "amount_requested": "30000"},
    ]

    def prepare(self):
        self.providers = {p.code: p for p in Provider.objects.all()}
        self.services = {s.code: s for s in Service.objects.all()}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        provider = c(f.lookup, "provider_code", self.providers, "provider")
        services = []
        for code in _codes(row.values.get("service_codes", "")):
            service = self.services.get(code)
            if service is None:
                c.error("service_codes", f"unknown service {f.shown(code)}")
            elif provider and service.provider_id != provider.pk:
                c.error("service_codes", f"service {code} is not one of {provider.code}'s")
            else:
                services.append(service)
        if not services and not c.errors:
            c.error("service_codes", "is required")
        start, end = c(f.date, "start_date", required=True), c(f.date, "end_date", required=True)
        if start and end and end < start:
            c.error("end_date", f"{end:%d/%m/%Y} is before the start date")
        digits = Grant._meta.get_field("amount").max_digits
        values = {"provider": provider, "amount": c(f.money, "amount", max_digits=digits, required=True),
                  "start_date": start, "end_date": end,
                  "target_referrals": c.optional(f.integer, "target_referrals", low=0, high=1000000),
                  "decision_date": c.optional(f.date, "decision_date"),
                  "amount_requested": c.optional(f.money, "amount_requested",
                                                 max_digits=Grant._meta.get_field("amount_requested").max_digits),
                  "decision": GrantDecision.AWARDED}
        ref = c(f.text, "grant_ref", max_length=_length(Grant, "ref"))
        c.done()
        return Item(row.line, (ref,), values, {"services": services})

    def write(self, items):
        diff = {}
        _, grants, outcome = upsert(Grant, ((i.key, i.values) for i in items), key_fields=("ref",), user=self.user,
                                    diff=diff)
        changes = field_changes(Grant, diff, {"provider": "provider_code"})
        stored = _related_codes(Grant, "services", "code", grants.values())
        for key, item in _last_of_each(items).items():
            grant, wanted = grants[key], item.extra["services"]
            codes = {service.code for service in wanted}
            if codes != stored[grant.pk]:
                grant._history_user = self.user
                grant.services.set(wanted)
                changes.setdefault(key, []).append(_set_change("service_codes", stored[grant.pk], codes))
                if outcome[key] == "unchanged":
                    outcome[key] = "updated"
        self.record_changes(items, outcome, changes)
        return tally(outcome.values()), []


def _closure_reason(column: str, value: str) -> tuple[str, str]:
    """The old system's closure reason as one of ours, keeping its words when they match none."""
    for key, label in ClosureReason.choices:
        if value.lower() in (key, label.lower()):
            return key, ""
    return ClosureReason.OTHER, value


NO_POSTCODE = "ZZ99 3WZ"  # the NHS's code for a postcode not known
REFERRAL_COLUMNS = {"practice": "practice_ods_code", "adviser": "adviser_username", "patient": "nhs_number",
                    "closure_note": "closure_reason (its own words)"}


class ReferralsHandler(Handler):
    kind = "referrals"
    columns = {"referral_ref": True, "nhs_number": True, "given_name": True, "family_name": True,
               "date_of_birth": True, "sex": False, "ethnicity": False, "postcode": False,
               "practice_ods_code": True, "referral_date": True, "source": False, "risk_score": False,
               "status": True, "adviser_username": False, "decision_date": False, "closed_date": False,
               "closure_reason": False}
    about = "One row per referral, with its patient (created or updated by NHS number)."
    key = ("referral_ref",)
    notes = {
        "referral_ref": "The referral's reference in the old system.",
        "nhs_number": "The patient's NHS number: 10 digits, spaces allowed.",
        "given_name": "The patient's given name.",
        "family_name": "The patient's family name.",
        "date_of_birth": f"The patient's date of birth: {DATE}.",
        "sex": f"{_one_of(Sex.values)} (U, not known, for a new patient without one).",
        "ethnicity": "The NHS ethnic category code, a letter from A to Z.",
        "postcode": f"The patient's postcode ({NO_POSTCODE}, not known, for a new patient without one).",
        "practice_ods_code": "The referring practice's ODS code (import practices first).",
        "referral_date": f"When the practice referred them: {DATE}.",
        "source": f"{_one_of(Source.values)} (gp for a new referral without one).",
        "risk_score": "The practice's risk score, a whole number from 0 to 100.",
        "status": f"{_one_of(Status.values)}: as the old system recorded it.",
        "adviser_username": "The adviser working with them (import users first).",
        "decision_date": f"When it was accepted or declined: {DATE}.",
        "closed_date": f"When it was closed: {DATE}.",
        "closure_reason": f"Why it was closed: {_one_of(ClosureReason.values)}, or their names; other words are "
                          "kept as the reason's note.",
    }
    example = [
        {"referral_ref": "R0001", "nhs_number": "943 476 5919", "given_name": "Dorothy", "family_name": "Hague",
         "date_of_birth": "1938-03-14", "sex": "F", "ethnicity": "A", "postcode": "S60 2HX",
         "practice_ods_code": "C88001", "referral_date": "2025-05-01", "source": "gp", "risk_score": "62",
         "status": "active", "adviser_username": "asmith", "decision_date": "2025-05-03", "closed_date": "",
         "closure_reason": ""},
        {"referral_ref": "R0002", "nhs_number": "999 000 0018", "given_name": "Arthur", "family_name": "Lane",
         "date_of_birth": "14/07/1944", "sex": "M", "ethnicity": "", "postcode": "",
         "practice_ods_code": "C88002", "referral_date": "02/06/2025", "source": "", "risk_score": "",
         "status": "closed", "adviser_username": "asmith", "decision_date": "2025-06-04",
         "closed_date": "2025-09-30", "closure_reason": "Goals met"},
    ]

    def prepare(self):
        self.practices = {p.ods_code: p for p in Practice.objects.all()}
        self.advisers = {u.username: u for u in User.objects.filter(role=Role.ADVISER)}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        nhs = c(f.nhs_number, "nhs_number")
        born = c(f.date, "date_of_birth", required=True)
        _not_future(c, "date_of_birth", born)
        if born and born.year < 1900:  # the patient form's rule
            c.error("date_of_birth", f"{born.day:02d}/{born.month:02d}/{born.year:04d} is before 1900: check the year")
        practice = c(f.lookup, "practice_ods_code", self.practices, "practice")
        patient = {"given_name": c(f.text, "given_name", max_length=_length(Patient, "given_name")),
                   "family_name": c(f.text, "family_name", max_length=_length(Patient, "family_name")),
                   "date_of_birth": born,
                   "sex": c.optional(f.choice, "sex", Sex.values, cleared=Sex.UNKNOWN),
                   "ethnicity": c.optional(f.choice, "ethnicity", Ethnicity.values, cleared=""),
                   "postcode": c.optional(f.postcode, "postcode", cleared=NO_POSTCODE),
                   "practice": practice}
        referral_date = c(f.date, "referral_date", required=True)
        _not_future(c, "referral_date", referral_date)
        decision, closed = c.optional(f.date, "decision_date"), c.optional(f.date, "closed_date")
        for column, day in [("decision_date", decision), ("closed_date", closed)]:
            if day and referral_date and day < referral_date:
                c.error(column, f"{day:%d/%m/%Y} is before the referral date")
        closure = c.optional(_closure_reason, "closure_reason", cleared=("", ""))
        reason, note = (f.Keep(""), f.Keep("")) if isinstance(closure, f.Keep) else closure or ("", "")
        values = {"practice": practice, "referral_date": referral_date,
                  "source": c.optional(f.choice, "source", Source.values, default=Source.GP, cleared=f.NOT_CLEARABLE),
                  "risk_score": c.optional(f.integer, "risk_score", low=0, high=100),
                  "status": c(f.choice, "status", Status.values),
                  "adviser": c.optional(f.lookup, "adviser_username", self.advisers, "adviser"),
                  "decision_date": decision, "closed_date": closed, "closure_reason": reason, "closure_note": note}
        ref = c(f.text, "referral_ref", max_length=_length(Referral, "ref"))
        c.done()
        return Item(row.line, (ref,), values, {"nhs_number": nhs, "patient": patient})

    def write(self, items):
        patient_diff, referral_diff = {}, {}
        _, patients, patient_outcome = upsert(
            Patient, (((i.extra["nhs_number"],), i.extra["patient"]) for i in items), key_fields=("nhs_number",),
            user=self.user, diff=patient_diff)
        errors, keep = [], []
        open_ref = self._open_referrals({p.pk for p in patients.values()})
        for item in items:
            patient = patients[(item.extra["nhs_number"],)]
            if item.values["status"] in OPEN_STATUSES:
                other = open_ref.get(patient.pk, item.key[0])
                if other != item.key[0]:
                    errors.append(RowError(item.line, "status", "the patient already has an open referral "
                                                                 f"({other or 'made in the application'})"))
                    continue
                open_ref[patient.pk] = item.key[0]
            keep.append((item.key, {**item.values, "patient": patient}))
        _, _, outcome = upsert(Referral, keep, key_fields=("ref",), user=self.user, diff=referral_diff)
        # A row is unchanged only if neither its referral nor its patient changed.
        changes = field_changes(Referral, referral_diff, REFERRAL_COLUMNS)
        patient_changes = field_changes(Patient, patient_diff, REFERRAL_COLUMNS)
        for key, item in _last_of_each(items).items():
            if key not in outcome:  # refused above
                continue
            patient_key = (item.extra["nhs_number"],)
            if patient_outcome[patient_key] == "updated":
                changes[key] = _merged(patient_changes[patient_key], changes.get(key, []))
                if outcome[key] == "unchanged":
                    outcome[key] = "updated"
        self.record_changes(items, outcome, changes)
        return tally(outcome.values()), errors

    def _open_referrals(self, patient_ids: set[int]) -> dict[int, str]:
        return dict(Referral.objects.filter(patient_id__in=patient_ids, status__in=OPEN_STATUSES)
                    .values_list("patient_id", "ref"))


ONWARD_COLUMNS = {"referral_id": "referral_ref", "service": "service_code",
                  "sent_date": "sent_date (from made_date and status)"}


class OnwardHandler(Handler):
    kind = "onward"
    columns = {"onward_ref": True, "referral_ref": True, "kind": True, "service_code": False, "destination": False,
               "made_date": True, "status": True, "started_date": False, "ended_date": False,
               "continued_after_end": False}
    about = "One row per onward referral: where an adviser referred someone on."
    key = ("onward_ref",)
    notes = {
        "onward_ref": "The onward referral's reference in the old system.",
        "referral_ref": "The referral it belongs to (import referrals first).",
        "kind": f"{_one_of(OnwardKind.values)}.",
        "service_code": "The service referred to: required for commissioned and non_commissioned.",
        "destination": "Where they were referred or signposted, when it is not a service in the directory.",
        "made_date": f"When it was made: {DATE}.",
        "status": f"{_one_of(OnwardStatus.values)}.",
        "started_date": f"When they started: {DATE}.",
        "ended_date": f"When it ended: {DATE}.",
        "continued_after_end": f"{YES_NO}: whether they carried on with VCS activity after it ended (not known for "
                               "a new onward referral without it).",
    }
    example = [
        {"onward_ref": "O0001", "referral_ref": "R0001", "kind": "commissioned", "service_code": "RVBS-1",
         "destination": "", "made_date": "2025-05-10", "status": "started", "started_date": "2025-05-20",
         "ended_date": "", "continued_after_end": ""},
        {"onward_ref": "O0002", "referral_ref": "R0001", "kind": "signpost", "service_code": "",
         "destination": "Citizens Advice Rotherham", "made_date": "2025-05-10", "status": "completed",
         "started_date": "", "ended_date": "", "continued_after_end": ""},
    ]

    def prepare(self):
        self.services = {s.code: s for s in Service.objects.all()}
        self.referrals = {ref: pk for ref, pk in Referral.objects.exclude(ref=None).values_list("ref", "pk")}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        kind = c(f.choice, "kind", OnwardKind.values)
        needs_service = kind in (OnwardKind.COMMISSIONED, OnwardKind.NON_COMMISSIONED)
        service = (c if needs_service else c.optional)(f.lookup, "service_code", self.services, "service")
        destination = c.optional(f.text, "destination", max_length=_length(OnwardReferral, "destination"),
                                 cleared="")
        if not service and not destination and kind and not needs_service:
            c.error("destination", "is required without a service_code")
        made, started, ended = (c(f.date, "made_date", required=True), c.optional(f.date, "started_date"),
                                c.optional(f.date, "ended_date"))
        _not_future(c, "made_date", made)
        if started and made and started < made:
            c.error("started_date", f"{started:%d/%m/%Y} is before the made date")
        if ended and (started or made) and ended < (started or made):
            c.error("ended_date", f"{ended:%d/%m/%Y} is before the start")
        status = c(f.choice, "status", OnwardStatus.values)
        referral_pk = c(f.lookup, "referral_ref", self.referrals, "referral")
        values = {"referral_id": referral_pk, "kind": kind, "service": service, "destination": destination,
                  "made_date": made, "status": status, "started_date": started, "ended_date": ended,
                  "sent_date": made if status != OnwardStatus.PROPOSED else None,
                  # Not known when the file does not say (blank or [clear]): never a "no" nobody recorded.
                  "continued_after_end": c.optional(f.boolean, "continued_after_end")}
        ref = c(f.text, "onward_ref", max_length=_length(OnwardReferral, "ref"))
        c.done()
        return Item(row.line, (ref,), values, {})

    def write(self, items):
        diff = {}
        counts, _, outcome = upsert(OnwardReferral, ((i.key, i.values) for i in items), key_fields=("ref",),
                                    user=self.user, diff=diff)
        self.record_changes(items, outcome, field_changes(OnwardReferral, diff, ONWARD_COLUMNS))
        return counts, []


class StarHandler(Handler):
    kind = "star"
    columns = {"referral_ref": True, "reading_date": True, "reading_type": True, **dict.fromkeys(AREA_KEYS, True)}
    about = "One row per star reading of a referral, with its eight scores."
    key = ("referral_ref", "reading_date", "reading_type")
    notes = {
        "referral_ref": "The referral it belongs to (import referrals first).",
        "reading_date": f"When it was taken: {DATE}.",
        "reading_type": f"{_one_of(ReadingKind.values)}.",
        **{key: f"{AREA_LABELS[key]}: a whole number from {SCALE[0]} to {SCALE[-1]}." for key in AREA_KEYS},
    }
    example = [
        {"referral_ref": "R0001", "reading_date": "2025-05-10", "reading_type": "baseline",
         **dict(zip(AREA_KEYS, ["2", "3", "2", "1", "3", "4", "2", "2"], strict=True))},
        {"referral_ref": "R0001", "reading_date": "2025-08-12", "reading_type": "review",
         **dict(zip(AREA_KEYS, ["3", "3", "3", "2", "3", "4", "4", "3"], strict=True))},
    ]

    def prepare(self):
        self.referrals = {r.ref: r for r in Referral.objects.exclude(ref=None).only("pk", "ref", "referral_date")}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        referral = c(f.lookup, "referral_ref", self.referrals, "referral")
        day = c(f.date, "reading_date", required=True)
        _not_future(c, "reading_date", day)
        if day and referral and day < referral.referral_date:
            c.error("reading_date", f"{day:%d/%m/%Y} is before the referral date")
        kind = c(f.choice, "reading_type", ReadingKind.values)
        scores = {key: c(f.integer, key, low=SCALE[0], high=SCALE[-1], required=True) for key in AREA_KEYS}
        c.done()
        return Item(row.line, (referral, day, kind), scores, {})

    def write(self, items):
        diff = {}
        counts, _, outcome = upsert(StarReading, ((i.key, i.values) for i in items),
                                    key_fields=("referral", "reading_date", "kind"), user=self.user, diff=diff)
        self.record_changes(items, outcome, field_changes(StarReading, diff))
        return counts, []

    def row_name(self, item: Item) -> str:
        referral, day, kind = item.key
        return f"{referral.ref}, {shown_value(day)}, {kind}"


class CostsHandler(Handler):
    kind = "costs"
    columns = {"date": True, "amount": True, "description": True}
    about = "One row per programme cost, for the return on investment."
    key = ("date", "description")
    notes = {
        "date": f"When it was spent: {DATE}.",
        "amount": f"How much: {MONEY}.",
        "description": "What it was for.",
    }
    example = [
        {"date": "2025-04-01", "amount": "£52,000", "description": "Adviser salaries"},
        {"date": "2025-04-01", "amount": "3500.00", "description": "Training"},
    ]

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        key = (c(f.date, "date", required=True),
               c(f.text, "description", max_length=_length(ProgrammeCost, "description")))
        amount = c(f.money, "amount", max_digits=ProgrammeCost._meta.get_field("amount").max_digits, required=True)
        c.done()
        return Item(row.line, key, {"amount": amount}, {})

    def write(self, items):
        diff = {}
        counts, _, outcome = upsert(ProgrammeCost, ((i.key, i.values) for i in items),
                                    key_fields=("date", "description"), user=self.user, history=False,
                                    stamp={"batch": self.batch}, diff=diff)
        self.record_changes(items, outcome, field_changes(ProgrammeCost, diff))
        return counts, []

    def row_name(self, item: Item) -> str:
        day, description = item.key
        return f"{shown_value(day)}, {description}"
