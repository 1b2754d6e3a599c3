"""`manage.py evaluate_csv`: the same method trained and scored on any labelled CSV, with a
split fixed by a seed."""

import csv
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from otklik.intelligence.classifier import TextModel
from otklik.intelligence.management.commands.evaluate_csv import seeded_split
from otklik.intelligence.models import ModelKind, TrainedModel
from tests.intelligence.classifier_history import TOPICS, text


@pytest.fixture
def labelled(tmp_path):
    rng = random.Random(3)
    path = tmp_path / "labelled.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text_ru", "category"])
        for n in range(60):
            code = list(TOPICS)[n % 3]
            writer.writerow([n, text(rng, TOPICS[code]), code])
        writer.writerow([99, "", "potholes"])  # an empty text is left out
    return path


def run(*args, **options):
    from io import StringIO

    out = StringIO()
    call_command("evaluate_csv", *args, stdout=out, **options)
    return out.getvalue()


def test_prints_the_figures_of_a_seeded_split(labelled):
    out = run(str(labelled), text_column="text_ru", label_column="category", seed=42)
    assert "60 rows" in out or "строк 60" in out
    first = out.splitlines()[1]
    assert first.startswith("macro-F1 ")
    macro_f1 = float(first.split()[1])
    assert macro_f1 >= 0.8  # three distinct topics
    assert "top-3" in first
    assert "potholes: P" in out
    # The same seed gives the same split and the same figures.
    again = run(str(labelled), text_column="text_ru", label_column="category", seed=42)
    assert again == out


def test_the_split_depends_on_the_seed_only():
    train, test = seeded_split(100, 0.2, 42)
    assert (len(train), len(test)) == (80, 20)
    assert not set(train) & set(test)
    assert seeded_split(100, 0.2, 42) == (train, test)
    assert seeded_split(100, 0.2, 7) != (train, test)


def test_a_missing_column_is_an_error_with_the_columns_it_has(labelled):
    with pytest.raises(CommandError, match="text_ru"):
        run(str(labelled), text_column="description", label_column="category")


def test_a_bad_test_share_is_an_error(labelled):
    with pytest.raises(CommandError):
        run(str(labelled), text_column="text_ru", label_column="category", test_share=1.5)


@pytest.mark.django_db
def test_save_stores_a_model_without_region_that_loads(labelled, settings, tmp_path):
    settings.MODELS_DIR = tmp_path / "models"
    run(str(labelled), text_column="text_ru", label_column="category", save=True)
    row = TrainedModel.objects.get(region=None, kind=ModelKind.CATEGORY)
    assert row.source == "labelled.csv"
    assert row.test_size == 12 and row.train_size == 48
    model = TextModel.load(settings.MODELS_DIR / row.artefact, row.sha256)
    assert model.predict(["Не горит фонарь у дома"])[0][0].label == "lighting"
