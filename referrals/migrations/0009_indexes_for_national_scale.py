"""Indexes for the pages at national scale (issue 13): the referral list by status and date, an adviser's open
referrals, the open referrals newest first, and, on PostgreSQL, trigram indexes for a search by part of a name.

Written as SQL, not as model indexes: the trigram ones exist only on PostgreSQL (pg_trgm; SQLite searches names
by a scan, fine at its size), and the partial and descending ones keep the same SQL on both."""

from django.db import migrations

# referrals.models.OPEN_STATUSES as it is now: a migration keeps the statuses it was written with.
OPEN = "'received', 'accepted', 'assessed', 'active'"
# (name, columns and condition): on every database.
BTREE = [
    # The status counts (bounded) and the list filtered by status, newest first.
    ("referral_status_date_idx", "referrals_referral (status, referral_date DESC, id DESC)"),
    # The access rule for an adviser (the referrals assigned to them and those from their practices: a union of
    # ids, read from these two indexes alone), their caseload, and the count of each adviser's open referrals.
    ("referral_adviser_status_idx", "referrals_referral (adviser_id, status, id)"),
    ("referral_practice_date_idx", "referrals_referral (practice_id, referral_date DESC, id DESC)"),
    # How many open referrals each adviser has (the manager's choice of adviser): only the open ones are read.
    ("referral_open_adviser_idx", f"referrals_referral (adviser_id) WHERE status IN ({OPEN})"),
    # The list of open referrals, newest first.
    ("referral_open_date_idx", f"referrals_referral (referral_date DESC, id DESC) WHERE status IN ({OPEN})"),
]
# On PostgreSQL only: a search for part of a name (Django's icontains is UPPER(column) LIKE UPPER('%term%')).
TRIGRAM = [
    ("patient_family_name_trgm_idx", "referrals_patient USING gin (UPPER(family_name) gin_trgm_ops)"),
    ("patient_given_name_trgm_idx", "referrals_patient USING gin (UPPER(given_name) gin_trgm_ops)"),
]


# A search by the start of an NHS number is planned from the column's statistics: with PostgreSQL's default
# sample its estimate swung between 9 and 909 patients for the same prefix (143 in fact) from one ANALYZE to the
# next, and at 909 the list was read newest first through every referral instead of from the patients found.
NHS_NUMBER_STATISTICS = "ALTER TABLE referrals_patient ALTER COLUMN nhs_number SET STATISTICS {}"


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(NHS_NUMBER_STATISTICS.format(1000))
    for name, definition in BTREE + (TRIGRAM if postgres else []):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(NHS_NUMBER_STATISTICS.format(-1))
    for name, _ in BTREE + (TRIGRAM if postgres else []):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0008_idempotency_key")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
