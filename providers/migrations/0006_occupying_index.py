"""An index of the onward referrals that take up a place (accepted or started) by service, for the directory's
"room now" (issue 13): each service's count reads only its people supported now, not every referral it has had."""

from django.db import migrations

# providers.models.OCCUPYING_STATUSES as it is now: a migration keeps the statuses it was written with.
INDEX = ("CREATE INDEX IF NOT EXISTS onward_occupying_service_idx ON providers_onwardreferral (service_id) "
         "WHERE status IN ('accepted', 'started')")


class Migration(migrations.Migration):
    dependencies = [("providers", "0005_idempotency_key")]

    operations = [migrations.RunSQL(INDEX, "DROP INDEX IF EXISTS onward_occupying_service_idx", elidable=False)]
