"""The import handlers for every KIND but episodes (formats.md). Each cleans a row with the same rules as the
forms and writes by natural key."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from outcomes.models import ReadingKind, StarReading
from outcomes.star import AREA_KEYS, SCALE
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
from reports.imports.base import Cells, Handler, RowError, tally, upsert
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


def _ods(column: str, value: str) -> str:
    return _validated(column, f.required(column, value).upper(), validate_ods_practice_code)


def _not_future(cells: Cells, column: str, day) -> None:
    if day and day > today():
        cells.error(column, f"{day:%d/%m/%Y} is in the future")


class PracticesHandler(Handler):
    kind = "practices"
    columns = {"ods_code": True, "name": True, "postcode": True, "address": False, "adviser_usernames": False,
               "active": False}

    def prepare(self):
        self.advisers = {u.username: u for u in User.objects.filter(role=Role.ADVISER)}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        ods = c(_ods, "ods_code")
        values = {"name": c(f.text, "name", max_length=_length(Practice, "name")),
                  "postcode": c(f.postcode, "postcode", required=True),
                  "address": row.values.get("address", ""), "active": c(f.boolean, "active", default=True)}
        advisers = []
        for username in filter(None, (u.strip() for u in row.values.get("adviser_usernames", "").split(";"))):
            if username not in self.advisers:
                c.error("adviser_usernames", f"unknown adviser {f.shown(username)} (import users first)")
            else:
                advisers.append(self.advisers[username])
        c.done()
        return Item(row.line, (ods,), values, {"advisers": advisers})

    def write(self, items):
        _, practices, outcome = upsert(Practice, ((i.key, i.values) for i in items), key_fields=("ods_code",),
                                       user=self.user, history=False)
        for item in items:
            practice = practices[item.key]
            wanted = {a.pk for a in item.extra["advisers"]}
            if set(practice.advisers.values_list("pk", flat=True)) != wanted:
                practice.advisers.set(wanted)
                if outcome[item.key] == "unchanged":
                    outcome[item.key] = "updated"
        return tally(outcome.values()), []


class UsersHandler(Handler):
    kind = "users"
    columns = {"username": True, "email": True, "role": True, "given_name": False, "family_name": False,
               "practice_ods_code": False, "provider_code": False}

    def prepare(self):
        self.practices = {p.ods_code: p for p in Practice.objects.all()}
        self.providers = {p.code: p for p in Provider.objects.all()}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        role = c(f.choice, "role", Role.values)
        practice = c(f.lookup, "practice_ods_code", self.practices, "practice", required=role == Role.GP_STAFF)
        provider = c(f.lookup, "provider_code", self.providers, "provider", required=role == Role.PROVIDER_STAFF)
        values = {"email": c(_email, "email"), "role": role,
                  "first_name": c(f.text, "given_name", max_length=_length(User, "first_name"), required=False),
                  "last_name": c(f.text, "family_name", max_length=_length(User, "last_name"), required=False),
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
        counts, _, _ = upsert(User, keyed, key_fields=("username",), user=self.user, history=False)
        new = [k[0] for k, _ in keyed if k[0] not in existing]
        transaction.on_commit(lambda: users_invite(new))  # never for a dry run, which is rolled back
        return counts, []


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

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        provider = {"name": c(f.text, "provider_name", max_length=_length(Provider, "name")),
                    "kind": c(f.choice, "provider_kind", ProviderKind.values),
                    "charity_number": c(f.text, "charity_number", max_length=_length(Provider, "charity_number"),
                                        required=False)}
        values = {"name": c(f.text, "service_name", max_length=_length(Service, "name")),
                  "category": c(f.choice, "category", Category.values),
                  "capacity": c(f.integer, "capacity", low=1, high=100000),
                  "duration_weeks": c(f.integer, "duration_weeks", low=1, high=520),
                  "area": c(f.text, "area", max_length=_length(Service, "area"), required=False) or "Borough-wide",
                  "active": c(f.boolean, "active", default=True)}
        keys = (c(f.text, "provider_code", max_length=_length(Provider, "code")),
                c(f.text, "service_code", max_length=_length(Service, "code")))
        c.done()
        return Item(row.line, (keys[1],), values, {"provider_code": keys[0], "provider": provider})

    def write(self, items):
        _, providers, _ = upsert(Provider, (((i.extra["provider_code"],), i.extra["provider"]) for i in items),
                              key_fields=("code",), user=self.user, history=False)
        keyed = [(i.key, {**i.values, "provider": providers[(i.extra["provider_code"],)]}) for i in items]
        counts, _, _ = upsert(Service, keyed, key_fields=("code",), user=self.user)
        return counts, []


class GrantsHandler(Handler):
    kind = "grants"
    columns = {"grant_ref": True, "provider_code": True, "service_codes": True, "amount": True, "start_date": True,
               "end_date": True, "target_referrals": False, "decision_date": False, "amount_requested": False}

    def prepare(self):
        self.providers = {p.code: p for p in Provider.objects.all()}
        self.services = {s.code: s for s in Service.objects.all()}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        provider = c(f.lookup, "provider_code", self.providers, "provider")
        services = []
        for code in filter(None, (s.strip() for s in row.values.get("service_codes", "").split(";"))):
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
                  "target_referrals": c(f.integer, "target_referrals", low=0, high=1000000),
                  "decision_date": c(f.date, "decision_date"),
                  "amount_requested": c(f.money, "amount_requested",
                                        max_digits=Grant._meta.get_field("amount_requested").max_digits),
                  "decision": GrantDecision.AWARDED}
        ref = c(f.text, "grant_ref", max_length=_length(Grant, "ref"))
        c.done()
        return Item(row.line, (ref,), values, {"services": services})

    def write(self, items):
        _, grants, outcome = upsert(Grant, ((i.key, i.values) for i in items), key_fields=("ref",), user=self.user)
        for item in items:
            grant = grants[item.key]
            wanted = {s.pk for s in item.extra["services"]}
            if set(grant.services.values_list("pk", flat=True)) != wanted:
                grant._history_user = self.user
                grant.services.set(wanted)
                if outcome[item.key] == "unchanged":
                    outcome[item.key] = "updated"
        return tally(outcome.values()), []


def _closure_reason(value: str) -> tuple[str, str]:
    """The old system's closure reason as one of ours, keeping its words when they match none."""
    if not value:
        return "", ""
    for key, label in ClosureReason.choices:
        if value.lower() in (key, label.lower()):
            return key, ""
    return ClosureReason.OTHER, value


