"""Russian phone numbers as people type them become +7XXXXXXXXXX; others get a clear error."""

import pytest
from django.core.exceptions import ValidationError

from otklik.accounts.phones import normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+7 (900) 123-45-67", "+79001234567"),
        ("8 900 123 45 67", "+79001234567"),
        ("79001234567", "+79001234567"),
        ("9001234567", "+79001234567"),
        ("8 (4742) 22-33-44", "+74742223344"),
        ("  ", ""),
        ("", ""),
    ],
)
def test_typed_numbers_are_normalised(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["12345", "+1 212 555 0100", "+7 900 123-45-6", "8 900 123-45-678", "телефон", "0001234567",
     "+79001234567 доб. 5", "+8 900 123-45-67"],
)  # fmt: skip
def test_what_cannot_be_a_russian_number_is_refused_with_an_example(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "+7" in error.value.messages[0]
