"""The periodic jobs: each app registers its own in AppConfig.ready(), `manage.py run_periodic`
(ops) runs them.

A job is func() -> int (how many things it did) under a result key; `run_once` calls every job
in `order` (then by key) and returns {key: count}. The order is part of the contract
(tests/test_periodic_registry.py): stale tasks are recovered first (0), before anything new is
queued. A job that raises aborts the pass, as before the registry: the command logs it and the
next pass runs everything again (every job is safe to repeat).
"""

from __future__ import annotations

from collections.abc import Callable

from .hooks import Hooks

jobs = Hooks("periodic job")  # func() -> int


def register(key: str, func: Callable[[], int], *, order: int) -> None:
    jobs.register(key, func, order=order)


def run_once() -> dict[str, int]:
    return {job.name: job.func() for job in jobs.entries()}
