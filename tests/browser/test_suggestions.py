"""The text model's suggestions on the moderation page in a real browser: each shows its
reasons, and a click on one selects it in its list (static script, no inline code)."""

import pytest
from playwright.sync_api import expect

from otklik.appeals import services
from otklik.intelligence import training
from otklik.intelligence.models import ModelKind
from tests.browser.helpers import log_in, screenshot
from tests.intelligence.classifier_history import START, TOPICS, build, topic_setup

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's


@pytest.fixture
def trained(
    calendar, settings, tmp_path, region, municipality, roads, category, organization, operator,
    citizen,
):  # fmt: skip
    settings.MODELS_DIR = tmp_path / "models"
    topics = topic_setup(
        region,
        municipality,
        roads,
        operator,
        ("potholes", "lighting", "garbage"),
        existing={"potholes": (category, organization)},
    )
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
    for kind in (ModelKind.CATEGORY, ModelKind.EXECUTOR):
        assert training.train_region_model(region, kind).model is not None
    return topics


def test_a_click_on_a_suggestion_selects_it(page, trained, region, municipality, citizen, operator):
    appeal = services.submit_appeal(
        region=region,
        text="Во дворе не горит ни один фонарь, темно, нет освещения",
        applicant=citizen,
        municipality=municipality,
    )
    lighting, lighting_org, _worker = trained["lighting"]
    log_in(page, operator.email, PASSWORD)
    page.goto(f"/office/moderation/{appeal.number}/")
    category_list = page.locator('.suggestions[data-select="accept-category"]')
    assert "Подсказка текстовой модели (версия 1)" in category_list.inner_text()
    items = category_list.locator("li")
    assert items.count() >= 1
    for i in range(items.count()):
        assert "по словам:" in items.nth(i).inner_text()
    assert page.locator("#accept-category").input_value() == ""
    first = category_list.locator("button.suggestion").first
    assert lighting.name in first.inner_text()
    first.click()
    expect(page.locator("#accept-category")).to_have_value(str(lighting.pk))
    expect(first).to_have_attribute("aria-pressed", "true")
    executor_list = page.locator('.suggestions[data-select="accept-executor"]')
    executor_list.locator("button.suggestion").first.click()
    expect(page.locator("#accept-executor")).to_have_value(str(lighting_org.pk))
    screenshot(page, "moderation-suggestions")


def test_without_a_model_the_page_says_so(page, calendar, region, municipality, citizen, operator):
    appeal = services.submit_appeal(
        region=region, text="Яма на дороге", applicant=citizen, municipality=municipality
    )
    log_in(page, operator.email, PASSWORD)
    page.goto(f"/office/moderation/{appeal.number}/")
    assert page.get_by_text("Подсказок нет: модель ещё не обучена.").first.is_visible()
    assert page.locator("button.suggestion").count() == 0