class ReferralsHandler(Handler):
    kind = "referrals"
    columns = {"referral_ref": True, "nhs_number": True, "given_name": True, "family_name": True,
               "date_of_birth": True, "sex": False, "ethnicity": False, "postcode": False,
               "practice_ods_code": True, "referral_date": True, "source": False, "risk_score": False,
               "status": True, "adviser_username": False, "decision_date": False, "closed_date": False,
               "closure_reason": False}

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
                   "date_of_birth": born, "sex": c(f.choice, "sex", Sex.values, required=False) or Sex.UNKNOWN,
                   "ethnicity": c(f.choice, "ethnicity", Ethnicity.values, required=False),
                   "postcode": c(f.postcode, "postcode") or "ZZ99 3WZ", "practice": practice}
        referral_date = c(f.date, "referral_date", required=True)
        _not_future(c, "referral_date", referral_date)
        decision, closed = c(f.date, "decision_date"), c(f.date, "closed_date")
        for column, day in [("decision_date", decision), ("closed_date", closed)]:
            if day and referral_date and day < referral_date:
                c.error(column, f"{day:%d/%m/%Y} is before the referral date")
        reason, note = _closure_reason(row.values.get("closure_reason", ""))
        values = {"practice": practice, "referral_date": referral_date,
                  "source": c(f.choice, "source", Source.values, required=False) or Source.GP,
                  "risk_score": c(f.integer, "risk_score", low=0, high=100), "status": c(f.choice, "status",
                                                                                         Status.values),
                  "adviser": c(f.lookup, "adviser_username", self.advisers, "adviser", required=False),
                  "decision_date": decision, "closed_date": closed, "closure_reason": reason, "closure_note": note}
        ref = c(f.text, "referral_ref", max_length=_length(Referral, "ref"))
        c.done()
        return Item(row.line, (ref,), values, {"nhs_number": nhs, "patient": patient})

    def write(self, items):
        _, patients, patient_outcome = upsert(
            Patient, (((i.extra["nhs_number"],), i.extra["patient"]) for i in items), key_fields=("nhs_number",),
            user=self.user)
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
        _, _, outcome = upsert(Referral, keep, key_fields=("ref",), user=self.user)
        # A row is unchanged only if neither its referral nor its patient changed.
        for item in items:
            if outcome.get(item.key) == "unchanged" and patient_outcome[(item.extra["nhs_number"],)] != "unchanged":
                outcome[item.key] = "updated"
        return tally(outcome.values()), errors

    def _open_referrals(self, patient_ids: set[int]) -> dict[int, str]:
        return dict(Referral.objects.filter(patient_id__in=patient_ids, status__in=OPEN_STATUSES)
                    .values_list("patient_id", "ref"))


