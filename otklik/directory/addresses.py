"""The region's address register: normalised Russian addresses and the search over them.

Addresses are compared as words: lower case, «ё» as «е», street types («ул.», «улица»,
«пр-кт», «проспект»…) and house markers («д.», «дом», «№») left out, word order free, each typed
word a prefix of a word of the street. A street's words are stored after a space
(`Street.search_key` « московская»), so a word prefix is a plain substring match that SQLite and
PostgreSQL both answer from the region's streets (a few thousand rows even for a big region);
houses are then read through their street's index. House numbers are normalised too: «12 А» and
«12а» are «12а», «5, корп. 2» is «5к2», «7 стр. 1» is «7с1». The keys themselves are computed in
address_keys.py (the models use them too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

# ABBREVIATIONS and house_key are re-exported for address_text.py, which reads them from here.
from .address_keys import _CORPUS, ABBREVIATIONS, _tokens, _words, house_key  # noqa: F401
from .models import House, Region, Street

# Street types as typed → one spelling, to put the typed type first («пр-т Победы 3»).
STREET_KINDS = {
    **dict.fromkeys(["ул", "улица"], "ул"),
    **dict.fromkeys(["пр", "пр-т", "пр-кт", "просп", "проспект"], "пр-кт"),
    **dict.fromkeys(["пер", "переулок"], "пер"),
    **dict.fromkeys(["б-р", "бул", "бульв", "бульвар"], "б-р"),
    **dict.fromkeys(["пл", "площадь"], "пл"),
    **dict.fromkeys(["ш", "шоссе"], "ш"),
    **dict.fromkeys(["пр-д", "проезд"], "пр-д"),
}
_HOUSE = re.compile(r"^\d{1,5}[а-я]?(?:/\d{1,4}[а-я]?)?$")
MAX_QUERY = 200
MAX_STREETS = 60


@dataclass(frozen=True)
class Query:
    """A typed address, taken apart: the words to find and the house number, if any."""

    words: tuple[str, ...]  # letters (and numbers of names like «50 лет НЛМК»)
    numbers: tuple[str, ...]  # house-like tokens, in order; one of them may be a name's number
    house_parts: dict  # number → the key with its letter or corpus («12» → «12а»)
    kind: str = ""  # the street type typed, as `street_kind` gives it («пр-кт» for «проспект»)


def parse_query(text: str) -> Query:
    tokens = _tokens((text or "")[:MAX_QUERY])
    words, numbers, parts = [], [], {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if _HOUSE.match(token):
            key = token
            rest = tokens[i + 1 : i + 3]
            if rest and len(rest[0]) == 1 and rest[0] not in _CORPUS and rest[0].isalpha():
                key += rest[0]
                i += 1
            elif len(rest) == 2 and rest[0] in _CORPUS and rest[1].isdigit():
                key += _CORPUS[rest[0]] + rest[1]
                i += 2
            numbers.append(token)
            parts[token] = key
        else:
            words.append(token)
        i += 1
    kinds = [STREET_KINDS[w] for w in words if w in STREET_KINDS]
    return Query(tuple(_words(words)), tuple(numbers), parts, kinds[0] if kinds else "")


def street_kind(name: str) -> str:
    """The street's type in one spelling: «пр-кт» for «пр-кт Победы» and «проспект Победы»."""
    return next((STREET_KINDS[t] for t in _tokens(name) if t in STREET_KINDS), "")


@dataclass(frozen=True)
class AddressMatch:
    """One suggestion: a house (or a street when no number was typed) with its point."""

    label: str  # «ул. Московская, д. 12, г. Липецк»
    address: str  # the postal-style address stored on an appeal
    latitude: float
    longitude: float
    municipality_id: int
    municipality: str
    house_id: int | None = None

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "address": self.address,
            "lat": round(self.latitude, 6),
            "lon": round(self.longitude, 6),
            "municipality": self.municipality,
            "municipality_id": self.municipality_id,
        }


def postal_address(region: Region, street: Street, house: House | None) -> str:
    """«Липецкая область, г. Липецк, ул. Московская, д. 12»."""
    parts = [region.name, street.settlement, street.name]
    if house is not None:
        parts.append(f"д. {house.number}")
    return ", ".join(p for p in parts if p)


def _rank(street: Street, words: tuple[str, ...], kind: str) -> tuple:
    key_words = street.search_key.split()
    exact = sum(1 for w in words if w in key_words)
    in_street = sum(1 for w in words if any(k.startswith(w) for k in key_words))
    other_kind = bool(kind) and street_kind(street.name) != kind
    return (-in_street, other_kind, -exact, len(key_words), street.settlement, street.name)


def _streets(
    region: Region, words: tuple[str, ...], municipality=None, kind: str = ""
) -> list[Street]:
    """Streets whose words (or their settlement's) start with every typed word, best first."""
    query = Street.objects.filter(region=region).select_related("municipality")
    if municipality is not None:
        query = query.filter(municipality=municipality)
    for word in words:
        query = query.filter(
            Q(search_key__contains=f" {word}") | Q(settlement_key__contains=f" {word}")
        )
    streets = [
        s
        for s in query[:MAX_STREETS]
        if any(k.startswith(w) for w in words for k in s.search_key.split())
    ]
    return sorted(streets, key=lambda s: _rank(s, words, kind))


def search_addresses(
    *, region: Region, query: str, limit: int = 8, municipality=None
) -> list[AddressMatch]:
    """The best few addresses of the region's register for what a citizen typed: houses when a
    number was typed (exact first, then numbers that start with it), streets otherwise."""
    parsed = parse_query(query)
    words = tuple(w for w in parsed.words if len(w) >= 2 or w.isdigit())
    if not words or not any(not w.isdigit() for w in words):
        return []
    limit = max(1, min(limit, 20))
    streets = _streets(region, words, municipality, parsed.kind)
    if not streets:
        return []
    numbers = [n for n in parsed.numbers if not any(n in s.search_key.split() for s in streets)]
    if not numbers:
        return _street_matches(region, streets, limit)
    wanted = parsed.house_parts[numbers[-1]]
    by_street = {s.pk: s for s in streets}
    houses = list(
        House.objects.filter(street__in=streets, number_key__startswith=numbers[-1]).order_by(
            "number_key"
        )[:500]
    )
    order = {s.pk: i for i, s in enumerate(streets)}
    houses.sort(
        key=lambda h: (
            h.number_key != wanted,
            not h.number_key.startswith(wanted),
            order[h.street_id],
            len(h.number_key),
            h.number_key,
        )
    )
    if not houses:  # a number the register does not know: the street, to pin by hand
        return _street_matches(region, streets, limit)
    return [_house_match(region, by_street[h.street_id], h) for h in houses[:limit]]


def _street_matches(region: Region, streets: list[Street], limit: int) -> list[AddressMatch]:
    return [_house_match(region, s, None) for s in streets if s.center_lat is not None][:limit]


def _house_match(region: Region, street: Street, house: House | None) -> AddressMatch:
    """The suggestion of a house, or of the street (at its middle) when `house` is None."""
    number = f", д. {house.number}" if house is not None else ""
    return AddressMatch(
        label=f"{street.name}{number}, {street.settlement}",
        address=postal_address(region, street, house),
        latitude=house.latitude if house is not None else street.center_lat,
        longitude=house.longitude if house is not None else street.center_lon,
        municipality_id=street.municipality_id,
        municipality=street.municipality.name,
        house_id=house.pk if house is not None else None,
    )
