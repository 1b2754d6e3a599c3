"""The models at work: suggestions on the moderation page (with and without a model, with a
tampered weights file) and automatic routing of confident new appeals."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.appeals import services
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action, Status
from otklik.intelligence import training
from otklik.intelligence.models import ModelKind, RegionIntelligence
from otklik.intelligence.suggestions import auto_route
from tests.intelligence.classifier_history import START, TOPICS, build, topic_setup

CODES = ("potholes", "lighting", "garbage")
POTHOLE = "Огромная яма на дороге, разбит асфальт, ямы по всей улице"


@pytest.fixture(autouse=True)
def models_dir(settings, tmp_path):
    settings.MODELS_DIR = tmp_path / "models"
    return settings.MODELS_DIR


@pytest.fixture
def topics(region, municipality, roads, category, organization, operator):
    return topic_setup(
        region,
        municipality,
        roads,
        operator,
        CODES,
        existing={"potholes": (category, organization)},
    )


@pytest.fixture
def models(topics, region, municipality, citizen, operator):
    build(
        topics,
        TOPICS,
        region=region,
        municipality=municipality,
        citizen=citizen,
        operator=operator,
        per_topic=12,
        start=START,
        seed=1,
    )
    return {
        kind: training.train_region_model(region, kind).model
        for kind in (ModelKind.CATEGORY, ModelKind.EXECUTOR)
    }


@pytest.fixture
def new_appeal(region, municipality, citizen):
    def make(text=POTHOLE, **options):
        return services.submit_appeal(
            region=region, text=text, applicant=citizen, municipality=municipality, **options
        )

    return make


def page(client, operator, appeal):
    client.force_login(operator)
    response = client.get(reverse("office:moderate", args=[appeal.number]))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------- the page


def test_moderation_page_shows_suggestions_each_with_its_reasons(
    client, operator, models, new_appeal, category, organization
):
    html = page(client, operator, new_appeal())
    buttons = re.findall(r'<button type="button" class="suggestion link"[^>]*>', html)
    reasons = re.findall(r'class="suggestion-reasons">по словам: ([^<]+)<', html)
    assert len(buttons) >= 2
    assert len(reasons) == len(buttons)
    assert all(r.strip() for r in reasons)
    assert f'data-select="accept-category" data-value="{category.pk}"' in buttons[0]
    assert any(
        f'data-select="accept-executor" data-value="{organization.pk}"' in b for b in buttons
    )
    assert "яма" in reasons[0] or "асфальт" in reasons[0]
    assert "версия 1" in html


def test_moderation_page_works_without_a_model(client, operator, new_appeal, category):
    html = page(client, operator, new_appeal(category=category))
    assert "Подсказок нет: модель ещё не обучена." in html
    assert 'class="suggestion link"' not in html
    assert 'id="accept-form"' in html


def test_moderation_page_survives_a_tampered_weights_file(
    client, operator, models, new_appeal, models_dir
):
    path = models_dir / models[ModelKind.CATEGORY].artefact
    path.write_bytes(path.read_bytes()[:-100] + b"x" * 100)
    html = page(client, operator, new_appeal())
    assert "файл весов модели не прошёл проверку" in html
    assert 'data-select="accept-category" data-value' not in html
    assert 'id="accept-form"' in html


def test_moderation_page_survives_a_failing_model(
    client, operator, models, new_appeal, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("otklik.intelligence.suggestions.suggest", broken)
    html = page(client, operator, new_appeal())
    assert "Подсказок нет: модель сейчас недоступна." in html


# ---------------------------------------------------------------------------- auto-routing


def test_auto_route_registers_a_confident_appeal_and_says_which_model(
    models, new_appeal, region, category, organization
):
    RegionIntelligence.objects.create(region=region, auto_route=True, auto_route_threshold=0.5)
    appeal = new_appeal()
    assert auto_route(appeal) is True
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    assert (appeal.category, appeal.executor) == (category, organization)
    event = AppealEvent.objects.get(appeal=appeal, action=Action.REGISTER)
    assert event.actor is None
    assert f"v{models[ModelKind.CATEGORY].version}" in event.comment
    assert f"v{models[ModelKind.EXECUTOR].version}" in event.comment


def test_the_outbox_routes_a_confident_new_appeal_on_its_own(models, new_appeal, region):
    from otklik.appeals.tasks import process_outbox_batch

    RegionIntelligence.objects.create(region=region, auto_route=True, auto_route_threshold=0.5)
    appeal = new_appeal()
    assert appeal.status == Status.NEW
    process_outbox_batch()
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    assert AppealEvent.objects.get(appeal=appeal, action=Action.REGISTER).actor is None


def test_auto_route_is_off_unless_the_administrator_turns_it_on(models, new_appeal, region):
    appeal = new_appeal()
    assert auto_route(appeal) is False
    RegionIntelligence.objects.create(region=region, auto_route=False, auto_route_threshold=0.5)
    assert auto_route(appeal) is False
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW
    assert not AppealEvent.objects.filter(appeal=appeal, action=Action.REGISTER).exists()


def test_auto_route_needs_both_confidences_above_the_threshold(models, new_appeal, region):
    options = RegionIntelligence.objects.create(
        region=region, auto_route=True, auto_route_threshold=1.0
    )
    appeal = new_appeal()
    assert auto_route(appeal) is False
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW
    options.auto_route_threshold = 0.5
    options.save(update_fields=["auto_route_threshold"])
    assert auto_route(appeal) is True


def test_auto_route_leaves_a_disagreement_with_the_citizen_to_an_operator(
    models, new_appeal, region, topics
):
    RegionIntelligence.objects.create(region=region, auto_route=True, auto_route_threshold=0.5)
    appeal = new_appeal(category=topics["garbage"][0])
    assert auto_route(appeal) is False
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


def test_auto_route_without_a_model_does_nothing(new_appeal, region):
    RegionIntelligence.objects.create(region=region, auto_route=True, auto_route_threshold=0.5)
    appeal = new_appeal()
    assert auto_route(appeal) is False
    assert appeal.status == Status.NEW


def test_auto_route_touches_only_new_appeals(models, new_appeal, region, operator):
    RegionIntelligence.objects.create(region=region, auto_route=True, auto_route_threshold=0.5)
    appeal = new_appeal()
    services.request_clarification(
        appeal=appeal, actor=operator, question="Уточните адрес.", now=timezone.now()
    )
    assert auto_route(appeal) is False
    appeal.refresh_from_db()
    assert appeal.status == Status.CLARIFICATION
