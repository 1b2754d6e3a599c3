"""What a field team records at a point of its route: a problem (an appeal of the channel
«inspection», routed like any other), all in order (with a stored photo), no access (with the
reason); once per key, and only by the team or its supervisors."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.accounts.models import Role
from otklik.appeals import services as appeal_services
from otklik.appeals.models import PROACTIVE_CHANNELS, Appeal, AppealEvent, Channel
from otklik.appeals.outbox import process_outbox
from otklik.appeals.workflow import Action, Status
from otklik.inspections.models import InspectionPlan, InspectionPoint, InspectionVisit, PlanStop
from otklik.inspections.services.visits import may_record, record_visit
from tests.factories import staff
from tests.inspections.conftest import DAY, NOW

pytestmark = pytest.mark.django_db


def record(**options) -> InspectionVisit:
    options.setdefault("now", NOW)
    return record_visit(**options)


def jpeg(name="place.jpg", color=(120, 80, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def member(organization):
    return staff(Role.FIELD, organization, email="brigada@example.ru")


@pytest.fixture
def team(team_of, organization, member):
    team = team_of(organization, "Бригада 1")
    team.members.add(member)
    return team


@pytest.fixture
def stop_at(team, organization, point_at):
    """`stop_at(east, north)`: a point on the team's route today."""
    plan, _ = InspectionPlan.objects.get_or_create(organization=organization, day=DAY)

    def make(east=100, north=100, **extra):
        point = point_at(east, north, status=InspectionPoint.Status.PLANNED, **extra)
        sequence = plan.stops.count() + 1
        PlanStop.objects.create(
            plan=plan, point=point, team=team, sequence=sequence, eta=NOW + timedelta(hours=1)
        )
        return point

    return make


def test_a_problem_found_is_filed_as_an_inspection_appeal_at_the_point(
    stop_at, member, category, team
):
    point = stop_at()
    key = uuid.uuid4()
    visit = record(
        point=point,
        outcome="found",
        actor=member,
        idempotency_key=key,
        text="Провал асфальта у люка, глубина 10 см.",
        category=category,
        photos=[jpeg()],
        now=NOW,
    )
    appeal = visit.appeal
    assert appeal.channel == Channel.INSPECTION and appeal.channel in PROACTIVE_CHANNELS
    assert (appeal.latitude, appeal.longitude) == (point.latitude, point.longitude)
    assert appeal.address == point.address and appeal.municipality == point.municipality
    assert appeal.category == category and appeal.created_by == member
    assert appeal.attachments.count() == 1
    point.refresh_from_db()
    assert point.status == InspectionPoint.Status.CHECKED_FOUND
    assert point.result_appeal == appeal
    assert (point.checked_by, point.checked_at) == (member, NOW)
    assert (visit.from_status, visit.to_status) == ("planned", "checked_found")
    assert (visit.recorded_by, visit.recorded_at, visit.team) == (member, NOW, team)
    assert visit.idempotency_key == key


def test_the_inspection_appeal_is_routed_like_any_other(
    stop_at, member, category, operator, organization
):
    point = stop_at()
    visit = record(
        point=point,
        outcome="found",
        actor=member,
        idempotency_key=uuid.uuid4(),
        text="Разрушено покрытие тротуара.",
        category=category,
        now=NOW,
    )
    appeal = visit.appeal
    submitted = AppealEvent.objects.get(appeal=appeal, action=Action.SUBMIT)
    assert submitted.data["channel"] == Channel.INSPECTION
    process_outbox.call()
    submitted.refresh_from_db()
    assert submitted.processed_at is not None
    # In the operators' moderation queue, and sent on to an executor like any appeal.
    assert Appeal.objects.visible_to(operator).filter(pk=appeal.pk, status=Status.NEW).exists()
    appeal_services.register_appeal(appeal=appeal, actor=operator, executor=organization)
    appeal.refresh_from_db()
    assert appeal.executor == organization and appeal.status != Status.NEW
    # The field member follows what the team reported.
    assert Appeal.objects.visible_to(member).filter(pk=appeal.pk).exists()


