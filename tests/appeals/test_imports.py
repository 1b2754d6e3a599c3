"""Bulk imports: CSV (cp1251, «;») and JSON exports, idempotent on (region, source, id), bad rows
reported with reasons while good rows go in, mapped rows registered and assigned."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command

from otklik.appeals import imports
from otklik.appeals.models import Appeal, Channel, ImportBatch
from otklik.appeals.workflow import Status
from otklik.lib import storage

CSV_CP1251 = (
    "Номер;Текст;Дата;Рубрика;Исполнитель;Широта;Долгота;Адрес;Статус\n"
    "P-1;Яма на Московской улице у дома 12;01.10.2026 09:30;Дороги и ямы;УДХ;52,61;39,59;"
    "г. Липецк, ул. Московская, 12;В работе\n"
    "P-2;Не горит фонарь во дворе;02.10.2026;Дороги и ямы;;;;;Новое\n"
    "P-3;;03.10.2026;Дороги и ямы;;;;;Новое\n"
    "P-4;Непонятная рубрика;03.10.2026;Кошки;;;;;Новое\n"
    "P-5;Плохая дата;31.02.2026;Дороги и ямы;;;;;Новое\n"
    "P-6;Плохие координаты;03.10.2026;Дороги и ямы;;95,5;39,59;;Новое\n"
)
MAPPING = {
    "fields": {
        "external_id": "Номер",
        "text": "Текст",
        "created_at": "Дата",
        "category": "Рубрика",
        "organization": "Исполнитель",
        "latitude": "Широта",
        "longitude": "Долгота",
        "address": "Адрес",
        "status": "Статус",
    },
    "categories": {"Дороги и ямы": "potholes"},
    "organizations": {"УДХ": None},  # the id is filled in by the test
}


@pytest.fixture(autouse=True)
def private_files(tmp_path, monkeypatch):
    """Import files kept in a temporary directory, not in the product's private storage."""
    monkeypatch.setattr(storage.private_storage, "_wrapped", FileSystemStorage(location=tmp_path))


@pytest.fixture
def mapping(organization, category):
    return {**MAPPING, "organizations": {"УДХ": organization.pk}}


def batch_of(region, content: bytes, mapping, name="export.csv", source="pos"):
    upload = ContentFile(content, name=name)
    return imports.create_batch(region=region, source=source, upload=upload, mapping=mapping)


def run(batch):
    imports.run_batch(batch.pk)
    batch.refresh_from_db()
    return batch


