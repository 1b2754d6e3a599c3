"""Instruction pages: the list with counts and filters, issuing one, and its page where the
organization reports and the issuing side accepts, returns or cancels."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from otklik.accounts.models import Role
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action, Status
from otklik.control import instructions as service
from otklik.control.models import Instruction
from tests.factories import staff

MSK = ZoneInfo("Europe/Moscow")
TEXT = "Проверить ямочный ремонт на улице Московской и доложить."
REPORT = "Яма заделана, фотография прилагается."


def jpeg(name="fact.jpg"):
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def in_days(days: int) -> date:
    return timezone.now().astimezone(MSK).date() + timedelta(days=days)


def make(actor, organization, days=5, text=TEXT, **kwargs):
    return service.issue_instruction(
        actor=actor, organization=organization, text=text, due_date=in_days(days), **kwargs
    )


def detail_url(instruction):
    return reverse("office:instruction", args=[instruction.pk])


@pytest.fixture
def issued(operator, organization):
    return make(operator, organization)


# ---------------------------------------------------------------------------- the list


def test_list_counts_and_scopes(
    client,
    operator,
    executor,
    other_org_executor,
    organization,
    other_organization,
    django_assert_max_num_queries,
):
    lipetsk = make(operator, organization)
    late = make(operator, organization, days=0, text=TEXT + " Срочно.")
    Instruction.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    reported = make(operator, organization, text=TEXT + " Второе.")
    service.report_instruction(actor=executor, instruction=reported, text=REPORT)
    yelets = make(operator, other_organization)
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("office:instructions"))
    assert response.status_code == 200
    assert response.context["counts"] == {"issued": 3, "reported": 1, "done": 0, "overdue": 1}
    assert {i.pk for i in response.context["page"].object_list} == {
        lipetsk.pk,
        late.pk,
        reported.pk,
        yelets.pk,
    }
    html = response.content.decode()
    assert "deadline-overdue" in html
    client.force_login(other_org_executor)
    response = client.get(reverse("office:instructions"))
    assert [i.pk for i in response.context["page"].object_list] == [yelets.pk]
    assert response.context["counts"]["issued"] == 1


def test_list_filters_and_garbage_filters(client, operator, organization, other_organization):
    first = make(operator, organization)
    second = make(operator, other_organization)
    Instruction.objects.filter(pk=second.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(operator)
    url = reverse("office:instructions")

    def shown(query):
        response = client.get(url, query)
        assert response.status_code == 200
        return [i.pk for i in response.context["page"].object_list]

    assert shown({"organization": organization.pk}) == [first.pk]
    assert shown({"overdue": "on"}) == [second.pk]
    assert shown({"state": "done"}) == []
    for garbage in (
        {"organization": "abc"},
        {"organization": "99999999999999999999"},
        {"state": "nope"},
        {"page": "-1"},
        {"page": "zzz"},
    ):
        assert client.get(url, garbage).status_code == 200


def test_list_query_count_does_not_grow(
    client, operator, organization, appeal_in, django_assert_max_num_queries
):
    appeal = appeal_in(Status.IN_PROGRESS)
    make(operator, organization, appeals=[appeal.number])
    client.force_login(operator)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("office:instructions"))
    for n in range(6):
        make(operator, organization, text=f"{TEXT} Пункт {n}.", appeals=[appeal.number])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("office:instructions"))


def test_citizens_get_403(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("office:instructions")).status_code == 403
    assert client.get(reverse("office:instruction_new")).status_code == 403


# ---------------------------------------------------------------------------- issuing


def test_issue_form_is_prefilled_from_the_appeal_and_limited_to_the_actors_organizations(
    client, municipal_operator, other_organization, organization
):
    client.force_login(municipal_operator)
    response = client.get(reverse("office:instruction_new"), {"appeal": "48-2026-000007"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["appeals"] == "48-2026-000007"
    assert list(form.fields["organization"].queryset) == [other_organization]


def test_executors_cannot_issue(client, executor):
    client.force_login(executor)
    assert client.get(reverse("office:instruction_new")).status_code == 403


def test_issue_about_an_appeal(client, operator, organization, appeal_in):
    appeal = appeal_in(Status.IN_PROGRESS)
    client.force_login(operator)
    response = client.post(
        reverse("office:instruction_new"),
        {
            "organization": organization.pk,
            "text": TEXT,
            "due_date": in_days(7).strftime("%d.%m.%Y"),
            "appeals": f" {appeal.number}, ",
            "address": "ул. Московская, 12",
            "latitude": "52.61",
            "longitude": "39.59",
        },
    )
    instruction = Instruction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(instruction)
    assert list(instruction.appeals.all()) == [appeal]
    assert instruction.latitude == 52.61
    assert AppealEvent.objects.filter(appeal=appeal, action=Action.INSTRUCT).exists()


def test_issue_errors_keep_what_was_typed(client, operator, organization):
    client.force_login(operator)
    url = reverse("office:instruction_new")
    response = client.post(
        url,
        {
            "organization": organization.pk,
            "text": TEXT,
            "due_date": in_days(1).isoformat(),
            "appeals": "48-2026-999999",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert TEXT in html
    assert "48-2026-999999" in html
    assert "Обращения 48-2026-999999 нет среди доступных вам" in html
    assert not Instruction.objects.exists()
    response = client.post(url, {"organization": organization.pk, "text": TEXT})
    assert "Укажите срок." in response.content.decode()
    past = {"organization": organization.pk, "text": TEXT, "due_date": in_days(-1).isoformat()}
    assert "Срок не может быть в прошлом" in client.post(url, past).content.decode()
    response = client.post(url, {"organization": organization.pk, "text": TEXT, "due_date": "x"})
    assert response.status_code == 200
    assert "Укажите срок датой" in response.content.decode()


def test_issue_garbage_never_breaks_the_page(client, operator, organization, other_organization):
    client.force_login(operator)
    url = reverse("office:instruction_new")
    for data in (
        {},
        {"organization": "abc", "text": TEXT, "due_date": "2026-02-30"},
        {"organization": "99999999999999999999", "text": TEXT, "due_date": "31.12.2099"},
        {"organization": organization.pk, "text": "x" * 6000, "due_date": "31.12.2099"},
        {
            "organization": organization.pk,
            "text": TEXT,
            "due_date": "31.12.2099",
            "latitude": "abc",
            "longitude": "1e999",
        },
        {"organization": organization.pk, "text": "коротко", "due_date": "31.12.2099"},
    ):
        assert client.post(url, data).status_code == 200
    assert not Instruction.objects.exists()


def test_a_double_submitted_issue_makes_one_instruction(client, operator, organization):
    client.force_login(operator)
    data = {"organization": organization.pk, "text": TEXT, "due_date": in_days(3).isoformat()}
    client.post(reverse("office:instruction_new"), data)
    client.post(reverse("office:instruction_new"), data)
    assert Instruction.objects.count() == 1


# ---------------------------------------------------------------------------- the page


def test_an_executor_of_another_organization_gets_404(client, issued, other_org_executor):
    client.force_login(other_org_executor)
    assert client.get(detail_url(issued)).status_code == 404
    assert client.post(detail_url(issued), {"action": "report"}).status_code == 404


def test_garbage_ids_are_404(client, operator):
    client.force_login(operator)
    for pk in ("0", "123456", "99999999999999999999999"):
        assert client.get(f"/office/instructions/{pk}/").status_code == 404


def test_the_executor_reports_and_the_issuer_accepts(client, issued, executor, operator):
    client.force_login(executor)
    page = client.get(detail_url(issued))
    assert page.context["can_report"] and not page.context["can_decide"]
    response = client.post(
        detail_url(issued),
        {"action": "report", "report-text": REPORT, "report-files": [jpeg()]},
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state == Instruction.State.REPORTED
    assert issued.attachments.count() == 1
    # A second click is harmless.
    again = client.post(detail_url(issued), {"action": "report", "report-text": REPORT})
    assert again.status_code == 302
    assert issued.events.filter(action="report").count() == 1
    client.force_login(operator)
    page = client.get(detail_url(issued))
    assert page.context["can_decide"]
    assert issued.attachments.get().file.url in page.content.decode()
    response = client.post(detail_url(issued), {"action": "accept"})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state == Instruction.State.DONE


def test_report_errors_keep_the_text(client, issued, executor):
    client.force_login(executor)
    fake = SimpleUploadedFile("fact.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        detail_url(issued), {"action": "report", "report-text": REPORT, "report-files": [fake]}
    )
    assert response.status_code == 200
    assert REPORT in response.content.decode()
    issued.refresh_from_db()
    assert issued.state == Instruction.State.ISSUED


def test_return_needs_a_comment(client, issued, executor, operator):
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    client.force_login(operator)
    response = client.post(detail_url(issued), {"action": "return"})
    assert response.status_code == 200
    assert "Напишите комментарий" in response.content.decode()
    response = client.post(
        detail_url(issued), {"action": "return", "decision-comment": "Нет фотографии."}
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state == Instruction.State.ISSUED
    assert issued.returns == 1


def test_cancel_and_then_nothing_more(client, issued, operator, executor):
    client.force_login(operator)
    response = client.post(detail_url(issued), {"action": "cancel"})
    assert response.status_code == 200
    response = client.post(
        detail_url(issued), {"action": "cancel", "cancel-comment": "Выдано по ошибке."}
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state == Instruction.State.CANCELLED
    client.force_login(executor)
    response = client.post(
        detail_url(issued), {"action": "report", "report-text": REPORT}, follow=True
    )
    assert "Действие уже недоступно" in response.content.decode()


def test_the_executor_cannot_decide_and_the_issuer_cannot_report(
    client, issued, executor, operator
):
    client.force_login(operator)
    response = client.post(detail_url(issued), {"action": "report", "report-text": REPORT})
    assert response.status_code == 403
    service.report_instruction(actor=executor, instruction=issued, text=REPORT)
    client.force_login(executor)
    assert client.post(detail_url(issued), {"action": "accept"}).status_code == 403
    assert client.post(detail_url(issued), {"action": "bogus"}).status_code == 302


def test_the_page_lists_appeals_history_and_a_supervisor_of_the_org_sees_it(
    client, operator, organization, appeal_in
):
    appeal = appeal_in(Status.IN_PROGRESS)
    instruction = make(operator, organization, appeals=[appeal.number])
    chief = staff(Role.SUPERVISOR, organization, email="chief@example.ru")
    client.force_login(chief)
    response = client.get(detail_url(instruction))
    html = response.content.decode()
    assert reverse("office:appeal", args=[appeal.number]) in html
    assert "выдано" in html.lower()
    assert response.context["can_report"]
    assert response.context["can_cancel"]  # a supervisor of the organization may instruct it


def test_deadline_colours():
    from otklik.office.instructions import deadline_class

    now = datetime(2026, 3, 10, 12, 0, tzinfo=MSK)
    i = Instruction(due_at=datetime(2026, 3, 10, 23, 59, 59, tzinfo=MSK))
    assert deadline_class(i, now, MSK) == "deadline-today"
    i.due_at = now + timedelta(days=2)
    assert deadline_class(i, now, MSK) == "deadline-soon"
    i.due_at = now + timedelta(days=10)
    assert deadline_class(i, now, MSK) == "deadline-ok"
    i.due_at = now - timedelta(hours=1)
    assert deadline_class(i, now, MSK) == "deadline-overdue"