def test_a_retry_with_the_same_key_returns_the_first_report(stop_at, member, category):
    point = stop_at()
    key = str(uuid.uuid4())
    options = {
        "point": point,
        "outcome": "found",
        "actor": member,
        "idempotency_key": key,
        "text": "Яма на проезжей части.",
        "category": category,
        "now": NOW,
    }
    first = record(**options, photos=[jpeg()])
    again = record(**options, photos=[jpeg()])
    assert again.pk == first.pk and again.appeal_id == first.appeal_id
    assert Appeal.objects.count() == 1 and InspectionVisit.objects.count() == 1
    # A new key for a point already checked is refused, never a second appeal.
    with pytest.raises(ValidationError) as refused:
        record(**{**options, "idempotency_key": uuid.uuid4()})
    assert refused.value.error_list[0].code == "settled"
    assert Appeal.objects.count() == 1


def test_all_in_order_keeps_the_photo_re_encoded(stop_at, member):
    point = stop_at()
    photo = jpeg()
    visit = record(
        point=point, outcome="ok", actor=member, idempotency_key=uuid.uuid4(), photos=[photo]
    )
    assert visit.appeal is None and visit.to_status == "checked_ok"
    stored = visit.photos.get()
    assert stored.file.name.startswith("inspections/") and stored.file.name.endswith(".jpg")
    with stored.file.open("rb") as handle:
        assert Image.open(handle).format == "JPEG"
    assert (stored.width, stored.height) == (64, 48)
    point.refresh_from_db()
    assert point.status == InspectionPoint.Status.CHECKED_OK
    assert Appeal.objects.count() == 0


def test_all_in_order_needs_a_photo_and_refuses_a_file_that_is_not_one(stop_at, member):
    point = stop_at()
    with pytest.raises(ValidationError):
        record(point=point, outcome="ok", actor=member, idempotency_key=uuid.uuid4())
    fake = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        record(point=point, outcome="ok", actor=member, idempotency_key=uuid.uuid4(), photos=[fake])
    assert InspectionVisit.objects.count() == 0


def test_no_access_keeps_the_reason(stop_at, member):
    point = stop_at()
    with pytest.raises(ValidationError):
        record(point=point, outcome="no_access", actor=member, idempotency_key=uuid.uuid4())
    visit = record(
        point=point,
        outcome="no_access",
        actor=member,
        idempotency_key=uuid.uuid4(),
        reason="Двор закрыт шлагбаумом, охрана не пустила.",
    )
    assert visit.note.startswith("Двор закрыт") and visit.to_status == "no_access"
    point.refresh_from_db()
    assert point.status == InspectionPoint.Status.NO_ACCESS


def test_only_the_team_and_its_supervisors_may_record(
    stop_at, member, team, organization, other_organization, executor
):
    point = stop_at()
    stranger = staff(Role.FIELD, other_organization, email="chuzhoy@example.ru")
    foreign_supervisor = staff(Role.SUPERVISOR, other_organization, email="boss2@example.ru")
    for outsider in (stranger, foreign_supervisor, executor):
        assert not may_record(outsider, team)
        with pytest.raises(PermissionDenied):
            record(
                point=point,
                outcome="no_access",
                actor=outsider,
                idempotency_key=uuid.uuid4(),
                reason="Закрыто.",
            )
    assert InspectionVisit.objects.count() == 0
    boss = staff(Role.SUPERVISOR, organization, email="boss@example.ru")
    assert may_record(boss, team) and may_record(member, team)
    visit = record(
        point=point,
        outcome="no_access",
        actor=boss,
        idempotency_key=uuid.uuid4(),
        reason="Закрыто.",
    )
    assert visit.recorded_by == boss


def test_a_point_off_the_route_or_not_today_is_refused(stop_at, point_at, member):
    loose = point_at(500, 500)
    with pytest.raises(ValidationError):
        record(
            point=loose,
            outcome="no_access",
            actor=member,
            idempotency_key=uuid.uuid4(),
            reason="Закрыто.",
        )
    point = stop_at()
    with pytest.raises(ValidationError):
        record(
            point=point,
            outcome="no_access",
            actor=member,
            idempotency_key=uuid.uuid4(),
            reason="Закрыто.",
            now=NOW + timedelta(days=3),
        )
    with pytest.raises(ValidationError):
        record(
            point=point,
            outcome="no_access",
            actor=member,
            idempotency_key="not-a-uuid",
            reason="Закрыто.",
        )
