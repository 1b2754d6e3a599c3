"""The demo's today and recent weeks, after the history, rollups and incidents exist: the
weekly forecasts of the past weeks (as the weekly job would have made them, for «прогноз» and
«точность прогноза» in the weekly review) and today's inspection points and plans of the teams
(inspections.py), built by the services a supervisor uses."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from otklik.accounts.models import User
from otklik.analytics import forecast_model as fm
from otklik.analytics.figures import today_in
from otklik.analytics.forecast import WEEK, store_forecasts, weekly_counts
from otklik.inspections.services.plans import build_plan
from otklik.inspections.services.points import propose_points

from .inspections import LEAD_LOGIN, Season

FORECAST_WEEKS = 8  # past weeks whose forecasts are backfilled (and the current and next)
TODAY_SOLVER_SECONDS = 1.0


def backfill_forecasts(region, now: datetime, weeks: int = FORECAST_WEEKS) -> int:
    """The forecasts the weekly job would have made: for each of the last `weeks` weeks, the
    current one and the next, made on the Friday before (next week's: now)."""
    today = today_in(region.pk, now)
    monday = today - timedelta(days=today.weekday())
    # The weekly counts are read once for every forecast (reading them is half the cost).
    counts = weekly_counts(region.pk, monday - (weeks + fm.HISTORY_WEEKS + 1) * WEEK, monday)
    written = 0
    for k in range(-weeks, 2):
        week = monday + k * WEEK
        friday = datetime.combine(week - timedelta(days=3), time(18), tzinfo=UTC)
        written += store_forecasts(
            region=region, week=week, made_at=min(friday, now), counts=counts
        )
    return written


def plan_today(season: Season, now: datetime) -> int:
    """Today's points of the teams' municipalities and each organization's plan for them."""
    today = now.astimezone(season.tz).date()
    lead = User.objects.get(email=LEAD_LOGIN)
    lead_org = lead.memberships.values_list("organization", flat=True).first()
    organizations = {}
    for teams in season.teams.values():
        propose_points(municipality=teams[0].municipality, day=today, now=now)
        for team in teams:
            organizations[team.organization_id] = team.organization
    for organization in organizations.values():
        actor = lead if organization.pk == lead_org else None
        build_plan(organization=organization, day=today, actor=actor, now=now,
                   time_limit=TODAY_SOLVER_SECONDS)  # fmt: skip
    return len(organizations)
