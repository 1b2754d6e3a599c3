"""Field inspections of the demo: teams with bases and shifts in Липецк and Елец, a season of
checked points in the history (found problems filed as appeals of channel «inspection», some of
them written about by residents days later), today's points and plans, and the weekly forecasts
of the past weeks.

It runs in three steps around the history: `Season(...)` creates the season rules, the people
and the teams and draws the season (before the history is played: a found problem is an appeal
the history plays like any other, and every added appeal takes the place of a base appeal near
it in time, so the total stays as asked); `Season.write()` stores the points, plans and stops
once the appeals have ids and numbers; inspections_today.py then backfills the forecasts and
proposes and plans today. Everything past is drawn from the season's own `random.Random`; only
today's routes come from the solver, which stops on a time limit.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import translation

from otklik.accounts.models import Membership, Role, User
from otklik.directory.models import Category, Organization
from otklik.inspections.models import (
    FieldTeam,
    InspectionPlan,
    InspectionPoint,
    PlanStop,
    PointProposal,
    SeasonRule,
)
from otklik.inspections.seasons import seed_default_rules
from otklik.inspections.services import reasons, routing
from otklik.inspections.services.distances import straight_matrix
from otklik.lib.geo import distance_m

from .drafts import Draft
from .geography import address_of
from .people import phone, random_person, translit
from .region import DEMO_PASSWORD

LIPETSK, ELETS = "42701000", "42715000"
# (OKTMO, organization, team, shift, members besides the demo login): two municipalities.
TEAMS = (
    (LIPETSK, "ДДХиБ г. Липецка", "Бригада обследования дорог № 1", (8, 17), 1),
    (LIPETSK, "ДДХиБ г. Липецка", "Бригада обследования дорог № 2", (9, 18), 2),
    (ELETS, "УГХ г. Ельца", "Бригада обследования УГХ", (8, 17), 2),
)
TEAM_LOGIN = "brigade@demo.otklik.ru"  # member of the first team (region.DEMO_USERS)
LEAD_LOGIN = "teamlead@demo.otklik.ru"  # supervisor of its organization: builds the plans
# Topics the teams look at, by the routing key their organization serves there.
INSPECTED = {
    LIPETSK: ("roads-potholes", "roads-repair-quality", "roads-sidewalks", "roads-sidewalk-ice",
              "roads-flooding", "roads-signs"),
    ELETS: ("roads-potholes", "roads-sidewalks", "roads-sidewalk-ice", "roads-flooding",
            "yard-potholes", "street-lighting", "trees"),
}  # fmt: skip
# Season rules of the demo besides the defaults: every day of the year has some.
DEMO_RULES = (
    ("ямы после осенних дождей и первых заморозков", "roads-potholes", (9, 1), (12, 15), 1.5),
    ("наледь на тротуарах и остановках в морозы", "roads-sidewalk-ice", (11, 15), (3, 15), 1.5),
    ("тротуары летом, после работ весной", "roads-sidewalks", (5, 1), (8, 31), 1.0),
    ("ямы во дворах после оттепели", "yard-potholes", (3, 1), (5, 15), 2.0),
    ("уличное освещение в тёмное время года", "street-lighting", (9, 1), (2, 28), 1.5),
    ("аварийные деревья после летних гроз", "trees", (6, 1), (9, 30), 1.5),
)
FOUND, NO_ACCESS = 0.28, 0.08  # shares of checked points
RESIDENTS_LATER = 0.45  # of found problems: a resident writes about the same place days later
POINTS_A_DAY = (6, 9)  # per team
SEASON_DAYS = 60  # working days back from yesterday


@dataclass(eq=False)
class Visit:
    """A checked point of the season: where, why (appeals at the place), what was found."""

    team: FieldTeam
    day: date
    place: object
    topic: object
    category: Category
    rule: SeasonRule
    sources: list[Draft]
    status: str = InspectionPoint.Status.CHECKED_OK
    arrive: datetime | None = None
    leave: datetime | None = None
    travel_km: float = 0.0
    sequence: int = 0
    checker: int | None = None
    found: Draft | None = None
    later: list[Draft] = field(default_factory=list)


def _local(day: date, seconds: int, tz) -> datetime:
    return (datetime.combine(day, time.min, tzinfo=tz) + timedelta(seconds=seconds)).astimezone(UTC)


def seed_rules(categories: dict[str, Category]) -> list[SeasonRule]:
    """The default season rules (their categories exist now) and the demo's own."""
    seed_default_rules()
    for name, code, start, end, weight in DEMO_RULES:
        if code in categories:
            SeasonRule.objects.get_or_create(
                name=name,
                defaults={"category": categories[code], "start_month": start[0],
                          "start_day": start[1], "end_month": end[0], "end_day": end[1],
                          "weight": weight},
            )  # fmt: skip
    return list(SeasonRule.objects.filter(is_active=True).order_by("pk"))


