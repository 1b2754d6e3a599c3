"""Short excerpts of long texts for lists: cut on a word boundary, never inside a word."""

from __future__ import annotations

import re

ELLIPSIS = "…"
# Punctuation left dangling at the cut («яма,…» reads worse than «яма…»).
_TRAILING = re.compile(r"[\s,;:—–\-(«\"]+$")


def excerpt(text: str | None, limit: int) -> str:
    """`text` on one line, or its first whole words within `limit` characters and «…».

    A single word longer than `limit` is cut (an address or a link with no spaces)."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    head = flat[: limit - len(ELLIPSIS) + 1]
    space = head.rfind(" ")
    head = head[:space] if space > 0 else head[: limit - len(ELLIPSIS)]
    return _TRAILING.sub("", head) + ELLIPSIS
