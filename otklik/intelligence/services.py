"""The formal-reply check with what it needs from the database: how often the same text was
sent under other appeals, and whether it is an organization's template left unedited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from .formal_reply import REUSE_WINDOW_DAYS, FormalReplyCheck, check_answer, fingerprint


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
    )
