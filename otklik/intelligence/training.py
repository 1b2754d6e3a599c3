"""Training the category and executor models of a region from its own history.

Examples: the category of every registered appeal (what moderation confirmed) and the executor
that answered an appeal. They are split by time: the model is fitted on the older 80 % and
evaluated on the newest 20 % (what it will meet next is newer than what it learnt from), then
fitted again on all of them with the same parameters; that second fit is the one stored.

A new version is put in use when there is no active one, when forced, or when it is not clearly
worse than the active one on the same appeals: both are scored on the part of the new held-out
slice that is newer than everything the active version learnt from (so neither has seen it), and
the new one may be at most ACTIVATION_TOLERANCE of macro-F1 below. With fewer than MIN_COMPARED
such appeals there is nothing to tell them apart and the newer history wins. Comparing the
stored figures of different slices instead would refuse every version that meets a new topic.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.appeals.models import Appeal
from otklik.directory.models import Region

from .classifier import ModelRefused, TextModel
from .models import ModelKind, RegionIntelligence, TrainedModel

log = logging.getLogger(__name__)

# Loaded weights by (row, checksum, file size and time): immutable, so safe to share between
# requests of a process; a replaced file has another size or time and is read (and refused) anew.
_LOADED: dict[tuple, TextModel] = {}
_LOCK = Lock()
_KEEP = 8

KINDS = (ModelKind.CATEGORY, ModelKind.EXECUTOR)
TEST_SHARE = 0.2
MIN_EXAMPLES = 30
MAX_EXAMPLES = 60_000  # the newest ones: old habits of routing matter less
ACTIVATION_TOLERANCE = 0.02
MIN_COMPARED = 10


@dataclass
class Example:
    created_at: datetime
    text: str
    label: str
    context: list[str]


@dataclass
class Outcome:
    """What a training run did: the new version (or None) and a line for people."""

    model: TrainedModel | None
    message: str


def municipality_term(municipality_id) -> str:
    return f"m:{municipality_id}" if municipality_id else ""


def category_term(category_id) -> str:
    return f"c:{category_id}" if category_id else ""


def executor_context(municipality_id, category_id) -> list[str]:
    return [t for t in (municipality_term(municipality_id), category_term(category_id)) if t]


def _history(kind: str, region: Region):
    appeals = Appeal.objects.filter(region=region)
    if kind == ModelKind.CATEGORY:
        return appeals.filter(registered_at__isnull=False, category__isnull=False)
    # The organization that answered: the executor of an answered (or closed) appeal.
    return appeals.filter(answered_at__isnull=False, executor__isnull=False)


def examples(kind: str, region: Region, limit: int = MAX_EXAMPLES) -> list[Example]:
    """The newest `limit` confirmed examples of the region, oldest first."""
    rows = (
        _history(kind, region)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "text", "category_id", "executor_id", "municipality_id")[:limit]
    )
    result = []
    for created_at, text, category_id, executor_id, municipality_id in reversed(list(rows)):
        if kind == ModelKind.CATEGORY:
            result.append(Example(created_at, text, str(category_id), []))
        else:
            context = executor_context(municipality_id, category_id)
            result.append(Example(created_at, text, str(executor_id), context))
    return result


def split_by_time(items: list[Example], test_share: float = TEST_SHARE):
    """(older, newer): the newest `test_share` of the examples are held out."""
    items = sorted(items, key=lambda e: e.created_at)
    cut = len(items) - max(1, round(len(items) * test_share))
    return items[:cut], items[cut:]


def _fit(items: list[Example], kind: str, seed: int) -> TextModel:
    contexts = [e.context for e in items] if kind == ModelKind.EXECUTOR else None
    return TextModel.train(
        [e.text for e in items], [e.label for e in items], contexts, seed=seed, context_weight=1.0
    )


def train_region_model(
    region: Region, kind: str, *, force: bool = False, seed: int = 42, now=None
) -> Outcome:
    """Train, evaluate and store a new version of the region's `kind` model."""
    now = now or timezone.now()
    items = examples(kind, region)
    if len(items) < MIN_EXAMPLES or len({e.label for e in items}) < 2:
        return Outcome(
            None,
            _("%(region)s, %(kind)s: not enough history (%(count)s examples).")
            % {"region": region.code, "kind": kind, "count": len(items)},
        )
    older, newer = split_by_time(items)
    if len({e.label for e in older}) < 2:
        return Outcome(
            None,
            _("%(region)s, %(kind)s: the training slice has one label only.")
            % {"region": region.code, "kind": kind},
        )
    held_out = _fit(older, kind, seed)
    contexts = [e.context for e in newer] if kind == ModelKind.EXECUTOR else None
    metrics, per_label = held_out.evaluate(
        [e.text for e in newer], [e.label for e in newer], contexts
    )
    comparison = compare_with_active(region, kind, held_out, newer)
    if comparison:
        metrics["compared_with_active"] = comparison
    final = _fit(items, kind, seed)
    name = f"{region.code}/{kind}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}.npz"
    sha256 = final.save(settings.MODELS_DIR / name)
    metrics["train_size_final"] = len(items)
    row = _store(
        region=region,
        kind=kind,
        now=now,
        source=f"history of region {region.code}",
        trained_from=older[0].created_at,
        trained_to=older[-1].created_at,
        tested_to=newer[-1].created_at,
        train_size=len(older),
        test_size=len(newer),
        parameters=final.parameters,
        metrics=metrics,
        per_label=per_label,
        artefact=name,
        sha256=sha256,
        force=force,
    )
    state = _("in use") if row.is_active else _("not in use: worse than the active version")
    return Outcome(
        row,
        _(
            "%(region)s, %(kind)s v%(version)s: macro-F1 %(f1)s, accuracy %(accuracy)s, "
            "top-3 %(top3)s on the %(test)s newest of %(total)s examples; %(state)s."
        )
        % {
            "region": region.code,
            "kind": kind,
            "version": row.version,
            "f1": metrics["macro_f1"],
            "accuracy": metrics["accuracy"],
            "top3": metrics["top3_accuracy"],
            "test": len(newer),
            "total": len(items),
            "state": state,
        },
    )


