"""Every write of verification: follow-up questionnaires (control calls come with issue 5)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.appeals import services as appeals
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Resolution, Status
from otklik.notifications.services import greeting, notify

from .models import FollowUp

SALT = "otklik.control.follow-up"
# How far back a pass looks: appeals closed earlier than this window were missed for good
# (e.g. the job was off) and are not asked about months late.
WINDOW_DAYS = 30


class TokenExpired(Exception):
    """A genuine follow-up link whose time has passed."""


def make_token(follow_up: FollowUp) -> str:
    return signing.TimestampSigner(salt=SALT).sign(signing.b62_encode(follow_up.pk))


def read_token(token: str) -> FollowUp:
    """The questionnaire a link is for; raises TokenExpired, or FollowUp.DoesNotExist for a
    link that was never ours."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=timedelta(days=settings.FOLLOW_UP_LINK_DAYS))
    except signing.SignatureExpired as error:
        raise TokenExpired from error
    except signing.BadSignature as error:
        raise FollowUp.DoesNotExist from error
    try:
        pk = signing.b62_decode(value)
    except (ValueError, KeyError) as error:
        raise FollowUp.DoesNotExist from error
    return FollowUp.objects.select_related("appeal__category", "appeal__executor").get(pk=pk)


def follow_up_url(follow_up: FollowUp) -> str:
    return settings.SITE_URL + reverse("portal:follow_up", args=[make_token(follow_up)])


def due_for_follow_up(now: datetime):
    """Closed appeals that the answer called solved, closed FOLLOW_UP_AFTER_DAYS ago, whose
    applicant can be written to, not yet asked and not already repeated."""
    newest = now - timedelta(days=settings.FOLLOW_UP_AFTER_DAYS)
    return Appeal.objects.filter(
        status=Status.CLOSED,
        resolution=Resolution.SOLVED,
        closed_at__lte=newest,
        closed_at__gt=newest - timedelta(days=WINDOW_DAYS),
        applicant__isnull=False,
        applicant__is_active=True,
        applicant__anonymized_at__isnull=True,
        follow_up__isnull=True,
        repeats__isnull=True,
    )


def send_follow_ups(*, now: datetime | None = None, limit: int = 500) -> int:
    """Create the questionnaires that are due and queue their letters; returns how many."""
    now = now or timezone.now()
    sent = 0
    for appeal in due_for_follow_up(now).select_related("applicant", "category")[:limit]:
        with transaction.atomic():
            follow_up, created = FollowUp.objects.get_or_create(
                appeal=appeal, defaults={"applicant": appeal.applicant, "sent_at": now}
            )
            if not created:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Appeal %(number)s: has the problem stayed solved?") % {
                    "number": appeal.number
                }
                body = "\n\n".join(
                    [
                        greeting(appeal.applicant),
                        _(
                            "Some weeks ago your appeal %(number)s (%(category)s) was closed as "
                            "solved. Please tell us whether the result has lasted: it takes one "
                            "click, no login needed."
                        )
                        % {"number": appeal.number, "category": appeal.category or "—"},
                        follow_up_url(follow_up),
                        _("The link works once, for %(days)s days.")
                        % {"days": settings.FOLLOW_UP_LINK_DAYS},
                    ]
                )
            notify(recipient=appeal.applicant, subject=subject, body=body)
            sent += 1
    return sent


def answer_follow_up(
    *, follow_up: FollowUp, fix_lasted: bool, comment: str = "", now: datetime | None = None
) -> FollowUp:
    """Record the answer once; «no» opens a repeat appeal linked to the first."""
    now = now or timezone.now()
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.answered_at is not None:
            raise ValidationError(_("This questionnaire has already been answered."), code="used")
        follow_up.repeat = appeals.record_follow_up(
            appeal=follow_up.appeal, fix_lasted=fix_lasted, comment=comment, now=now
        )
        follow_up.answered_at = now
        follow_up.fix_lasted = fix_lasted
        follow_up.comment = (comment or "").strip()[: appeals.MAX_TEXT]
        follow_up.save()
    return follow_up
