"""The masking of personal data in free text (otklik/lib/masking.py), with the names model."""

import subprocess
import sys

import pytest

from otklik.lib import masking, person_names
from tests.lib.masking_cases import cases


def _mask(text: str) -> masking.Masked:
    return masking.mask(text, names=person_names.find_names)


@pytest.mark.parametrize(
    "phone",
    [
        "+7 903 123-45-67",
        "+7(903)123-45-67",
        "8 903 123 45 67",
        "89031234567",
        "8-903-123-45-67",
        "8 (4742) 23-45-67",
        "(903) 123-45-67",
        "903 123–45–67",
    ],
)
def test_a_phone_in_any_russian_format_is_masked(phone):
    masked = _mask(f"Звоните {phone} вечером.")
    assert masked.text == "Звоните [телефон скрыт] вечером."
    assert [(f.kind, f.text) for f in masked.found] == [(masking.PHONE, phone)]


def test_emails_passport_snils_inn_and_flat_are_masked_and_reported():
    text = (
        "Пишите ivanov.p@mail.ru, паспорт 4210 123456, СНИЛС 123-456-789 01, "
        "ИНН 482400123456, ул. Гагарина, д. 5, кв. 12."
    )
    masked = _mask(text)
    assert masked.text == (
        "Пишите [e-mail скрыт], паспорт [паспорт скрыт], СНИЛС [СНИЛС скрыт], "
        "ИНН [ИНН скрыт], ул. Гагарина, д. 5, [квартира скрыта]."
    )
    assert [f.kind for f in masked.found] == ["email", "passport", "snils", "inn", "flat"]


def test_a_greeting_by_name_in_an_answer_is_masked():
    masked = _mask("Уважаемый Никита Дмитриевич! Яма заделана.")
    assert masked.text == "Уважаемый [имя скрыто]! Яма заделана."


def test_names_in_other_cases_and_with_initials_are_masked():
    masked = _mask("Прошу передать ответ Сидоровой А.В. и И.И. Иванову, участковый Петров молчит.")
    for name in ("Сидоровой", "Иванову", "Петров"):
        assert name not in masked.text


def test_streets_named_after_people_dates_and_numbers_stay():
    text = (
        "Яма на ул. Ленина, д. 5, на проспекте Победы и на улице Гагарина, д. 5. "
        "Обращение 48-2026-000123 от 12.05.2026, маршрут 302, дом 45."
    )
    assert _mask(text).text == text


def test_a_text_without_name_like_words_does_not_need_the_names_model():
    assert not masking.needs_names("Во дворе яма, машины бьют колёса. Адрес: ул. Ленина, д. 5.")
    assert masking.needs_names("Сосед Петров шумит.")


def test_the_names_model_is_not_loaded_at_import():
    code = (
        "import sys, otklik.lib.masking, otklik.lib.person_names as p; "
        "assert 'natasha' not in sys.modules and not p.is_loaded()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 (our own code)


def test_a_fixed_part_of_the_bench_set_is_masked():
    for case in cases(40, seed=17):
        masked = _mask(case.text)
        for _kind, fragment in case.planted:
            assert fragment not in masked.text, (fragment, masked.text)
        for distractor in case.distractors:
            assert distractor in masked.text, (distractor, masked.text)
