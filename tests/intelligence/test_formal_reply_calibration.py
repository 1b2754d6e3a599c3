"""Calibration of the formal-reply check on answers operators returned for rework."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from otklik.appeals import services
from otklik.appeals.models import Answer
from otklik.appeals.workflow import Status
from otklik.intelligence import formal_reply as fr
from otklik.intelligence.calibration import Example, calibrate_formal_reply, fit, scores
from otklik.intelligence.models import ModelKind, TrainedModel

START = datetime(2026, 1, 1, tzinfo=UTC)


def dated(examples):
    return [(START + timedelta(hours=i), e) for i, e in enumerate(examples)]


def known_set():
    """Operators here return every answer without a date, and never for a missing evidence."""
    examples = []
    for i in range(40):
        examples.append(Example(frozenset({fr.NO_DATE}), True))
        examples.append(Example(frozenset({fr.NO_EVIDENCE}), False))
        examples.append(Example(frozenset(), False))
        if i % 4 == 0:
            examples.append(Example(frozenset({fr.NO_ACTION, fr.NO_DATE}), True))
    return examples


def test_scores_count_precision_and_recall():
    examples = [
        Example(frozenset({fr.NO_ACTION}), True),  # flagged, right
        Example(frozenset({fr.NO_ACTION}), False),  # flagged, wrong
        Example(frozenset({fr.NO_DATE}), True),  # not flagged by the defaults: missed
        Example(frozenset(), False),
    ]
    got = scores(examples, fr.DEFAULT)
    assert (got["precision"], got["recall"], got["positives"], got["examples"]) == (0.5, 0.5, 2, 4)


def test_fit_learns_what_operators_return():
    weights = fit(known_set())
    assert weights.weights[fr.NO_DATE] > 1.5 > weights.weights[fr.NO_EVIDENCE]
    assert weights.weights[fr.NO_DATE] != fr.WEIGHTS[fr.NO_DATE]
    got = scores(known_set(), weights)
    assert got["precision"] == 1.0 and got["recall"] == 1.0
    # The defaults do not flag a lone missing date: recall is lower on this set.
    assert scores(known_set(), fr.DEFAULT)["recall"] < 0.5


def test_fit_with_one_label_keeps_the_defaults():
    assert fit([Example(frozenset({fr.NO_DATE}), True)] * 30) == fr.DEFAULT


def test_calibration_stores_an_active_version_with_held_out_metrics(region):
    model = calibrate_formal_reply(region, examples=dated(known_set()), test_share=0.25)
    assert (model.kind, model.version, model.is_active) == (ModelKind.FORMAL_REPLY, 1, True)
    total = len(known_set())
    assert model.test_size == total - int(total * 0.75) and model.train_size == int(total * 0.75)
    assert model.metrics["precision"] == 1.0 and model.metrics["recall"] == 1.0
    assert model.metrics["default_recall"] < 0.5
    assert model.parameters["weights"][fr.NO_DATE] > 1.5
    assert model.tested_to == START + timedelta(hours=total - 1)
    again = calibrate_formal_reply(region, examples=dated(known_set()))
    assert again.version == 2
    assert list(TrainedModel.objects.filter(is_active=True)) == [again]


def test_too_few_answers_is_an_error(region):
    with pytest.raises(ValueError, match="too few"):
        calibrate_formal_reply(region, examples=dated(known_set()[:5]))


def test_region_answers_are_the_examples_and_the_command_reports(appeal_in, operator, executor):
    when = datetime(2026, 2, 2, 9, tzinfo=UTC)
    for i in range(24):
        appeal = appeal_in(Status.IN_PROGRESS, now=when + timedelta(days=i))
        formal = i % 2 == 0
        text = "Информация принята к сведению." if formal else f"Яма заделана {i + 1}.01.2026."
        answer = services.submit_answer(
            appeal=appeal, actor=executor, text=text, now=when + timedelta(days=i, hours=5)
        )
        if formal:
            services.return_answer(
                answer=answer, actor=operator, reasons=["no_action"],
                now=when + timedelta(days=i, hours=6),
            )  # fmt: skip
        else:
            services.publish_answer(
                answer=answer, actor=operator, now=when + timedelta(days=i, hours=6)
            )
    assert Answer.objects.filter(state=Answer.State.RETURNED).count() == 12
    from io import StringIO

    out = StringIO()
    call_command("calibrate_formal_reply", "--region", "48", stdout=out)
    model = TrainedModel.objects.get(kind=ModelKind.FORMAL_REPLY, is_active=True)
    assert (model.train_size, model.test_size) == (18, 6)
    assert model.metrics["precision"] == 1.0 and model.metrics["recall"] == 1.0
    assert "precision 1.000, recall 1.000" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("calibrate_formal_reply", "--region", "99")
