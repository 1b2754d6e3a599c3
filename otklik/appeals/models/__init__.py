"""Appeals and everything that happens to them.

Writes go through `services`; reads of a user's appeals through `Appeal.objects.visible_to`
and `access.py`. `AppealEvent` is append-only: the audit log, the notification outbox and the
source of the KPIs.

The models live in four modules: `appeal` (the appeal and who may see it), `events` (its
history), `answers` (attachments, answers, postponements, ratings, supports) and `records`
(draft photos, number sequences, imports, the personal data access log). Migrations name
`attachment_path` and `draft_photo_path` here, so they stay importable from this package.
"""

from .answers import Answer, Attachment, Postponement, Rating, Support, attachment_path
from .appeal import (
    PROACTIVE_CHANNELS,
    TERRITORY_ROLES,
    Appeal,
    AppealQuerySet,
    Channel,
    organization_and_descendants,
    scope_q,
)
from .events import AppealEvent, AppealEventQuerySet
from .records import (
    AppealNumberSequence,
    DraftPhoto,
    ImportBatch,
    PersonalDataAccess,
    PersonalDataAccessQuerySet,
    draft_photo_path,
)

__all__ = [
    "PROACTIVE_CHANNELS",
    "TERRITORY_ROLES",
    "Answer",
    "Appeal",
    "AppealEvent",
    "AppealEventQuerySet",
    "AppealNumberSequence",
    "AppealQuerySet",
    "Attachment",
    "Channel",
    "DraftPhoto",
    "ImportBatch",
    "PersonalDataAccess",
    "PersonalDataAccessQuerySet",
    "Postponement",
    "Rating",
    "Support",
    "attachment_path",
    "draft_photo_path",
    "organization_and_descendants",
    "scope_q",
]
