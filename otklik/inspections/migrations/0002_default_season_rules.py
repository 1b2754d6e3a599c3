from django.db import migrations


def seed(apps, schema_editor):
    from otklik.inspections.seasons import seed_default_rules

    seed_default_rules(
        apps.get_model("inspections", "SeasonRule"), apps.get_model("directory", "Category")
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
