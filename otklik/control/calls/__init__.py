"""Control calls (контрольные звонки, обзвон): drawing call lists, the caller's attempts and
outcomes, and what a failed check sets off (a repeat appeal, an instruction).

Sampling, in short (docs/verification.md has the long version):

* Candidates: appeals of the region (or one municipality) closed in the last `days` days, not
  rejected nor merged as duplicates, whose applicant can be phoned (`User.phone`, or the
  appeal's `contact_phone` for appeals entered by staff on a caller's behalf) and is active and not
  anonymized; not already in any call list, the person not waiting in a pending call and not
  called (any list, any state) in the last quarter (`QUARTER_DAYS`). A person is recognised by
  the account and by the digits of the phone number, and is put at most once into a list.
* Strata: the week's top root categories (`TOP_CATEGORIES`, by number of candidates; the rest
  pooled as «other categories») × municipalities. `size` is allocated across strata in
  proportion to their candidates by the largest-remainder method; every stratum of a top
  category gets at least one call while the size allows (largest strata first).
* Within a stratum: weighted sampling without replacement (Efraimidis–Spirakis keys
  u^(1/w) from a generator seeded with the list's seed and the stratum), the weight being the
  product of the `WEIGHTS` factors that apply to the appeal.

The seed, the weights, the strata and the exclusion counts are stored in `CallList.plan`, so a
list can be explained and redrawn.

The package: access.py (who may what, phone numbers), candidates.py (who may be called,
weights, strata), drawing.py (call lists), calling.py (attempts and outcomes). Import the names
from here; the modules import one another, never this package.
"""

from __future__ import annotations

from .access import (
    CALL_ROLES,
    CALLER_ROLES,
    DRAW_ROLES,
    call_lists_visible_to,
    calls_visible_to,
    can_draw,
    can_record,
    drawable_scope,
    phone_key,
)
from .calling import (
    FAILED_ATTEMPTS,
    FINAL_BY_ATTEMPT,
    INSTRUCTION_WORKING_DAYS,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    Attempt,
    State,
    forget_caller_phones,
    forget_phones,
    record_attempt,
    register_forgetters,
    take_call,
)
from .candidates import LOW_SCORE, QUARTER_DAYS, WEIGHTS, Candidate, allocate, weighted_sample
from .drawing import (
    DUPLICATE_WINDOW,
    MAX_DAYS,
    MAX_SIZE,
    MIN_DAYS,
    MIN_SIZE,
    OTHER,
    TOP_CATEGORIES,
    _title,
    draw_call_list,
    draw_weekly,
    week_key,
)

__all__ = [
    "CALLER_ROLES",
    "CALL_ROLES",
    "DRAW_ROLES",
    "DUPLICATE_WINDOW",
    "FAILED_ATTEMPTS",
    "FINAL_BY_ATTEMPT",
    "INSTRUCTION_WORKING_DAYS",
    "LOW_SCORE",
    "MAX_ATTEMPTS",
    "MAX_DAYS",
    "MAX_SIZE",
    "MIN_DAYS",
    "MIN_SIZE",
    "OTHER",
    "QUARTER_DAYS",
    "RETRY_DELAYS",
    "TOP_CATEGORIES",
    "WEIGHTS",
    "Attempt",
    "Candidate",
    "State",
    "_title",
    "allocate",
    "call_lists_visible_to",
    "calls_visible_to",
    "can_draw",
    "can_record",
    "draw_call_list",
    "draw_weekly",
    "drawable_scope",
    "forget_caller_phones",
    "forget_phones",
    "phone_key",
    "record_attempt",
    "register_forgetters",
    "take_call",
    "week_key",
    "weighted_sample",
]
