"""The office menu's «Inspections» link: shown to whoever has field teams to plan, by the same
rule as the pages (otklik/inspections/access.py), so nobody is shown a link they get 403 on."""

from __future__ import annotations

from django import template

from otklik.inspections import access

register = template.Library()


@register.simple_tag
def can_plan_inspections(user) -> bool:
    return access.can_plan(user)
