"""Count every referral's hospital use once, so that a database upgraded with episodes already in it has them kept
(the import only counts again the patients it changes)."""

from django.db import migrations


def count_every_referral(apps, schema_editor):
    from reports.evaluation import count_hospital_use

    with schema_editor.connection.cursor() as cursor:
        count_hospital_use(cursor)


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_hospital_use")]

    operations = [migrations.RunPython(count_every_referral, migrations.RunPython.noop)]