def test_a_cp1251_csv_goes_in_and_bad_rows_are_reported_with_reasons(region, mapping):
    batch = run(batch_of(region, CSV_CP1251.encode("cp1251"), mapping))
    assert batch.state == ImportBatch.State.DONE
    assert (batch.total, batch.processed, batch.created_count, batch.failed_count) == (6, 6, 2, 4)
    reasons = {e["external_id"]: e for e in batch.errors}
    assert {k: v["code"] for k, v in reasons.items()} == {
        "P-3": "required",
        "P-4": "category",
        "P-5": "date",
        "P-6": "point",
    }
    assert reasons["P-4"]["row"] == 4
    assert "Кошки" in reasons["P-4"]["message_ru"]
    assert "Unknown category" in reasons["P-4"]["message_en"]
    assert reasons["P-3"]["message_ru"] != reasons["P-3"]["message_en"]
    first = Appeal.objects.get(external_source="pos", external_id="P-1")
    assert first.channel == Channel.IMPORT
    assert first.text == "Яма на Московской улице у дома 12"
    assert (first.latitude, first.longitude) == (52.61, 39.59)
    assert first.created_at == datetime(2026, 10, 1, 9, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    assert first.attributes == {"source_status": "В работе"}


def test_a_mapped_category_and_organization_register_and_assign_by_the_system(
    region, mapping, organization, category
):
    run(batch_of(region, CSV_CP1251.encode("cp1251"), mapping))
    assigned = Appeal.objects.get(external_id="P-1")
    assert assigned.status == Status.IN_PROGRESS
    assert assigned.executor == organization
    assert assigned.category == category
    assert assigned.due_at is not None
    assert [e.actor for e in assigned.events.all()] == [None, None, None]
    waiting = Appeal.objects.get(external_id="P-2")
    assert (waiting.status, waiting.category, waiting.executor) == (Status.NEW, category, None)


def test_the_same_file_twice_creates_nothing_new(region, mapping):
    content = CSV_CP1251.encode("cp1251")
    run(batch_of(region, content, mapping))
    again = run(batch_of(region, content, mapping))
    assert (again.created_count, again.existing_count, again.failed_count) == (0, 2, 4)
    assert Appeal.objects.count() == 2
    # Another system's ids are its own: the same ids from elsewhere are new appeals.
    other = run(batch_of(region, content, mapping, source="crm"))
    assert other.created_count == 2


def test_a_json_export_with_items_and_default_field_names(region, category, other_municipality):
    export = {
        "items": [
            {
                "external_id": 101,
                "text": "Мусор не вывозят неделю",
                "created_at": "2026-10-05T08:00:00+03:00",
                "category": "potholes",
                "municipality": "Елец",
                "contact_email": "resident@example.ru",
            },
            {"external_id": 102, "text": "Нет отопления", "contact_email": "не почта"},
            "не объект",
        ]
    }
    batch = run(batch_of(region, json.dumps(export).encode(), {}, name="export.json"))
    assert batch.format == "json"
    assert (batch.created_count, batch.failed_count) == (1, 2)
    assert [e["code"] for e in batch.errors] == ["email", "type"]
    appeal = Appeal.objects.get(external_id="101")
    assert appeal.municipality == other_municipality
    assert appeal.contact_email == "resident@example.ru"


def test_a_utf8_csv_with_commas_and_a_bom(region, category):
    content = '\ufeffexternal_id,text,category\nA1,"Яма, глубокая",potholes\n'.encode()
    batch = run(batch_of(region, content, None))
    assert batch.created_count == 1
    assert Appeal.objects.get(external_id="A1").text == "Яма, глубокая"


def test_a_broken_file_fails_the_batch_with_a_reason(region):
    batch = run(batch_of(region, b'{"rows": 1}', None, name="x.json"))
    assert batch.state == ImportBatch.State.FAILED
    assert "items" in batch.error


def test_a_stopped_batch_resumes_where_it_stopped(region, mapping):
    batch = batch_of(region, CSV_CP1251.encode("cp1251"), mapping)
    rows = imports.read_rows(CSV_CP1251.encode("cp1251"), "csv")
    imports.import_rows(batch, rows[:3], save_every=1)
    batch.state = ImportBatch.State.RUNNING
    batch.save(update_fields=["state"])
    batch = run(batch)
    assert (batch.processed, batch.created_count, batch.failed_count) == (6, 2, 4)
    assert sorted(e["external_id"] for e in batch.errors) == ["P-3", "P-4", "P-5", "P-6"]


def test_a_bad_mapping_or_source_is_refused(region):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        batch_of(region, b"x", {"fields": {"nonsense": "A"}})
    with pytest.raises(ValidationError):
        batch_of(region, b"x", "{not json")
    with pytest.raises(ValidationError):
        batch_of(region, b"x", {}, source="ПОС")
    assert not ImportBatch.objects.exists()


def test_the_command_imports_reports_and_dry_runs(region, mapping, tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_bytes(CSV_CP1251.encode("cp1251"))
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(mapping), encoding="utf-8")
    options = ["--region", "48", "--source", "pos", "--mapping", str(mapping_file)]
    call_command("import_appeals", str(export), *options, "--dry-run")
    assert "created 2" in capsys.readouterr().out
    assert not Appeal.objects.exists()
    report = tmp_path / "errors.csv"
    call_command("import_appeals", str(export), *options, "--errors", str(report))
    out = capsys.readouterr().out
    assert "created 2" in out
    assert "failed 4" in out
    assert Appeal.objects.count() == 2
    lines = report.read_text("utf-8-sig").splitlines()
    assert lines[0] == "row;external_id;code;message_ru;message_en"
    assert len(lines) == 5
