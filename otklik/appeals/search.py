"""Full-text search over appeals: Russian morphology on PostgreSQL, word stems on SQLite.

PostgreSQL matches `websearch_to_tsquery('russian', …)` against an expression GIN index
(migration 0007), so «ямы на дорогах» finds «яма на дороге». SQLite has no Russian stemmer and
its LIKE folds case only for ASCII, so the fallback cuts common endings off each word and looks
for the stem in lower case and capitalised: cruder, but it finds the usual forms.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

MAX_QUERY = 200
NUMBER = re.compile(r"\d{2}-\d{4}-\d{1,6}")
WORD = re.compile(r"\w+", re.UNICODE)
# Endings of Russian nouns, adjectives and verbs, longest first.
_ENDINGS = (
    "ями ами ого его ому ему ыми ими ешь ете ите ишь ться тся ать ять ить еть уть ой ей ий ый "
    "ая яя ое ее ые ие ых их ую юю ом ем ам ям ах ях ов ев ью ия а я о е ы и у ю ь"
)
ENDINGS = sorted(_ENDINGS.split(" "), key=len, reverse=True)


def search_vector(*, public: bool = False) -> SearchVector:
    """The indexed expression; the query must use exactly this one for the index to apply.
    `public`: over the public copy (personal data masked), for the public search."""
    return SearchVector("public_text" if public else "text", "address", config="russian")


def stem(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if len(word) <= 4:
        # Short nouns change only their last vowel («ямы» → «яма», «лужи» → «лужа»).
        if len(word) >= 3 and word[-1] in "аяоеыиуюь":
            return word[:-1]
        return word
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def search_appeals(appeals: QuerySet, query: str, *, public: bool = False) -> QuerySet:
    """Appeals whose text or address matches every word of `query` (or whose number it is).
    `public`: the public copy of the text instead, so that a masked phone or name finds
    nothing; staff search the original."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    if not query:
        return appeals
    if NUMBER.fullmatch(query):
        return appeals.filter(number=query)
    if connection.vendor == "postgresql":
        return appeals.annotate(search=search_vector(public=public)).filter(
            search=SearchQuery(query, config="russian", search_type="websearch")
        )
    words = [stem(w) for w in WORD.findall(query) if len(w) > 1][:8]
    field = "public_text" if public else "text"
    for word in words:
        forms = {word, word.capitalize(), word.upper()}
        match = Q()
        for form in forms:
            match |= Q(**{f"{field}__contains": form}) | Q(address__contains=form)
        appeals = appeals.filter(match)
    return appeals
