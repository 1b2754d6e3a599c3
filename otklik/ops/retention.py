"""Retention (152-ФЗ): personal data is kept no longer than its purpose needs, and technical
records no longer than they are useful.

* A citizen's account unused for RETENTION_INACTIVE_DAYS — no login, no appeal filed or
  closed, no follow-up answered, no API key used in that time — and without open appeals is
  anonymised (`accounts.services.anonymize_inactive_user`): name, e-mail, phone and password
  go, the account is closed; the caller's contacts kept on their appeals and control calls are
  blanked, with an event by the system in each appeal's history. Staff accounts are never
  touched: an administrator closes them.
* Appeals of accounts anonymised earlier (deleted by their holder) that still carry a caller's
  contacts lose them the same way.
* Finished background task results older than TASK_RESULTS_KEEP_DAYS and expired sessions are
  deleted. (Idempotency keys and unsent draft photos are purged by run_periodic already.)

Every step selects only what is still to do, so a second run finds nothing: idempotent.
`run_periodic` calls `run_daily`, which runs once a day across all machines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from otklik.accounts import services as accounts
from otklik.accounts.models import ApiToken, Membership, User
from otklik.appeals import services as appeals
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import OPEN_STATUSES
from otklik.control.models import FollowUp

log = logging.getLogger(__name__)

DAILY_KEY = "otklik:retention:{day}"


@dataclass
class Counts:
    accounts_anonymised: int = 0
    appeals_cleared: int = 0
    task_results_deleted: int = 0
    sessions_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def inactive_citizens(cutoff: datetime) -> QuerySet[User]:
    """Citizens' accounts with no sign of use since `cutoff` and no open appeal."""
    user = OuterRef("pk")
    own = Appeal.objects.filter(applicant=user)
    return (
        User.objects.filter(anonymized_at__isnull=True, is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(Membership.objects.filter(user=user)))
        .exclude(Exists(own.filter(status__in=OPEN_STATUSES)))
        .exclude(Exists(own.filter(Q(created_at__gte=cutoff) | Q(closed_at__gte=cutoff))))
        .exclude(Exists(FollowUp.objects.filter(applicant=user, answered_at__gte=cutoff)))
        .exclude(Exists(ApiToken.objects.filter(user=user, last_used_at__gte=cutoff)))
    )


def contacts_left() -> QuerySet[Appeal]:
    """Appeals of anonymised accounts that still carry a caller's contacts."""
    return Appeal.objects.filter(applicant__anonymized_at__isnull=False).exclude(
        contact_name="", contact_phone="", contact_email=""
    )


def _finished_task_results(now: datetime):
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return None
    from django_tasks_db.models import DBTaskResult

    cutoff = now - timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    return DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff)


def _expired_sessions(now: datetime):
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return None
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=now)


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> Counts:
    """One pass of every retention rule; with dry_run, only the counts of what it would do."""
    now = now or timezone.now()
    counts = Counts()
    days = settings.RETENTION_INACTIVE_DAYS
    if days > 0:
        cutoff = now - timedelta(days=days)
        candidates = list(inactive_citizens(cutoff).values_list("pk", flat=True))
        if dry_run:
            counts.accounts_anonymised = len(candidates)
            counts.appeals_cleared = Appeal.objects.filter(applicant__in=candidates).count()
        for pk in [] if dry_run else candidates:
            with transaction.atomic():
                # Checked again under the row's lock: the person may have logged in meanwhile.
                user = inactive_citizens(cutoff).filter(pk=pk).select_for_update().first()
                if user is None:
                    continue
                counts.appeals_cleared += accounts.anonymize_inactive_user(user=user, now=now)
                counts.accounts_anonymised += 1
    left = contacts_left()
    if dry_run:
        counts.appeals_cleared += left.count()
    else:
        for appeal in left.order_by("pk"):
            appeals.forget_applicant_contacts(appeal=appeal, now=now)
            counts.appeals_cleared += 1
    for name, queryset in (
        ("task_results_deleted", _finished_task_results(now)),
        ("sessions_deleted", _expired_sessions(now)),
    ):
        if queryset is None:
            continue
        found = queryset.count() if dry_run else queryset.delete()[0]
        setattr(counts, name, found)
    return counts


def run_daily(now: datetime | None = None) -> int:
    """`apply_retention` once a calendar day (the first periodic pass of the day, on any
    machine, takes it); returns the number of accounts anonymised. A failure is logged and the
    next pass tries again, without stopping the other periodic jobs."""
    now = now or timezone.now()
    key = DAILY_KEY.format(day=timezone.localdate(now).isoformat())
    if not cache.add(key, "1", timeout=2 * 24 * 3600):
        return 0
    try:
        return apply_retention(now=now).accounts_anonymised
    except Exception:
        log.exception("retention pass failed")
        cache.delete(key)
        return 0
