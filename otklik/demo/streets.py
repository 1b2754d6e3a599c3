"""The demo's streets laid out on the ground: each street a line of houses from a start point,
odd numbers on one side and even on the other, so that an appeal's address and its pin agree
(«ул. Катукова, д. 5» is always at the same place, near the other houses of ул. Катукова) and
the address register the demo seeds finds them.
"""

from __future__ import annotations

import math

import shapely

METRES_PER_DEGREE = 111_320.0


class StreetLayout:
    """Houses of one settlement's streets: `point(street, number)` → (lat, lon)."""

    def __init__(self, rng, streets, *, start_points, step_m: float, own, others):
        self.step_m = step_m
        self.own, self.others = own, others
        self.streets: dict[str, tuple[float, float, float]] = {}
        for street, (lat, lon) in zip(dict.fromkeys(streets), start_points, strict=False):
            self.streets[street] = (lat, lon, rng.uniform(0, math.pi))
        self.points: dict[tuple[str, str], tuple[float, float]] = {}

    def _inside(self, lat: float, lon: float) -> bool:
        if not shapely.contains_xy(self.own, lon, lat):
            return False
        return not any(shapely.intersects_xy(o, lon, lat) for o in self.others)

    def point(self, street: str, number: str) -> tuple[float, float]:
        """The point of house `number` («12», «12А», «5, корп. 2») of the street: along the
        street by its number, shortened where the street would leave the municipality."""
        if (street, number) in self.points:
            return self.points[(street, number)]
        lat0, lon0, bearing = self.streets[street]
        digits = "".join(c for c in number.split(",")[0] if c.isdigit()) or "1"
        base = int(digits)
        extra = 0 if number == digits else 8  # «12А», corpus: a few metres behind «12»
        along = ((base - 1) // 2) * self.step_m
        side = (14 if base % 2 else -14) + (extra if base % 2 else -extra)
        squeeze = math.cos(math.radians(lat0))
        while True:
            north = along * math.cos(bearing) - side * math.sin(bearing)
            east = along * math.sin(bearing) + side * math.cos(bearing)
            lat = round(lat0 + north / METRES_PER_DEGREE, 6)
            lon = round(lon0 + east / (METRES_PER_DEGREE * squeeze), 6)
            if along <= 0 or self._inside(lat, lon):
                break
            along /= 2  # the far end of a long street: fold it back inside
        if along <= 0 and not self._inside(lat, lon):
            lat, lon = lat0, lon0
        self.points[(street, number)] = (lat, lon)
        return lat, lon
