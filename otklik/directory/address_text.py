"""Finding a house of the address register in free text: an appeal's address field or its text.

People write «ул. Московская, д. 12», «у дома 12 (ул. Московская)», «возле дома № 12 по
Московской улице», «в Грязях на ул. Ленина, у дома 5». The text is cut into words; a street of
the register is found where all its words stand together (a word matches in another case:
«Московской» for «Московская»), and a house number next to it — after it, or before it behind
«дом»/«д.»/«№». The same street in several settlements needs the appeal's municipality or the
settlement named in the text; otherwise nothing is found (a wrong pin is worse than none).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from .addresses import (
    _CORPUS,
    _HOUSE,
    ABBREVIATIONS,
    AddressMatch,
    _house_match,
    _tokens,
    house_key,
)
from .models import House, Region, Street

MAX_TEXT = 5000
AFTER = 4  # a house number at most this many words after the street
BEFORE = 4  # or before it, behind a house marker
_MARKERS = frozenset({"д", "дом", "дома", "доме", "домом", "№", "n"})
_REGION_WORDS = frozenset({"обл", "область", "области", "края", "край", "республика"})


def _stem(word: str) -> str:
    return word if len(word) <= 4 or word.isdigit() else word[: len(word) - 2]


def _same(text_word: str, key_word: str) -> bool:
    """«московской» is «московская»; numbers and short words must be equal."""
    if key_word.isdigit() or len(key_word) <= 3:
        return text_word == key_word
    return text_word.startswith(_stem(key_word)) and abs(len(text_word) - len(key_word)) <= 3


@dataclass(frozen=True)
class TextMatch:
    """A house found in text, with the words that named it."""

    match: AddressMatch
    found: str  # the words of the text that named the place


def _text_tokens(text: str) -> list[str]:
    """Words of the text with «№» kept and the region's own name («Липецкая обл.») left out."""
    tokens = _tokens((text or "")[:MAX_TEXT].replace("№", " n "))
    drop = {i - 1 for i, t in enumerate(tokens) if t in _REGION_WORDS}
    kept = [t for i, t in enumerate(tokens) if i not in drop]
    # «60-летия» as the register keeps it: «60», «летия»; «пр-кт» stays one abbreviation.
    return [p for t in kept for p in ([t] if t in ABBREVIATIONS else t.split("-")) if p]


def _candidates(region: Region, tokens: list[str], municipality) -> list[Street]:
    stems = {_stem(t) for t in tokens if len(t) >= 4 and not t.isdigit()}
    if not stems:
        return []
    condition = Q()
    for stem in stems:
        condition |= Q(search_key__contains=f" {stem}")
    query = Street.objects.filter(region=region).filter(condition).select_related("municipality")
    if municipality is not None:
        query = query.filter(municipality=municipality)
    return list(query[:2000])


def _mentions(tokens: list[str], key_words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each place where all the street's words stand together, in any order,
    abbreviations («ул.», «д.») between them allowed."""
    found = []
    size = len(key_words)
    for start, first in enumerate(tokens):
        if first in ABBREVIATIONS or not any(_same(first, k) for k in key_words):
            continue
        window, end = [], start
        while end < len(tokens) and len(window) < size:
            if tokens[end] not in ABBREVIATIONS:
                window.append(tokens[end])
            end += 1
        if len(window) == size and all(any(_same(w, k) for w in window) for k in key_words):
            found.append((start, end))
    return found


def _house_near(tokens: list[str], start: int, end: int) -> str | None:
    """The house number written next to a street mention, as a house key: right after it
    («ул. Зегеля, 19»), or behind a house marker after it («…, д. 19», «у дома 19») or before
    it («у дома 19 (ул. Зегеля)»). A bare number further on is something else («15 градусов»)."""
    if end < len(tokens) and _HOUSE.match(tokens[end]):
        return _number_at(tokens, end)
    for i in range(end + 1, min(len(tokens), end + AFTER)):
        if _HOUSE.match(tokens[i]) and tokens[i - 1] in _MARKERS:
            return _number_at(tokens, i)
    for i in range(start - 1, max(0, start - BEFORE - 1), -1):
        if _HOUSE.match(tokens[i]) and tokens[i - 1] in _MARKERS:
            return _number_at(tokens, i)
    return None


def _number_at(tokens: list[str], i: int) -> str:
    """The house key at token `i`: «12а» as written, «5 корп. 2»; a letter apart is a word of
    the sentence («у дома 12 и …», «12 в подъезде»), not a house letter."""
    rest = tokens[i + 1 : i + 3]
    if len(rest) == 2 and rest[0] in _CORPUS and rest[1].isdigit():
        return house_key(f"{tokens[i]} {rest[0]} {rest[1]}")
    return house_key(tokens[i])


def _settlement_named(tokens: list[str], street: Street) -> bool:
    words = street.settlement_key.split()
    return bool(words) and all(any(_same(t, w) for t in tokens) for w in words)


def find_address_in_text(*, region: Region, text: str, municipality=None) -> TextMatch | None:
    """The register's house that `text` names (street and house number), or None when there is
    none or when it could be one of several places."""
    tokens = _text_tokens(text)
    found: dict[tuple[int, str], tuple[Street, str]] = {}
    for street in _candidates(region, tokens, municipality):
        key_words = street.search_key.split()
        for start, end in _mentions(tokens, key_words):
            number = _house_near(tokens, start, end)
            if number:
                found[(street.pk, number)] = (street, " ".join(tokens[start:end]))
    if not found:
        return None
    # A longer street name wins over a shorter one inside it («Льва Толстого» over «Толстого»).
    longest = max(len(street.search_key.split()) for street, _ in found.values())
    found = {k: v for k, v in found.items() if len(v[0].search_key.split()) == longest}
    named = {k: v for k, v in found.items() if _settlement_named(tokens, v[0])}
    if named:
        found = named
    houses = {
        (h.street_id, h.number_key): h
        for h in House.objects.filter(
            street_id__in={pk for pk, _ in found}, number_key__in={n for _, n in found}
        )
    }
    matches = [(found[k], houses[k]) for k in found if k in houses]
    if len({street.settlement for (street, _), _ in matches}) != 1 or len(matches) != 1:
        return None
    (street, words), house = matches[0]
    return TextMatch(match=_house_match(region, street, house), found=words)
