"""The routing model (no database): shifts, working hours, service time, priorities when the
shifts are full, pinned points, and the greedy baseline it must not lose to."""

from __future__ import annotations

import random

from otklik.inspections.services.distances import straight_matrix
from otklik.inspections.services.routing import CAPACITY, HOURS, Stop, Team, greedy, solve
from tests.inspections.conftest import point

H = 3600
LIMIT = 0.3  # seconds of search: the instances here are small


def matrix(bases, places):
    return straight_matrix([point(*b) for b in bases] + [point(*p) for p in places])


def check_feasible(solution, teams, stops, m):
    """Every route within its shift, every visit within its window, travel and service
    accounted for between consecutive visits."""
    n = len(teams)
    index = {s.key: i for i, s in enumerate(stops)}
    for t, team in enumerate(teams):
        route = solution.routes[team.key]
        if not route.visits:
            continue
        assert team.start <= route.start and route.end <= team.end
        previous, clock = t, route.start
        for visit in route.visits:
            s = index[visit.stop]
            stop = stops[s]
            assert visit.arrive >= clock + m.seconds[previous][n + s]
            lo, hi = stop.window()
            assert lo <= visit.arrive <= hi
            assert visit.leave == visit.arrive + stop.service
            previous, clock = n + s, visit.leave
        assert route.end == clock + m.seconds[previous][t]


def test_routes_respect_the_shift_the_hours_and_the_time_on_site():
    teams = [Team(1, 9 * H, 13 * H)]
    places = [(500 * k, 0) for k in range(1, 6)]
    stops = [Stop(10 + k, 20 * 60, 1.0) for k in range(5)]
    stops[0] = Stop(10, 20 * 60, 1.0, opens=11 * H, closes=12 * H)  # the nearest opens late
    m = matrix([(0, 0)], places)
    solution = solve(teams, stops, m, time_limit=LIMIT)
    assert solution.dropped == {}
    check_feasible(solution, teams, stops, m)
    visit = next(v for v in solution.routes[1].visits if v.stop == 10)
    assert visit.arrive >= 11 * H and visit.leave <= 12 * H


def test_low_priority_points_are_dropped_when_the_shift_is_full():
    teams = [Team(1, 9 * H, 10 * H)]
    places = [(100 * k, 0) for k in range(1, 7)]
    stops = [Stop(k, 15 * 60, float(k)) for k in range(1, 7)]
    m = matrix([(0, 0)], places)
    solution = solve(teams, stops, m, time_limit=LIMIT)
    check_feasible(solution, teams, stops, m)
    # An hour holds three quarter-hour visits and the driving: the three best stay.
    assert sorted(v.stop for v in solution.routes[1].visits) == [4, 5, 6]
    assert solution.dropped == {1: CAPACITY, 2: CAPACITY, 3: CAPACITY}


def test_a_point_open_only_outside_the_shifts_is_dropped_for_its_hours():
    teams = [Team(1, 9 * H, 17 * H)]
    stops = [Stop(1, 900, 5.0, opens=18 * H, closes=20 * H), Stop(2, 900, 1.0)]
    m = matrix([(0, 0)], [(100, 0), (200, 0)])
    solution = solve(teams, stops, m, time_limit=LIMIT)
    assert solution.dropped == {1: HOURS}
    assert [v.stop for v in solution.routes[1].visits] == [2]


def test_a_pinned_point_stays_with_its_team_even_when_another_is_closer():
    teams = [Team(1, 9 * H, 17 * H), Team(2, 9 * H, 17 * H)]
    m = matrix([(0, 0), (5000, 100)], [(100, 0), (5000, 0)])
    free = [Stop(1, 900, 1.0), Stop(2, 900, 1.0)]
    assert solve(teams, free, m, time_limit=LIMIT).team_of() == {1: 1, 2: 2}
    pinned = [Stop(1, 900, 1.0, teams=frozenset({2})), Stop(2, 900, 1.0)]
    solution = solve(teams, pinned, m, time_limit=LIMIT)
    assert solution.team_of() == {1: 2, 2: 2}
    check_feasible(solution, teams, pinned, m)


def test_ortools_is_no_longer_than_greedy_nearest_neighbour_on_a_fixed_instance():
    rng = random.Random(20)
    teams = [Team(1, 8 * H, 18 * H), Team(2, 8 * H, 18 * H)]
    bases = [(0, 0), (3000, 2000)]
    places = [(rng.uniform(-4000, 6000), rng.uniform(-3000, 5000)) for _ in range(30)]
    stops = [Stop(k, 10 * 60, rng.uniform(1, 5)) for k in range(30)]
    m = matrix(bases, places)
    best = solve(teams, stops, m, time_limit=1)
    baseline = greedy(teams, stops, m)
    assert best.dropped == {} and baseline.dropped == {}
    check_feasible(best, teams, stops, m)
    check_feasible(baseline, teams, stops, m)
    assert best.metres <= baseline.metres


def test_the_work_is_shared_when_every_point_would_fit_one_shift():
    teams = [Team(1, 9 * H, 17 * H), Team(2, 9 * H, 17 * H)]
    places = [(300 * k, 200 * (k % 3)) for k in range(1, 9)]
    stops = [Stop(k, 30 * 60, 1.0) for k in range(1, 9)]
    m = matrix([(0, 0), (0, 0)], places)
    solution = solve(teams, stops, m, time_limit=LIMIT)
    check_feasible(solution, teams, stops, m)
    assert solution.dropped == {}
    assert all(solution.routes[t.key].visits for t in teams)
    unbalanced = solve(teams, stops, m, time_limit=LIMIT, share_penalty=0)
    assert min(len(unbalanced.routes[t.key].visits) for t in teams) == 0


def test_greedy_respects_shifts_and_drops_what_does_not_fit():
    teams = [Team(1, 9 * H, 10 * H)]
    stops = [Stop(k, 15 * 60, 1.0) for k in range(1, 7)]
    m = matrix([(0, 0)], [(100 * k, 0) for k in range(1, 7)])
    baseline = greedy(teams, stops, m)
    check_feasible(baseline, teams, stops, m)
    assert baseline.visited == 3 and set(baseline.dropped.values()) == {CAPACITY}


def test_nothing_to_route():
    assert solve([Team(1, 9 * H, 17 * H)], [], matrix([(0, 0)], [])).visited == 0
    assert solve([], [Stop(1, 900, 1.0)], matrix([], [(0, 0)])).dropped == {1: HOURS}
