"""What every import handler shares: row errors, counts, and writing by natural key with history."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import ClassVar

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reports.imports.fields import AS_CLEARED, CellError, Keep, not_clear, optional
from reports.imports.reader import NUL_MESSAGE, Row, as_row
from reports.models import ImportBatch
from sps.models import User


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


@dataclass
class FieldChange:
    column: str
    old: str
    new: str


@dataclass
class RowChange:
    """What importing one row would change in what is stored: each column's value now and after."""

    line: int
    row: str  # the row by its natural key, as the file gives it
    fields: list[FieldChange]

    def __str__(self) -> str:
        changes = "; ".join(f"{c.column}: {c.old} -> {c.new}" for c in self.fields)
        return f"line {self.line} ({self.row}): {changes}"


MAX_CHANGES_SHOWN = 1000
# The forms of a value every kind takes (fields.py), as the column notes on the imports page say them.
DATE = "YYYY-MM-DD or DD/MM/YYYY"
MONEY = "pounds, £ and thousands commas allowed"
YES_NO = "yes or no (also true/false, 1/0, y/n)"
BLANK_SHOWN = "(blank)"
# How a related object is named in a change: by the code the import files use for it.
LABEL_FIELDS = ("ods_code", "username", "code", "ref", "nhs_number")


def shown_value(value) -> str:
    """A stored or imported value as the check shows it: dates and money as on every page, yes/no, blank."""
    if value is None or value == "":
        return BLANK_SHOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    return str(value)


def field_changes(model: type[models.Model], diff: dict[tuple, dict], columns: dict[str, str] | None = None,
                  ) -> dict[tuple, list[FieldChange]]:
    """`upsert`'s diff as the check shows it: each field under its column's name in the file (`columns` maps the
    fields named otherwise), a related object by its code, looked up once per relation for the whole chunk."""
    columns = columns or {}
    names = {name: _related_names(model, name, diff) for name in {n for changes in diff.values() for n in changes}}
    return {key: [FieldChange(columns.get(name, name), *(shown_value(names[name].get(v, v)) for v in pair))
                  for name, pair in changes.items()]
            for key, changes in diff.items()}


def _related_names(model: type[models.Model], name: str, diff: dict[tuple, dict]) -> dict:
    """{primary key: code} for the objects a relation `name` points to in `diff`; {} for any other field."""
    field = model._meta.get_field(name)
    if not field.is_relation:
        return {}
    related = field.related_model
    label = next((f for f in LABEL_FIELDS if any(x.name == f for x in related._meta.get_fields())), "pk")
    keys = {v for changes in diff.values() if name in changes for v in changes[name] if v is not None}
    return dict(related.objects.filter(pk__in=keys).values_list("pk", label))


class RowRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0
    rejected: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


class Cells:
    """Parses the cells of one row, collecting every error rather than stopping at the first."""

    def __init__(self, row: Row):
        self.row = row
        self.errors: list[RowError] = []

    def __call__(self, parse: Callable, column: str, *args, **kwargs):
        """A column that must hold a value when it is given: CLEAR_WORD cannot empty it."""
        value = self.row.values.get(column, "")
        try:
            not_clear(column, value)
            return parse(column, value, *args, **kwargs)
        except CellError as error:
            self.errors.append(RowError(self.row.line, error.column, error.message))
            return None

    def optional(self, parse: Callable, column: str, *args, default=AS_CLEARED, cleared=None, **kwargs):
        """An optional column (fields.optional): a blank cell keeps the stored value, Keep(default)."""
        try:
            return optional(parse, column, self.row.values.get(column, ""), *args, default=default,
                            cleared=cleared, **kwargs)
        except CellError as error:
            self.errors.append(RowError(self.row.line, error.column, error.message))
            return None

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row.line, column, message))

    def done(self) -> None:
        if self.errors:
            raise RowRejected(self.errors)


