"""Geometry helpers on latitude/longitude: distances and GeoJSON boundaries (shapely)."""

from __future__ import annotations

import math

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

EARTH_RADIUS_M = 6_371_008.8


class GeometryError(ValueError):
    pass


def shape_from_geojson(data: dict) -> BaseGeometry:
    """A shapely polygon from a GeoJSON geometry (or a Feature holding one)."""
    if not isinstance(data, dict):
        raise GeometryError("GeoJSON must be an object")
    if data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if data.get("type") not in ("Polygon", "MultiPolygon"):
        raise GeometryError("GeoJSON geometry must be a Polygon or MultiPolygon")
    try:
        geometry = shape(data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise GeometryError(f"invalid GeoJSON: {exc}") from exc
    if geometry.is_empty or not geometry.is_valid:
        raise GeometryError("GeoJSON geometry is empty or invalid")
    return geometry


def contains(geometry: BaseGeometry, lat: float, lon: float) -> bool:
    return geometry.covers(Point(lon, lat))


def prepare(geometry: BaseGeometry):
    """The geometry prepared for many point tests (`contains` takes either)."""
    return prep(geometry)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a square around a point, for index lookups."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
