"""The appeals of the demo history while they are generated: plain objects with what
`appeals/services/` would have set on the rows, turned into rows by `bulk.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from otklik.appeals import workflow
from otklik.appeals.workflow import Action, Status

from .geography import Place, address_of, locality_of

# (status, action) → next status, straight from the workflow's table.
NEXT: dict[tuple[str, str], str] = {("", Action.SUBMIT.value): Status.NEW.value}
for _status in Status.values:
    for _action in Action.values:
        if _action != Action.SUBMIT and workflow.is_allowed(_status, _action):
            NEXT[(_status, _action)] = workflow.next_status(_status, _action).value


class Later(Exception):
    """The next step of an appeal would happen after `now`: it has not happened yet."""


@dataclass(eq=False)
class Draft:
    """An appeal being generated, with everything services would have set on it."""

    seq: int
    created_at: datetime
    unit: Unit
    group: object
    topic: object
    place: Place
    has_point: bool
    channel: str
    applicant: int | None = None
    created_by: int | None = None
    text: str = ""
    is_public: bool = True
    repeat_of: Draft | None = None
    duplicate_of: Draft | None = None
    merge_into: Draft | None = None
    depth: int = 0
    pinned: bool = False
    external_id: str = ""
    status: str = ""
    resolution: str = ""
    executor: object = None
    rejection_reason: int | None = None
    registration_due_at: datetime | None = None
    clarification_due_at: datetime | None = None
    registered_at: datetime | None = None
    redirection_due_at: datetime | None = None
    original_due_at: datetime | None = None
    due_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    events: list = field(default_factory=list)
    serial: int = 0  # order of generation: breaks ties of equal times
    id: int = 0
    number: str = ""


@dataclass(eq=False, slots=True)
class AnswerDraft:
    draft: Draft
    organization: int
    author: int
    text: str
    resolution: str
    submitted_at: datetime
    is_formal: bool
    formal_reasons: list
    state: str = "review"
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None
    review_comment: str = ""
    rework_reasons: list = field(default_factory=list)
    id: int = 0


@dataclass(eq=False, slots=True)
class PostponementDraft:
    draft: Draft
    requested_by: int
    requested_at: datetime
    previous_due_at: datetime
    requested_due_at: datetime
    reason: str
    is_repeated: bool
    state: str = "pending"
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_comment: str = ""
    id: int = 0


@dataclass(eq=False, slots=True)
class RatingDraft:
    draft: Draft
    applicant: int
    score: int
    is_solved: bool
    comment: str
    created_at: datetime
    id: int = 0


@dataclass(eq=False)
class Unit:
    """A municipality as the generator sees it: where its people live and write from."""

    municipality: object
    spec: object
    words: object
    places: list[Place]
    residents: list[int]
    weight: float


def rates(q: float) -> dict[str, float]:
    """How an executor of discipline `q` (0 poor … 1 exemplary) works its appeals."""
    slack = 1 - q
    return {
        "late": 0.02 + 0.45 * slack**2,
        "postpone": 0.02 + 0.2 * slack,
        "postpone_again": 0.05 + 0.55 * slack**2,
        "formal": 0.03 + 0.3 * slack**1.5,
        "rework": 0.02 + 0.08 * slack,
        "solved": 0.5 + 0.45 * q,
        "stuck": 0.001 + 0.03 * slack**3,
        "reopen": 0.003 + 0.025 * slack**2,
    }


def appeal_point(d: Draft) -> tuple[float | None, float | None, str]:
    """Latitude, longitude and address stored on the appeal; without a point, the address is
    the settlement's, so every demo appeal carries one (Open311's `address`)."""
    if not d.has_point:
        return None, None, locality_of(d.unit.spec, d.place)
    return d.place.lat, d.place.lon, address_of(d.unit.spec, d.place)
