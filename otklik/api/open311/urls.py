"""Open311 GeoReport v2 (docs/open311.md)."""

from django.urls import path  # noqa: F401

app_name = "open311"

urlpatterns: list = []