def ensure_teams(rng, demo, places: dict[str, list]) -> dict[str, list[FieldTeam]]:
    """The teams, their members (field staff of the organization) and the demo logins'
    memberships in them; returns the teams by OKTMO."""
    by_short = {o.short_name: o for o in Organization.objects.filter(region=demo.region)}
    password, joined = make_password(DEMO_PASSWORD), demo.demo[TEAM_LOGIN].date_joined
    teams: dict[str, list[FieldTeam]] = {}
    for number, (oktmo, short, name, (start, end), extra) in enumerate(TEAMS):
        unit_places = places[oktmo]
        base = unit_places[int(len(unit_places) * 0.1 * rng.random())]
        team, _ = FieldTeam.objects.get_or_create(
            organization=by_short[short],
            name=name,
            defaults={"municipality": demo.municipalities[oktmo],
                      "base_address": address_of(demo.specs[oktmo], base),
                      "base_lat": base.lat, "base_lon": base.lon,
                      "shift_start": time(start), "shift_end": time(end)},
        )  # fmt: skip
        members = [demo.demo[TEAM_LOGIN]] if number == 0 else []
        for k in range(extra):
            person = random_person(rng)
            user, _ = User.objects.get_or_create(
                email=f"{translit(person.surname)}.brigade{number}{k}@staff.example.ru",
                defaults={"full_name": person.full_name, "phone": phone(2000 + number * 10 + k),
                          "password": password, "date_joined": joined,
                          "email_confirmed_at": joined},
            )  # fmt: skip
            members.append(user)
        for user in members:
            Membership.objects.get_or_create(
                user=user, role=Role.FIELD, organization=team.organization
            )
        team.members.add(*members)
        teams.setdefault(oktmo, []).append(team)
    return teams


