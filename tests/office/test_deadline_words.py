"""`days_left`: the working days to a deadline in words, Russian plurals and English."""

import pytest
from django.utils import translation

from otklik.office.templatetags.deadlines import days_left


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (None, "—"),
        (0, "срок сегодня"),
        (1, "остался 1 раб. день"),
        (3, "осталось 3 раб. дня"),
        (5, "осталось 5 раб. дней"),
        (21, "остался 21 раб. день"),
        (-1, "просрочено на 1 раб. день"),
        (-2, "просрочено на 2 раб. дня"),
        (-11, "просрочено на 11 раб. дней"),
    ],
)
def test_russian_words_with_the_plural_of_the_number(days, words):
    with translation.override("ru"):
        assert days_left(days) == words


def test_english_words():
    with translation.override("en"):
        assert days_left(1) == "1 working day left"
        assert days_left(-4) == "overdue by 4 working days"
        assert days_left(0) == "due today"
