"""The review queue finds answers and postponement requests by the appeal's number, words of
its text (other word forms too) or address; any input is safe; the search survives paging."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.appeals import services
from otklik.appeals.workflow import Status
from otklik.office import review

URL = "/office/review/"
ANSWER = "Освещение восстановлено 12.03.2026: заменены две лампы, опора проверена."
LONG_ANSWER = (
    "Здравствуйте! Сообщаем, что по вашему обращению выполнен ямочный ремонт покрытия "
    "проезжей части на участке у дома 12 горячей асфальтобетонной смесью, работы приняты "
    "мастером участка."
)


@pytest.fixture
def waiting(appeal_in, executor):
    """Two answers under review and a postponement request, about different places."""
    pothole = appeal_in(Status.IN_PROGRESS)
    lamp = appeal_in(
        Status.IN_PROGRESS,
        text="Не горит фонарь у остановки, вечером темно.",
        address="г. Липецк, пр. Победы, 29",
    )
    postponed = appeal_in(
        Status.IN_PROGRESS,
        text="Разрушен бордюр во дворе, машины заезжают на газон.",
        address="г. Липецк, ул. Гагарина, 5",
    )
    services.submit_answer(appeal=pothole, actor=executor, text=LONG_ANSWER)
    services.submit_answer(appeal=lamp, actor=executor, text=ANSWER)
    services.request_postponement(
        appeal=postponed,
        actor=executor,
        new_due_date=timezone.localdate(postponed.due_at) + timedelta(days=10),
        reason="Нужна экспертиза покрытия",
    )
    return pothole, lamp, postponed


def listed(response) -> tuple[list[str], list[str]]:
    answers = [a.appeal.number for a in response.context["answers"].object_list]
    postponements = [p.appeal.number for p in response.context["postponements"].object_list]
    return answers, postponements


def test_the_search_finds_by_word_forms_of_the_text(client, operator, waiting):
    pothole, lamp, postponed = waiting
    client.force_login(operator)
    assert listed(client.get(URL, {"q": "фонари"})) == ([lamp.number], [])
    assert listed(client.get(URL, {"q": "бордюры"})) == ([], [postponed.number])
    assert listed(client.get(URL)) == (
        [pothole.number, lamp.number],
        [postponed.number],
    )


def test_the_search_finds_by_number_and_address(client, operator, waiting):
    _, lamp, postponed = waiting
    client.force_login(operator)
    assert listed(client.get(URL, {"q": lamp.number})) == ([lamp.number], [])
    assert listed(client.get(URL, {"q": "Гагарина"})) == ([], [postponed.number])


def test_nothing_found_says_so_and_keeps_the_query(client, operator, waiting):
    client.force_login(operator)
    html = client.get(URL, {"q": "трамвай"}).content.decode()
    assert "Среди ответов на проверке ничего не найдено." in html
    assert 'value="трамвай"' in html


@pytest.mark.parametrize("query", ["\x00", "а" * 500, "'; DROP TABLE x; --", "!!! ???", " "])
def test_any_query_is_safe(client, operator, waiting, query):
    client.force_login(operator)
    assert client.get(URL, {"q": query}).status_code == 200


def test_the_queue_shows_the_answer_cut_on_a_word_boundary(client, operator, waiting):
    client.force_login(operator)
    html = client.get(URL).content.decode()
    assert ANSWER in html  # short: whole
    shown = LONG_ANSWER[: LONG_ANSWER.rfind(" ", 0, 140)]
    assert f"{shown}…" in html
    assert LONG_ANSWER not in html


def test_paging_keeps_the_search(client, operator, appeal_in, executor, monkeypatch):
    for _ in range(3):
        appeal = appeal_in(Status.IN_PROGRESS, text="Не горит фонарь во дворе.")
        services.submit_answer(appeal=appeal, actor=executor, text=ANSWER)
    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    client.force_login(operator)
    html = client.get(URL, {"q": "фонарь"}).content.decode()
    assert "?q=%D1%84%D0%BE%D0%BD%D0%B0%D1%80%D1%8C&amp;page=2&amp;" in html