class OnwardHandler(Handler):
    kind = "onward"
    columns = {"onward_ref": True, "referral_ref": True, "kind": True, "service_code": False, "destination": False,
               "made_date": True, "status": True, "started_date": False, "ended_date": False,
               "continued_after_end": False}

    def prepare(self):
        self.services = {s.code: s for s in Service.objects.all()}
        self.referrals = {ref: pk for ref, pk in Referral.objects.exclude(ref=None).values_list("ref", "pk")}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        kind = c(f.choice, "kind", OnwardKind.values)
        needs_service = kind in (OnwardKind.COMMISSIONED, OnwardKind.NON_COMMISSIONED)
        service = c(f.lookup, "service_code", self.services, "service", required=needs_service)
        destination = c(f.text, "destination", max_length=_length(OnwardReferral, "destination"), required=False)
        if not service and destination == "" and kind and not needs_service:
            c.error("destination", "is required without a service_code")
        made, started, ended = (c(f.date, "made_date", required=True), c(f.date, "started_date"),
                                c(f.date, "ended_date"))
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
                  "continued_after_end": c(f.boolean, "continued_after_end", default=False)}
        ref = c(f.text, "onward_ref", max_length=_length(OnwardReferral, "ref"))
        c.done()
        return Item(row.line, (ref,), values, {})

    def write(self, items):
        counts, _, _ = upsert(OnwardReferral, ((i.key, i.values) for i in items), key_fields=("ref",),
                              user=self.user)
        return counts, []


class StarHandler(Handler):
    kind = "star"
    columns = {"referral_ref": True, "reading_date": True, "reading_type": True, **dict.fromkeys(AREA_KEYS, True)}

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
        counts, _, _ = upsert(StarReading, ((i.key, i.values) for i in items),
                           key_fields=("referral", "reading_date", "kind"), user=self.user)
        return counts, []


class CostsHandler(Handler):
    kind = "costs"
    columns = {"date": True, "amount": True, "description": True}

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        key = (c(f.date, "date", required=True),
               c(f.text, "description", max_length=_length(ProgrammeCost, "description")))
        amount = c(f.money, "amount", max_digits=ProgrammeCost._meta.get_field("amount").max_digits, required=True)
        c.done()
        return Item(row.line, key, {"amount": amount}, {})

    def write(self, items):
        counts, _, _ = upsert(ProgrammeCost, ((i.key, i.values) for i in items), key_fields=("date", "description"),
                              user=self.user, history=False, stamp={"batch": self.batch})
        return counts, []
