"""What analytics listens to in the apps below it, registered at start-up."""

from __future__ import annotations


def register() -> None:
    """Called from AnalyticsConfig.ready(): the KPI rollups follow every step of an
    instruction, in the instruction's transaction (control/instructions.py). Imported here,
    not at the top, so that importing this module loads nothing."""
    from otklik.control.instructions import instruction_listeners

    instruction_listeners.register("analytics.rollups", refresh_instructions)


def refresh_instructions(ids) -> None:
    """The rollups of these instructions, and the kept figures left behind (figures_cache)."""
    from . import figures_cache, rollups

    rollups.refresh_instructions(ids)
    figures_cache.bump()
