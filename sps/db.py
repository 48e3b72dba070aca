"""Database expressions that Django lacks, for PostgreSQL (production, tests) and SQLite (the demo default)."""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func, IntegerField


class Median(Aggregate):
    """The median of a column, in the database: PERCENTILE_CONT(0.5) on PostgreSQL, a registered MEDIAN on
    SQLite. NULLs are ignored, so Median(Case(When(cond, then=x))) is the median of x where cond holds."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="MEDIAN", template="%(function)s(%(expressions)s)",
                              **extra_context)


class DaysBetween(Func):
    """Whole days from `start` to `end` (both dates): DaysBetween(start, end), negative if `end` is earlier."""

    output_field = IntegerField()

    def __init__(self, start, end, **extra):
        super().__init__(start, end, **extra)

    def _compiled(self, compiler):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return start, end, [*end_params, *start_params]

    def as_sql(self, compiler, connection, **extra_context):
        start, end, params = self._compiled(compiler)
        return f"({end} - {start})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end, params = self._compiled(compiler)
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params


class _SQLiteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SQLiteMedian)


connection_created.connect(register_sqlite_functions)
