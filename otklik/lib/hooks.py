"""Named, ordered callables that apps register at start-up (in their AppConfig.ready()).

A lower app offers a slot and calls what is registered in it; a higher app registers its
handler. So the core calls its consumers without importing them: the import goes one way,
from the consumer down to the slot. Registration is idempotent per name (ready() may run twice
under some test runners) and ordering is explicit (`order`, then the name), never the order of
INSTALLED_APPS. The entries are filled once per process at start-up and are the same in every
process, so they are configuration, not state between requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    func: Callable
    order: int
    when: frozenset[str] | None = None

    def applies_to(self, value: str) -> bool:
        return self.when is None or value in self.when


class Hooks:
    """A slot: callables registered by name, called in `order`, then by name."""

    def __init__(self, label: str):
        self.label = label
        self._entries: dict[str, Entry] = {}

    def __repr__(self) -> str:
        return f"<Hooks {self.label}: {', '.join(e.name for e in self.entries())}>"

    def register(
        self, name: str, func: Callable, *, order: int = 100, when: Iterable[str] | None = None
    ) -> None:
        self._entries[name] = Entry(name, func, order, frozenset(when) if when else None)

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def entries(self) -> list[Entry]:
        return sorted(self._entries.values(), key=lambda e: (e.order, e.name))

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    @contextmanager
    def replaced(self, entries: dict[str, Entry] | None = None) -> Iterator[Hooks]:
        """For tests: swap the entries for `entries` (none by default) and restore them after."""
        saved = self._entries
        self._entries = dict(entries or {})
        try:
            yield self
        finally:
            self._entries = saved
