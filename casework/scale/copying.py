"""Loading generated rows into PostgreSQL quickly (generate_scale_data, issue 13): COPY in its text format, each
model's other columns given their defaults, the big tables' foreign keys dropped for the load and added back after
it, and the id sequences moved past the loaded ids."""

import datetime as dt
import io
import json
from itertools import repeat

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

NULL = "\\N"


def _text(value) -> str:
    """A Python value as COPY's text format writes it."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _defaults(model, columns: list[str], now: str) -> dict[str, str]:
    """The model's other columns and the text each gets: its default, or NULL where the column allows it."""
    filled = {}
    for f in model._meta.concrete_fields:
        if f.attname in columns or (f.primary_key and isinstance(f, models.AutoField)):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            filled[f.column] = now
        elif f.has_default():
            filled[f.column] = _text(f.get_default())
        elif f.null:
            filled[f.column] = NULL
        else:
            filled[f.column] = _text(f.get_default())  # "" for a text column without a default
    return filled


def copy(cursor, model, columns: dict[str, object], n: int) -> int:
    """COPY n rows into the model's table. `columns` maps attnames to a sequence of n texts or one text for all
    rows; the model's other columns get their defaults."""
    now = timezone.now().isoformat()
    names = [model._meta.get_field(name).column if name != "id" else "id" for name in columns]
    values = list(columns.values())
    for column, text in _defaults(model, list(columns), now).items():
        names.append(column)
        values.append(text)
    values = [repeat(v, n) if isinstance(v, str) else v for v in values]
    buffer = io.StringIO()
    buffer.writelines(f"{line}\n" for line in map("\t".join, zip(*values, strict=False)))
    buffer.seek(0)
    cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN", buffer,
                              size=1 << 20)
    return n


def drop_foreign_keys(cursor, models_: list) -> list[tuple[str, str, str]]:
    """Drop the tables' foreign keys for the load, to add them again after it: PostgreSQL then checks each in one
    pass over the table instead of a trigger per row (a third of the load's time at 1.3 million referrals). The
    transaction puts them back if anything fails."""
    cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                   [[model._meta.db_table for model in models_]])
    keys = cursor.fetchall()
    # Altering a foreign key alters the table it points to, which must have no checks still waiting: run them.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _ in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return keys


def add_foreign_keys(cursor, keys: list[tuple[str, str, str]]) -> None:
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def reset_sequences(cursor, models_: list) -> None:
    """Each table's id sequence after its highest id: the rows came with their ids."""
    for sql in connection.ops.sequence_reset_sql(no_style(), models_):
        cursor.execute(sql)
