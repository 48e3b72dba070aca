"""What every import handler shares: row errors, counts, and writing by natural key with history."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import ClassVar

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reports.imports.fields import CellError
from reports.imports.reader import Row
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
        try:
            return parse(column, self.row.values.get(column, ""), *args, **kwargs)
        except CellError as error:
            self.errors.append(RowError(self.row.line, error.column, error.message))
            return None

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row.line, column, message))

    def done(self) -> None:
        if self.errors:
            raise RowRejected(self.errors)


class Handler:
    """One KIND of import. `columns` maps each column to whether it is required."""

    kind = ""
    columns: ClassVar[dict[str, bool]] = {}
    chunk_size = 1000

    def __init__(self, *, user: User | None, batch: ImportBatch, options: dict | None = None):
        self.user = user
        self.batch = batch
        self.options = options or {}

    def prepare(self) -> None:
        """Load the lookup tables the rows refer to, once."""

    def clean(self, row: Row):
        raise NotImplementedError

    def write(self, items: list) -> tuple[Counts, list[RowError]]:
        raise NotImplementedError

    def finish(self) -> Counts:
        return Counts()

    def close(self) -> None:
        """Release anything the handler holds, whether or not the import went through."""


def _differs(obj: models.Model, values: dict) -> bool:
    return any(getattr(obj, name) != value for name, value in values.items())


def upsert(model: type[models.Model], keyed: Iterable[tuple[tuple, dict]], *, key_fields: tuple[str, ...],
           user: User | None, history: bool = True, stamp: dict | None = None,
           ) -> tuple[Counts, dict[tuple, models.Model], dict[tuple, str]]:
    """Create or update rows matched on their natural key; the same values again leave a row unchanged.
    `stamp` (e.g. the import batch) is written on created and updated rows but does not make a row differ.
    Writes in bulk, with a history record per change attributed to `user` where the model keeps history.
    Returns the counts, every object by key, and each key's outcome ("created", "updated" or "unchanged")."""
    keyed = dict(keyed)  # a key repeated in the chunk: the last row wins
    stamp = stamp or {}
    if not keyed:
        return Counts(), {}, {}
    first = key_fields[0]
    existing = {
        tuple(getattr(obj, name) for name in key_fields): obj
        for obj in model.objects.filter(**{f"{first}__in": {key[0] for key in keyed}})
    }
    created, updated, outcome = [], [], {}
    changed_fields: set[str] = set(stamp)
    for key, values in keyed.items():
        obj = existing.get(key)
        if obj is None:
            obj = model(**dict(zip(key_fields, key, strict=True)), **values, **stamp)
            created.append(obj)
            existing[key] = obj
            outcome[key] = "created"
        elif _differs(obj, values):
            changed_fields |= {name for name, value in values.items() if getattr(obj, name) != value}
            for name, value in {**values, **stamp}.items():
                setattr(obj, name, value)
            updated.append(obj)
            outcome[key] = "updated"
        else:
            outcome[key] = "unchanged"
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
    return counts, {key: existing[key] for key in keyed}, outcome


def tally(outcomes: Iterable[str]) -> Counts:
    counts = Counts()
    for outcome in outcomes:
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts
