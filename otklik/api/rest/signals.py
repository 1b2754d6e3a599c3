"""REST API: External signals."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["External signals"])
