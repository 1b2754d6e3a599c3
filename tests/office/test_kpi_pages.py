"""The KPI page and the appeals behind each figure: who may see which scope, the period selector,
and the drill-down list whose count is the figure, for every KPI on a small history."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.analytics import figures
from otklik.analytics.figures import Period, Scope
from otklik.analytics.kpi import DRILLABLE
from otklik.appeals import services
from otklik.appeals.models import Answer, Channel
from otklik.appeals.workflow import Status
from otklik.control import instructions as instruction_services
from otklik.control.models import CallList, ControlCall, FollowUp
from otklik.office.analytics import OVERDUE_OPEN
from tests.factories import ANSWER_TEXT, OrganizationFactory, make_appeal, refresh_rollups, staff

FORMAL = "Ваше обращение рассмотрено. Информация принята к сведению."
LONG_REASON = (
    "Подрядчик не может завершить работы: асфальтовые заводы закрыты до конца морозов, "
    "укладка возможна только при плюсовой температуре."
)


def _figure_count(html: str) -> tuple[int, int]:
    figure = re.search(r'id="drill-figure">(\d+)<', html)
    listed = re.search(r'id="drill-listed">(\d+)<', html)
    return int(figure.group(1)), int(listed.group(1))


@pytest.fixture
def history(
    appeal_in,
    region,
    municipality,
    other_municipality,
    organization,
    other_organization,
    category,
    citizen,
    other_citizen,
    operator,
    executor,
    other_org_executor,
    leadership,
):
    """Two months of appeals in Lipetsk (and one in Yelets): overdue open and answered late,
    answered on time and rated, postponed twice, returned for rework, a formal reply, a field
    report, a rejected one, a control call, a questionnaire and instructions."""
    now = timezone.now()

    def ago(days, hours=0):
        return now - timedelta(days=days, hours=hours)

    appeal_in(Status.IN_PROGRESS, now=ago(70))  # overdue, never answered
    late = appeal_in(Status.IN_PROGRESS, now=ago(70))
    answer = services.submit_answer(appeal=late, actor=executor, text=ANSWER_TEXT, now=ago(5))
    services.publish_answer(answer=answer, actor=operator, now=ago(5))
    good = appeal_in(Status.ANSWERED, now=ago(20))
    services.rate_answer(appeal=good, actor=citizen, score=5, is_solved=True, now=ago(15))
    bad = appeal_in(Status.ANSWERED, now=ago(20))
    outcome = services.rate_answer(appeal=bad, actor=citizen, score=2, is_solved=False, now=ago(14))
    services.register_appeal(
        appeal=outcome.repeat, actor=operator, category=category, now=ago(14, -1)
    )
    postponed = appeal_in(Status.IN_PROGRESS, now=ago(10))
    for reason, days in (("Нужна экспертиза покрытия.", 10), (LONG_REASON, 25)):
        request = services.request_postponement(
            appeal=postponed,
            actor=executor,
            new_due_date=(postponed.due_at + timedelta(days=days)).date(),
            reason=reason,
            now=ago(9),
        )
        services.decide_postponement(postponement=request, actor=operator, approve=True, now=ago(9))
        postponed.refresh_from_db()
    reworked = appeal_in(Status.ANSWER_REVIEW, now=ago(12))
    services.return_answer(
        answer=reworked.answers.get(),
        actor=operator,
        reasons=[Answer.ReworkReason.NO_EVIDENCE],
        now=ago(11),
    )
    formal = appeal_in(Status.IN_PROGRESS, now=ago(8))
    services.submit_answer(appeal=formal, actor=executor, text=FORMAL, now=ago(7))
    appeal_in(Status.REGISTERED, now=ago(3), channel=Channel.FIELD)
    appeal_in(Status.REJECTED, now=ago(2))
    make_appeal(
        Status.IN_PROGRESS,
        region=region,
        applicant=other_citizen,
        operator=operator,
        organization=other_organization,
        category=category,
        municipality=other_municipality,
        now=ago(60),
    )
    # Verification: a call confirms one fix; a questionnaire says the other did not last.
    call_list = CallList.objects.create(
        region=region, title="Обзвон", size=10, closed_from=ago(30), closed_to=now
    )
    ControlCall.objects.create(
        call_list=call_list,
        appeal=good,
        applicant=citizen,
        state=ControlCall.State.DONE,
        is_solved=True,
        completed_at=ago(4),
    )
    FollowUp.objects.create(
        appeal=bad, applicant=citizen, sent_at=ago(6), answered_at=ago(3), fix_lasted=False
    )
    instruction = instruction_services.issue_instruction(
        actor=leadership,
        organization=organization,
        text="Устранить ямы на Московской улице.",
        due_date=timezone.localdate() + timedelta(days=2),
        appeals=[late],
    )
    instruction_services.report_instruction(
        actor=executor, instruction=instruction, text="Ямы устранены, фото приложены."
    )
    refresh_rollups()
    return {"late": late, "good": good, "postponed": postponed}


def wide_period():
    today = timezone.localdate()
    return {
        "period": "custom",
        "start": (today - timedelta(days=90)).isoformat(),
        "end": (today + timedelta(days=90)).isoformat(),
    }


# ---------------------------------------------------------------------------- who sees what


@pytest.mark.django_db
def test_leadership_sees_every_kpi_of_the_region(client, leadership, history):
    client.force_login(leadership)
    response = client.get("/office/kpi/", wide_period())
    assert response.status_code == 200
    html = response.content.decode()
    for kpi in (
        "received",
        "overdue",
        "on_time",
        "satisfaction",
        "verified",
        "instructions_on_time",
    ):
        assert f'id="kpi-{kpi}"' in html
    assert 'id="gap-value"' in html
    assert "Липецкая область" in html
    # Russian labels and the federal target.
    assert "Доля просроченных" in html or "просроч" in html.lower()
    assert "60" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.EXECUTOR, Role.CALLER, Role.FIELD])
def test_roles_without_figures_get_403(client, role, organization, region):
    user = staff(role, organization if role == Role.EXECUTOR else region)
    client.force_login(user)
    for url in ("/office/kpi/", "/office/kpi/appeals/?kpi=received", "/office/dashboard/"):
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_citizen_gets_403_and_anonymous_goes_to_login(client, citizen):
    assert client.get("/office/kpi/").status_code == 302
    client.force_login(citizen)
    assert client.get("/office/kpi/").status_code == 403


@pytest.mark.django_db
def test_supervisor_of_a_municipality_is_clamped_to_it(
    client, supervisor, municipality, other_municipality, history
):
    client.force_login(supervisor)
    response = client.get("/office/kpi/", wide_period())
    assert response.status_code == 200
    assert response.context["selection"].scope.municipality_id == municipality.pk
    other = client.get("/office/kpi/", {**wide_period(), "municipality": other_municipality.pk})
    assert other.status_code == 404
    drill = client.get(
        "/office/kpi/appeals/",
        {**wide_period(), "kpi": "received", "municipality": other_municipality.pk},
    )
    assert drill.status_code == 404


@pytest.mark.django_db
def test_supervisor_of_an_organization_sees_it_and_its_subordinates_only(
    client, region, organization, other_organization, history
):
    child = OrganizationFactory(region=region, parent=organization, name="Участок №1")
    boss = staff(Role.SUPERVISOR, organization)
    client.force_login(boss)
    response = client.get("/office/kpi/", wide_period())
    assert response.status_code == 200
    assert response.context["selection"].scope.organization_id == organization.pk
    assert client.get("/office/kpi/", {"organization": child.pk}).status_code == 200
    assert client.get("/office/kpi/", {"organization": other_organization.pk}).status_code == 404
    # A region-wide scope is not theirs either.
    assert (
        client.get("/office/kpi/", {"municipality": organization.municipality_id}).status_code
        == 200
    )
    scope = client.get("/office/kpi/", {"municipality": organization.municipality_id})
    assert scope.context["selection"].scope.organization_id == organization.pk


@pytest.mark.django_db
def test_scope_of_another_region_is_404(client, leadership, history):
    from tests.factories import MunicipalityFactory, RegionFactory

    elsewhere = RegionFactory(code="36", name="Воронежская область")
    foreign = MunicipalityFactory(region=elsewhere, name="Воронеж")
    client.force_login(leadership)
    assert client.get("/office/kpi/", {"region": elsewhere.pk}).status_code == 404
    assert client.get("/office/kpi/", {"municipality": foreign.pk}).status_code == 404


@pytest.mark.django_db
def test_municipal_operator_sees_only_their_municipality(
    client, municipal_operator, municipality, other_municipality, history
):
    client.force_login(municipal_operator)
    response = client.get("/office/kpi/")
    assert response.context["selection"].scope.municipality_id == other_municipality.pk
    assert client.get("/office/kpi/", {"municipality": municipality.pk}).status_code == 404


@pytest.mark.django_db
def test_superuser_sees_the_first_region(client, admin_user, region, history):
    client.force_login(admin_user)
    response = client.get("/office/kpi/")
    assert response.status_code == 200
    assert response.context["selection"].scope.region_id == region.pk


# ---------------------------------------------------------------------------- periods


@pytest.mark.django_db
def test_default_period_is_the_current_month(client, leadership, region):
    client.force_login(leadership)
    response = client.get("/office/kpi/")
    today = figures.today_in(region.pk)
    assert response.context["selection"].period == Period.month(today)
    assert '<option value="month" selected>' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "builder"),
    [
        ("week", Period.week),
        ("quarter", Period.quarter),
        ("year", Period.year),
        ("twelve_months", Period.last_twelve_months),
    ],
)
def test_period_kinds(client, leadership, region, kind, builder):
    client.force_login(leadership)
    response = client.get("/office/kpi/", {"period": kind, "day": "2026-02-11"})
    assert response.status_code == 200
    assert response.context["selection"].period == builder(timezone.datetime(2026, 2, 11).date())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "start": "2026-03-10"}, "первый и последний день"),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "раньше первого"),
        ({"period": "custom", "start": "31.02.2026", "end": "2026-03-01"}, "Введите дату"),
        ({"period": "custom", "start": "1000-01-01", "end": "2026-03-01"}, "между 01.01.2000"),
        ({"period": "custom", "start": "2001-01-01", "end": "2026-03-01"}, "десяти лет"),
        ({"period": "decade"}, "Выберите период"),
    ],
)
def test_bad_periods_show_a_russian_error_and_keep_what_was_typed(
    client, leadership, region, params, message
):
    client.force_login(leadership)
    response = client.get("/office/kpi/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert response.context["selection"].period == Period.month(figures.today_in(region.pk))
    if "start" in params and "-" in params["start"]:
        assert f'value="{params["start"]}"' in html


@pytest.mark.django_db
def test_custom_dates_in_russian_format(client, leadership):
    client.force_login(leadership)
    response = client.get(
        "/office/kpi/", {"period": "custom", "start": "01.03.2026", "end": "31.03.2026"}
    )
    period = response.context["selection"].period
    assert (period.start.isoformat(), period.last_day.isoformat()) == ("2026-03-01", "2026-03-31")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "municipality=abc",
        "organization=99999999999999999999",
        "municipality=0",
        "category=-1",
        "category=987654",
        "region=%00",
        "day=%00",
        "period=%00",
        "start=2026-13-45&end=x&period=custom",
        "page=%00&kpi=received",
        "municipality=1&municipality=2",
    ],
)
def test_odd_query_strings_never_500(client, leadership, history, query):
    client.force_login(leadership)
    for url in ("/office/kpi/", "/office/kpi/appeals/", "/office/ranking/", "/office/dashboard/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code in (200, 400, 404), (url, query, response.status_code)


@pytest.mark.django_db
def test_unknown_kpi_or_part_is_404(client, leadership, history):
    client.force_login(leadership)
    assert client.get("/office/kpi/appeals/", {"kpi": "nonsense"}).status_code == 404
    assert client.get("/office/kpi/appeals/", {"kpi": "overdue", "part": "all"}).status_code == 404
    assert client.get("/office/kpi/appeals/").status_code == 404


@pytest.mark.django_db
def test_bad_period_in_drill_down_is_a_400_with_the_reason(client, leadership, history):
    client.force_login(leadership)
    response = client.get(
        "/office/kpi/appeals/", {"kpi": "received", "period": "custom", "start": "2026-03-10"}
    )
    assert response.status_code == 400
    assert "первый и последний день" in response.content.decode()


# ---------------------------------------------------------------------------- drill-down


@pytest.mark.django_db
def test_every_figure_on_the_page_links_to_its_appeals(client, leadership, history):
    client.force_login(leadership)
    html = client.get("/office/kpi/", wide_period()).content.decode()
    links = set(re.findall(r'href="(/office/kpi/appeals/\?[^"]+)"', html))
    kpis = {re.search(r"kpi=(\w+)", link).group(1) for link in links}
    assert set(DRILLABLE) <= kpis
    assert any("part=denominator" in link for link in links)


@pytest.mark.django_db
@pytest.mark.parametrize("kpi", [*DRILLABLE])
@pytest.mark.parametrize("part", ["numerator", "denominator"])
def test_drill_down_count_equals_the_figure(client, leadership, region, history, kpi, part):
    client.force_login(leadership)
    params = {**wide_period(), "kpi": kpi, "part": part}
    response = client.get("/office/kpi/appeals/", params)
    assert response.status_code == 200
    figure, listed = _figure_count(response.content.decode())
    assert figure == listed, (kpi, part, figure, listed)
    # The figure shown is the one of the rollups.
    today = figures.today_in(region.pk)
    k = figures.kpis(Scope(region.pk), Period(*_bounds(params)), today)
    if kpi == "received":
        assert figure == k.received
    elif kpi == "rejected":
        assert figure == k.rejected
    elif kpi == "time_to_answer":
        assert figure == k.time_to_answer.count
    else:
        share = getattr(k, kpi)
        assert figure == (share.numerator if part == "numerator" else share.denominator)


def _bounds(params):
    from datetime import date

    start = date.fromisoformat(params["start"])
    end = date.fromisoformat(params["end"]) + timedelta(days=1)
    return start, end


@pytest.mark.django_db
def test_history_counts_are_not_trivial(region, history):
    """Guards the test above: with an empty history every count would trivially be equal."""
    today = figures.today_in(region.pk)
    params = wide_period()
    k = figures.kpis(Scope(region.pk), Period(*_bounds(params)), today)
    assert k.received >= 8
    assert k.overdue.numerator == 3  # the two late ones in Lipetsk and the Yelets one
    assert k.postponed.numerator == 1 and k.repeated_postponement.numerator == 1
    assert k.rework.numerator == 1 and k.formal_reply.numerator >= 1
    assert k.satisfaction == figures.Share(1, 2)
    assert k.verified == figures.Share(1, 2)
    assert k.proactive.numerator == 1 and k.repeat.numerator == 1
    assert k.rejected == 1
    assert k.time_to_answer.count == 3


@pytest.mark.django_db
def test_drill_down_lists_the_overdue_appeals_with_links(client, leadership, history):
    client.force_login(leadership)
    response = client.get("/office/kpi/appeals/", {**wide_period(), "kpi": "overdue"})
    html = response.content.decode()
    late = history["late"]
    assert f'href="/office/appeals/{late.number}/"' in html
    assert "УДХ Липецка" in html


@pytest.mark.django_db
def test_drill_down_of_a_municipality_keeps_the_scope(
    client, leadership, municipality, other_municipality, history
):
    client.force_login(leadership)
    response = client.get(
        "/office/kpi/appeals/",
        {**wide_period(), "kpi": "overdue", "municipality": other_municipality.pk},
    )
    assert _figure_count(response.content.decode()) == (1, 1)
    assert all(a.municipality_id == other_municipality.pk for a in response.context["page"])


@pytest.mark.django_db
def test_open_overdue_count_equals_its_list(client, leadership, region, history):
    client.force_login(leadership)
    response = client.get("/office/kpi/appeals/", {"kpi": OVERDUE_OPEN})
    figure, listed = _figure_count(response.content.decode())
    assert figure == listed == 2  # unanswered past the deadline: Lipetsk and Yelets


@pytest.mark.django_db
def test_drill_down_pages_by_fifty(client, leadership, appeal_in):
    for _ in range(51):
        appeal_in(Status.REGISTERED)
    refresh_rollups()
    client.force_login(leadership)
    first = client.get("/office/kpi/appeals/", {"kpi": "received"})
    assert len(first.context["page"].object_list) == 50
    assert _figure_count(first.content.decode()) == (51, 51)
    second = client.get("/office/kpi/appeals/", {"kpi": "received", "page": 2})
    assert len(second.context["page"].object_list) == 1


@pytest.mark.django_db
def test_kpi_page_query_count_does_not_grow_with_data(
    client, leadership, appeal_in, django_assert_max_num_queries
):
    client.force_login(leadership)
    for _ in range(5):
        appeal_in(Status.ANSWERED)
    refresh_rollups()
    with django_assert_max_num_queries(20):
        client.get("/office/kpi/", wide_period())
    for _ in range(10):
        appeal_in(Status.IN_PROGRESS)
    refresh_rollups()
    with django_assert_max_num_queries(20):
        client.get("/office/kpi/", wide_period())
    with django_assert_max_num_queries(20):
        client.get("/office/kpi/appeals/", {**wide_period(), "kpi": "overdue"})


@pytest.mark.django_db
def test_category_narrows_the_figures(client, leadership, roads, fast_category, history):
    client.force_login(leadership)
    response = client.get("/office/kpi/", {**wide_period(), "category": fast_category.pk})
    assert response.status_code == 200
    assert "0" in response.context["cards"][0]["value"]
    whole = client.get("/office/kpi/", {**wide_period(), "category": roads.pk})
    query = urlencode({"category": roads.pk})
    assert query in whole.content.decode()
    assert whole.context["cards"][0]["value"] != "0"
