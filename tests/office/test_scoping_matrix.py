"""Every office page × every role: who gets the page (200, or a redirect to where their day
starts), who is refused (403), who cannot tell an object exists (404), and who must log in.

The world: a new appeal and an appeal in work in Липецк (organization «ДДХиБ»), an answer under
review and a pending postponement there, and an instruction to that organization; the roles are
the cast of tests/conftest.py plus a field team member. A municipal operator of Елец, an executor
of Елец's organization, a caller and a field member see none of those objects.
"""

import pytest
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.models import PersonalDataAccess
from otklik.appeals.workflow import Status
from otklik.control.instructions import issue_instruction
from tests.factories import staff

OPERATORS = {"operator", "municipal_operator", "admin_user"}
EXECUTORS = {"executor", "other_org_executor", "admin_user"}
ISSUERS = {"operator", "municipal_operator", "supervisor", "leadership", "admin_user"}
FIELD = {"field", "operator", "municipal_operator", "admin_user"}
STAFF = {
    "operator",
    "municipal_operator",
    "executor",
    "other_org_executor",
    "supervisor",
    "leadership",
    "caller",
    "field",
    "admin_user",
}
ROLES = sorted(STAFF | {"citizen", "anonymous"})

# Who sees each object of the world (everyone else with the page's role gets 404).
SEES_NEW = {"operator", "admin_user", "supervisor", "leadership"}
SEES_WORK = {"operator", "admin_user", "supervisor", "leadership", "executor"}
SEES_INSTRUCTION = {"operator", "admin_user", "supervisor", "leadership", "executor"}


def page(role_set: set[str], sees: set[str] | None = None):
    """Expected status per role: 403 without the page's role, 404 outside the scope."""

    def expected(role: str) -> int:
        if role == "anonymous":
            return 302
        if role not in role_set:
            return 403
        if sees is not None and role not in sees:
            return 404
        return 200

    return expected


def answer_page(role: str) -> int:
    """Only the executor answers; who sees the appeal but does not work it is refused (403),
    who does not see it cannot tell it exists (404)."""
    if role in {"executor", "admin_user"}:
        return 200
    return page(STAFF, SEES_WORK)(role) if role not in SEES_WORK else 403


PAGES = {
    "appeals": ("/office/appeals/", page(STAFF)),
    "appeal": ("/office/appeals/{work}/", page(STAFF, SEES_WORK)),
    "answer": ("/office/appeals/{work}/answer/", answer_page),
    "inbox": ("/office/inbox/", page(EXECUTORS)),
    "inbox_geojson": ("/office/inbox/appeals.geojson", page(EXECUTORS)),
    "templates": ("/office/templates/", page({"executor", "other_org_executor", "admin_user"})),
    "moderation": ("/office/moderation/", page(OPERATORS)),
    "moderate": ("/office/moderation/{new}/", page(OPERATORS, {"operator", "admin_user"})),
    "phone_entry": ("/office/new/", page(OPERATORS)),
    "field_report": ("/office/field/", page(FIELD)),
    "review": ("/office/review/", page(OPERATORS)),
    "review_answer": (
        "/office/review/answers/{answer}/",
        page(OPERATORS, {"operator", "admin_user"}),
    ),
    "review_postponement": (
        "/office/review/postponements/{postponement}/",
        page(OPERATORS, {"operator", "admin_user"}),
    ),
    "instructions": ("/office/instructions/", page(STAFF)),
    "instruction_new": ("/office/instructions/new/", page(ISSUERS)),
    "instruction": ("/office/instructions/{instruction}/", page(STAFF, SEES_INSTRUCTION)),
}


@pytest.fixture
def world(appeal_in, operator, executor):
    new = appeal_in(Status.NEW)
    work = appeal_in(Status.IN_PROGRESS)
    reviewed = appeal_in(Status.ANSWER_REVIEW)
    postponement = services.request_postponement(
        appeal=work,
        actor=executor,
        new_due_date=(work.due_at + timezone.timedelta(days=5)).date(),
        reason="Нужна техника, которая сейчас на другом объекте.",
    )
    instruction = issue_instruction(
        actor=operator,
        organization=work.executor,
        text="Проверить и устранить яму на ул. Московской.",
        due_date=timezone.localdate() + timezone.timedelta(days=7),
        appeals=[work],
    )
    return {
        "new": new.number,
        "work": work.number,
        "answer": reviewed.answers.get().pk,
        "postponement": postponement.pk,
        "instruction": instruction.pk,
    }


@pytest.fixture
def field(region):
    return staff(Role.FIELD, region, email="field@example.ru")


def login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
def test_every_office_page_answers_each_role_by_its_role_and_scope(client, request, world, role):
    login(client, request, role)
    got, want = {}, {}
    for name, (template, expected) in PAGES.items():
        response = client.get(template.format(**world))
        got[name] = response.status_code
        # Staff without any role for the office at all are citizens: 403 everywhere.
        want[name] = 403 if role == "citizen" else expected(role)
        if got[name] == 302 and role == "anonymous":
            assert response["Location"].startswith("/accounts/login/"), name
    assert got == want


@pytest.mark.parametrize("role", sorted(STAFF))
def test_the_office_home_sends_each_role_to_where_its_day_starts(client, request, role):
    login(client, request, role)
    response = client.get("/office/")
    assert response.status_code == 302
    start = {
        "operator": "/office/moderation/",
        "municipal_operator": "/office/moderation/",
        "admin_user": "/office/appeals/",
        "executor": "/office/inbox/",
        "other_org_executor": "/office/inbox/",
        "supervisor": "/office/dashboard/",
        "leadership": "/office/dashboard/",
        "caller": "/office/calls/",
        "field": "/office/field/",
    }
    assert response["Location"] == start[role]


def test_applicant_data_is_shown_only_to_who_works_with_the_applicant_and_logged(
    client, request, world, citizen
):
    for role in sorted(SEES_WORK):
        user = request.getfixturevalue(role)
        client.force_login(user)
        html = client.get(f"/office/appeals/{world['work']}/").content.decode()
        shown = citizen.full_name in html or citizen.phone in html or citizen.email in html
        assert shown == (role in {"operator", "admin_user", "executor"}), role
        # … and every showing, only a showing, is in the personal data access log.
        logged = PersonalDataAccess.objects.filter(viewer=user, appeal__number=world["work"])
        assert logged.count() == int(shown), role
