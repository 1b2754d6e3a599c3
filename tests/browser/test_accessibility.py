"""Every page of the product, as each kind of visitor sees it, passes axe-core with no serious or
critical violation: the public portal, a citizen's pages, the office of each role, the account
and two-factor pages, the API docs. (The page fixture also checks every page the other browser
tests open; this test makes sure no page is left out.)"""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from otklik.accounts import services as accounts
from otklik.accounts import totp
from otklik.accounts.models import Role, TotpDevice
from otklik.appeals import services
from otklik.appeals.workflow import Status
from otklik.control import calls, instructions
from otklik.control import services as control
from otklik.control.models import FollowUp
from otklik.directory.models import AnswerTemplate
from otklik.incidents import services as incidents
from otklik.incidents.models import Incident
from tests.browser.a11y import report, violations
from tests.browser.conftest import new_page
from tests.browser.helpers import PHONE, log_in
from tests.factories import refresh_rollups, staff

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's


@pytest.fixture
def page(browser, live_server):
    """A page without the automatic check: this test runs axe itself, at each size."""
    page = new_page(browser, live_server.url)
    yield page
    page.context.close()


@pytest.fixture
def product(
    calendar, settings, region, municipality, category, organization, appeal_in, citizen,
    operator, executor, leadership, caller,
):  # fmt: skip
    """One of everything a page can show: appeals in each state, a review queue, a call list,
    an instruction, an incident, a follow-up link, an answer template, KPI rollups."""
    now = timezone.now()
    fresh = services.submit_appeal(
        region=region,
        text="Яма на дороге у дома 12 по улице Московской, объехать нельзя.",
        applicant=citizen,
        category=category,
        municipality=municipality,
        latitude=municipality.center_lat,
        longitude=municipality.center_lon,
        address="г. Липецк, ул. Московская, 12",
    )
    working = appeal_in(Status.IN_PROGRESS)
    answered = appeal_in(Status.ANSWERED)
    closed = appeal_in(Status.CLOSED)
    clarifying = appeal_in(Status.NEW)
    services.request_clarification(
        appeal=clarifying, actor=operator, question="Уточните, пожалуйста, номер дома."
    )
    formal = services.submit_answer(
        appeal=appeal_in(Status.IN_PROGRESS),
        actor=executor,
        text="Ваше обращение рассмотрено. Информация принята к сведению.",
    )
    postponement = services.request_postponement(
        appeal=working,
        actor=executor,
        new_due_date=(timezone.localtime(working.due_at) + timedelta(days=10)).date(),
        reason="Нужен асфальтобетонный завод, он откроется через неделю.",
    )
    calls.draw_weekly()
    call_list = calls.call_lists_visible_to(caller).first()
    instruction = instructions.issue_instruction(
        actor=operator,
        organization=organization,
        text="Проверить качество ямочного ремонта и доложить.",
        due_date=timezone.localdate() + timedelta(days=5),
        appeals=[working],
    )
    for n in range(6):
        incidents.on_new_appeal(
            services.submit_appeal(
                region=region,
                text="Провал асфальта после ремонта теплотрассы, машины бьют колёса.",
                applicant=citizen,
                category=category,
                latitude=52.61 + 0.0002 * n,
                longitude=39.59 + 0.0006 * n,
                address=f"г. Липецк, ул. Московская, {10 + 2 * n}",
                now=now - timedelta(hours=3) + timedelta(minutes=15 * n),
            )
        )
    template = AnswerTemplate.objects.create(
        organization=organization, title="Ямочный ремонт", text="Яма заделана {дата}."
    )
    services.rate_answer(appeal=answered, actor=citizen, score=5, is_solved=True)
    answered.refresh_from_db()
    control.send_follow_ups(now=answered.closed_at + timedelta(days=settings.FOLLOW_UP_AFTER_DAYS))
    follow_up = control.follow_up_url(FollowUp.objects.get(appeal=answered)).split("/", 3)[-1]
    rated = appeal_in(Status.ANSWERED)
    refresh_rollups()
    return {
        "fresh": fresh,
        "working": working,
        "rated": rated,
        "closed": closed,
        "clarifying": clarifying,
        "formal": formal,
        "postponement": postponement,
        "call_list": call_list,
        "call": call_list.calls.first(),
        "instruction": instruction,
        "incident": Incident.objects.get(),
        "template": template,
        "follow_up": follow_up,
        "municipality": municipality,
    }


def tour(page, paths, *, phone_too=False) -> dict[str, list[dict]]:
    """Open each path (desktop, and on a phone when asked) and collect its violations."""
    found = {}
    sizes = [page.viewport_size, PHONE] if phone_too else [page.viewport_size]
    for path in paths:
        response = page.goto(path)
        # Error pages (a spent link, a wrong token) are pages too; a crash is not.
        assert response.status < 500, f"{path}: {response.status}"
        for size in sizes:
            page.set_viewport_size(size)
            if items := violations(page):
                found[f"{path} ({size['width']} px)"] = items
        page.set_viewport_size(sizes[0])
    return found