def active_model(region, kind: str) -> tuple[TrainedModel | None, TextModel | None, str]:
    """The active version's row, its loaded weights, and what went wrong ("" if nothing)."""
    # The evaluation (per_label is one entry per category or organization) is not needed here.
    row = (
        TrainedModel.objects.filter(region=region, kind=kind, is_active=True)
        .defer("metrics", "per_label", "parameters")
        .first()
    )
    if row is None:
        return None, None, "missing"
    path = settings.MODELS_DIR / row.artefact
    try:
        stat = os.stat(path)
    except OSError:
        log.error("weights of %s v%s are missing: %s", kind, row.version, path)
        return row, None, "refused"
    key = (row.pk, row.sha256, stat.st_size, stat.st_mtime_ns)
    model = _LOADED.get(key)
    if model is None:
        try:
            model = TextModel.load(path, row.sha256)
        except ModelRefused as exc:
            log.error("model %s v%s refused: %s", kind, row.version, exc)
            return row, None, "refused"
        with _LOCK:
            if len(_LOADED) >= _KEEP:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[key] = model
    return row, model, ""


def compare_with_active(region, kind: str, held_out: TextModel, newer: list[Example]) -> dict:
    """Macro-F1 of the new model (fitted on the older slice) and of the active version on the
    held-out appeals newer than the active version's training data; {} without an active one."""
    row, active, _problem = active_model(region, kind)
    if row is None:
        return {}
    fresh = [e for e in newer if row.tested_to is None or e.created_at > row.tested_to]
    comparison = {"version": row.version, "appeals": len(fresh)}
    if active is None or len(fresh) < MIN_COMPARED:
        return comparison  # a refused active version, or too few appeals to judge
    texts, labels = [e.text for e in fresh], [e.label for e in fresh]
    contexts = [e.context for e in fresh] if kind == ModelKind.EXECUTOR else None
    comparison["new_macro_f1"] = held_out.evaluate(texts, labels, contexts)[0]["macro_f1"]
    comparison["active_macro_f1"] = active.evaluate(texts, labels, contexts)[0]["macro_f1"]
    return comparison


def should_activate(comparison: dict, force: bool) -> bool:
    """Whether a new version goes in use (see the module's docstring)."""
    if force or "active_macro_f1" not in comparison:
        return True
    return comparison["new_macro_f1"] >= comparison["active_macro_f1"] - ACTIVATION_TOLERANCE


def _store(*, region, kind, force, now, **fields) -> TrainedModel:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = TrainedModel.objects.filter(region=region, kind=kind).aggregate(
                    v=Max("version")
                )["v"]
                active = (
                    TrainedModel.objects.select_for_update()
                    .filter(region=region, kind=kind, is_active=True)
                    .first()
                )
                comparison = fields["metrics"].get("compared_with_active", {})
                activate = active is None or should_activate(comparison, force)
                if activate and active is not None:
                    active.is_active = False
                    active.save(update_fields=["is_active"])
                return TrainedModel.objects.create(
                    region=region,
                    kind=kind,
                    version=(latest or 0) + 1,
                    created_at=now,
                    is_active=activate,
                    **fields,
                )
        except IntegrityError:
            continue  # another machine stored a version at the same moment: count again
    raise RuntimeError("could not store the trained model")


def activate(model: TrainedModel) -> None:
    """Put `model` in use instead of the active version of its region and kind."""
    with transaction.atomic():
        TrainedModel.objects.select_for_update().filter(
            region=model.region_id, kind=model.kind, is_active=True
        ).exclude(pk=model.pk).update(is_active=False)
        TrainedModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True


def retrain_due(*, now=None) -> int:
    """Train the models of every region whose newest version is older than its
    `retrain_every_days` (7 by default); how many versions were stored."""
    now = now or timezone.now()
    stored = 0
    every = dict(RegionIntelligence.objects.values_list("region_id", "retrain_every_days"))
    for region in Region.objects.order_by("code"):
        days = every.get(
            region.pk, RegionIntelligence._meta.get_field("retrain_every_days").default
        )
        for kind in KINDS:
            newest = TrainedModel.objects.filter(region=region, kind=kind).aggregate(
                at=Max("created_at")
            )["at"]
            if newest is not None and newest > now - timedelta(days=days):
                continue
            if newest is None and _history(kind, region).count() < MIN_EXAMPLES:
                continue
            try:
                outcome = train_region_model(region, kind, now=now)
            except Exception:
                # One region's failure must not stop the others; the next pass retries.
                log.exception("training %s %s failed", region.code, kind)
                continue
            log.info(outcome.message)
            stored += outcome.model is not None
    return stored
