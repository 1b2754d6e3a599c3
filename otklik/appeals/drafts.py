"""The draft photos a re-shown form carries between attempts (filing, an answer's evidence)."""

from __future__ import annotations

from . import services
from .models import DraftPhoto


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


def kept_drafts(
    *, owner, form_key: str, carried: list[str], removed: list[str]
) -> list[DraftPhoto]:
    """The owner's drafts of the form that the re-shown form carries (ids as posted), minus those
    ticked «remove», which are discarded."""
    removed_ids = _ids(removed)
    if removed_ids:
        services.discard_draft_photos(owner=owner, form_key=form_key, ids=removed_ids)
    kept = [pk for pk in _ids(carried) if pk not in removed_ids]
    return list(DraftPhoto.objects.filter(owner=owner, form_key=form_key, pk__in=kept))
