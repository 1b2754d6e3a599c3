"""Every write to an appeal: one named function per action of the workflow.

Each runs in a transaction, locks the appeal row, checks the transition table
(`workflow.py`), applies its change and writes the AppealEvent in the same transaction.
Bad input raises ValidationError with a message for people; a forbidden action raises
PermissionDenied; an action the workflow does not allow raises IllegalTransition.
`actor=None` means the system itself (periodic jobs).

One module per stage of the lifecycle; this package re-exports their public names, so callers
write `from otklik.appeals import services` and `services.submit_appeal(...)`. The modules
import one another directly (`from .base import ...`), never from this package.
"""

from .aftercare import (
    RatingOutcome,
    close_appeal,
    close_unrated_answers,
    create_repeat_appeal,
    rate_answer,
    record_follow_up,
    reopen_appeal,
)
from .answers import AnswerVerdict, answer_checkers, publish_answer, return_answer, submit_answer
from .base import (
    MAX_TEXT,
    MIN_ANSWER_TEXT,
    MIN_POSTPONEMENT_REASON,
    MIN_REPEATED_POSTPONEMENT_REASON,
    required_text,
)
from .deadlines import decide_postponement, request_postponement
from .intake import filed_with_key, submit_appeal, support_appeal
from .moderation import (
    expire_clarifications,
    merge_appeal,
    provide_clarification,
    register_appeal,
    reject_appeal,
    request_clarification,
)
from .photos import discard_draft_photos, keep_draft_photos, process_photos, purge_draft_photos
from .records import (
    add_comment,
    forget_applicant_contacts,
    record_control_call,
    record_escalation,
    record_instruction,
)
from .routing import assign_appeal, delegate_appeal, redirect_appeal

__all__ = [
    "MAX_TEXT",
    "MIN_ANSWER_TEXT",
    "MIN_POSTPONEMENT_REASON",
    "MIN_REPEATED_POSTPONEMENT_REASON",
    "AnswerVerdict",
    "RatingOutcome",
    "add_comment",
    "answer_checkers",
    "assign_appeal",
    "close_appeal",
    "close_unrated_answers",
    "create_repeat_appeal",
    "decide_postponement",
    "delegate_appeal",
    "discard_draft_photos",
    "expire_clarifications",
    "filed_with_key",
    "forget_applicant_contacts",
    "keep_draft_photos",
    "merge_appeal",
    "process_photos",
    "provide_clarification",
    "publish_answer",
    "purge_draft_photos",
    "rate_answer",
    "record_control_call",
    "record_escalation",
    "record_follow_up",
    "record_instruction",
    "redirect_appeal",
    "register_appeal",
    "reject_appeal",
    "reopen_appeal",
    "request_clarification",
    "request_postponement",
    "required_text",
    "return_answer",
    "submit_answer",
    "submit_appeal",
    "support_appeal",
]
