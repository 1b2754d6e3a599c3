"""The default season rules: road surface after the thaw, heating at the start of the heating
season, drainage after heavy rain. Seeded only for categories that exist (by code, else by
name), by the data migration and by whoever builds a directory later (the demo)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultRule:
    name: str
    codes: tuple[str, ...]  # category codes tried in turn
    name_contains: tuple[str, ...]  # then category names containing one of these
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    weight: float


DEFAULT_RULES = (
    DefaultRule("дорожное покрытие после оттепели", ("roads",), ("Дороги",), (3, 1), (4, 30), 2),
    DefaultRule(
        "отопление в начале отопительного сезона",
        ("heating",),
        ("Отопление",),
        (10, 1),
        (10, 31),
        2,
    ),
    DefaultRule(
        "водоотвод после сильных дождей",
        ("roads-flooding", "drainage"),
        ("ливн", "Водоотвод"),
        (6, 1),
        (8, 31),
        1.5,
    ),
)


def seed_default_rules(season_rule_model=None, category_model=None) -> int:
    """Create each default rule whose category exists and which has no rule of the same name
    yet; returns how many were created. Takes the models so that a migration can pass its
    historical ones."""
    if season_rule_model is None or category_model is None:
        from otklik.directory.models import Category

        from .models import SeasonRule

        season_rule_model, category_model = SeasonRule, Category
    created = 0
    for rule in DEFAULT_RULES:
        if season_rule_model.objects.filter(name=rule.name).exists():
            continue
        category = category_model.objects.filter(code__in=rule.codes).order_by("pk").first()
        for part in rule.name_contains:
            if category is not None:
                break
            category = (
                category_model.objects.filter(name__icontains=part, parent__isnull=True)
                .order_by("pk")
                .first()
                or category_model.objects.filter(name__icontains=part).order_by("pk").first()
            )
        if category is None:
            continue
        season_rule_model.objects.create(
            name=rule.name,
            category=category,
            start_month=rule.start[0],
            start_day=rule.start[1],
            end_month=rule.end[0],
            end_day=rule.end[1],
            weight=rule.weight,
        )
        created += 1
    return created
