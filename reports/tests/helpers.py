import io

from django.db import connection

from reports.imports.run import run_import


def do_import(kind: str, text: str | bytes, *, user=None, **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return run_import(kind=kind, stream=io.BytesIO(data), file_name=f"{kind}.csv", user=user, **options)


# The statements of one impact matching (reports.impact.match) in a test's transaction: its savepoint, rolled back and
# released; the steps' tables x and k (on PostgreSQL, after its settings, each analysed); the months the
# cases fall in; the rows. With cases, six more steps, the check of the hash's threshold and, on SQLite, an index.
MATCHING_NO_CASES = 10 if connection.vendor == "postgresql" else 7
MATCHING = MATCHING_NO_CASES + (13 if connection.vendor == "postgresql" else 8)