def test_public_and_account_pages_have_no_serious_violations(page, product, citizen):
    appeal, municipality = product["working"], product["municipality"]
    user = accounts.sign_up(email="new.user@example.ru", full_name="Пётр", password=PASSWORD)
    uid = urlsafe_base64_encode(force_bytes(citizen.pk))
    reset = f"/accounts/password/reset/{uid}/{default_token_generator.make_token(citizen)}/"
    found = tour(
        page,
        [
            "/",
            "/map/",
            "/appeals/",
            f"/appeals/{appeal.number}/",
            "/municipalities/",
            f"/municipalities/{municipality.pk}/",
            "/rules/",
            "/privacy/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/signup/sent/",
            "/accounts/confirm/resend/",
            f"/accounts/confirm/{accounts.make_confirmation_token(user)}/",
            "/accounts/confirm/not-a-token/",
            "/accounts/password/reset/",
            "/accounts/password/reset/sent/",
            reset,
            "/accounts/password/reset/complete/",
            "/accounts/deleted/",
            f"/{product['follow_up']}",
            "/q/not-a-token/",
        ],
        phone_too=True,
    )
    page.goto("/api/v1/docs")
    page.locator(".opblock-summary").first.wait_for()
    if items := violations(page):
        found["/api/v1/docs"] = items
    assert not found, "\n" + report(found)


def test_a_citizens_pages_have_no_serious_violations(page, product, citizen):
    log_in(page, citizen.email, PASSWORD)
    found = tour(
        page,
        [
            "/my/",
            "/report/",
            f"/appeals/{product['rated'].number}/",
            f"/appeals/{product['clarifying'].number}/",
            f"/appeals/{product['closed'].number}/",
            "/accounts/profile/",
            "/accounts/delete/",
            "/accounts/password/change/",
            "/accounts/password/change/done/",
        ],
        phone_too=True,
    )
    assert not found, "\n" + report(found)


def test_the_office_of_every_role_has_no_serious_violations(
    page, product, operator, executor, leadership, caller, region, organization, municipality
):
    supervisor = staff(Role.SUPERVISOR, organization, email="chief@example.ru")
    field = staff(Role.FIELD, region, email="brigade@example.ru")
    admin = staff(Role.ADMIN, region, email="office.admin@example.ru")
    working, instruction = product["working"], product["instruction"]
    incident, call_list = product["incident"], product["call_list"]
    pages = {
        operator: [
            "/office/moderation/",
            f"/office/moderation/{product['fresh'].number}/",
            "/office/review/",
            f"/office/review/answers/{product['formal'].pk}/",
            f"/office/review/postponements/{product['postponement'].pk}/",
            "/office/new/",
            "/office/field/",
            "/office/dashboard/",
            "/office/kpi/",
            "/office/kpi/appeals/?kpi=overdue&period=twelve_months",
            "/office/ranking/",
            "/office/weekly/",
            "/office/calls/",
            f"/office/calls/lists/{call_list.pk}/",
            f"/office/calls/{product['call'].pk}/",
            "/office/instructions/",
            f"/office/instructions/new/?appeal={working.number}",
            f"/office/instructions/{instruction.pk}/",
            "/office/appeals/",
            f"/office/appeals/{working.number}/",
            "/office/incidents/",
            f"/office/incidents/{incident.pk}/",
            "/office/incidents/signals/",
        ],
        executor: [
            "/office/inbox/",
            "/office/templates/",
            "/office/templates/new/",
            f"/office/templates/{product['template'].pk}/",
            f"/office/appeals/{working.number}/",
            f"/office/appeals/{working.number}/answer/",
            f"/office/instructions/{instruction.pk}/",
        ],
        supervisor: ["/office/dashboard/", "/office/kpi/", "/office/incidents/"],
        leadership: ["/office/dashboard/", "/office/weekly/", "/office/ranking/"],
        caller: ["/office/calls/", f"/office/calls/{product['call'].pk}/"],
        field: ["/office/field/"],
        admin: ["/office/ranking/settings/"],
    }
    found = {}
    for user, paths in pages.items():
        page.context.clear_cookies()
        log_in(page, user.email, PASSWORD)
        checked = tour(page, paths, phone_too=True)
        found |= {f"{key} [{user.email}]": v for key, v in checked.items()}
    assert not found, "\n" + report(found)


def test_the_two_factor_pages_have_no_serious_violations(page, settings, calendar, region):
    settings.STAFF_TWO_FACTOR = True
    newcomer = staff(Role.OPERATOR, region, email="newcomer@example.ru")
    enrolled = staff(Role.OPERATOR, region, email="enrolled@example.ru")
    secret = totp.new_secret()
    TotpDevice.objects.create(user=enrolled, secret=secret, confirmed_at=timezone.now())
    found = {}
    log_in(page, newcomer.email, PASSWORD)
    found |= tour(page, ["/accounts/two-factor/setup/"], phone_too=True)
    page.context.clear_cookies()
    log_in(page, enrolled.email, PASSWORD)
    found |= tour(page, ["/accounts/two-factor/"], phone_too=True)
    page.get_by_label("Код из приложения").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Подтвердить").click()
    page.wait_for_url("**/office/**")
    found |= tour(page, ["/accounts/two-factor/recovery-codes/"], phone_too=True)
    assert not found, "\n" + report(found)
