"""External signals: import by command and API (idempotent, bad rows reported), the classifier
adapter, attaching to incidents, and the operator's decisions."""

import json
import types
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from otklik.appeals.models import AppealEvent, Channel
from otklik.incidents import external
from otklik.incidents.models import ExternalSignal, Incident
from tests.incidents.helpers import MORNING, point

pytestmark = pytest.mark.urls("tests.incidents.urls")
API = "/api/signals/"


def row(ident="wall-1_100", **changes):
    lat, lon = point(30, 30)
    data = {
        "source": "vk",
        "external_id": ident,
        "text": "Во всём квартале у Московской нет отопления со вчерашнего вечера!",
        "posted_at": (MORNING + timedelta(hours=1)).isoformat(),
        "latitude": lat,
        "longitude": lon,
        "address": "г. Липецк, ул. Московская, 14",
        "url": "https://vk.com/wall-1_100",
    }
    data.update(changes)
    return data


@pytest.fixture
def token(region):
    _row, key = external.create_token(region=region, name="Мониторинг соцсетей")
    return key


def post(client, body, key):
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        API, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )


def test_import_is_idempotent_on_source_and_id(region, municipality):
    first = external.import_signals([row("a"), row("b")], region=region)
    assert (len(first.created), first.existing, first.errors) == (2, 0, [])
    again = external.import_signals(
        [row("a"), row("b", text="Другой текст"), row("c")], region=region
    )
    assert (len(again.created), again.existing) == (1, 2)
    assert ExternalSignal.objects.count() == 3
    assert ExternalSignal.objects.get(external_id="b").text.startswith("Во всём квартале")
    signal = ExternalSignal.objects.get(external_id="a")
    assert signal.municipality == municipality
    assert signal.state == ExternalSignal.State.NEW


@pytest.mark.parametrize(
    ("bad", "code", "russian"),
    [
        ({"text": ""}, "required", "Поле «text» обязательно."),
        ({"external_id": None}, "required", "Поле «external_id» обязательно."),
        ({"posted_at": "вчера"}, "date", "ISO 8601"),
        ({"latitude": 95}, "point", "не корректная координата"),
        ({"longitude": None}, "point", "нужны и широта, и долгота"),
        ({"latitude": "abc"}, "point", "не корректная координата"),
        ({"url": "javascript:alert(1)"}, "url", "http или https"),
        ({"source": "ВКонтакте!"}, "source", "латинских букв"),
        ({"text": "я" * 5001}, "too_long", "не более 5000 символов"),
        ({"text": ["список"]}, "type", "должно быть строкой"),
    ],
)
def test_bad_rows_are_reported_with_the_reason_and_do_not_stop_others(region, bad, code, russian):
    result = external.import_signals([row("good"), row("bad", **bad)], region=region)
    assert len(result.created) == 1
    [error] = result.as_dict()["errors"]
    assert (error["index"], error["code"]) == (1, code)
    assert russian in error["message_ru"]
    assert error["message_en"] and error["message_en"] != error["message_ru"]


def test_a_row_that_is_not_an_object_is_reported(region):
    [error] = external.import_signals(["текст", row("ok")], region=region).as_dict()["errors"]
    assert error["message_en"] == "Each row must be a JSON object."


def test_naive_time_is_read_in_the_region_time_zone(region):
    external.import_signals([row(posted_at="2026-11-23T07:40:00")], region=region)
    assert ExternalSignal.objects.get().posted_at == MORNING


