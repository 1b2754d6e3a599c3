"""Address keys: the normalised words of street and settlement names and of house numbers, as
the address register stores them (`Street.search_key`, `Street.settlement_key`,
`House.number_key`) and as the search compares them. Pure functions of text; no database.

Lower case, «ё» as «е», street types («ул.», «улица», «пр-кт», «проспект»…) and house markers
(«д.», «дом», «№») left out; each word stored after a space, so that a word prefix is a plain
substring match. House numbers: «12 А» and «12а» are «12а», «5, корп. 2» is «5к2», «7 стр. 1»
is «7с1».
"""

from __future__ import annotations

import re

# Abbreviations of street types, settlements and house parts: never words of a name.
ABBREVIATIONS = frozenset(
    [
        "ул",
        "пр",
        "пр-т",
        "пр-кт",
        "просп",
        "пер",
        "б-р",
        "бул",
        "бульв",
        "пл",
        "ш",
        "наб",
        "туп",
        "пр-д",
        "мкр",
        "мкр-н",
        "кв-л",
        "д",
        "дом",
        "г",
        "гор",
        "с",
        "село",
        "пос",
        "п",
        "рп",
        "пгт",
        "дер",
        "х",
        "обл",
        "р-н",
        "рн",
        "р",
        "респ",
        "кв",
        "корп",
        "корпус",
        "к",
        "стр",
        "строение",
        "лит",
        "литера",
        "вл",
        "влд",
        "домовладение",
    ]
)
# Full street types: left out when the name has other words (ул. Набережная keeps its word).
STREET_TYPES = frozenset(
    [
        "улица",
        "проспект",
        "переулок",
        "бульвар",
        "площадь",
        "шоссе",
        "набережная",
        "тупик",
        "проезд",
        "микрорайон",
        "аллея",
        "квартал",
        "линия",
    ]
)
PLACE_TYPES = frozenset(
    ["город", "село", "поселок", "деревня", "хутор", "станица", "область", "район"]
)
_TOKEN = re.compile(r"[а-яa-z0-9]+(?:[-/][а-яa-z0-9]+)*")
_CORPUS = {"корп": "к", "корпус": "к", "к": "к", "стр": "с", "строение": "с"}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower().replace("ё", "е"))


def _words(tokens: list[str]) -> list[str]:
    """The words of a name: abbreviations out, hyphenated words split («60-летия» → 60 летия),
    full type words out when other words remain."""
    words: list[str] = []
    for token in tokens:
        if token in ABBREVIATIONS:
            continue
        words.extend(part for part in re.split(r"[-]", token) if part)
    kept = [w for w in words if w not in STREET_TYPES and w not in PLACE_TYPES]
    return kept or words


def _key(words: list[str]) -> str:
    return "".join(f" {w}" for w in words)


def street_key(name: str) -> str:
    """« московская» for «ул. Московская»; « 60 летия ссср» for «пр-кт 60-летия СССР»."""
    return _key(_words(_tokens(name)))


def settlement_key(name: str) -> str:
    return _key(_words(_tokens(name)))


def house_key(number: str) -> str:
    """«12а» for «12 А» or «д. 12а»; «5к2» for «5, корп. 2»; «7с1» for «7 стр. 1»."""
    tokens = [t for t in _tokens(number) if t not in ("д", "дом")]
    key, i = "", 0
    while i < len(tokens):
        token = tokens[i]
        if not key:
            key = token
        elif token in _CORPUS and i + 1 < len(tokens):
            key += _CORPUS[token] + tokens[i + 1]
            i += 1
        elif len(token) == 1 or token.isdigit():
            key += token
        i += 1
    return key[:40]
