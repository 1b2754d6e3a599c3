"""The day's routes of field teams: a vehicle-routing problem with time windows, solved by
OR-Tools, and a greedy nearest-neighbour order to compare it with. Pure: no database.

Nodes are the teams' bases first (each team starts and ends at its own), then the stops. Times
are seconds since the day's midnight. A stop is visited within its window — service starts no
earlier than it opens and ends no later than it closes — and within a team's shift, the team
being back at base by the shift's end. Every stop may be dropped at a penalty proportional to
its score, so when the shifts cannot hold them all the lowest scores go first; the objective is
the distance driven plus the penalties of what was dropped, plus a cost for each visit a team makes
below half its even share (`SHARE_PENALTY`), so that when every point would fit one shift the
work is still shared and no team stands idle to save a few kilometres (with full shifts every
team is above that share and the term is silent). A stop may be pinned to teams.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .distances import Matrix

DAY = 24 * 3600
# Metres of driving one point of score is worth: far above any detour in a town, so a point
# is dropped only when no shift has room for it, never to save distance.
PENALTY_PER_SCORE = 100_000
# Metres each visit a team makes below half its even share costs: the work is spread between
# teams whose shifts could each hold it, at the price of a short extra drive.
SHARE_PENALTY = 2000
PINNED_PENALTY = 10**12  # a pinned stop is dropped only if no allowed team can reach it
CAPACITY = "capacity"  # dropped: the shifts were full of points with higher scores
HOURS = "hours"  # dropped: no team can be there within its hours and be back in time
FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"


@dataclass(frozen=True)
class Team:
    key: int
    start: int  # shift start, seconds since midnight
    end: int


@dataclass(frozen=True)
class Stop:
    key: int
    service: int  # seconds on site
    score: float
    opens: int | None = None  # seconds since midnight
    closes: int | None = None
    teams: frozenset[int] | None = None  # pinned: only these teams may visit

    def window(self) -> tuple[int, int]:
        """When service may start."""
        return (
            self.opens or 0,
            (self.closes if self.closes is not None else 2 * DAY) - self.service,
        )


@dataclass(frozen=True)
class Visit:
    stop: int
    arrive: int  # service starts
    leave: int
    travel_m: int  # from the previous node


@dataclass
class Route:
    team: int
    visits: list[Visit] = field(default_factory=list)
    metres: int = 0  # base → stops → base
    start: int = 0  # leaves the base
    end: int = 0  # back at the base


@dataclass
class Solution:
    routes: dict[int, Route]
    dropped: dict[int, str]  # stop key → CAPACITY or HOURS
    solver: str
    solve_seconds: float = 0.0

    @property
    def metres(self) -> int:
        return sum(r.metres for r in self.routes.values())

    @property
    def km(self) -> float:
        return self.metres / 1000

    @property
    def minutes(self) -> int:
        return sum((r.end - r.start) // 60 for r in self.routes.values() if r.visits)

    @property
    def visited(self) -> int:
        return sum(len(r.visits) for r in self.routes.values())

    def team_of(self) -> dict[int, int]:
        return {v.stop: r.team for r in self.routes.values() for v in r.visits}


def _allowed(stop: Stop, team: Team) -> bool:
    return stop.teams is None or team.key in stop.teams


def reachable(teams: Sequence[Team], stops: Sequence[Stop], matrix: Matrix, s: int) -> bool:
    """Whether some allowed team could visit stop number `s` alone: out from its base, within
    the stop's window, back by the shift's end."""
    stop, node = stops[s], len(teams) + s
    lo, hi = stop.window()
    for t, team in enumerate(teams):
        if not _allowed(stop, team):
            continue
        arrive = max(team.start + matrix.seconds[t][node], lo)
        if arrive <= hi and arrive + stop.service + matrix.seconds[node][t] <= team.end:
            return True
    return False


def _route(team: Team, t: int, pairs: list[tuple[int, int]], stops, n_teams: int, m) -> Route:
    """A team's route from (stop index, service start) pairs in order: stop keys, departure
    times, distances, and the team leaving its base just in time for the first stop."""
    route = Route(team.key, start=team.start, end=team.start)
    previous = t
    for s, arrive in pairs:
        node = n_teams + s
        leave = arrive + stops[s].service
        route.visits.append(Visit(stops[s].key, arrive, leave, m.metres[previous][node]))
        route.metres += m.metres[previous][node]
        previous = node
    if pairs:
        route.metres += m.metres[previous][t]
        route.start = pairs[0][1] - m.seconds[t][n_teams + pairs[0][0]]
        route.end = route.visits[-1].leave + m.seconds[previous][t]
    return route


def _drop_reasons(teams, stops, matrix, visited: set[int]) -> dict[int, str]:
    return {
        stop.key: CAPACITY if reachable(teams, stops, matrix, s) else HOURS
        for s, stop in enumerate(stops)
        if s not in visited
    }


def solve(
    teams: Sequence[Team],
    stops: Sequence[Stop],
    matrix: Matrix,
    *,
    time_limit: float = 5.0,
    penalty_per_score: int = PENALTY_PER_SCORE,
    share_penalty: int = SHARE_PENALTY,
    first_solution: str = FIRST_SOLUTION,
) -> Solution:
    """The routes OR-Tools finds within `time_limit` seconds (guided local search from a
    parallel cheapest-insertion start). `matrix` covers the teams' bases, then the stops."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    began = time.monotonic()
    n_teams = len(teams)
    routes = {team.key: Route(team.key, start=team.start, end=team.start) for team in teams}
    if not teams or not stops:
        return Solution(routes, _drop_reasons(teams, stops, matrix, set()), "ortools")
    manager = pywrapcp.RoutingIndexManager(
        n_teams + len(stops), n_teams, list(range(n_teams)), list(range(n_teams))
    )
    model = pywrapcp.RoutingModel(manager)
    metres, seconds = matrix.metres, matrix.seconds
    service = [0] * n_teams + [s.service for s in stops]

    def distance(i: int, j: int) -> int:
        return metres[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def duration(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return service[a] + seconds[a][b]

    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitCallback(distance))
    model.AddDimension(model.RegisterTransitCallback(duration), DAY, 2 * DAY, False, "time")
    clock = model.GetDimensionOrDie("time")
    if share_penalty and n_teams > 1:
        visits = [0] * n_teams + [1] * len(stops)

        def visit(i: int) -> int:
            return visits[manager.IndexToNode(i)]

        model.AddDimension(
            model.RegisterUnaryTransitCallback(visit),
            0,
            len(stops),
            True,
            "visits",
        )
        count = model.GetDimensionOrDie("visits")
        share = len(stops) // n_teams // 2
        for t in range(n_teams):
            # An empty route's costs count too, or an idle team would cost nothing.
            model.SetVehicleUsedWhenEmpty(True, t)
            count.SetCumulVarSoftLowerBound(model.End(t), share, share_penalty)
    for t, team in enumerate(teams):
        clock.CumulVar(model.Start(t)).SetRange(team.start, team.end)
        clock.CumulVar(model.End(t)).SetRange(team.start, team.end)
        model.AddVariableMinimizedByFinalizer(clock.CumulVar(model.End(t)))
    for s, stop in enumerate(stops):
        index = manager.NodeToIndex(n_teams + s)
        lo, hi = stop.window()
        allowed = [t for t, team in enumerate(teams) if _allowed(stop, team)]
        if lo > hi or not allowed:
            model.solver().Add(model.ActiveVar(index) == 0)
        else:
            clock.CumulVar(index).SetRange(lo, hi)
            if len(allowed) < n_teams:
                # -1: unperformed (SetAllowedVehiclesForIndex takes no Python list in 9.15).
                model.VehicleVar(index).SetValues([-1, *allowed])
        penalty = (
            PINNED_PENALTY
            if stop.teams is not None
            else max(1, round(penalty_per_score * max(stop.score, 0.01)))
        )
        model.AddDisjunction([index], penalty)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, first_solution
    )
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    parameters.time_limit.FromMilliseconds(max(1, round(time_limit * 1000)))
    assignment = model.SolveWithParameters(parameters)
    visited: set[int] = set()
    if assignment is not None:
        for t, team in enumerate(teams):
            index, pairs = assignment.Value(model.NextVar(model.Start(t))), []
            while not model.IsEnd(index):
                s = manager.IndexToNode(index) - n_teams
                pairs.append((s, assignment.Min(clock.CumulVar(index))))
                visited.add(s)
                index = assignment.Value(model.NextVar(index))
            routes[team.key] = _route(team, t, pairs, stops, n_teams, matrix)
    dropped = _drop_reasons(teams, stops, matrix, visited)
    return Solution(routes, dropped, "ortools", time.monotonic() - began)


