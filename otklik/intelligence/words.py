"""Content words of a Russian text as comparable keys: lemmas (pymorphy3) cut to a short stem,
without function words, address words and the vocabulary every appeal and answer shares.

Two texts about the same thing share keys whatever the word forms («ямы», «яму», «ямочный»;
«дорога», «дорожное»); an answer about street lights and an appeal about a pothole share none.
Lemmas are cached per word, so the same vocabulary costs a dictionary look-up after the first.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[а-яёa-z]+", re.IGNORECASE)
STEM = 4
VOWELS = "аеёиоуыэюяь"

# Function words and the words of any appeal or answer, whatever it is about.
STOP = frozenset(
    """
    а без более бы был была были было быть в вам вас ваш весь во вот все всего вы где да даже
    для до его ее ей если есть еще же за здесь и из или им их к как ко когда который кто ли
    либо мы на над не нет ни но ну о об один она они оно от очень по под после при про с со
    так также то того только тот у уже хотя чем через что чтобы эта эти это этот я
    уважаемый добрый день здравствовать спасибо благодарить просить прошу пожалуйста помочь
    ваш обращение заявитель рассмотреть рассмотрение сообщать сообщить следующий данный
    вопрос информация сведение ответ существо связь настоящий указанный являться иметься
    адрес улица ул дом д город г район область поселок село кв квартира подъезд двор около
    возле напротив рядом год месяц неделя день число время срок дата сегодня вчера завтра
    работа выполнить выполнение провести проведение произвести организация мера необходимый
    проблема состояние житель жилец наш мой свой самый который такой весь каждый очень
    постоянно уже снова опять давно никто ничто ничего нужно можно мочь хотеть стать
    """.split()  # noqa: SIM905
)


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


@lru_cache(maxsize=200_000)
def key(word: str) -> str:
    """The comparable key of one lower-case word: its lemma cut to STEM letters; a short lemma
    loses its final vowel («яма», «ям» → «ям»). Empty for a stop word."""
    base = lemma(word)
    if base in STOP or word in STOP or len(base) < 2:
        return ""
    if len(base) > STEM:
        return base[:STEM]
    return base.rstrip(VOWELS) or base


def keys(text: str, *, exclude: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """The set of content keys of `text`, minus those in `exclude` (e.g. the address's)."""
    found = set()
    for match in WORD.finditer((text or "").lower()):
        k = key(match.group())
        if k and k not in exclude:
            found.add(k)
    return found


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
