"""Who did what to a day's plan, and when: every build, re-plan and move is appended to the
plan's journal (`params["journal"]`), which outlives the rebuilds that replace the other
parameters. The interfaces call these instead of plans.build_plan / plans.move_point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.utils import timezone

from otklik.directory.models import Organization

from ..models import FieldTeam, InspectionPlan, InspectionPoint
from .plans import build_plan, move_point

BUILD = "build"
REBUILD = "rebuild"
MOVE = "move"


def _record(plan: InspectionPlan, earlier: list[dict], entry: dict) -> InspectionPlan:
    plan.params["journal"] = [*earlier, entry]
    plan.save(update_fields=["params"])
    return plan


def build(
    *,
    organization: Organization,
    day: date,
    teams: Sequence[FieldTeam] | None = None,
    actor,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> InspectionPlan:
    """plans.build_plan, recorded as a build (the first) or a re-plan."""
    now = now or timezone.now()
    existing = InspectionPlan.objects.filter(organization=organization, day=day).first()
    earlier = list(existing.params.get("journal", [])) if existing else []
    plan = build_plan(
        organization=organization,
        day=day,
        teams=teams,
        actor=actor,
        time_limit=time_limit,
        now=now,
    )
    entry = {
        "action": REBUILD if existing else BUILD,
        "by": actor.pk if actor else None,
        "at": now.isoformat(),
        "teams": plan.params.get("teams", []),
    }
    return _record(plan, earlier, entry)


def move(
    *,
    plan: InspectionPlan,
    point: InspectionPoint,
    team: FieldTeam,
    actor,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> InspectionPlan:
    """plans.move_point, recorded as a move of `point` to `team`."""
    now = now or timezone.now()
    earlier = list(plan.params.get("journal", []))
    plan = move_point(
        plan=plan, point=point, team=team, actor=actor, time_limit=time_limit, now=now
    )
    entry = {
        "action": MOVE,
        "by": actor.pk if actor else None,
        "at": now.isoformat(),
        "point": point.pk,
        "team": team.pk,
    }
    return _record(plan, earlier, entry)


def journal(plan: InspectionPlan) -> list[dict]:
    """The plan's journal, newest first, with `at` as a datetime."""
    entries = []
    for entry in plan.params.get("journal", []):
        item = dict(entry)
        item["at"] = datetime.fromisoformat(entry["at"])
        entries.append(item)
    return sorted(entries, key=lambda e: e["at"], reverse=True)
