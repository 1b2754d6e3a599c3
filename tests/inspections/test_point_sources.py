"""Each source of inspection points yields a point with its reason in Russian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import localtime

from otklik.analytics.models import WeeklyForecast
from otklik.appeals import services as appeals
from otklik.appeals.workflow import Status
from otklik.control import services as control
from otklik.control.models import CallList, ControlCall, FollowUp, Instruction
from otklik.incidents.models import Incident
from otklik.inspections.models import SeasonRule
from otklik.inspections.seasons import seed_default_rules
from otklik.inspections.services.points import propose_points
from tests.inspections.conftest import DAY, NOW, point

pytestmark = pytest.mark.django_db


def propose(municipality, day=DAY, now=NOW):
    return propose_points(municipality=municipality, day=day, now=now)


def reasons_of(points) -> dict[str, str]:
    return {r["code"]: r["text"] for p in points for r in p.reasons}


def test_not_solved_rating_proposes_the_place_with_both_reasons(appeal_at, municipality, citizen):
    appeal = appeal_at(Status.ANSWERED, days_ago=20)
    appeals.rate_answer(
        appeal=appeal, actor=citizen, score=1, is_solved=False, now=NOW - timedelta(days=10)
    )
    points = propose(municipality)
    assert len(points) == 1
    texts = reasons_of(points)
    assert texts["not_solved"] == (
        f"Ответ по обращению {appeal.number} — «решено», а заявитель отметил «не решено»"
    )
    assert texts["repeat"].startswith("Повторное обращение ")
    assert appeal.pk in points[0].sources["appeals"]
    assert points[0].score == pytest.approx(5.0)


def test_low_rating_of_a_solved_answer(appeal_at, municipality, citizen):
    appeal = appeal_at(Status.ANSWERED, days_ago=20)
    appeals.rate_answer(appeal=appeal, actor=citizen, score=2, is_solved=True, now=NOW)
    texts = reasons_of(propose(municipality, now=NOW + timedelta(hours=1)))
    assert texts == {
        "low_rating": f"Ответ по обращению {appeal.number} — «решено», а заявитель оценил его "
        "на 2 из 5"
    }


def test_a_good_rating_proposes_nothing(appeal_at, municipality, citizen):
    appeal = appeal_at(Status.ANSWERED, days_ago=20)
    appeals.rate_answer(appeal=appeal, actor=citizen, score=5, is_solved=True, now=NOW)
    assert propose(municipality, now=NOW + timedelta(hours=1)) == []


def test_failed_follow_up(appeal_at, municipality, citizen):
    appeal = appeal_at(Status.CLOSED, days_ago=60)
    follow_up = FollowUp.objects.create(
        appeal=appeal, applicant=citizen, sent_at=NOW - timedelta(days=10)
    )
    control.answer_follow_up(follow_up=follow_up, fix_lasted=False, now=NOW - timedelta(days=9))
    texts = reasons_of(propose(municipality))
    assert texts["follow_up_failed"] == (
        f"Контрольный опрос по обращению {appeal.number}: результат работ не сохранился"
    )


def test_failed_control_call(appeal_at, municipality, region, citizen):
    appeal = appeal_at(Status.CLOSED, days_ago=60)
    call_list = CallList.objects.create(
        region=region, title="Обзвон", size=1, closed_from=NOW - timedelta(days=70),
        closed_to=NOW,
    )  # fmt: skip
    ControlCall.objects.create(
        call_list=call_list,
        appeal=appeal,
        applicant=citizen,
        state=ControlCall.State.DONE,
        is_solved=False,
        completed_at=NOW - timedelta(days=2),
    )
    texts = reasons_of(propose(municipality))
    assert texts == {
        "control_call_failed": f"Контрольный звонок по обращению {appeal.number}: заявитель "
        "говорит, что проблема не решена"
    }


def test_new_appeal_within_100_m_of_closed_work_is_a_durability_failure(appeal_at, municipality):
    closed = appeal_at(Status.CLOSED, days_ago=40)
    appeal_at(Status.REGISTERED, east=60, days_ago=5)
    points = propose(municipality)
    assert len(points) == 1
    assert points[0].key == f"appeal:{closed.pk}"
    assert reasons_of(points) == {
        "durability": f"Работы по обращению {closed.number} закрыты "
        f"{localtime(closed.closed_at):%d.%m.%Y}, а в 100 м от места пришло новое обращение "
        "той же рубрики"
    }


def test_work_closed_last_year_is_proposed_when_its_season_comes(appeal_at, municipality, roads):
    done = appeal_at(Status.CLOSED, days_ago=200)
    SeasonRule.objects.create(
        name="дорожное покрытие после оттепели", category=roads, start_month=3, end_month=4,
        end_day=30, weight=2,
    )  # fmt: skip
    points = propose(municipality)
    assert reasons_of(points) == {
        "season": f"Сезон «дорожное покрытие после оттепели»: здесь "
        f"{localtime(done.answered_at):%d.%m.%Y} закрыты работы по обращению {done.number} (Ямы)"
    }
    assert points[0].score == 2
    june = DAY.replace(month=6, day=15)
    assert propose(municipality, day=june, now=NOW) == []


def test_default_season_rules_are_seeded_only_for_existing_categories(roads):
    assert seed_default_rules() == 1
    rule = SeasonRule.objects.get()
    assert (rule.name, rule.category, rule.start_month, rule.end_month) == (
        "дорожное покрытие после оттепели",
        roads,
        3,
        4,
    )
    assert seed_default_rules() == 0


def test_active_incident_is_proposed_at_its_centre(region, municipality, category):
    lat, lon = point(300, 300)
    incident = Incident.objects.create(
        region=region, municipality=municipality, category=category, title="Ямы на ул. Ленина",
        center_lat=lat, center_lon=lon, radius_m=80, first_appeal_at=NOW - timedelta(days=2),
        last_appeal_at=NOW - timedelta(hours=3), appeal_count=5,
    )  # fmt: skip
    points = propose(municipality)
    assert [(p.key, p.latitude, p.longitude) for p in points] == [
        (f"incident:{incident.pk}", lat, lon)
    ]
    assert reasons_of(points) == {
        "incident": "Активный инцидент «Ямы на ул. Ленина»: 5 обращений — осмотреть окрестности"
    }
    assert points[0].sources["incidents"] == [incident.pk]
    Incident.objects.filter(pk=incident.pk).update(state=Incident.State.CLOSED)
    assert propose(municipality) == []


def test_instructions_reported_or_near_their_deadline_need_a_check(
    region, municipality, organization, operator
):
    def instruction(state, due_days, east):
        lat, lon = point(east, 0)
        return Instruction.objects.create(
            region=region, organization=organization, issued_by=operator,
            issued_at=NOW - timedelta(days=10), text="Отремонтировать тротуар",
            latitude=lat, longitude=lon, due_at=NOW + timedelta(days=due_days), state=state,
        )  # fmt: skip

    reported = instruction(Instruction.State.REPORTED, 5, 0)
    due = instruction(Instruction.State.ISSUED, 2, 500)
    instruction(Instruction.State.ISSUED, 20, 1000)  # far from its deadline
    instruction(Instruction.State.DONE, 2, 1500)
    texts = {p.key: p.reasons[0]["text"] for p in propose(municipality)}
    assert texts == {
        f"instruction:{reported.pk}": f"Поручение № {reported.pk}: исполнитель доложил об "
        "исполнении — проверить на месте",
        f"instruction:{due.pk}": f"Поручение № {due.pk}: срок "
        f"{localtime(due.due_at):%d.%m.%Y} — проверить ход исполнения на месте",
    }


def test_forecast_above_usual_proposes_the_places_of_the_topic(
    appeal_at, region, municipality, roads
):
    for east in (0, 30, 2000):
        appeal_at(Status.REGISTERED, east=east, days_ago=100)
    assert propose(municipality) == []  # no forecast made: nothing, and no error
    monday = DAY - timedelta(days=DAY.weekday())
    WeeklyForecast.objects.create(
        region=region, municipality=municipality, group=roads, week=monday,
        made_at=NOW - timedelta(days=7), expected=12, low=8, high=16, model_version="t",
    )  # fmt: skip
    points = propose(municipality)
    assert len(points) == 1  # the single appeal 2 km away is no place of the topic
    assert reasons_of(points) == {
        "forecast": "Прогноз: на этой неделе по теме «Дороги» ожидается больше обращений, чем "
        "обычно (около 12 против 0); отсюда за год пришло 2 таких обращения"
    }


def test_appeals_of_a_private_category_never_become_points(
    appeal_at, municipality, citizen, private_category
):
    appeal = appeal_at(Status.ANSWERED, days_ago=20, category=private_category)
    appeals.rate_answer(appeal=appeal, actor=citizen, score=1, is_solved=False, now=NOW)
    assert propose(municipality, now=NOW + timedelta(hours=1)) == []
