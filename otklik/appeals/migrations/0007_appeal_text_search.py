"""The GIN index of Russian full-text search, on PostgreSQL only (SQLite searches by stems)."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from otklik.appeals.search import search_vector

INDEX_NAME = "appeal_text_search"


def _index():
    return GinIndex(search_vector(), name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("appeals", "Appeal"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("appeals", "Appeal"), _index())


class Migration(migrations.Migration):
    dependencies = [("appeals", "0006_answer_fingerprint_answer_formal_reply_score_and_more")]

    operations = [migrations.RunPython(add_index, remove_index, elidable=False)]
