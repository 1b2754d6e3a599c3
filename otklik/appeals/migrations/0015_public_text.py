"""The public copy of appeal and answer texts (personal data masked) and, on PostgreSQL, the
GIN index of the public search over it. Existing rows get their copy from
`manage.py compute_public_copies` (the NER model is no work for a migration)."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from otklik.appeals.search import search_vector

INDEX_NAME = "appeal_public_text_search"


def _index():
    return GinIndex(search_vector(public=True), name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("appeals", "Appeal"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("appeals", "Appeal"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0014_personal_data_access_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="public_text",
            field=models.TextField(blank=True, null=True, verbose_name="public text"),
        ),
        migrations.AddField(
            model_name="appeal",
            name="public_masks",
            field=models.JSONField(blank=True, db_default=[], default=list),
        ),
        migrations.AddField(
            model_name="appeal",
            name="public_text",
            field=models.TextField(blank=True, null=True, verbose_name="public text"),
        ),
        migrations.AddField(
            model_name="appeal",
            name="public_text_corrected",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
