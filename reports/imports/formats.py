"""The import files' formats as the imports page shows them: read from the handlers the import itself runs, so that
what the page says a file holds, and its example files, cannot drift from what the import takes."""

from dataclasses import dataclass

from reports.imports.run import HANDLERS
from reports.models import ImportKind


@dataclass
class Column:
    name: str
    required: bool
    note: str


@dataclass
class KindFormat:
    kind: str
    label: str
    about: str
    key: tuple[str, ...]
    columns: list[Column]
    has_example: bool


def kind_formats() -> list[KindFormat]:
    """Every kind, in the order a new deployment imports them."""
    labels = dict(ImportKind.choices)
    return [KindFormat(kind, labels.get(kind, kind), handler.about, handler.key,
                       [Column(name, needed, handler.notes.get(name, "")) for name, needed in handler.columns.items()],
                       bool(handler.example))
            for kind, handler in HANDLERS.items()]


def example_csv(kind: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of `kind`'s example file: every column, in the order the page lists them."""
    handler = HANDLERS[kind]
    header = list(handler.columns)
    return header, [[row.get(name, "") for name in header] for row in handler.example]

