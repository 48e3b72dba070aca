"""Reports read from a streaming replica when REPORTS_DATABASE_URL names one (the "reports" database); every other
read, and every write, goes to the primary ("default").

Only code inside `with reading_reports():` reads from the replica: the evaluation pages, the Overview and
`manage.py report`. Everything else reads from the primary, so a person always sees what they have just saved;
a report may be a few seconds behind (the replica's lag), which for an evaluation does not matter. The flag is a
context variable, so one thread's or task's report never sends another's reads to the replica."""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings

REPORTS = "reports"
_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)


@contextlib.contextmanager
def reading_reports() -> Iterator[None]:
    """Reads made inside this block come from the replica, if there is one."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reports_alias() -> str:
    """The database a report reads from here: the replica inside `reading_reports()` when one is configured, else
    the primary. Raw SQL follows it through `connections[queryset.db]`, which asks the router."""
    return REPORTS if REPORTS in settings.DATABASES and _reading_reports.get() else "default"


class ReportsRouter:
    """Installed whether or not there is a replica: without the "reports" database every answer is the primary."""

    def db_for_read(self, model, **hints):
        alias = reports_alias()
        return None if alias == "default" else alias

    def db_for_write(self, model, **hints):
        return "default"  # a replica is read-only; writes inside a report (an access-log row) go to the primary

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: an object read from either may refer to the other's

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica follows the primary's schema; it cannot be migrated itself
