"""What analytics listens to in the apps below it, registered at start-up."""

from __future__ import annotations


def register() -> None:
    """Called from AnalyticsConfig.ready(): the KPI rollups follow every step of an
    instruction, in the instruction's transaction (control/instructions.py). Imported here,
    not at the top, so that importing this module loads nothing."""
    from otklik.control.instructions import instruction_listeners

    from . import rollups

    instruction_listeners.register("analytics.rollups", rollups.refresh_instructions)
