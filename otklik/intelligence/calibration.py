"""Calibration of the formal-reply check on what operators decided.

The labels are the answers of a region that operators returned for rework (positive) and those
they published (negative). Each answer is run through the rules of `formal_reply.py`; a small
logistic regression on the rule features (one 0/1 per reason) fits a bias and a weight per
reason, the threshold is the one with the best F1 on the training part, and precision and recall
are measured on a held-out part: the newest answers, by submission time. The result is stored as
a TrainedModel of kind formal_reply and made the region's active one; the check then uses it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from .formal_reply import BIAS, CODES, DEFAULT, WEIGHTS, Weights, check_answer
from .models import ModelKind, TrainedModel

MIN_EXAMPLES = 20


@dataclass(frozen=True)
class Example:
    codes: frozenset[str]
    label: bool


def scores(examples, weights: Weights) -> dict:
    """Precision, recall and F1 of `weights` on labelled examples, at its threshold."""
    tp = fp = fn = 0
    for example in examples:
        flagged = bool(example.codes) and weights.score(example.codes) >= weights.threshold
        tp += flagged and example.label
        fp += flagged and not example.label
        fn += (not flagged) and example.label
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "positives": tp + fn,
        "examples": len(examples),
    }


def fit(examples, *, regularisation: float = 1.0) -> Weights:
    """Logistic regression on the 0/1 rule features; the threshold with the best F1.

    Falls back to the defaults when the examples hold only one label."""
    from sklearn.linear_model import LogisticRegression

    labels = [e.label for e in examples]
    if len(set(labels)) < 2:
        return DEFAULT
    matrix = [[1.0 if code in e.codes else 0.0 for code in CODES] for e in examples]
    model = LogisticRegression(C=regularisation, max_iter=1000)
    model.fit(matrix, labels)
    weights = {code: round(float(w), 4) for code, w in zip(CODES, model.coef_[0], strict=True)}
    bias = round(float(model.intercept_[0]), 4)
    best, best_f1 = Weights(bias, weights, 0.5), -1.0
    candidates = sorted({round(Weights(bias, weights).score(e.codes), 4) for e in examples})
    for threshold in candidates:
        if not 0 < threshold < 1:
            continue
        trial = Weights(bias, weights, threshold)
        f1 = scores(examples, trial)["f1"]
        if f1 > best_f1 + 1e-9:
            best, best_f1 = trial, f1
    return best


def region_examples(region) -> list[tuple]:
    """(submitted_at, Example) of every reviewed answer of the region, oldest first."""
    from otklik.appeals.models import Answer
    from otklik.directory.models import AnswerTemplate
    from otklik.intelligence.services import subject_of

    from .formal_reply import fingerprint

    answers = (
        Answer.objects.filter(
            appeal__region=region, state__in=[Answer.State.RETURNED, Answer.State.PUBLISHED]
        )
        .select_related("appeal", "appeal__category", "appeal__category__parent")
        .annotate(evidence=Count("attachments"))
        .order_by("submitted_at", "pk")
    )
    appeals_by_print: dict[str, set[int]] = defaultdict(set)
    for print_, appeal_id in Answer.objects.filter(appeal__region=region).values_list(
        "fingerprint", "appeal_id"
    ):
        appeals_by_print[print_].add(appeal_id)
    templates = defaultdict(set)
    for org_id, text in AnswerTemplate.objects.filter(is_active=True).values_list(
        "organization_id", "text"
    ):
        templates[org_id].add(fingerprint(text))
    subjects: dict = {}
    found = []
    for answer in answers.iterator(chunk_size=2000):
        appeal, category = answer.appeal, answer.appeal.category
        print_ = answer.fingerprint or fingerprint(answer.text)
        if category and category.pk not in subjects:
            subjects[category.pk] = subject_of(category)
        check = check_answer(
            answer.text,
            resolution=answer.resolution,
            needs_evidence=bool(category and category.needs_evidence),
            evidence=answer.evidence,
            reused=len(appeals_by_print[print_] - {appeal.pk}),
            is_template=print_ in templates.get(answer.organization_id, ()),
            appeal_text=appeal.text,
            subject=subjects.get(category.pk, "") if category else "",
            address=appeal.address,
            today=timezone.localdate(answer.submitted_at),
        )
        label = answer.state == Answer.State.RETURNED
        found.append((answer.submitted_at, Example(frozenset(check.codes), label)))
    return found


def _store(region, kind: str, **fields) -> TrainedModel:
    """A new version of `kind` for the region, made the active one."""
    with transaction.atomic():
        existing = TrainedModel.objects.select_for_update().filter(region=region, kind=kind)
        version = max(existing.values_list("version", flat=True), default=0) + 1
        existing.filter(is_active=True).update(is_active=False)
        return TrainedModel.objects.create(
            region=region, kind=kind, version=version, is_active=True, **fields
        )


def calibrate_formal_reply(region, *, test_share: float = 0.25, examples=None) -> TrainedModel:
    """Fit the check's weights on the region's reviewed answers and store them as the active
    TrainedModel(kind=formal_reply); metrics hold precision/recall of the held-out part for the
    fitted weights and for the defaults. `examples` ((time, Example) pairs) replaces the
    region's answers, for tests and outside data."""
    dated = region_examples(region) if examples is None else sorted(examples, key=lambda x: x[0])
    if len(dated) < MIN_EXAMPLES:
        raise ValueError(f"too few reviewed answers to calibrate: {len(dated)} < {MIN_EXAMPLES}")
    cut = max(1, min(len(dated) - 1, math.floor(len(dated) * (1 - test_share))))
    train, test = [e for _, e in dated[:cut]], [e for _, e in dated[cut:]]
    weights = fit(train)
    held_out = scores(test, weights)
    metrics = {
        **held_out,
        "threshold": weights.threshold,
        "default_precision": scores(test, DEFAULT)["precision"],
        "default_recall": scores(test, DEFAULT)["recall"],
        "train_positives": sum(e.label for e in train),
    }
    per_label = {}
    for code in CODES:
        returned = [e for e in test if e.label]
        per_label[code] = {
            "share_of_returned": round(sum(code in e.codes for e in returned) / len(returned), 4)
            if returned
            else 0.0,
            "share_of_published": round(
                sum(code in e.codes for e in test if not e.label)
                / max(1, len(test) - len(returned)),
                4,
            ),
        }
    return _store(
        region,
        ModelKind.FORMAL_REPLY,
        source="answers returned for rework vs published",
        trained_from=dated[0][0],
        trained_to=dated[cut - 1][0],
        tested_to=dated[-1][0],
        train_size=len(train),
        test_size=len(test),
        parameters=weights.as_parameters(),
        metrics=metrics,
        per_label=per_label,
    )


def default_parameters() -> dict:
    return {"bias": BIAS, "weights": dict(WEIGHTS), "threshold": DEFAULT.threshold}