class Season:
    """The season of inspections before `now`: drawn when made, stored by `write()`."""

    def __init__(self, demo, history, *, seed: int, appeals: int):
        self.demo, self.history = demo, history
        self.rng = random.Random(seed * 131 + 7)
        self.tz, self.now = history.tz, history.now
        self.rules = seed_rules(demo.categories)
        places = {o: history.units[o].places for o in (LIPETSK, ELETS)}
        self.teams = ensure_teams(self.rng, demo, places)
        self.members = {
            t.pk: list(t.members.order_by("pk")) for ts in self.teams.values() for t in ts
        }
        today = self.now.astimezone(self.tz).date()
        calendar, days, day = history.calendar, [], today - timedelta(days=1)
        while len(days) < SEASON_DAYS:
            if calendar.is_working_day(day):
                days.append(day)
            day -= timedelta(days=1)
        # Every working day of the last SEASON_DAYS on the full demo, evenly fewer on a small
        # one (the found problems are appeals of its total), the oldest always among them.
        wanted = min(SEASON_DAYS, max(5, appeals // 1600))
        self.days = sorted(
            days[-1 - round(k * (SEASON_DAYS - 1) / (wanted - 1))] for k in range(wanted)
        )
        self.visits: list[Visit] = []
        # A demo built again (--force) keeps the plans it has: those days are not drawn again.
        self.planned = set(InspectionPlan.objects.values_list("organization_id", "day"))
        self.minutes: dict[tuple[int, date], int] = {}  # (team, day) → route time

    # ------------------------------------------------------------------------ drawing

    def _rule(self, category: Category, day: date) -> SeasonRule | None:
        for rule in self.rules:
            if rule.category_id in (category.pk, category.parent_id) and rule.is_active_on(day):
                return rule
        return None

    def add_drafts(self, base: list[Draft]) -> list[Draft]:
        """The history's hook: the season's appeals join the base appeals, each in the place
        of the nearest base appeal in time (never a pinned one or a reason of a point)."""
        added, used = self._draw(base), set()
        for v in self.visits:
            for d in v.sources:  # a reason of a point is played whatever the history skips
                used.add(id(d))
                d.pinned = True
        times = [d.created_at for d in base]
        removed: set[int] = set()
        for new in added:
            at = bisect.bisect_left(times, new.created_at)
            for step in range(len(base)):
                hit = next(
                    (i for i in (at - step, at + step) if 0 <= i < len(base)
                     and i not in removed and not base[i].pinned and id(base[i]) not in used),
                    None,
                )  # fmt: skip
                if hit is not None:
                    removed.add(hit)
                    break
        kept = [d for i, d in enumerate(base) if i not in removed] + added
        kept.sort(key=lambda d: (d.created_at, d.seq))
        return kept

    def _draw(self, base: list[Draft]) -> list[Draft]:
        rng, cats = self.rng, self.demo.categories
        topics = {t.code: (g, t) for g, t in self.demo.topics}
        added: list[Draft] = []
        for oktmo, teams in self.teams.items():
            codes = {code for code in INSPECTED[oktmo] if code in topics}
            mine = [d for d in base if d.unit.spec.oktmo == oktmo and d.has_point
                    and d.topic.code in codes and d.channel != "inspection"]  # fmt: skip
            times = [d.created_at for d in mine]
            for day in self.days:
                noon = _local(day, 12 * 3600, self.tz)
                lo = bisect.bisect_left(times, noon - timedelta(days=330))
                hi = bisect.bisect_left(times, noon - timedelta(days=40))
                pool = [d for d in mine[lo:hi] if self._rule(cats[d.topic.code], day)]
                recent = list(mine[hi : bisect.bisect_left(times, noon + timedelta(hours=12))])
                recent += [d for d in added if d.unit.spec.oktmo == oktmo]
                rng.shuffle(pool)
                taken: set[tuple[float, float]] = set()
                for team in teams:
                    if (team.organization_id, day) in self.planned:
                        continue
                    picked, wanted = [], rng.randint(*POINTS_A_DAY)
                    for d in pool:
                        if len(picked) >= wanted:
                            break
                        if (d.place.lat, d.place.lon) in taken:
                            continue
                        taken.add((d.place.lat, d.place.lon))
                        picked.append(d)
                    for v in self._route(team, day, picked):
                        v.rule = self._rule(v.category, day)
                        self._outcome(v, topics[v.topic.code], recent, added)
        return added

    def _route(self, team: FieldTeam, day: date, picked: list[Draft]) -> list[Visit]:
        """The team's day in the greedy nearest-neighbour order (deterministic)."""
        teams = [routing.Team(team.pk, team.shift_start.hour * 3600, team.shift_end.hour * 3600)]
        stops = [routing.Stop(i, 15 * 60, 1.0) for i in range(len(picked))]
        matrix = straight_matrix(
            [(team.base_lat, team.base_lon)] + [(d.place.lat, d.place.lon) for d in picked],
            **_straight(),
        )
        route = routing.greedy(teams, stops, matrix).routes[team.pk]
        self.minutes[(team.pk, day)] = (route.end - route.start) // 60
        visits = []
        for n, visit in enumerate(route.visits, start=1):
            d = picked[visit.stop]
            visits.append(
                Visit(team, day, d.place, d.topic, self.demo.categories[d.topic.code], None, [d],
                      arrive=_local(day, visit.arrive, self.tz),
                      leave=_local(day, visit.leave, self.tz),
                      travel_km=round(visit.travel_m / 1000, 3), sequence=n,
                      checker=self.rng.choice(self.members[team.pk]).pk)
            )  # fmt: skip
        self.visits += visits
        return visits

    def _outcome(self, v: Visit, group_topic, recent: list, added: list[Draft]) -> None:
        rng, source = self.rng, v.sources[0]
        r = rng.random()
        if r < NO_ACCESS:
            v.status = InspectionPoint.Status.NO_ACCESS
            return
        # A problem residents already reported in the last 30 days is not news: checked, fine.
        if r > NO_ACCESS + FOUND or any(
            d.topic.code == v.topic.code
            and d.created_at <= v.leave
            and distance_m(d.place.lat, d.place.lon, v.place.lat, v.place.lon) <= 100
            for d in recent
        ):
            return
        v.status = InspectionPoint.Status.CHECKED_FOUND
        group, topic = group_topic
        v.found = Draft(seq=source.seq, created_at=v.leave.replace(microsecond=0),
                        unit=source.unit, group=group, topic=topic, place=v.place,
                        has_point=True, channel="inspection", created_by=v.checker,
                        is_public=topic.public, pinned=True)  # fmt: skip
        added.append(v.found)
        if rng.random() >= RESIDENTS_LATER:
            return
        hour = rng.choice((8, 9, 12, 17, 18, 19, 20, 21))
        later = _local(v.day + timedelta(days=rng.randint(2, 12)), hour * 3600, self.tz)
        later += timedelta(seconds=rng.randint(0, 3599))
        if later >= self.now:
            return
        residents = source.unit.residents
        d = Draft(seq=source.seq, created_at=later, unit=source.unit, group=group, topic=topic,
                  place=v.place, has_point=True,
                  channel=rng.choices(("portal", "api", "phone"), (0.7, 0.15, 0.15))[0],
                  applicant=residents[int(len(residents) * rng.random() ** 1.8)],
                  is_public=topic.public, pinned=True)  # fmt: skip
        if d.channel == "phone":
            d.created_by = rng.choice(self.demo.operators)
        elif d.channel == "api":
            d.external_id = f"mobile-{rng.getrandbits(40):010x}"
        v.later.append(d)
        added.append(d)

    # ------------------------------------------------------------------------ storing

    def _reasons(self, v: Visit) -> list[dict]:
        source = v.sources[0]
        closed = source.closed_at or source.answered_at or source.created_at
        rule = v.rule
        items = [(reasons.SEASON, reasons.season(rule.name, source.number, v.category.name,
                                                  closed), rule.weight)]  # fmt: skip
        rating = self.ratings.get(id(source))
        if rating is not None and (rating.score <= 2 or not rating.is_solved):
            code = reasons.NOT_SOLVED if not rating.is_solved else reasons.LOW_RATING
            text = (reasons.not_solved(source.number) if code == reasons.NOT_SOLVED
                    else reasons.low_rating(source.number, rating.score))  # fmt: skip
            items.append((code, text, reasons.weight(code)))
        items.sort(key=lambda item: -item[2])
        return [
            {"code": code, "text": text, "weight": weight, "appeal_ids": [source.id],
             "incident_id": None, "instruction_id": None}
            for code, text, weight in items
        ]  # fmt: skip

    def write(self) -> None:
        """Points, proposals, plans and stops of the season (the appeals have ids now)."""
        self.ratings = {id(r.draft): r for r in self.history.ratings}
        lead = User.objects.get(email=LEAD_LOGIN)
        self.lead_org = lead.memberships.values_list("organization", flat=True).first()
        with translation.override(settings.LANGUAGE_CODE):
            points = []
            for v in self.visits:
                reasons_ = self._reasons(v)
                points.append(InspectionPoint(
                    municipality=v.team.municipality, day=v.day, key=f"appeal:{v.sources[0].id}",
                    latitude=v.place.lat, longitude=v.place.lon,
                    address=address_of(self.demo.specs[v.team.municipality.oktmo], v.place),
                    score=round(sum(r["weight"] for r in reasons_), 3), reasons=reasons_,
                    sources={"appeals": [v.sources[0].id], "incidents": [], "instructions": []},
                    category_ids=[v.category.pk], status=v.status,
                    result_appeal_id=v.found.id if v.found else None,
                    checked_at=v.leave, checked_by_id=v.checker,
                    created_at=_local(v.day, 5 * 3600, self.tz),
                ))  # fmt: skip
        InspectionPoint.objects.bulk_create(points, batch_size=1000)
        per_day: dict[tuple, list] = {}
        for v, point in zip(self.visits, points, strict=True):
            per_day.setdefault((v.team.organization_id, v.day), []).append((v, point))
        counts: dict[tuple, int] = {}
        for (_org, day), items in per_day.items():
            for v, _p in items:
                key = (v.team.municipality_id, day)
                counts[key] = counts.get(key, 0) + 1
        PointProposal.objects.bulk_create(
            [PointProposal(municipality_id=m, day=day, made_at=_local(day, 5 * 3600, self.tz),
                           candidates=n, points=n)
             for (m, day), n in sorted(counts.items())],
            ignore_conflicts=True,
        )  # fmt: skip
        self._plans(per_day, lead)

    def _plans(self, per_day: dict, lead: User) -> None:
        stops = []
        for (org, day), items in sorted(per_day.items()):
            km = round(sum(v.travel_km for v, _p in items), 3)
            teams = sorted({v.team.pk for v, _p in items})
            plan = InspectionPlan.objects.create(
                organization_id=org, day=day, created_by=lead if org == self.lead_org else None,
                created_at=_local(day, 7 * 3600, self.tz),
                updated_at=_local(day, 7 * 3600, self.tz),
                params={"teams": teams, "pins": {}, "time_limit": 0, "distances": "straight",
                        "distance_note": "", **_straight(), "greedy_km": km,
                        "greedy_visited": len(items)},
                total_km=km, visited_count=len(items),
                total_minutes=sum(self.minutes[(t, day)] for t in teams),
            )  # fmt: skip
            stops += [
                PlanStop(plan=plan, point=p, team=v.team, sequence=v.sequence, eta=v.arrive,
                         leave_at=v.leave, travel_km=v.travel_km)
                for v, p in items
            ]  # fmt: skip
        PlanStop.objects.bulk_create(stops, batch_size=1000)


def _straight() -> dict:
    return {
        "detour": float(getattr(settings, "INSPECTION_DETOUR_FACTOR", 1.3)),
        "speed_kmh": float(getattr(settings, "INSPECTION_SPEED_KMH", 25)),
    }
