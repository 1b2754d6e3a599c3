"""clean_text: NFC, and no bidi controls, zero-width characters or other invisible formats."""

import pytest

from otklik.lib.plaintext import clean_text

INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069",
    "\ufeff", "\u00ad", "\u2060", "\u061c", "\U000e0041",
]  # fmt: skip


@pytest.mark.parametrize("char", INVISIBLE)
def test_every_invisible_format_character_goes(char):
    assert clean_text(f"Ули{char}ца Ле{char}нина") == "Улица Ленина"


def test_text_is_composed_to_nfc():
    assert clean_text("Йошкар-Ола, е\u0308лка") == "Йошкар-Ола, ёлка"
    assert clean_text("И\u0306") == "Й"


def test_plain_text_lines_and_visible_signs_are_kept():
    text = "Яма 30×40 см\nна\tМосковской — «срочно» 👍 \u0600"
    assert clean_text(text) == text


def test_nothing_is_an_empty_text():
    assert clean_text(None) == ""
    assert clean_text("") == ""