def greedy(teams: Sequence[Team], stops: Sequence[Stop], matrix: Matrix) -> Solution:
    """The baseline: whichever team is free earliest drives to the nearest stop — the one it
    can start soonest, counting any wait for it to open — that it can still serve within the
    stop's window and its own shift (back at base in time); a team with nothing left in reach
    goes home. Scores are ignored."""
    began = time.monotonic()
    n_teams = len(teams)
    left = set(range(len(stops)))
    state = {t: (t, team.start) for t, team in enumerate(teams)}  # node, clock
    pairs: dict[int, list[tuple[int, int]]] = {t: [] for t in range(n_teams)}
    while state and left:
        t = min(state, key=lambda k: (state[k][1], k))
        node, clock = state[t]
        team, best = teams[t], None
        for s in left:
            stop = stops[s]
            if not _allowed(stop, team):
                continue
            target = n_teams + s
            lo, hi = stop.window()
            arrive = max(clock + matrix.seconds[node][target], lo)
            back = arrive + stop.service + matrix.seconds[target][t]
            if arrive <= hi and back <= team.end:
                # Nearest in time: the travel and any wait for the stop to open.
                candidate = (arrive, matrix.metres[node][target], s)
                best = min(best, candidate) if best else candidate
        if best is None:
            del state[t]
            continue
        arrive, _metres, s = best
        pairs[t].append((s, arrive))
        left.discard(s)
        state[t] = (n_teams + s, arrive + stops[s].service)
    routes = {}
    for t, team in enumerate(teams):
        routes[team.key] = _route(team, t, pairs[t], stops, n_teams, matrix)
    visited = {s for p in pairs.values() for s, _a in p}
    dropped = _drop_reasons(teams, stops, matrix, visited)
    return Solution(routes, dropped, "greedy", time.monotonic() - began)