class Handler:
    """One KIND of import. `columns` maps each column to whether it is required. For the imports page (and so
    that the formats shown cannot drift from the import): `about` says what a row is, `key` the columns that
    match a row to what is stored, `notes` what each column holds, and `example` rows that import (in order)."""

    kind = ""
    columns: ClassVar[dict[str, bool]] = {}
    about = ""
    key: ClassVar[tuple[str, ...]] = ()
    notes: ClassVar[dict[str, str]] = {}
    example: ClassVar[list[dict[str, str]]] = []
    chunk_size = 1000
    # False where a row's changes would show someone nobody may see individually (the comparison extract): counted only
    shows_changes = True

    def __init__(self, *, user: User | None, batch: ImportBatch, options: dict | None = None):
        self.user = user
        self.batch = batch
        self.options = options or {}
        self.changes: list[RowChange] = []  # the first MAX_CHANGES_SHOWN updated rows
        self.changed_rows = 0

    def record_changes(self, items: list, outcome: dict[tuple, str], changes: dict[tuple, list[FieldChange]]) -> None:
        """The changes of the chunk's updated rows, each under the line of the last row of its key (the one written)."""
        for key, item in {item.key: item for item in items}.items():
            if outcome.get(key) == "updated":
                self.record_change(item.line, self.row_name(item), changes.get(key, []))

    def row_name(self, item) -> str:
        """The row, for the check, by its natural key."""
        return ", ".join(map(shown_value, item.key))

    def record_change(self, line: int, row: str, changes: list[FieldChange]) -> None:
        """What an updated row changes, all of it at once (a referral's row changes its patient too)."""
        if changes:
            self.changed_rows += 1
            if self.shows_changes and len(self.changes) < MAX_CHANGES_SHOWN:
                self.changes.append(RowChange(line, row, changes))

    def prepare(self) -> None:
        """Load the lookup tables the rows refer to, once."""

    def clean_chunk(self, header: list[str], chunk: list[tuple[int, list[str]]]) -> tuple[list, list[tuple[Row, list]]]:
        """The chunk's rows (line, cells) checked: what `clean` made of the good ones, and each bad row with its
        errors."""
        valid, rejected = [], []
        for line, cells in chunk:
            row = as_row(header, line, cells)
            try:
                if row.nul_columns:
                    raise RowRejected([RowError(row.line, name, NUL_MESSAGE) for name in row.nul_columns])
                valid.append(self.clean(row))
            except RowRejected as error:
                rejected.append((row, error.errors))
        return valid, rejected

    def clean(self, row: Row):
        raise NotImplementedError

    def write(self, items: list) -> tuple[Counts, list[RowError]]:
        raise NotImplementedError

    def finish(self) -> Counts:
        return Counts()

    def close(self) -> None:
        """Release anything the handler holds, whether or not the import went through."""


def _raw(value):
    """A value as the database row holds it: a related object by its primary key."""
    return value.pk if isinstance(value, models.Model) else value


def _stored(model: type[models.Model], obj: models.Model, name: str):
    """What `obj` holds in field `name`; for a relation its key, so that comparing costs no query."""
    return getattr(obj, model._meta.get_field(name).attname)


def upsert(model: type[models.Model], keyed: Iterable[tuple[tuple, dict]], *, key_fields: tuple[str, ...],
           user: User | None, history: bool = True, stamp: dict | None = None, diff: dict | None = None,
           ) -> tuple[Counts, dict[tuple, models.Model], dict[tuple, str]]:
    """Create or update rows matched on their natural key; the same values again leave a row unchanged.
    A value `Keep(default)` (a blank optional cell) leaves an existing row's field alone, and gives a new row
    `default`. `stamp` (e.g. the import batch) is written on created and updated rows but does not make a row differ.
    Writes in bulk, with a history record per change attributed to `user` where the model keeps history.
    Returns the counts, every object by key, and each key's outcome ("created", "updated" or "unchanged"); with
    `diff`, fills it with each updated key's {field: (stored, new)}, relations by their primary key."""
    keyed = dict(keyed)  # a key repeated in the chunk: the last row wins
    stamp = stamp or {}
    if not keyed:
        return Counts(), {}, {}
    existing = {
        tuple(_stored(model, obj, name) for name in key_fields): obj
        for obj in model.objects.filter(**{f"{key_fields[0]}__in": {key[0] for key in keyed}})
    }
    created, updated, outcome, objects = [], [], {}, {}
    changed_fields: set[str] = set(stamp)
    for key, values in keyed.items():
        raw_key = tuple(map(_raw, key))
        obj = existing.get(raw_key)
        if obj is None:
            values = {name: value.default if isinstance(value, Keep) else value for name, value in values.items()}
            obj = model(**dict(zip(key_fields, key, strict=True)), **values, **stamp)
            created.append(obj)
            existing[raw_key] = obj
            outcome[key] = "created"
        else:
            changes = {name: (_stored(model, obj, name), _raw(value)) for name, value in values.items()
                       if not isinstance(value, Keep) and _stored(model, obj, name) != _raw(value)}
            if changes:
                changed_fields |= set(changes)
                for name, value in {**values, **stamp}.items():
                    if not isinstance(value, Keep):
                        setattr(obj, name, value)
                updated.append(obj)
                outcome[key] = "updated"
                if diff is not None:
                    diff[key] = changes
            else:
                outcome[key] = "unchanged"
        objects[key] = obj
    if history:
        if created:
            bulk_create_with_history(created, model, default_user=user, default_change_reason="Imported")
        if updated:
            bulk_update_with_history(updated, model, sorted(changed_fields), default_user=user,
                                     default_change_reason="Imported")
    else:
        model.objects.bulk_create(created)
        if updated:
            model.objects.bulk_update(updated, sorted(changed_fields))
    counts = Counts(created=len(created), updated=len(updated), unchanged=len(keyed) - len(created) - len(updated))
    return counts, objects, outcome


def tally(outcomes: Iterable[str]) -> Counts:
    counts = Counts()
    for outcome in outcomes:
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts
