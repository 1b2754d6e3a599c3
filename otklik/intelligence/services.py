"""The formal-reply check with what it needs from the database: how often the same text was
sent under other appeals, whether it is an organization's template left unedited, what the
appeal asked (text, category, address) and the region's calibrated weights, if any."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from .formal_reply import (
    DEFAULT,
    REUSE_WINDOW_DAYS,
    FormalReplyCheck,
    Weights,
    check_answer,
    fingerprint,
)

if TYPE_CHECKING:
    from otklik.appeals.services import AnswerVerdict


def formal_reply_weights(region_id) -> Weights:
    """The active calibrated weights of the region (see calibration.py), or the defaults."""
    from .models import ModelKind, TrainedModel

    parameters = (
        TrainedModel.objects.filter(
            region_id=region_id, kind=ModelKind.FORMAL_REPLY, is_active=True
        )
        .values_list("parameters", flat=True)
        .first()
    )
    return Weights.from_parameters(parameters) if parameters else DEFAULT


def subject_of(category) -> str:
    """The category's name with its parents' («Ямы Дороги»): what the appeal is about."""
    names = []
    while category is not None and len(names) < 5:
        names.append(category.name)
        category = category.parent
    return " ".join(names)


def check_appeal_answer(
    appeal,
    text: str,
    *,
    resolution: str = "solved",
    evidence: int = 0,
    now: datetime | None = None,
) -> FormalReplyCheck:
    from otklik.appeals.models import Answer
    from otklik.directory.models import AnswerTemplate

    now = now or timezone.now()
    print_ = fingerprint(text)
    reused = (
        Answer.objects.filter(
            fingerprint=print_, submitted_at__gte=now - timedelta(days=REUSE_WINDOW_DAYS)
        )
        .exclude(appeal_id=appeal.pk)
        .values("appeal_id")
        .distinct()
        .count()
    )
    is_template = False
    if appeal.executor_id:
        templates = AnswerTemplate.objects.filter(
            organization_id=appeal.executor_id, is_active=True
        ).values_list("text", flat=True)
        is_template = any(fingerprint(t) == print_ for t in templates)
    category = appeal.category
    return check_answer(
        text,
        resolution=resolution,
        needs_evidence=bool(category and category.needs_evidence),
        evidence=evidence,
        reused=reused,
        is_template=is_template,
        appeal_text=appeal.text,
        subject=subject_of(category),
        address=appeal.address,
        today=timezone.localdate(now),
        weights=formal_reply_weights(appeal.region_id),
    )


def answer_verdict(
    appeal, text: str, *, resolution: str, evidence: int, now: datetime
) -> AnswerVerdict:
    """The formal-reply check as appeals keeps it on a submitted answer (the answer checker
    IntelligenceConfig.ready registers)."""
    from otklik.appeals.services import AnswerVerdict

    check = check_appeal_answer(appeal, text, resolution=resolution, evidence=evidence, now=now)
    return AnswerVerdict(
        is_formal=check.is_formal,
        findings=tuple(finding.as_dict() for finding in check.findings),
        score=check.score,
        codes=tuple(check.codes),
        fingerprint=fingerprint(text),
    )
