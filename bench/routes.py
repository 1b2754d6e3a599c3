"""Inspection routes (issue 20 item 2): a day's plan of 5 field teams over 200 candidate points
around a city, solved by OR-Tools and by a greedy nearest-neighbour order on the same points.
No database: the routing model and the distance matrix are pure.

The points are seeded: two thirds in six districts, a third scattered over ~14 × 11 km; a tenth
open only in the morning or the afternoon; 10–25 minutes on site; scores from 1 to 10. Shifts are
8:00–17:00 from five bases, so the shifts cannot hold every point and the solver must choose.
Prints the solve time per time limit, the kilometres and points of each method, the score the
routes collect, and greedy's kilometres on exactly the points OR-Tools visited.

    .venv/bin/python bench/routes.py                  # 5 teams × 200 points, 5 s and 15 s
    .venv/bin/python bench/routes.py --limits 30      # one longer search
    .venv/bin/python bench/routes.py --smoke          # 2 teams × 20 points, 0.3 s
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CENTRE = (52.61, 39.59)  # Lipetsk
H = 3600


def offset(east_m: float, north_m: float) -> tuple[float, float]:
    import math

    lat = CENTRE[0] + north_m / 111_195
    lon = CENTRE[1] + east_m / (111_195 * math.cos(math.radians(CENTRE[0])))
    return lat, lon


def instance(teams: int, points: int, seed: int, *, roomy: bool = False):
    """Bases, team shifts, point places and stops, reproducible from `seed`; `roomy`: shifts
    to 20:00 and 5 minutes on site, so that every point fits."""
    from otklik.inspections.services.routing import Stop, Team

    rng = random.Random(seed)
    districts = [(rng.uniform(-6000, 6000), rng.uniform(-5000, 5000)) for _ in range(6)]
    bases = [offset(rng.uniform(-3000, 3000), rng.uniform(-2500, 2500)) for _ in range(teams)]
    model_teams = [Team(t, 8 * H, (20 if roomy else 17) * H) for t in range(teams)]
    places, stops = [], []
    for k in range(points):
        if rng.random() < 2 / 3:
            dx, dy = rng.choice(districts)
            places.append(offset(dx + rng.gauss(0, 700), dy + rng.gauss(0, 700)))
        else:
            places.append(offset(rng.uniform(-7000, 7000), rng.uniform(-5500, 5500)))
        window = rng.random()
        opens, closes = (9 * H, 13 * H) if window < 0.05 else (None, None)
        if 0.05 <= window < 0.1:
            opens, closes = 14 * H, 17 * H
        score = round(min(10.0, rng.lognormvariate(0.8, 0.6)), 2)
        service = 5 * 60 if roomy else rng.randint(10, 25) * 60
        stops.append(Stop(1000 + k, service, score, opens, closes))
    return model_teams, bases, places, stops


def collected(solution, stops) -> float:
    visited = solution.team_of()
    return sum(s.score for s in stops if s.key in visited)


def line(name: str, solution, stops, seconds: float) -> str:
    return (
        f"{name:<34} {seconds:7.2f} s  {solution.km:7.1f} km  {solution.visited:4d} visited"
        f"  {len(solution.dropped):4d} dropped  score {collected(solution, stops):7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--limits", default="5,15", help="OR-Tools time limits, seconds")
    parser.add_argument("--smoke", action="store_true", help="2 teams × 20 points, 0.3 s")
    args = parser.parse_args()
    if args.smoke:
        args.teams, args.points, args.limits = 2, 20, "0.3"
    sys.path.insert(0, str(ROOT))
    from otklik.inspections.services import routing
    from otklik.inspections.services.distances import Matrix, straight_matrix

    teams, bases, places, stops = instance(args.teams, args.points, args.seed)
    began = time.monotonic()
    matrix = straight_matrix(bases + places)
    print(
        f"{args.teams} teams × {args.points} points, straight line × 1.3 at 25 km/h; "
        f"matrix {time.monotonic() - began:.2f} s; score on offer "
        f"{sum(s.score for s in stops):.1f}"
    )
    baseline = routing.greedy(teams, stops, matrix)
    print(line("greedy nearest neighbour", baseline, stops, baseline.solve_seconds))
    best = None
    for limit in (float(x) for x in args.limits.split(",")):
        began = time.monotonic()
        solution = routing.solve(teams, stops, matrix, time_limit=limit)
        print(line(f"OR-Tools, limit {limit:g} s", solution, stops, time.monotonic() - began))
        best = solution
    # The same points: greedy over exactly the points OR-Tools put on its routes.
    chosen = set(best.team_of())
    index = [i for i, s in enumerate(stops) if s.key in chosen]
    n = len(teams)
    nodes = list(range(n)) + [n + i for i in index]
    sub = Matrix(
        [[matrix.metres[a][b] for b in nodes] for a in nodes],
        [[matrix.seconds[a][b] for b in nodes] for a in nodes],
        matrix.source,
    )
    same = routing.greedy(teams, [stops[i] for i in index], sub)
    print(line("greedy on OR-Tools' points", same, [stops[i] for i in index], same.solve_seconds))
    if same.visited:
        print(
            f"route length on the same points: OR-Tools {best.km:.1f} km for {best.visited} "
            f"points, greedy {same.km:.1f} km for {same.visited} "
            f"({best.km / best.visited * 1000:.0f} against "
            f"{same.km / same.visited * 1000:.0f} m per point)"
        )
    # The tight day's verdict, before its stops are replaced by the roomy day's.
    collected_less = best.visited < baseline.visited * 0.9 or collected(best, stops) < collected(
        baseline, stops
    )
    # Roomy shifts: every point fits, so the two differ only in the kilometres.
    teams, bases, places, stops = instance(args.teams, args.points, args.seed, roomy=True)
    matrix = straight_matrix(bases + places)
    roomy_greedy = routing.greedy(teams, stops, matrix)
    roomy = routing.solve(teams, stops, matrix, time_limit=limit)
    print("shifts to 20:00, 5 min on site (every point fits):")
    print(line("greedy nearest neighbour", roomy_greedy, stops, roomy_greedy.solve_seconds))
    print(line(f"OR-Tools, limit {limit:g} s", roomy, stops, roomy.solve_seconds))
    if roomy.visited < roomy_greedy.visited or (
        roomy.visited == roomy_greedy.visited and roomy.km > roomy_greedy.km
    ):
        sys.exit("OR-Tools routes are worse than the greedy order with room for every point")
    if collected_less:
        sys.exit("OR-Tools collected less than the greedy order")


if __name__ == "__main__":
    main()
