"""Bidi overrides and zero-width characters never get into an appeal's text or address, nor
into an answer, whichever channel brings them: portal, phone intake, REST, Open311, imports."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals import imports, services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from tests.api.test_open311_post import report
from tests.api.test_open311_services import make_attributes, open311_key, post
from tests.appeals.test_imports import private_files  # noqa: F401 (a fixture)
from tests.office.test_intake import PHONE, phone_data
from tests.portal.test_report_form import data as portal_data

pytestmark = pytest.mark.django_db

# «Яма у дома 12»: a right-to-left override, zero-width space, soft hyphen, BOM, an isolate and
# a decomposed «й» among the letters.
HOSTILE_TEXT = (
    "Гл\u0443\u0431\u200bокая я\u00adма у до\u202eма 12\u202c на Московско\u0438\u0306 улице\ufeff"
)
CLEAN_TEXT = "Глубокая яма у дома 12 на Московской улице"
HOSTILE_ADDRESS = "г. Липецк, ул. \u2066Моск\u200dовская\u2069, 12\u200f"
CLEAN_ADDRESS = "г. Липецк, ул. Московская, 12"


def assert_clean(appeal: Appeal) -> None:
    assert appeal.text == CLEAN_TEXT
    assert appeal.address == CLEAN_ADDRESS


def test_the_portal_form_stores_clean_text(
    client, citizen, category, municipality, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(citizen)
    values = portal_data(category, municipality, text=HOSTILE_TEXT, address=HOSTILE_ADDRESS)
    response = client.post("/report/", values)
    assert response.status_code == 302
    assert_clean(Appeal.objects.get())


def test_the_phone_intake_stores_clean_text_and_caller_name(
    client, operator, category, municipality
):
    client.force_login(operator)
    values = phone_data(
        category,
        municipality,
        text=HOSTILE_TEXT,
        address=HOSTILE_ADDRESS,
        full_name="Анна\u200b Зво\u202eнкова",
    )
    assert client.post(PHONE, values).status_code == 302
    appeal = Appeal.objects.get()
    assert_clean(appeal)
    assert appeal.contact_name == "Анна Звонкова"


def test_the_rest_api_stores_clean_text(citizen, category, region):
    _token, key = issue_token(user=citizen, name="app", scopes=[ApiScope.APPEALS_FILE])
    response = Client().post(
        "/api/v1/appeals/",
        {"text": HOSTILE_TEXT, "address": HOSTILE_ADDRESS, "category": "potholes"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201, response.content
    assert_clean(Appeal.objects.get())
    assert response.json()["text"] == CLEAN_TEXT


def test_open311_stores_clean_text(citizen, category, region):
    make_attributes(category)
    key = open311_key(citizen)
    values = report(key, description=HOSTILE_TEXT, address_string=HOSTILE_ADDRESS)
    assert post(Client(), "requests", "json", values).status_code == 201
    assert_clean(Appeal.objects.get())


def test_an_import_stores_clean_text(region, category):
    content = (
        f"external_id;text;category;address\nP-1;{HOSTILE_TEXT};potholes;{HOSTILE_ADDRESS}\n"
    ).encode()
    upload = ContentFile(content, name="export.csv")
    batch = imports.create_batch(
        region=region, source="pos", upload=upload, mapping={"categories": {"potholes": "potholes"}}
    )
    imports.run_batch(batch.pk)
    assert_clean(Appeal.objects.get())


def test_an_answer_is_stored_clean(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(
        appeal=appeal,
        actor=executor,
        text="Яма заде\u200bлана горя\u202eчим асфальтом 12.03.2026, мастер проверил работу.",
    )
    assert answer.text == "Яма заделана горячим асфальтом 12.03.2026, мастер проверил работу."