def test_command_imports_a_file(region, tmp_path):
    path = tmp_path / "signals.json"
    path.write_text(json.dumps([row("1"), row("2"), row("3", text="")]), encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_signals", str(path), "--region", "48", stdout=out, stderr=err)
    assert "Imported 2 signals, 0 already there, 1 failed." in out.getvalue()
    assert "row 2 (3): The field «text» is required." in err.getvalue()
    call_command("import_signals", str(path), stdout=out, stderr=err)
    assert ExternalSignal.objects.count() == 2


def test_command_refuses_a_broken_file(region, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_signals", str(path))


def test_api_imports_with_a_token(client, token):
    response = post(client, [row("1"), row("2")], token)
    assert response.status_code == 200
    assert response.json() == {"created": 2, "existing": 0, "failed": 0, "errors": []}
    again = post(client, [row("1"), row("3", posted_at="")], token)
    assert again.status_code == 207
    body = again.json()
    assert (body["created"], body["existing"], body["failed"]) == (0, 1, 1)
    assert body["errors"][0]["message_ru"] == "Поле «posted_at» обязательно."


@pytest.mark.parametrize("header", ["", "Token nonsense", "Basic abc", "Token "])
def test_api_refuses_a_missing_or_wrong_token(client, token, header):
    response = client.post(
        API, json.dumps([row()]), content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
    assert response.json()["message_ru"] == "Нужен действующий ключ API."
    assert not ExternalSignal.objects.exists()


def test_api_refuses_a_switched_off_token(client, token):
    from otklik.incidents.models import SignalToken

    SignalToken.objects.update(is_active=False)
    assert post(client, [row()], token).status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("[{", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        ("", "bad_json"),
        ('{"source": "vk"}', "not_a_list"),
        ("42", "not_a_list"),
    ],
)
def test_api_answers_bad_json_with_400(client, token, body, code):
    response = post(client, body, token)
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == code
    assert data["message_ru"] and data["message_en"]


def test_api_refuses_a_body_over_the_limit(client, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, [row(str(n)) for n in range(20)], token)
    assert response.status_code == 413
    assert response.json()["error"] == "too_big"


def test_api_only_takes_post(client, token):
    assert client.get(API, HTTP_AUTHORIZATION=f"Token {token}").status_code == 405


def test_api_refuses_too_many_rows(client, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    response = post(client, [row(str(n)) for n in range(external.MAX_ROWS + 1)], token)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many"
    assert not ExternalSignal.objects.exists()


def test_a_signal_near_an_active_incident_attaches_to_it(region, file_appeal):
    for minutes in (0, 10, 20):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes)
    incident = Incident.objects.get()
    far_lat, far_lon = point(5000, 0)
    external.import_signals(
        [
            row("near"),
            row("far", latitude=far_lat, longitude=far_lon),
            row("late", posted_at=(MORNING + timedelta(days=5)).isoformat()),
        ],
        region=region,
    )
    near = ExternalSignal.objects.get(external_id="near")
    assert (near.incident, near.state) == (incident, ExternalSignal.State.LINKED)
    for other in ("far", "late"):
        signal = ExternalSignal.objects.get(external_id=other)
        assert (signal.incident, signal.state) == (None, ExternalSignal.State.NEW)


@pytest.fixture
def fake_classifier(monkeypatch):
    """A stand-in for the intelligence app's `suggest`: `answer` is what it returns."""
    fake = types.SimpleNamespace(answer=None)

    def suggest(text, region):
        if isinstance(fake.answer, Exception):
            raise fake.answer
        return fake.answer

    monkeypatch.setattr(external, "_suggest_function", lambda: suggest)
    return fake


def test_without_a_trained_model_there_is_no_prediction(region):
    assert external.predict_category("Яма на дороге", region) is None


def test_classifier_suggestion_is_kept(region, fake_classifier, fast_category):
    # The shape of otklik.intelligence.suggestions: an object with `categories` of suggestions
    # carrying the category as `obj`.
    fake_classifier.answer = types.SimpleNamespace(
        categories=[types.SimpleNamespace(obj=fast_category, confidence=0.82, reasons=["светофор"])]
    )
    external.import_signals([row()], region=region)
    signal = ExternalSignal.objects.get()
    assert (signal.predicted_category, signal.prediction_confidence) == (fast_category, 0.82)


def test_a_dict_shaped_suggestion_is_read_too(region, fake_classifier, fast_category):
    fake_classifier.answer = {"categories": [{"category": fast_category, "confidence": 0.5}]}
    assert external.predict_category("текст", region).category == fast_category


def test_a_confident_prediction_attaches_only_to_an_incident_of_its_topic(
    region, file_appeal, fake_classifier, fast_category
):
    for minutes in (0, 10, 20):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes)
    fake_classifier.answer = types.SimpleNamespace(
        categories=[types.SimpleNamespace(category_id=fast_category.pk, confidence=0.9)]
    )
    external.import_signals([row()], region=region)
    assert ExternalSignal.objects.get().incident is None


@pytest.mark.parametrize("answer", [None, [], RuntimeError("no model"), {"categories": []}])
def test_no_model_or_a_failing_one_imports_without_a_prediction(region, fake_classifier, answer):
    fake_classifier.answer = answer
    result = external.import_signals([row()], region=region)
    assert len(result.created) == 1
    assert ExternalSignal.objects.get().predicted_category is None


# ---------------------------------------------------------------------------- office pages


@pytest.fixture
def signal(region, municipality):
    external.import_signals([row()], region=region)
    return ExternalSignal.objects.get()


def test_operator_turns_a_signal_into_a_social_appeal(client, operator, signal, category):
    client.force_login(operator)
    listing = client.get(reverse("office:incidents:signals"))
    assert signal.text[:40] in listing.content.decode()
    response = client.post(
        reverse("office:incidents:signal_appeal", args=[signal.pk]), {"category": category.pk}
    )
    signal.refresh_from_db()
    appeal = signal.appeal
    assert response["Location"] == reverse("office:appeal", args=[appeal.number])
    assert signal.state == ExternalSignal.State.APPEAL_CREATED
    assert (appeal.channel, appeal.category, appeal.created_by) == (
        Channel.SOCIAL,
        category,
        operator,
    )
    assert appeal.applicant is None
    assert (appeal.contact_name, appeal.contact_phone) == ("", "")
    assert appeal.is_public is False
    assert appeal.external_id == "vk:wall-1_100"
    assert (appeal.latitude, appeal.longitude) == (signal.latitude, signal.longitude)
    assert AppealEvent.objects.filter(appeal=appeal, action="submit").exists()
    # A second click does not make a second appeal.
    again = client.post(reverse("office:incidents:signal_appeal", args=[signal.pk]), follow=True)
    assert "Этот сигнал уже обработан." in again.content.decode()
    assert ExternalSignal.objects.get().appeal == appeal


def test_a_bad_category_is_refused_without_an_appeal(client, operator, signal):
    client.force_login(operator)
    response = client.post(
        reverse("office:incidents:signal_appeal", args=[signal.pk]),
        {"category": "not-a-number"},
        follow=True,
    )
    assert "Выберите тему из списка." in response.content.decode()
    signal.refresh_from_db()
    assert signal.state == ExternalSignal.State.NEW


def test_operator_dismisses_a_signal(client, operator, signal):
    client.force_login(operator)
    client.post(
        reverse("office:incidents:signal_dismiss", args=[signal.pk]), {"reason": "  реклама  "}
    )
    signal.refresh_from_db()
    assert (signal.state, signal.dismiss_reason, signal.decided_by) == (
        ExternalSignal.State.DISMISSED,
        "реклама",
        operator,
    )
    listing = client.get(reverse("office:incidents:signals"))
    assert signal.text[:40] not in listing.content.decode()
    everything = client.get(reverse("office:incidents:signals"), {"state": "all"})
    assert signal.text[:40] in everything.content.decode()


@pytest.mark.parametrize("who", ["executor", "leadership", "citizen", "supervisor"])
def test_only_operators_work_signals(client, signal, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("office:incidents:signals")).status_code == 403
    response = client.post(reverse("office:incidents:signal_dismiss", args=[signal.pk]))
    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.state == ExternalSignal.State.NEW


def test_operator_of_another_municipality_does_not_see_the_signal(
    client, signal, municipal_operator
):
    client.force_login(municipal_operator)
    assert signal.text[:40] not in client.get(reverse("office:incidents:signals")).content.decode()
    response = client.post(reverse("office:incidents:signal_dismiss", args=[signal.pk]))
    assert response.status_code == 404
