"""Which closed appeals a call list left out, and why: the call list's page shows them, so that
a caller sees who could not be phoned (no number, anonymised, …) instead of silence.

Stored in the list's plan when it is drawn: `excluded` counts every reason, `skipped` keeps the
numbers of the first `SHOWN` appeals of each (numbers only, never a name or a phone).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.appeals.models import Appeal

SHOWN = 100


class Skip(models.TextChoices):
    NO_PHONE = "no_phone", _("no phone number: neither in the profile nor in the appeal")
    ANONYMIZED = "anonymized", _("the applicant's personal data is anonymised")
    APPLICANT_INACTIVE = "applicant_inactive", _("the applicant's account is deactivated")
    CALLED_RECENTLY = "called_recently", _("the person was called this quarter")
    ALREADY_IN_A_LIST = "already_in_a_list", _("the appeal is already in a call list")
    SAME_PERSON = "same_person", _("another appeal of the same person was chosen")


class Skips:
    """Counts per reason and the first appeals skipped for each."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.appeal_ids: defaultdict[str, list[int]] = defaultdict(list)

    def add(self, reason: Skip, appeal_id: int) -> None:
        self.counts[reason.value] += 1
        if len(self.appeal_ids[reason.value]) < SHOWN:
            self.appeal_ids[reason.value].append(appeal_id)

    def summary(self) -> str:
        """«Left out: …» with every reason and its count, or "" when nothing was."""
        parts = [
            f"{label} — {self.counts[value]}" for value, label in Skip.choices if self.counts[value]
        ]
        return str(_("Left out: %(reasons)s.")) % {"reasons": "; ".join(parts)} if parts else ""

    def as_plan(self) -> dict:
        """`excluded` (counts) and `skipped` (appeal numbers) for the list's plan."""
        ids = [pk for pks in self.appeal_ids.values() for pk in pks]
        numbers = dict(Appeal.objects.filter(pk__in=ids).values_list("pk", "number"))
        return {
            "excluded": dict(self.counts),
            "skipped": {
                reason: [numbers[pk] for pk in pks if pk in numbers]
                for reason, pks in self.appeal_ids.items()
            },
        }


def skipped_rows(plan: dict) -> list[tuple[str, int, list[str]]]:
    """(reason in words, how many, the first appeal numbers) for the page, in a fixed order."""
    counts = plan.get("excluded") or {}
    numbers = plan.get("skipped") or {}
    return [
        (str(label), counts[value], list(numbers.get(value) or []))
        for value, label in Skip.choices
        if counts.get(value)
    ]
