"""Suggestions for moderation and automatic routing, from the region's active models.

`suggest(appeal_or_text, region)` gives the top 3 categories and top 3 executors with their
confidence and the words that pushed each; `auto_route(appeal)` registers a new appeal on its
own when the region's administrator allows it and both top suggestions are confident enough.
A missing or refused model means no suggestions, never an error page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from otklik.directory.models import Category, Municipality, Organization

from .classifier import Prediction
from .models import ModelKind, RegionIntelligence, TrainedModel
from .training import active_model, executor_context

log = logging.getLogger(__name__)

# Below this a suggestion is noise, not a choice worth a click.
MIN_CONFIDENCE = 0.02


@dataclass
class Suggestion:
    obj: Category | Organization
    confidence: float
    reasons: list[str]

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    @property
    def reasons_text(self) -> str:
        return ", ".join(self.reasons)


@dataclass
class Suggestions:
    categories: list[Suggestion] = field(default_factory=list)
    executors: list[Suggestion] = field(default_factory=list)
    category_model: TrainedModel | None = None
    executor_model: TrainedModel | None = None
    # Why a kind gives nothing: "missing" (not trained), "refused" (weights failed their
    # check), "failed" (an error), or "" when it worked.
    category_problem: str = ""
    executor_problem: str = ""

    @property
    def available(self) -> bool:
        return bool(self.categories or self.executors)


def _reason_texts(prediction: Prediction, names: dict[str, str]) -> list[str]:
    texts = []
    for reason in prediction.reasons:
        if reason.kind == "context":
            if reason.text in names:
                texts.append(names[reason.text])
        else:
            texts.append(reason.text)
    return texts


def suggest(appeal_or_text, region, *, municipality=None, category=None) -> Suggestions:
    """Top 3 categories and executors for an appeal (or a bare text) of `region`.

    The executor model also looks at the municipality and at the category: the appeal's
    own, or else the top suggested one."""
    if isinstance(appeal_or_text, str):
        text = appeal_or_text
    else:
        text = appeal_or_text.text
        municipality = municipality or appeal_or_text.municipality
        category = category or appeal_or_text.category
    result = Suggestions()
    row, model, problem = active_model(region, ModelKind.CATEGORY)
    result.category_model = row
    result.category_problem = problem
    if model is not None:
        predictions = model.predict([text])[0]
        found = Category.objects.filter(
            pk__in=[_int(p.label) for p in predictions], is_active=True
        ).in_bulk()
        for p in predictions:
            reasons = _reason_texts(p, {})
            # Every suggestion shown carries its reasons: one without any is left out.
            if (obj := found.get(_int(p.label))) and reasons and p.confidence >= MIN_CONFIDENCE:
                result.categories.append(Suggestion(obj, p.confidence, reasons))
    context_category = category or (result.categories[0].obj if result.categories else None)
    row, model, problem = active_model(region, ModelKind.EXECUTOR)
    result.executor_model = row
    result.executor_problem = problem
    if model is not None:
        municipality_id = getattr(municipality, "pk", municipality)
        context = executor_context(municipality_id, getattr(context_category, "pk", None))
        predictions = model.predict([text], [context])[0]
        found = Organization.objects.filter(
            pk__in=[_int(p.label) for p in predictions], region=region, is_active=True
        ).in_bulk()
        names = _context_names(municipality_id, context_category)
        for p in predictions:
            reasons = _reason_texts(p, names)
            if (obj := found.get(_int(p.label))) and reasons and p.confidence >= MIN_CONFIDENCE:
                result.executors.append(Suggestion(obj, p.confidence, reasons))
    return result


def _context_names(municipality_id, category) -> dict[str, str]:
    names = {}
    if municipality_id:
        municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is not None:
            names[f"m:{municipality_id}"] = _("municipality %(name)s") % {"name": municipality.name}
    if category is not None:
        names[f"c:{category.pk}"] = _("category %(name)s") % {"name": category.name}
    return names


def _int(label: str) -> int | None:
    try:
        return int(label)
    except ValueError:
        return None


def auto_route(appeal) -> bool:
    """Register a new appeal and send it to its executor when the region allows automatic
    routing and both top suggestions reach the threshold; whether it did.

    The event's actor is the system (None) and its comment names the model versions and their
    confidence. An appeal whose citizen chose a category the model does not put first is left to
    an operator: a disagreement is not confidence."""
    try:
        return _auto_route(appeal)
    except Exception:
        # Routing by the model is a convenience: whatever fails, an operator moderates it.
        log.exception("automatic routing of %s failed; left to an operator", appeal.number)
        return False


def _auto_route(appeal) -> bool:
    from otklik.appeals import services
    from otklik.appeals.workflow import Status

    options = RegionIntelligence.objects.filter(region_id=appeal.region_id).first()
    if options is None or not options.auto_route or appeal.status != Status.NEW:
        return False
    found = suggest(appeal, appeal.region)
    if not found.categories or not found.executors:
        return False
    category, executor = found.categories[0], found.executors[0]
    threshold = options.auto_route_threshold
    if category.confidence < threshold or executor.confidence < threshold:
        return False
    if appeal.category_id and appeal.category_id != category.obj.pk:
        return False
    comment = _(
        "Routed automatically by the text models: category model v%(category_version)s "
        "(%(category_confidence)s%%, by the words: %(category_reasons)s), executor model "
        "v%(executor_version)s (%(executor_confidence)s%%)."
    ) % {
        "category_version": found.category_model.version,
        "category_confidence": category.percent,
        "category_reasons": category.reasons_text or "—",
        "executor_version": found.executor_model.version,
        "executor_confidence": executor.percent,
    }
    services.register_appeal(
        appeal=appeal, actor=None, category=category.obj, executor=executor.obj, comment=comment
    )
    return True
