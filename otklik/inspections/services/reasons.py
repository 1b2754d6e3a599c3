"""Why a place is worth a look: the reason codes, their default weights and their texts.

A reason is stored on the point as a dict {code, text, weight, appeal_ids, incident_id,
instruction_id}; its text is rendered once, in the site's language (Russian), when the point is
proposed, so that the plan reads the same later whatever changes. Weights are the defaults of
INSPECTION_REASON_WEIGHTS (a setting may override any of them; season rules carry their own).
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

REPEAT = "repeat"
NOT_SOLVED = "not_solved"
LOW_RATING = "low_rating"
FOLLOW_UP_FAILED = "follow_up_failed"
CALL_FAILED = "control_call_failed"
DURABILITY = "durability"
SEASON = "season"
INCIDENT = "incident"
INSTRUCTION_REPORTED = "instruction_reported"
INSTRUCTION_DUE = "instruction_due"
FORECAST = "forecast"

WEIGHTS = {
    REPEAT: 2.0,
    NOT_SOLVED: 3.0,
    LOW_RATING: 2.0,
    FOLLOW_UP_FAILED: 3.0,
    CALL_FAILED: 3.0,
    DURABILITY: 3.0,
    SEASON: 1.5,  # the rule's own weight wins
    INCIDENT: 4.0,  # plus INCIDENT_PER_APPEAL per appeal, up to INCIDENT_EXTRA
    INSTRUCTION_REPORTED: 3.0,
    INSTRUCTION_DUE: 2.0,
    FORECAST: 1.0,
}
INCIDENT_PER_APPEAL = 0.2
INCIDENT_EXTRA = 2.0


def weight(code: str) -> float:
    overrides = getattr(settings, "INSPECTION_REASON_WEIGHTS", None) or {}
    return float(overrides.get(code, WEIGHTS[code]))


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return value.strftime("%d.%m.%Y")


def _number(value: float) -> str:
    """One decimal at most, in the active language's format (25,9 in Russian)."""
    value = round(value, 1)
    return formats.number_format(value, 0 if value == int(value) else 1)


def repeat(number: str, first: str) -> str:
    return _(
        "Repeat appeal %(number)s: the problem came back after appeal %(first)s was answered"
    ) % {"number": number, "first": first}


def not_solved(number: str) -> str:
    return _("Appeal %(number)s was answered as solved, but the applicant says «not solved»") % {
        "number": number
    }


def low_rating(number: str, score: int) -> str:
    return _(
        "Appeal %(number)s was answered as solved, but the applicant rated it %(score)s of 5"
    ) % {"number": number, "score": score}


def follow_up_failed(number: str) -> str:
    return _("Follow-up questionnaire on appeal %(number)s: the fix did not last") % {
        "number": number
    }


def call_failed(number: str) -> str:
    return _("Control call on appeal %(number)s: the applicant says the problem is not solved") % {
        "number": number
    }


def durability(number: str, closed: date | datetime) -> str:
    return _(
        "Work on appeal %(number)s was closed on %(date)s, and a new appeal of the same topic "
        "came within 100 m"
    ) % {"number": number, "date": _day(closed)}


def season(rule: str, number: str, category: str, closed: date | datetime) -> str:
    return _(
        "Season «%(season)s»: work on appeal %(number)s (%(category)s) was closed here on %(date)s"
    ) % {
        "season": rule,
        "number": number,
        "category": category,
        "date": _day(closed),
    }


def incident(title: str, count: int) -> str:
    return ngettext(
        "Active incident «%(title)s»: %(count)s appeal; look around the place",
        "Active incident «%(title)s»: %(count)s appeals; look around the place",
        count,
    ) % {"title": title, "count": count}


def instruction_reported(number: int) -> str:
    return _("Instruction No. %(number)s: execution reported, check it on site") % {
        "number": number
    }


def instruction_due(number: int, due: date | datetime) -> str:
    return _("Instruction No. %(number)s: due %(date)s, check the progress on site") % {
        "number": number,
        "date": _day(due),
    }


def forecast(group: str, expected: float, usual: float, count: int) -> str:
    return ngettext(
        "Forecast: more appeals than usual on «%(group)s» this week (about %(expected)s against "
        "%(usual)s); %(count)s such appeal came from here in the last year",
        "Forecast: more appeals than usual on «%(group)s» this week (about %(expected)s against "
        "%(usual)s); %(count)s such appeals came from here in the last year",
        count,
    ) % {"group": group, "expected": _number(expected), "usual": _number(usual), "count": count}


def more_nearby(text: str, count: int) -> str:
    return ngettext(
        "%(text)s (and %(count)s more nearby)", "%(text)s (and %(count)s more nearby)", count
    ) % {"text": text, "count": count}
