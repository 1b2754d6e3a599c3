"""Category and executor prediction: features, training on the region's history split by time,
versions and their activation, suggestions with reasons, retraining, and the weights file."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from sklearn.feature_extraction.text import TfidfVectorizer

from otklik.appeals.workflow import Status
from otklik.intelligence import features, training
from otklik.intelligence.classifier import ModelRefused, TextModel
from otklik.intelligence.models import ModelKind, RegionIntelligence, TrainedModel
from otklik.intelligence.suggestions import suggest
from otklik.intelligence.training import active_model
from tests.intelligence.classifier_history import (
    NEW_TOPIC,
    START,
    TOPICS,
    build,
    topic_setup,
)

CODES = ("potholes", "lighting", "garbage")


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
def history(topics, region, municipality, citizen, operator):
    """36 answered appeals: 12 per topic, one an hour."""
    return build(
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


def trained(region, kind=ModelKind.CATEGORY, **options):
    outcome = training.train_region_model(region, kind, **options)
    assert outcome.model is not None, outcome.message
    return outcome.model


# ---------------------------------------------------------------------------- features


def test_features_match_sklearn_tfidf_and_share_lemmas_of_word_forms():
    texts = ["Огромная яма на дороге", "Ямы и выбоины в асфальте", "Ямой разбило колесо"]
    fitted = features.Features.fit(texts, min_df=1)
    matrix = fitted.transform(texts)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=features.CHAR_NGRAMS, sublinear_tf=True
    ).fit([features.char_text(t) for t in texts])
    n = len(fitted.lemma_vocabulary)
    expected = chars.transform([features.char_text(t) for t in texts]).toarray()
    order = [chars.vocabulary_[t] for t in fitted.char_vocabulary]
    assert np.allclose(matrix[:, n : n + len(order)].toarray(), expected[:, order])
    # «яма», «ямы», «ямой»: one lemma column, in all three rows.
    assert features.lemma("ямой") == features.lemma("яму") == features.lemma("яма")
    column = fitted.lemma_vocabulary.index(features.lemma("яма"))
    assert all(matrix[row, column] > 0 for row in range(3))
    assert features.lemma("на") is None  # a preposition says nothing about the topic


def test_a_typo_still_finds_the_topic_through_character_ngrams():
    texts = [t for code in CODES for t in TOPICS[code] * 3]
    labels = [code for code in CODES for _ in TOPICS[code] * 3]
    model = TextModel.train(texts, labels, seed=1, min_df=1)
    best = model.predict(["асфальтт разбитт, ямищща"])[0][0]
    assert best.label == "potholes"


# ---------------------------------------------------------------------------- training


def test_examples_are_split_by_time_newest_held_out(history, region):
    items = training.examples(ModelKind.CATEGORY, region)
    assert len(items) == 36
    older, newer = training.split_by_time(list(reversed(items)))
    assert len(newer) == round(36 * training.TEST_SHARE)
    assert max(e.created_at for e in older) < min(e.created_at for e in newer)
    assert newer[-1].created_at == max(a.created_at for a in history)


def test_training_stores_a_version_with_its_evaluation_and_time_slices(history, region):
    model = trained(region)
    assert (model.version, model.is_active) == (1, True)
    assert (model.train_size, model.test_size) == (29, 7)
    newest = sorted(a.created_at for a in history)
    assert model.trained_from == newest[0]
    assert model.trained_to == newest[28]
    assert model.tested_to == newest[-1]
    for key in ("macro_f1", "accuracy", "top3_accuracy"):
        assert 0 <= model.metrics[key] <= 1
    assert model.metrics["accuracy"] >= 0.8  # three distinct topics
    label = str(history[0].category_id)
    assert set(model.per_label[label]) >= {"precision", "recall", "f1", "support"}
    assert (training.settings.MODELS_DIR / model.artefact).exists()
    assert len(model.sha256) == 64


def test_executor_model_learns_the_organization_that_answered(history, region, topics):
    model = trained(region, ModelKind.EXECUTOR)
    organizations = {str(org.pk) for _c, org, _w in topics.values()}
    assert set(model.per_label) <= organizations
    found = suggest("Не горит ни один фонарь во дворе", region)
    assert found.executors[0].obj == topics["lighting"][1]


def test_versions_increase_and_a_clearly_worse_one_is_not_put_in_use(history, region, monkeypatch):
    first = trained(region)
    worse = {"version": 1, "appeals": 20, "new_macro_f1": 0.5, "active_macro_f1": 0.9}
    monkeypatch.setattr(training, "compare_with_active", lambda *args: worse)
    second = trained(region)
    assert second.version == 2
    assert not second.is_active
    assert second.metrics["compared_with_active"] == worse
    assert TrainedModel.objects.get(is_active=True, kind=ModelKind.CATEGORY).pk == first.pk
    forced = trained(region, force=True)
    assert (forced.version, forced.is_active) == (3, True)
    assert TrainedModel.objects.filter(is_active=True, kind=ModelKind.CATEGORY).count() == 1


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [(0.80, 0.81, True), (0.80, 0.90, False), (0.95, 0.90, True)],
)
def test_activation_tolerates_a_small_drop_only(new, old, expected):
    comparison = {"appeals": 30, "new_macro_f1": new, "active_macro_f1": old}
    assert training.should_activate(comparison, force=False) is expected
    assert training.should_activate(comparison, force=True) is True
    # Too few appeals newer than the active version's data: the newer history wins.
    assert training.should_activate({"appeals": 3}, force=False) is True


def test_the_comparison_uses_only_appeals_the_active_version_never_saw(history, region):
    first = trained(region)
    second = trained(region)  # no new appeals since the first: nothing to compare on
    assert second.metrics["compared_with_active"] == {"version": first.version, "appeals": 0}
    assert second.is_active


def test_too_little_history_trains_nothing(region, category, appeal_in):
    appeal_in(Status.ANSWERED)
    outcome = training.train_region_model(region, ModelKind.CATEGORY)
    assert outcome.model is None
    assert TrainedModel.objects.count() == 0


def test_train_models_command_prints_the_figures(history, region, capsys):
    call_command("train_models", region="48", kind="category")
    out = capsys.readouterr().out
    assert "v1" in out and "macro-F1" in out
    assert TrainedModel.objects.filter(kind=ModelKind.CATEGORY, version=1).exists()
    assert not TrainedModel.objects.filter(kind=ModelKind.EXECUTOR).exists()


def test_scheduled_retrain_runs_when_the_newest_version_is_old_enough(history, region):
    RegionIntelligence.objects.create(region=region, retrain_every_days=3)
    now = max(a.created_at for a in history) + timedelta(hours=1)
    assert training.retrain_due(now=now) == 2  # category and executor
    assert training.retrain_due(now=now + timedelta(days=2)) == 0
    assert training.retrain_due(now=now + timedelta(days=3, minutes=1)) == 2
    versions = TrainedModel.objects.filter(kind=ModelKind.CATEGORY).values_list(
        "version", flat=True
    )
    assert sorted(versions) == [1, 2]


# ---------------------------------------------------------------------------- suggestions


def test_suggestions_carry_confidence_and_the_words_that_pushed_them(history, region):
    trained(region)
    trained(region, ModelKind.EXECUTOR)
    found = suggest("Огромная яма на дороге, разбит асфальт", region)
    assert found.categories and found.executors
    top = found.categories[0]
    assert top.obj.code == "potholes"
    assert 0 < top.confidence <= 1
    assert [s.confidence for s in found.categories] == sorted(
        (s.confidence for s in found.categories), reverse=True
    )
    assert {"яма", "асфальт"} & set(top.reasons)
    for suggestion in found.categories + found.executors:
        assert suggestion.reasons, suggestion


def test_a_retrained_model_changes_the_suggestion(
    history, region, municipality, roads, operator, citizen
):
    first = trained(region)
    text = "Брошенный самокат лежит на тротуаре"
    before = suggest(text, region).categories
    scooters = topic_setup(region, municipality, roads, operator, ("scooters",))
    category = scooters["scooters"][0]
    assert category not in [s.obj for s in before]
    build(
        scooters,
        {"scooters": NEW_TOPIC},
        region=region,
        municipality=municipality,
        citizen=citizen,
        operator=operator,
        per_topic=12,
        start=max(a.created_at for a in history) + timedelta(hours=1),
        seed=2,
    )
    second = trained(region)
    assert second.version == first.version + 1 and second.is_active
    after = suggest(text, region).categories
    assert after[0].obj == category
    assert any(word.startswith("самокат") for word in after[0].reasons)


def test_no_model_no_suggestions_and_a_reason(region):
    found = suggest("Яма на дороге", region)
    assert not found.available
    assert (found.category_problem, found.executor_problem) == ("missing", "missing")


def test_a_tampered_weights_file_is_refused(history, region, models_dir):
    model = trained(region)
    path = models_dir / model.artefact
    assert suggest("Яма на дороге", region).categories
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    found = suggest("Яма на дороге", region)
    assert found.categories == []
    assert found.category_problem == "refused"
    with pytest.raises(ModelRefused):
        TextModel.load(path, model.sha256)


def test_a_missing_weights_file_is_refused(history, region, models_dir):
    model = trained(region)
    (models_dir / model.artefact).unlink()
    row, loaded, problem = active_model(region, ModelKind.CATEGORY)
    assert (row, loaded, problem) == (model, None, "refused")


def test_weights_are_read_without_pickle(history, region, models_dir):
    model = trained(region)
    with np.load(models_dir / model.artefact, allow_pickle=False) as data:
        assert data["coef_data"].dtype == np.float32
        assert "labels" in data.files
