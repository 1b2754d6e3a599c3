"""Forgetting a person (152-ФЗ): each app blanks the personal data it keeps about an account.

accounts anonymises the User row itself (`services.anonymize_user`,
`services.anonymize_inactive_user`) and then calls every registered forgetter, in its caller's
transaction. The apps above accounts register theirs in their AppConfig.ready(), so accounts
imports none of them. A forgetter is `func(*, user, now, reason) -> int` (how many things it
forgot); `reason` is "deleted" (the holder deleted the account) or "inactive" (retention of an
unused account). Registered today:

| name          | owner         | on "deleted"                        | on "inactive"        |
|---------------|---------------|-------------------------------------|----------------------|
| notifications | notifications | pending letters go, sent ones blank | same                 |
| draft_photos  | appeals       | the person's draft photos go        | same                 |
| appeals       | appeals       | nothing (contacts stay on appeals)  | callers' contacts go |
| control_calls | control       | nothing                             | phones on calls go   |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Literal

from otklik.lib.hooks import Hooks

Reason = Literal["deleted", "inactive"]
REASONS: tuple[Reason, ...] = ("deleted", "inactive")

forgetters = Hooks("forget personal data")


def register(
    name: str, func: Callable, *, order: int = 100, reasons: Iterable[Reason] | None = None
) -> None:
    """Register a forgetter; with `reasons`, it runs only for those (all by default)."""
    forgetters.register(name, func, order=order, when=reasons)


def forget(*, user, now: datetime, reason: Reason) -> dict[str, int]:
    """Run every forgetter that applies to `reason`; what each one forgot, by name."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason to forget: {reason!r}")
    return {
        entry.name: entry.func(user=user, now=now, reason=reason)
        for entry in forgetters.entries()
        if entry.applies_to(reason)
    }
