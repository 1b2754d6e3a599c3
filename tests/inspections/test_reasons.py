"""Reasons are written for people: numbers in the language's format."""

from __future__ import annotations

from django.utils import translation

from otklik.inspections.services import reasons


def test_forecast_reason_writes_numbers_in_russian_format():
    with translation.override("ru"):
        text = reasons.forecast("Дороги", 25.94, 19.0, 6)
    assert "около 25,9 против 19)" in text


def test_forecast_reason_in_english_keeps_the_point():
    with translation.override("en"):
        assert "25.9" in reasons.forecast("Roads", 25.94, 19.4, 6)
