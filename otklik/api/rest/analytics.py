"""REST API: Analytics."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Analytics"])
