"""A field team at a point of its route: what it found, recorded once per report.

«Проблема найдена» files an appeal of the channel «inspection» through `submit_appeal`, like any
other channel, so it is routed like any other (pinned, auto-routed, moderated); the point links
to it and the problem is where the point is. «Всё в порядке» keeps a photo of the place, «нет
доступа» the reason. Every report carries the key its device made (a UUID): the device may send
it again after a lost answer or from its offline queue, and the second time returns what the
first one recorded, never a second appeal or visit.

Who may record: the team's members and the supervisors (and administrators) of its
organization, municipality or region.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Role
from otklik.appeals import services as appeal_services
from otklik.appeals.models import Channel, organization_and_descendants
from otklik.directory.models import Category
from otklik.lib.file_writes import delete_unless_committed

from ..models import FieldTeam, InspectionPoint, InspectionVisit, PlanStop, VisitPhoto

Outcome = InspectionVisit.Outcome
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
STATUS_OF = {
    Outcome.FOUND: InspectionPoint.Status.CHECKED_FOUND,
    Outcome.OK: InspectionPoint.Status.CHECKED_OK,
    Outcome.NO_ACCESS: InspectionPoint.Status.NO_ACCESS,
}
MIN_REASON = 3
# A report queued offline late in the evening may arrive after midnight.
LATE_DAYS = 1


def may_record(user, team: FieldTeam) -> bool:
    """Whether `user` may record visits on `team`'s route."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or team.members.filter(pk=user.pk).exists():
        return True
    organization = team.organization
    for m in user.memberships.all():
        if m.role not in SUPERVISING:
            continue
        if m.region_id and m.region_id == organization.region_id:
            return True
        if m.municipality_id and m.municipality_id == team.municipality_id:
            return True
        if m.organization_id and organization.pk in organization_and_descendants(
            {m.organization_id}
        ):
            return True
    return False


def team_today(team: FieldTeam, now: datetime | None = None):
    """Today in the region of the team's organization."""
    zone = ZoneInfo(team.organization.region.time_zone)
    return (now or timezone.now()).astimezone(zone).date()


def route_stop(point: InspectionPoint) -> PlanStop | None:
    """The point's place on a team's route (None when no team has it)."""
    return (
        PlanStop.objects.filter(point=point, team__isnull=False)
        .select_related("team__organization__region", "plan")
        .first()
    )


def parse_key(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(_("The report has no valid key."), code="key") from exc


def record_visit(
    *,
    point: InspectionPoint,
    outcome: str,
    actor,
    idempotency_key,
    text: str = "",
    category: Category | None = None,
    reason: str = "",
    photos: Sequence = (),
    now: datetime | None = None,
) -> InspectionVisit:
    """Record what the team found at `point`; a retry with the same key returns the first
    visit. Raises PermissionDenied for someone outside the team, ValidationError for a report
    that cannot be recorded (with a message for the team)."""
    key = parse_key(idempotency_key)
    if (earlier := InspectionVisit.objects.filter(idempotency_key=key).first()) is not None:
        if earlier.point_id != point.pk:
            raise ValidationError(_("This key belongs to another report."), code="key")
        return earlier
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose what you found."), code="outcome")
    stop = route_stop(point)
    if stop is None:
        raise ValidationError(_("The point is not on a team's route."), code="route")
    team = stop.team
    if not may_record(actor, team):
        raise PermissionDenied
    now = now or timezone.now()
    today = team_today(team, now)
    if not (today - timedelta(days=LATE_DAYS) <= point.day <= today):
        raise ValidationError(_("The point is not on today's route."), code="day")
    text, reason = text.strip(), reason.strip()
    if outcome == Outcome.FOUND:
        appeal_services.required_text(text, minimum=1, message=_("Describe the problem."))
        if category is None:
            raise ValidationError(_("Choose the category of the problem."), code="category")
    elif outcome == Outcome.OK:
        if not photos:
            raise ValidationError(_("Take a photo of the place."), code="photo")
    elif len(reason) < MIN_REASON:
        raise ValidationError(_("Say why there was no access."), code="reason")
    processed = [] if outcome == Outcome.FOUND else appeal_services.process_photos(photos)

    with transaction.atomic():
        point = InspectionPoint.objects.select_for_update().get(pk=point.pk)
        earlier = InspectionVisit.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            return earlier
        if point.status in STATUS_OF.values():
            raise ValidationError(
                _("The point is already checked: %(status)s.")
                % {"status": point.get_status_display()},
                code="settled",
            )
        appeal = None
        if outcome == Outcome.FOUND:
            appeal = appeal_services.submit_appeal(
                region=team.organization.region,
                text=text,
                channel=Channel.INSPECTION,
                category=category,
                municipality=point.municipality,
                latitude=point.latitude,
                longitude=point.longitude,
                address=point.address,
                photos=photos,
                created_by=actor,
                idempotency_key=str(key),
                attributes={"inspection_point": point.pk},
                now=now,
            )
        visit = InspectionVisit(
            point=point,
            team=team,
            outcome=outcome,
            note=text if outcome == Outcome.FOUND else reason,
            appeal=appeal,
            idempotency_key=key,
            from_status=point.status,
            to_status=STATUS_OF[outcome],
            recorded_by=actor,
            recorded_at=now,
        )
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError:
            # The same report arrived twice at once: the other request recorded it.
            return InspectionVisit.objects.get(idempotency_key=key)
        for photo in processed:
            stored = VisitPhoto(
                visit=visit,
                size=photo.size,
                width=photo.width,
                height=photo.height,
                sha256=photo.sha256,
            )
            stored.file.save(photo.sha256, ContentFile(photo.content), save=False)
            delete_unless_committed(stored.file)
            stored.save()
        point.status = STATUS_OF[outcome]
        point.checked_at = now
        point.checked_by = actor
        if appeal is not None:
            point.result_appeal = appeal
        point.save(update_fields=["status", "checked_at", "checked_by", "result_appeal"])
    return visit
