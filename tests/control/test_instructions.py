"""Instruction services: who may issue to whom, what is checked, every transition, the letters
and the entries in the appeals' history."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.accounts.models import Role
from otklik.analytics import listeners
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action, IllegalTransition, Status
from otklik.control import instructions as service
from otklik.control.models import Instruction, InstructionEvent
from otklik.notifications.models import Notification
from tests.factories import OrganizationFactory, staff

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=MSK)
TEXT = "Проверить ямочный ремонт на улице Московской и доложить."
REPORT = "Яма заделана 11.03.2026, фотография прилагается."


def jpeg(name="fact.jpg"):
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def issue(actor, organization, **kwargs):
    options = {"text": TEXT, "due_date": date(2026, 3, 20), "now": NOW}
    options.update(kwargs)
    return service.issue_instruction(actor=actor, organization=organization, **options)


@pytest.fixture
def org_supervisor(organization):
    return staff(Role.SUPERVISOR, organization, email="chief@example.ru")


@pytest.fixture
def subordinate(region, municipality, organization):
    return OrganizationFactory(
        region=region, municipality=municipality, parent=organization, name="Участок №1"
    )


# ---------------------------------------------------------------------------- who may issue


@pytest.mark.parametrize("who", ["operator", "leadership", "supervisor", "admin_user"])
def test_territory_roles_and_superuser_may_issue(request, who, organization):
    actor = request.getfixturevalue(who)
    instruction = issue(actor, organization)
    assert instruction.state == Instruction.State.ISSUED
    assert instruction.issued_by == actor


@pytest.mark.parametrize("who", ["executor", "caller", "citizen", "municipal_operator"])
def test_others_may_not_issue(request, who, organization):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        issue(actor, organization)
    assert not Instruction.objects.exists()


def test_organization_supervisor_issues_to_own_and_subordinate_only(
    org_supervisor, organization, subordinate, other_organization
):
    assert issue(org_supervisor, organization).organization == organization
    assert issue(org_supervisor, subordinate, text=TEXT + " Участок.").organization == subordinate
    with pytest.raises(PermissionDenied):
        issue(org_supervisor, other_organization)
    choices = set(service.instructable_organizations(org_supervisor))
    assert choices == {organization, subordinate}


def test_municipal_operator_issues_within_the_municipality(
    municipal_operator, other_organization, organization
):
    assert issue(municipal_operator, other_organization).organization == other_organization
    assert set(service.instructable_organizations(municipal_operator)) == {other_organization}


def test_inactive_organization_cannot_be_instructed(operator, organization):
    organization.is_active = False
    organization.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        issue(operator, organization)


# ---------------------------------------------------------------------------- validation


def test_short_text_is_refused(operator, organization):
    with pytest.raises(ValidationError, match="не короче 10"):
        issue(operator, organization, text="Сделать")


def test_deadline_in_the_past_is_refused_today_is_allowed(operator, organization):
    with pytest.raises(ValidationError, match="прошлом"):
        issue(operator, organization, due_date=date(2026, 3, 9))
    instruction = issue(operator, organization, due_date=date(2026, 3, 10))
    assert instruction.due_at == datetime(2026, 3, 10, 23, 59, 59, tzinfo=MSK)


def test_half_a_point_is_refused(operator, organization):
    with pytest.raises(ValidationError):
        issue(operator, organization, latitude=52.6)


def test_unknown_and_invisible_appeals_are_named_the_same_way(
    appeal_in, municipal_operator, other_organization
):
    appeal = appeal_in(Status.IN_PROGRESS)  # in Lipetsk, out of the Yelets operator's sight
    with pytest.raises(ValidationError) as unseen:
        issue(municipal_operator, other_organization, appeals=[appeal.number])
    with pytest.raises(ValidationError) as missing:
        issue(municipal_operator, other_organization, appeals=["48-2026-999999"])
    assert appeal.number in unseen.value.messages[0]
    assert unseen.value.messages[0].replace(appeal.number, "N") == missing.value.messages[
        0
    ].replace("48-2026-999999", "N")
    assert not Instruction.objects.exists()


def test_parse_numbers_accepts_spaces_and_commas():
    assert service.parse_numbers(" 48-1, 48-2;48-3\n48-1 ") == ["48-1", "48-2", "48-3"]
    assert service.parse_numbers("") == []


# ---------------------------------------------------------------------------- issue


def test_issue_writes_history_on_appeals_and_letters_to_the_organization(
    appeal_in, operator, organization, executor, org_supervisor, other_org_executor
):
    first = appeal_in(Status.IN_PROGRESS)
    second = appeal_in(Status.CLOSED)
    instruction = issue(operator, organization, appeals=[first.number, second])
    assert set(instruction.appeals.all()) == {first, second}
    for appeal in (first, second):
        event = AppealEvent.objects.filter(appeal=appeal, action=Action.INSTRUCT).get()
        assert event.data["instruction_id"] == instruction.pk
        assert not event.is_public
    first.refresh_from_db()
    assert first.status == Status.IN_PROGRESS
    assert [e.action for e in instruction.events.all()] == [InstructionEvent.Action.ISSUE]
    letters = Notification.objects.filter(subject__startswith=f"Поручение № {instruction.pk}")
    assert {n.recipient for n in letters} == {executor, org_supervisor}
    assert f"/office/instructions/{instruction.pk}/" in letters[0].body


def test_a_double_submit_gives_one_instruction(operator, organization):
    first = issue(operator, organization)
    second = issue(operator, organization, now=NOW + timedelta(seconds=2))
    assert first == second
    assert Instruction.objects.count() == 1


# ---------------------------------------------------------------------------- transitions


@pytest.fixture
def issued(operator, organization):
    return issue(operator, organization)


def test_report_with_a_photo_goes_to_the_issuer(issued, executor, operator):
    service.report_instruction(
        actor=executor, instruction=issued, text=REPORT, files=[jpeg()], now=NOW
    )
    issued.refresh_from_db()
    assert issued.state == Instruction.State.REPORTED
    assert issued.reported_by == executor
    assert issued.reported_at == NOW
    assert issued.attachments.get().content_type == "image/jpeg"
    assert Notification.objects.filter(recipient=operator).exists()
    assert issued.events.last().action == InstructionEvent.Action.REPORT


def test_only_members_of_the_organization_report(issued, other_org_executor, operator):
    for actor in (other_org_executor, operator):
        with pytest.raises(PermissionDenied):
            service.report_instruction(actor=actor, instruction=issued, text=REPORT)


def test_a_report_needs_text_and_real_files(issued, executor):
    with pytest.raises(ValidationError):
        service.report_instruction(actor=executor, instruction=issued, text="ok")
    fake = SimpleUploadedFile("fact.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        service.report_instruction(actor=executor, instruction=issued, text=REPORT, files=[fake])
    issued.refresh_from_db()
    assert issued.state == Instruction.State.ISSUED


def test_accept_completes_as_of_the_report(issued, executor, leadership):
    service.report_instruction(actor=executor, instruction=issued, text=REPORT, now=NOW)
    service.accept_instruction(actor=leadership, instruction=issued, now=NOW + timedelta(days=1))
    issued.refresh_from_db()
    assert issued.state == Instruction.State.DONE
    assert issued.completed_at == NOW
    assert issued.accepted_by == leadership
    assert not issued.is_overdue(NOW + timedelta(days=100))


def test_return_needs_a_comment_and_counts(issued, executor, operator):
    service.report_instruction(actor=executor, instruction=issued, text=REPORT, now=NOW)
    with pytest.raises(ValidationError):
        service.return_instruction(actor=operator, instruction=issued, comment="")
    service.return_instruction(
        actor=operator, instruction=issued, comment="Нет фотографии результата."
    )
    issued.refresh_from_db()
    assert issued.state == Instruction.State.ISSUED
    assert issued.returns == 1
    assert Notification.objects.filter(recipient=executor, subject__contains="возвращён").exists()
    # and it can be reported again
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    issued.refresh_from_db()
    assert issued.state == Instruction.State.REPORTED


def test_cancel_needs_a_comment_and_closes_it(issued, operator):
    with pytest.raises(ValidationError):
        service.cancel_instruction(actor=operator, instruction=issued, comment=" ")
    service.cancel_instruction(actor=operator, instruction=issued, comment="Выдано по ошибке.")
    issued.refresh_from_db()
    assert issued.state == Instruction.State.CANCELLED
    assert not issued.is_overdue(NOW + timedelta(days=100))


def test_steps_out_of_order_are_illegal(issued, executor, operator):
    with pytest.raises(IllegalTransition):
        service.accept_instruction(actor=operator, instruction=issued)
    with pytest.raises(IllegalTransition):
        service.return_instruction(actor=operator, instruction=issued, comment="Не то сделано.")
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    with pytest.raises(IllegalTransition):
        service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    service.accept_instruction(actor=operator, instruction=issued)
    with pytest.raises(IllegalTransition):
        service.cancel_instruction(actor=operator, instruction=issued, comment="Поздно уже.")


def test_the_executing_side_cannot_decide(issued, executor, other_org_executor):
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    for actor in (executor, other_org_executor):
        with pytest.raises(PermissionDenied):
            service.accept_instruction(actor=actor, instruction=issued)
        with pytest.raises(PermissionDenied):
            service.cancel_instruction(actor=actor, instruction=issued, comment="Не нужно.")


def test_every_step_leaves_an_event(issued, executor, operator):
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    service.return_instruction(actor=operator, instruction=issued, comment="Нет фото.")
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    service.accept_instruction(actor=operator, instruction=issued)
    A = InstructionEvent.Action
    assert [e.action for e in issued.events.all()] == [
        A.ISSUE,
        A.REPORT,
        A.RETURN,
        A.REPORT,
        A.ACCEPT,
    ]


# ---------------------------------------------------------------------------- visibility


def test_visibility(
    operator,
    municipal_operator,
    supervisor,
    leadership,
    executor,
    other_org_executor,
    caller,
    citizen,
    admin_user,
    organization,
    other_organization,
    subordinate,
):
    lipetsk = issue(operator, organization)
    yelets = issue(operator, other_organization)
    below = issue(operator, subordinate)
    chief = staff(Role.SUPERVISOR, organization, email="chief2@example.ru")

    def seen(user):
        return set(service.instructions_visible_to(user))

    assert seen(operator) == seen(leadership) == seen(admin_user) == {lipetsk, yelets, below}
    assert seen(municipal_operator) == {yelets}
    assert seen(supervisor) == {lipetsk, below}  # the Lipetsk municipality
    assert seen(executor) == {lipetsk}
    assert seen(other_org_executor) == {yelets}
    assert seen(chief) == {lipetsk, below}
    assert seen(caller) == seen(citizen) == set()


def test_the_kpi_rollups_listen_to_every_step_of_an_instruction():
    assert [(e.name, e.func) for e in service.instruction_listeners.entries()] == [
        ("analytics.rollups", listeners.refresh_instructions)
    ]
