"""REST imports: an operator of the region uploads an export, the task imports it, progress and
failed rows are read back; other regions and roles are refused."""

import json

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from otklik.accounts.models import Role
from otklik.accounts.tokens import issue_token
from otklik.appeals import tasks
from otklik.appeals.models import Appeal, ImportBatch
from otklik.appeals.workflow import Status
from otklik.lib import storage
from tests.factories import RegionFactory, staff

URL = "/api/v1/imports/"
EXPORT = (
    "Номер;Текст;Рубрика\n"
    "1;Яма на Московской;Дороги и ямы\n"
    "2;;Дороги и ямы\n"
    "3;Нет освещения;Кошки\n"
).encode("cp1251")
MAPPING = {
    "fields": {"external_id": "Номер", "text": "Текст", "category": "Рубрика"},
    "categories": {"Дороги и ямы": "potholes"},
}


@pytest.fixture(autouse=True)
def private_files(tmp_path, monkeypatch):
    monkeypatch.setattr(storage.private_storage, "_wrapped", FileSystemStorage(location=tmp_path))


def auth(user, scopes=("imports",), region=None):
    _token, key = issue_token(user=user, name="Миграция", scopes=scopes, region=region)
    return {"Authorization": f"Bearer {key}"}


def upload(client, headers, content=EXPORT, mapping=MAPPING, **extra):
    data = {
        "file": SimpleUploadedFile("export.csv", content, content_type="text/csv"),
        "source": "pos",
        "mapping": json.dumps(mapping),
        **extra,
    }
    return client.post(URL, data=data, headers=headers)


def test_an_operator_imports_an_export_through_the_task_queue(
    client, operator, category, django_capture_on_commit_callbacks
):
    headers = auth(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, headers)
    assert response.status_code == 202
    batch = response.json()
    assert (batch["state"], batch["region"], batch["total"]) == ("pending", "48", 0)
    assert len(callbacks) == 1
    tasks.run_import.call(batch["id"])
    done = client.get(f"{URL}{batch['id']}", headers=headers).json()
    assert (done["state"], done["total"], done["created"], done["failed"]) == ("done", 3, 1, 2)
    appeal = Appeal.objects.get()
    assert (appeal.external_source, appeal.external_id, appeal.status) == ("pos", "1", Status.NEW)
    assert appeal.category == category

    errors = client.get(f"{URL}{batch['id']}/errors", headers=headers).json()
    assert [(e["row"], e["code"]) for e in errors] == [(2, "required"), (3, "category")]
    assert all(e["message_ru"] and e["message_en"] for e in errors)
    as_csv = client.get(f"{URL}{batch['id']}/errors?format=csv", headers=headers)
    assert as_csv["Content-Type"].startswith("text/csv")
    assert "Кошки" in as_csv.content.decode("utf-8-sig")
    assert client.get(URL, headers=headers).json()["count"] == 1


def test_the_same_export_twice_creates_nothing_new(client, operator, category):
    headers = auth(operator)
    first = upload(client, headers).json()
    tasks.run_import.call(first["id"])
    second = upload(client, headers).json()
    tasks.run_import.call(second["id"])
    again = client.get(f"{URL}{second['id']}", headers=headers).json()
    assert (again["created"], again["existing"]) == (0, 1)
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"source": "ПОС"}, "source"),
        ({"mapping": "{oops"}, "mapping"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_input_is_refused_in_both_languages(client, operator, extra, code):
    response = upload(client, auth(operator), **extra)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == code
    assert body["message_ru"] != body["message_en"]
    assert not ImportBatch.objects.exists()


def test_only_operators_and_admins_of_the_region_import(
    client, executor, municipal_operator, leadership, operator
):
    for user in (executor, municipal_operator, leadership):
        assert upload(client, auth(user)).status_code == 403
    assert upload(client, auth(operator, scopes=["appeals:read"])).status_code == 403
    elsewhere = RegionFactory(code="36", name="Воронежская область")
    response = upload(client, auth(operator, region=elsewhere))
    assert response.status_code == 403
    admin = staff(Role.ADMIN, elsewhere)
    assert upload(client, auth(admin)).status_code == 202
    assert not ImportBatch.objects.filter(region__code="48").exists()


def test_a_batch_of_another_region_is_not_found(client, operator, region):
    elsewhere = RegionFactory(code="36", name="Воронежская область")
    admin = staff(Role.ADMIN, elsewhere)
    batch = upload(client, auth(admin)).json()
    headers = auth(operator)
    assert client.get(f"{URL}{batch['id']}", headers=headers).status_code == 404
    assert client.get(f"{URL}{batch['id']}/errors", headers=headers).status_code == 404
    assert client.get(URL, headers=headers).json()["count"] == 0
