"""Excerpts for lists end on a whole word with «…», never inside a word, and never exceed the
limit."""

from hypothesis import given
from hypothesis import strategies as st

from otklik.lib.excerpts import excerpt

ANSWER = (
    "Здравствуйте! Ямочный ремонт на участке у дома 12 выполнен 12.03.2026 горячей "
    "асфальтобетонной смесью."
)


def test_a_short_text_is_shown_whole_on_one_line():
    assert excerpt("Яма  на\nдороге ", 40) == "Яма на дороге"


def test_a_long_text_is_cut_after_the_last_whole_word_with_an_ellipsis():
    cut = excerpt(ANSWER, 60)
    assert cut == "Здравствуйте! Ямочный ремонт на участке у дома 12 выполнен…"
    assert len(cut) <= 60


def test_dangling_punctuation_is_dropped_before_the_ellipsis():
    assert excerpt("Яма, лужа, грязь и мусор во дворе", 12) == "Яма, лужа…"


def test_a_single_overlong_word_is_cut_to_the_limit():
    assert excerpt("https://example.ru/" + "a" * 80, 20) == "https://example.ru/…"


words = st.lists(
    st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789.,", min_size=1, max_size=15),
    min_size=1,
    max_size=40,
)


@given(words=words, limit=st.integers(min_value=2, max_value=200))
def test_an_excerpt_is_a_start_of_whole_words_within_the_limit(words, limit):
    text = " ".join(words)
    cut = excerpt(text, limit)
    assert len(cut) <= limit
    if cut == text:
        return
    body = cut.removesuffix("…")
    assert cut.endswith("…") and text.startswith(body)
    if " " in text[:limit] and len(words[0]) < limit:
        # Cut between words: the next character of the text is not a letter of the same word.
        assert not text[len(body)].isalnum() or not body[-1:].isalnum()
