"""The rollups kept current by the lifecycle events equal the rollups rebuilt from the history,
on random histories, and the figures read from them equal the straight computation."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.analytics import figures, kpi, ranking, rollups
from otklik.analytics.figures import Period, Scope
from otklik.analytics.models import MEASURES, KpiAnswerTime, KpiDay, RankingSettings
from otklik.appeals import services
from otklik.appeals.models import Answer, Channel
from otklik.appeals.tasks import process_outbox_batch
from otklik.appeals.workflow import Status
from otklik.control import instructions
from otklik.control.models import CallList, ControlCall, FollowUp
from otklik.control.services import answer_follow_up
from tests.factories import make_appeal

MSK = ZoneInfo("Europe/Moscow")
GOOD = (
    "Яма заделана 10.06.2025 горячим асфальтом бригадой подрядчика, площадь 2 кв. м, "
    "фото до и после работ приложены к ответу."
)
FORMAL = "Ваше обращение рассмотрено, информация принята к сведению."
REASON = "Подрядчик расторг контракт, новый аукцион завершится через три недели, затем ремонт."


def settle() -> None:
    while process_outbox_batch():
        pass


def snapshot() -> tuple[list, list]:
    """Every non-zero rollup row, comparable across rebuilds."""
    keys = ["grain", "region_id", "day", "municipality", "organization", "category"]
    days = sorted(
        row for row in KpiDay.objects.values_list(*keys, *MEASURES) if any(row[len(keys) :])
    )
    times = sorted(
        KpiAnswerTime.objects.exclude(count=0).values_list(*keys, "working", "days", "count")
    )
    return days, times


@pytest.fixture
def history(
    region,
    municipality,
    other_municipality,
    category,
    fast_category,
    organization,
    other_organization,
    citizen,
    other_citizen,
    operator,
    executor,
    other_org_executor,
    leadership,
):
    """`history(seed)`: about thirty appeals walked at random through the lifecycle between
    June and September 2025, the outbox handed over at random moments in between."""

    def walk(seed: int) -> None:
        rng = random.Random(seed)
        places = [
            (municipality, organization, executor),
            (other_municipality, other_organization, other_org_executor),
        ]
        calls = CallList.objects.create(
            region=region,
            title="Обзвон",
            size=10,
            closed_from=datetime(2025, 6, 1, tzinfo=MSK),
            closed_to=datetime(2025, 10, 1, tzinfo=MSK),
        )
        closed = []
        for _ in range(30):
            start = datetime(2025, 6, 1, 9, tzinfo=MSK) + timedelta(
                days=rng.randrange(80), hours=rng.randrange(10)
            )
            where, org, worker = rng.choice(places)
            target = rng.choice(
                [
                    Status.NEW,
                    Status.REJECTED,
                    Status.REGISTERED,
                    Status.IN_PROGRESS,
                    Status.IN_PROGRESS,
                    Status.ANSWERED,
                    Status.CLOSED,
                    Status.CLOSED,
                ]
            )
            near = closed and rng.random() < 0.3
            base = rng.choice(closed) if near else None
            appeal = make_appeal(
                target if target not in (Status.ANSWERED, Status.CLOSED) else Status.IN_PROGRESS,
                region=region,
                applicant=rng.choice([citizen, other_citizen]),
                operator=operator,
                executor_user=worker,
                organization=org,
                category=rng.choice([category, fast_category]) if not near else base.category,
                municipality=where,
                latitude=(base.latitude + rng.uniform(-0.0008, 0.0008))
                if near
                else where.center_lat + rng.uniform(-0.01, 0.01),
                longitude=base.longitude if near else where.center_lon,
                channel=rng.choice([Channel.PORTAL, Channel.PORTAL, Channel.FIELD]),
                now=start,
            )
            if rng.random() < 0.4:
                settle()
            if appeal.status != Status.IN_PROGRESS:
                continue
            moment = start + timedelta(days=rng.randrange(1, 5))
            if rng.random() < 0.15:
                other = places[1] if org == organization else places[0]
                services.redirect_appeal(
                    appeal=appeal,
                    actor=operator,
                    reason="Не наша зона.",
                    to_executor=other[1],
                    now=moment,
                )
                worker = other[2]
                moment += timedelta(hours=2)
            for _ in range(rng.choice([0, 0, 1, 2])):
                appeal.refresh_from_db()
                request = services.request_postponement(
                    appeal=appeal,
                    actor=worker,
                    reason=REASON,
                    now=moment,
                    new_due_date=(appeal.due_at + timedelta(days=rng.randrange(3, 20))).date(),
                )
                moment += timedelta(days=1)
                services.decide_postponement(
                    postponement=request, actor=operator, approve=rng.random() < 0.8, now=moment
                )
                moment += timedelta(days=1)
            if target not in (Status.ANSWERED, Status.CLOSED):
                continue
            appeal.refresh_from_db()
            moment = appeal.due_at + timedelta(days=rng.randrange(-25, 6))
            moment = max(moment, appeal.registered_at + timedelta(days=1))
            if rng.random() < 0.3:
                first = services.submit_answer(appeal=appeal, actor=worker, text=FORMAL, now=moment)
                services.return_answer(
                    answer=first,
                    actor=operator,
                    now=moment + timedelta(hours=1),
                    reasons=[Answer.ReworkReason.values[0]],
                )
                moment += timedelta(days=2)
            published = services.submit_answer(appeal=appeal, actor=worker, text=GOOD, now=moment)
            services.publish_answer(
                answer=published, actor=operator, now=moment + timedelta(hours=2)
            )
            moment += timedelta(days=1)
            if target == Status.CLOSED:
                solved = rng.random() < 0.7
                services.rate_answer(
                    appeal=appeal,
                    actor=appeal.applicant,
                    score=rng.randint(1, 5),
                    is_solved=solved,
                    now=moment,
                )
                appeal.refresh_from_db()
                if appeal.status == Status.CLOSED:
                    closed.append(appeal)
                if solved and rng.random() < 0.5:
                    follow = FollowUp.objects.create(
                        appeal=appeal,
                        applicant=appeal.applicant,
                        sent_at=moment + timedelta(days=20),
                    )
                    answer_follow_up(
                        follow_up=follow,
                        fix_lasted=rng.random() < 0.7,
                        now=moment + timedelta(days=21),
                    )
                if rng.random() < 0.4:
                    ControlCall.objects.create(
                        call_list=calls,
                        appeal=appeal,
                        state=ControlCall.State.DONE,
                        is_solved=rng.random() < 0.75,
                        completed_at=moment + timedelta(days=3),
                    )
                    services.record_control_call(
                        appeal=appeal,
                        actor=operator,
                        data={"result": "reached"},
                        now=moment + timedelta(days=3),
                    )
        for n in range(4):
            org = rng.choice([organization, other_organization])
            issued = instructions.issue_instruction(
                actor=leadership,
                organization=org,
                text=f"Поручение номер {n}: устранить.",
                due_date=date(2025, 7, 1) + timedelta(days=rng.randrange(60)),
                now=datetime(2025, 6, 20, 10, n, tzinfo=MSK),
            )
            if rng.random() < 0.6:
                worker = executor if org == organization else other_org_executor
                instructions.report_instruction(
                    actor=worker,
                    instruction=issued,
                    text="Выполнено полностью.",
                    now=issued.due_at + timedelta(days=rng.randrange(-10, 3)),
                )
        settle()

    return walk


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuilt_equals_incremental(history, seed, region, municipality, organization, roads):
    history(seed)
    incremental = snapshot()
    assert incremental[0], "the history produced figures"
    report = rollups.rebuild()
    assert report.appeals >= 30
    assert snapshot() == incremental
    # The figures read from the rollups equal the straight computation for several scopes.
    for scope in (
        Scope(region.pk),
        Scope(region.pk, municipality_id=municipality.pk),
        Scope(region.pk, organization_id=organization.pk),
        Scope(region.pk, category_ids=figures.category_subtree([roads.pk])),
        Scope(region.pk, municipality_id=municipality.pk, organization_id=organization.pk),
    ):
        for period in (
            Period(date(2025, 6, 1), date(2025, 10, 1)),
            Period.month(date(2025, 7, 1)),
            Period.week(date(2025, 7, 14)),
        ):
            for today in (date(2025, 7, 20), date(2026, 1, 1)):
                assert figures.kpis(scope, period, today) == kpi.kpis(scope, period, today)
    # The grouped straight reading (the bench's baseline) equals one reading per unit.
    period, today = Period(date(2025, 6, 1), date(2025, 10, 1)), date(2025, 7, 20)
    for by, field in (("municipality", "municipality_id"), ("organization", "organization_id")):
        grouped = kpi.totals_by(Scope(region.pk), period, today, by)
        assert grouped, "some unit has figures"
        for unit, counters in grouped.items():
            if unit is not None:
                assert counters == kpi.totals(Scope(region.pk, **{field: unit}), period, today)


def test_a_refresh_without_changes_writes_nothing(appeal_in, region, django_assert_num_queries):
    appeal = appeal_in(Status.CLOSED)
    settle()
    before = snapshot()
    assert rollups.refresh_appeals([appeal.pk]) == 0
    assert snapshot() == before


# ---------------------------------------------------------------------------- ranking


def test_ranking_orders_units_shows_small_ones_unranked_and_compares_with_last_year(
    region,
    municipality,
    other_municipality,
    organization,
    other_organization,
    executor,
    other_org_executor,
    citizen,
    operator,
    category,
):
    def appeals(n, where, org, worker, year, late):
        for i in range(n):
            start = datetime(year, 3, 2, 9, tzinfo=MSK) + timedelta(hours=i)
            appeal = make_appeal(
                Status.IN_PROGRESS,
                region=region,
                applicant=citizen,
                operator=operator,
                executor_user=worker,
                organization=org,
                category=category,
                municipality=where,
                now=start,
                step=timedelta(minutes=1),
            )
            when = appeal.due_at + timedelta(days=2 if i < late else -3)
            answer = services.submit_answer(appeal=appeal, actor=worker, text=GOOD, now=when)
            services.publish_answer(answer=answer, actor=operator, now=when)

    appeals(4, municipality, organization, executor, 2025, late=1)
    appeals(4, municipality, organization, executor, 2024, late=3)
    appeals(2, other_municipality, other_organization, other_org_executor, 2025, late=0)
    settle()
    RankingSettings.objects.create(region=region, minimum_appeals=3, weights={"on_time": 5})
    result = ranking.ranking(
        "municipality", region.pk, Period.year(date(2025, 1, 1)), date(2026, 1, 1)
    )
    assert [row.name for row in result.ranked] == ["Липецк"]
    assert [row.name for row in result.unranked] == ["Елец"]  # two appeals, fewer than three
    lipetsk = result.ranked[0]
    assert lipetsk.rank == 1
    assert lipetsk.kpis.overdue.percent == 25.0
    # Last year 3 of 4 were late, this year 1 of 4: «improved threefold».
    assert lipetsk.overdue_ratio == 3.0
    assert lipetsk.score_low <= lipetsk.score <= lipetsk.score_high
    assert result.settings.weights["on_time"] == 5
    assert lipetsk.score_change > 0


def test_composite_index_weights_and_missing_components():
    from otklik.analytics.figures import KpiSet, empty_totals

    totals = empty_totals() | {"due": 10, "due_late": 2, "ratings": 4, "ratings_good": 1}
    k = KpiSet.from_totals(totals, {}, {})
    value, low, high = ranking.composite(k, {"on_time": 1, "satisfaction": 1})
    assert value == round(100 * (0.8 + 0.25) / 2, 1)
    assert low < value < high
    # Components without data do not count: on-time alone.
    assert ranking.composite(k, {"on_time": 1, "verified": 5})[0] == 80.0
    assert ranking.composite(KpiSet.from_totals(empty_totals(), {}, {}), {"on_time": 1}) is None


def test_the_rebuild_command_rebuilds_and_reports(appeal_in):
    from io import StringIO

    from django.core.management import call_command

    appeal_in(Status.CLOSED)
    settle()
    before = snapshot()
    out = StringIO()
    # Inside the test's transaction PostgreSQL's rebuild runs its partitions in this process.
    call_command("rebuild_rollups", jobs=2, verbosity=0, stdout=out)
    assert "appeals=1 " in out.getvalue()
    assert snapshot() == before
