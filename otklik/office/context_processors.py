"""What the office menu offers, decided by the same rules as the pages it links to, so that no
role is shown a link it would get 403 on (templates show, never decide)."""

from __future__ import annotations

from otklik.analytics.scope import RANKING_ROLES, REVIEW_ROLES


def menu(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # One query for the memberships; it also answers `user.roles()` (the roles context
    # processor runs after this one), so the menu costs no query of its own.
    memberships = list(user.memberships.all())
    if not hasattr(user, "_roles"):
        user._roles = {m.role for m in memberships}
    region_wide = {m.role for m in memberships if m.region_id}
    return {
        # The ranking and the weekly review are for who watches a whole region.
        "office_can_rank": user.is_superuser or bool(region_wide & RANKING_ROLES),
        "office_can_review_week": user.is_superuser or bool(region_wide & REVIEW_ROLES),
    }
