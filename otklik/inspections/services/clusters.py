"""Nearby things as one place: greedy leader clustering on a grid. Pure, no database."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from otklik.lib.geo import distance_m

T = TypeVar("T")
M_PER_DEGREE = 111_195.0


def cluster(
    items: Sequence[T],
    *,
    point: Callable[[T], tuple[float, float]],
    weight: Callable[[T], float],
    radius_m: float,
) -> list[list[T]]:
    """Items grouped around leaders: the heaviest item not yet within `radius_m` of a leader
    becomes one, every other joins the nearest leader within `radius_m`. Leaders come first in
    their groups; groups in the order their leaders were found (heaviest first). Ties are
    broken by input order, so the result is stable for a stable input."""
    order = sorted(range(len(items)), key=lambda i: (-weight(items[i]), i))
    cell_lat = radius_m / M_PER_DEGREE
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)  # cell → group numbers
    leaders: list[tuple[float, float]] = []
    groups: list[list[T]] = []
    for i in order:
        lat, lon = point(items[i])
        cell_lon = cell_lat / max(math.cos(math.radians(lat)), 0.01)
        cx, cy = math.floor(lat / cell_lat), math.floor(lon / cell_lon)
        near = [
            (distance_m(lat, lon, *leaders[g]), g)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for g in grid.get((cx + dx, cy + dy), ())
        ]
        near = [pair for pair in near if pair[0] <= radius_m]
        if not near:
            grid[(cx, cy)].append(len(groups))
            leaders.append((lat, lon))
            groups.append([items[i]])
        else:
            groups[min(near)[1]].append(items[i])
    return groups
