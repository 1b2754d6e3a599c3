"""Personal data in free text: find it and mask it for the public copy of an appeal or answer.

Pure (no Django): `mask(text)` returns the masked text and what was found (kind, place,
fragment) so that moderation can show the masks. Rules, in order of precedence:

- numbers named by their context word or written in their own format: passport (series and
  number), СНИЛС, ИНН, then phones in every Russian format (+7/8, brackets, dashes, spaces),
  e-mails, flat numbers («кв. 15», «квартира 15»: the house and the street stay);
- people's names: a Russian NER model (natasha's, `person_names.py`, loaded on first use) plus
  regex rules for initials and «Имя Отчество»; a name right after a street word («ул. Ленина»,
  «проспект Победы», «улица Гагарина, д. 5») is an address, and addresses are public.

The NER model costs tens of milliseconds a text: `needs_names(text)` is a cheap look for any
word that may be a name, and the model runs only where it says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PHONE, EMAIL, PASSPORT, SNILS, INN, FLAT, NAME = (
    "phone",
    "email",
    "passport",
    "snils",
    "inn",
    "flat",
    "name",
)
KINDS = (PHONE, EMAIL, PASSPORT, SNILS, INN, FLAT, NAME)
# What replaces each kind when the caller gives no translated placeholders.
DEFAULT_PLACEHOLDERS = {
    PHONE: "[телефон скрыт]",
    EMAIL: "[e-mail скрыт]",
    PASSPORT: "[паспорт скрыт]",
    SNILS: "[СНИЛС скрыт]",
    INN: "[ИНН скрыт]",
    FLAT: "[квартира скрыта]",
    NAME: "[имя скрыто]",
}


@dataclass(frozen=True)
class Found:
    """One fragment of personal data: its kind and where it is in the original text."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Masked:
    text: str
    found: tuple[Found, ...]


_DASH = r"[\-\u2010-\u2015\u2212]"
_SEP = rf"(?:[ \t\u00a0]{{0,2}}{_DASH}?[ \t\u00a0]{{0,2}}|\.)"
# Candidates: digits with the separators people put in phones; the digit count decides.
_PHONE = re.compile(
    rf"(?<![\w+@/.\-\u2010-\u2015])(?:\+[ \t]?)?(?:\d{_SEP})?\(?[ ]?\d{{3,5}}[ ]?\)?{_SEP}"
    rf"\d{{1,3}}{_SEP}\d{{1,2}}{_SEP}\d{{2}}(?:{_SEP}\d{{2}})?(?![\d@])"
)
# A local number only with its context word: «тел. 72-34-56».
_LOCAL_PHONE = re.compile(
    rf"(?i)(?:\bтел\b\.?|\bтелефон\w*|\bмоб\b\.?|\bсот\b\.?|\bзвонить)[\s:,]*"
    rf"(?:по\s+(?:номеру\s+)?)?(\d{{1,3}}{_DASH}\d{{2}}{_DASH}\d{{2}})(?!\d)"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}", re.UNICODE)
_PASSPORT = re.compile(
    r"(?i)(?:паспорт\w*|серия)[^\d\n]{0,25}?"
    r"(\d{2}[ \u00a0]?\d{2}[\s,]*(?:(?:№|номер|н\.)[\s:]*)?\d{6})(?!\d)"
)
_PASSPORT_BARE = re.compile(r"(?<![\d\w])(\d{2}[ \u00a0]\d{2}[ \u00a0]\d{6})(?![\d\w])")
_SNILS = re.compile(
    rf"(?<![\d\w])(\d{{3}}{_DASH}\d{{3}}{_DASH}\d{{3}}[ \u00a0{_DASH[1:-1]}]\d{{2}})(?!\d)"
)
_SNILS_CONTEXT = re.compile(r"(?i)снилс[\s:№]*((?:\d[\s\-]?){10}\d)(?!\d)")
_INN = re.compile(r"(?i)\bинн\b[\s:№]*(\d{12}|\d{10})(?!\d)")
_INN_BARE = re.compile(r"(?<![\d\w])(\d{12})(?![\d\w])")
_FLAT = re.compile(
    r"(?i)(?<![\w])(?:кв\.?|квартир[аеуыой]{0,2}|кв-р[аеу]?)[ \t\u00a0]*(?:№[ \t]*)?"
    r"\d{1,4}[а-я]?(?![\d\w])"
)

# Words after which a capitalised word is part of an address or a place, not a person.
_PLACE_WORDS = (
    r"ул|улиц\w*|пр|пр-т\w*|просп|проспект\w*|пер|переул\w*|бул|б-р|бульвар\w*|пл|площад\w*|"
    r"ш|шоссе|наб|набережн\w*|пр-д|проезд\w*|туп|тупик\w*|мкр|микрорайон\w*|им|имени|"
    r"сквер\w*|парк\w*|алле\w*|станци\w*|ст|пос|посёлк\w*|поселк\w*|пгт|с|село|сел[ае]|"
    r"д|дер|деревн\w*|г|город\w*|район\w*|остановк\w*|школ\w*|гимнази\w*|лице\w*|больниц\w*"
)
_PLACE_BEFORE = re.compile(rf"(?i)(?:^|[\s,(«\"])(?:{_PLACE_WORDS})\.?[\s\u00a0]*$")
_PLACE_AFTER = re.compile(
    r"(?i)^[\s,]*(?:ул\b|улиц\w*|проспект\w*|пр-т|переул\w*|бульвар\w*|площад\w*|шоссе|"
    r"набережн\w*|проезд\w*|д\.\s*\d|дом\s+\d)"
)
_CAP = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_PATRONYMIC = r"[А-ЯЁ][а-яё]+(?:вич|вн|ичн|инич|ьич)[а-яё]{0,3}"
_NAME_RULES = (
    # «Иванов И. И.», «Иванову И.И.»
    re.compile(
        rf"(?<![\w.]){_CAP}[ \u00a0]+[А-ЯЁ]\.[ \u00a0]?[А-ЯЁ]\.(?![\w])(?![ \u00a0]?[А-ЯЁ][а-яё])"
    ),
    # «И. И. Иванов»
    re.compile(rf"(?<![\w.])[А-ЯЁ]\.[ \u00a0]?[А-ЯЁ]\.[ \u00a0]?{_CAP}"),
    # «(Иванов) Никита Дмитриевич», «Никиты Дмитриевича (Иванова)»
    re.compile(
        rf"(?<![\w])(?:{_CAP}[ \u00a0]+)?{_CAP}[ \u00a0]+{_PATRONYMIC}(?![\w])"
        rf"(?:[ \u00a0]+{_CAP}(?![\w]))?"
    ),
)
# Cheap test for «may contain a name»: words shaped like Russian surnames, first names from a
# short list, patronymics, initials, and the words that introduce a person.
_SURNAME_SHAPE = re.compile(
    r"(?<![\w])[А-ЯЁ][а-яё]{1,}(?:ов|ев|ёв|ин|ын|ко|ук|юк|ич|ян|дзе|швили|ова|ева|ёва|ина|ына|"
    r"ову|еву|ину|ыну|овой|евой|иной|ыной|овым|евым|иным|ыным)(?![\w])"
)
# Surnames shaped like adjectives («Толстой», «Достоевский») count only inside a sentence:
# at its start the same endings are any adjective («Горячая», «Третий»).
_ADJECTIVE_SURNAME = re.compile(
    r"(?<![.!?…]\s)(?<![.!?…])(?<!^)(?<=\s)[А-ЯЁ][а-яё]{2,}"
    r"(?:ий|ой|ая|их|ых|ого|ому|ской|цкой|ских|ский|цкий|ская|цкая|скому|ского)(?![\w])"
)
_WINDOW = 80  # characters each side of a name-like word that the model reads
_DIGIT = re.compile(r"\d")
# Capitalised words at the start of a sentence that only look like surnames.
_NOT_SURNAMES = frozenset(
    "сколько только около недалеко далеко высоко глубоко рассмотрев проверив осмотрев "  # noqa: SIM905
    "сообщив учитывая однако кроме помимо".split()
)
_FIRST_NAMES = (  # noqa: SIM905 (a word list reads better as text)
    "александр алексей анатолий андрей антон аркадий артём артем борис вадим валентин валерий "
    "василий виктор виталий владимир владислав вячеслав геннадий георгий глеб григорий даниил "
    "денис дмитрий евгений егор иван игорь илья кирилл константин лев леонид максим марк "
    "матвей михаил никита николай олег павел пётр петр роман руслан сергей станислав степан "
    "тимофей тимур фёдор федор юрий ярослав александра алина алла анастасия анна антонина "
    "валентина валерия вера вероника галина дарья диана евгения екатерина елена елизавета "
    "жанна зинаида зоя инна ирина карина кристина ксения лариса лидия любовь людмила маргарита "
    "марина мария надежда наталья наталия нина оксана ольга полина раиса светлана софья "
    "тамара татьяна ульяна юлия яна"
).split()
_NAME_STEMS = sorted(
    {(n[:-1] if n[-1] in "аяйь" and len(n) > 3 else n).capitalize() for n in _FIRST_NAMES},
    key=len,
    reverse=True,
)
# A first name in any case: «Пётр», «Петра», «Петром», «Марией», «Любовью».
_FIRST_NAME = re.compile(
    rf"(?<![\w])(?:{'|'.join(_NAME_STEMS)})"
    r"(?:[аеиоуыюяйь]|ом|ем|ой|ей|ою|ею|ью|ия|ии|ию|ией)?(?![\w])"
)
_PERSON_CUES = re.compile(
    r"(?i:уважаем\w*|гражданин\w*|гражданк\w*|гр\.|заявител\w*|сосед\w*|зовут|участков\w*|"
    r"директор\w*|мастер\w*|инженер\w*|начальник\w*|глав[аеуы]|председател\w*|"
    r"руководител\w*|депутат\w*|врач\w*|инспектор\w*|диспетчер\w*)"
    r"[\s:,]+(?:УК\s+|ЖЭУ\s+|ТСЖ\s+)?[А-ЯЁ]|"
    r"(?i:фио|ф\.и\.о)|[А-ЯЁ]\.\s?[А-ЯЁ]\."
)

# Words that open a greeting or a reference to a person and are no part of the name.
_NOT_NAMES = re.compile(
    r"(?i)(?:уважаем|дорог|гражданин|гражданк|господин|госпож|товарищ|сосед|заявител|"
    r"участков|директор|мастер|инженер|глав|начальник|председател|руководител|депутат|врач|"
    r"инспектор|специалист|прораб|диспетчер|слесар|дворник|управляющ)"
    r"[а-яё]*[ \u00a0,]+"
)


def _groups(pattern: re.Pattern, kind: str, text: str) -> list[Found]:
    out = []
    for m in pattern.finditer(text):
        group = 1 if pattern.groups else 0
        start, end = m.span(group)
        out.append(Found(kind, start, end, text[start:end]))
    return out


def _phones(text: str) -> list[Found]:
    out = []
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) == 10 or (len(digits) == 11 and digits[0] in "78"):
            out.append(Found(PHONE, m.start(), m.end(), m.group()))
    return out + _groups(_LOCAL_PHONE, PHONE, text)


def _is_place(text: str, start: int, end: int) -> bool:
    """A capitalised word right after «ул.», «проспект», «им.» … or before «улица», «, д. 5»."""
    return bool(
        _PLACE_BEFORE.search(text[max(0, start - 20) : start])
        or _PLACE_AFTER.match(text[end : end + 15])
    )


def name_candidates(text: str, covered: list[tuple[int, int]] | tuple = ()) -> list[int]:
    """Where the text has a word that may be a person's name: outside an address and outside
    the `covered` spans (names the regex rules already found)."""

    def free(position: int) -> bool:
        return not any(start <= position < end for start, end in covered)

    found = [m.end() - 1 for m in _PERSON_CUES.finditer(text) if free(m.end() - 1)]
    found += [m.start() for m in _FIRST_NAME.finditer(text) if free(m.start())]
    found += [
        m.start()
        for shape in (_SURNAME_SHAPE, _ADJECTIVE_SURNAME)
        for m in shape.finditer(text)
        if free(m.start())
        and m.group().lower() not in _NOT_SURNAMES
        and not _is_place(text, m.start(), m.end())
    ]
    return sorted(found)


def needs_names(text: str, covered: list[tuple[int, int]] | tuple = ()) -> bool:
    """Whether the names model has anything to look at in `text`."""
    return bool(name_candidates(text, covered))


def _windows(text: str, positions: list[int]) -> list[tuple[int, int]]:
    """Stretches of text around the candidates, cut at spaces, overlapping ones merged: the
    model reads these, not the whole text (its cost grows with the length)."""
    out: list[tuple[int, int]] = []
    for position in positions:
        start = max(0, position - _WINDOW)
        end = min(len(text), position + _WINDOW)
        if start > 0 and (space := text.find(" ", start, position)) != -1:
            start = space + 1
        if end < len(text) and (space := text.rfind(" ", position, end)) != -1:
            end = space
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _without_address_word(text: str, start: int, end: int) -> int:
    """The start of a name span after a leading «Уважаемый», «гражданин» … (not a name)."""
    while m := _NOT_NAMES.match(text, start, end):
        start = m.end()
    return start


# The names model: takes stretches of text, returns (start, end) of the names in each.
NamesModel = Callable[[list[str]], list[list[tuple[int, int]]]]


def _rules(text: str) -> tuple[list[Found], list[tuple[int, int]]]:
    """What the regex rules find, and the stretches left for the names model."""
    found = []
    digits = _DIGIT.search(text)  # most texts have no number at all
    if digits:
        found += (
            _groups(_PASSPORT, PASSPORT, text)
            + _groups(_SNILS_CONTEXT, SNILS, text)
            + _groups(_SNILS, SNILS, text)
            + _groups(_INN, INN, text)
            + _groups(_PASSPORT_BARE, PASSPORT, text)
        )
    if "@" in text:
        found += _groups(_EMAIL, EMAIL, text)
    if digits:
        found += _phones(text) + _groups(_INN_BARE, INN, text) + _groups(_FLAT, FLAT, text)
    spans = [m.span() for rule in _NAME_RULES for m in rule.finditer(text)]
    found += _name_spans(text, spans)
    # The model runs only around the name-like words the rules did not take.
    return found, _windows(text, name_candidates(text, spans))


def _name_spans(text: str, spans) -> list[Found]:
    spans = [(_without_address_word(text, start, end), end) for start, end in spans]
    return [
        Found(NAME, start, end, text[start:end])
        for start, end in spans
        if end > start and not _is_place(text, start, end)
    ]


def _resolve(found: list[Found]) -> list[Found]:
    """Without overlaps, in order: the earlier rule wins; among names, the longer span."""
    taken: list[Found] = []
    for item in found:
        if any(item.start < other.end and other.start < item.end for other in taken):
            if item.kind == NAME:
                overlapping = [o for o in taken if o.start < item.end and item.start < o.end]
                if all(o.kind == NAME for o in overlapping) and all(
                    item.start <= o.start and o.end <= item.end for o in overlapping
                ):
                    taken = [o for o in taken if o not in overlapping] + [item]
            continue
        taken.append(item)
    return sorted(taken, key=lambda f: f.start)


def find_many(texts: list[str], *, names: NamesModel | None = None) -> list[list[Found]]:
    """`find` for many texts, the names model called once for all their stretches (it
    works in batches: much cheaper than one call per text)."""
    ruled = [_rules(text) for text in texts]
    if names is None:
        return [_resolve(found) for found, _windows in ruled]
    stretches = [
        (i, start, end) for i, (_found, windows) in enumerate(ruled) for start, end in windows
    ]
    tagged = names([texts[i][start:end] for i, start, end in stretches]) if stretches else []
    extra: list[list[tuple[int, int]]] = [[] for _ in texts]
    for (i, start, _end), spans in zip(stretches, tagged, strict=True):
        extra[i].extend((start + a, start + b) for a, b in spans)
    return [
        _resolve(found + _name_spans(text, extra[i]))
        for i, (text, (found, _windows)) in enumerate(zip(texts, ruled, strict=True))
    ]


def find(text: str, *, names: NamesModel | None = None) -> list[Found]:
    """Every fragment of personal data in `text`, without overlaps, in order. `names` is the
    NER model for people's names; without it only the regex rules find names."""
    return find_many([text], names=names)[0]


def apply(text: str, found: list[Found] | tuple[Found, ...], placeholders: Mapping[str, str]):
    """`text` with every fragment in `found` replaced by its kind's placeholder."""
    parts, last = [], 0
    for item in sorted(found, key=lambda f: f.start):
        parts.append(text[last : item.start])
        parts.append(placeholders.get(item.kind, DEFAULT_PLACEHOLDERS[item.kind]))
        last = item.end
    parts.append(text[last:])
    return "".join(parts)


def mask(
    text: str, *, names: NamesModel | None = None, placeholders: Mapping[str, str] | None = None
) -> Masked:
    """The public copy of `text`: personal data replaced by placeholders, and what was found."""
    return mask_many([text or ""], names=names, placeholders=placeholders)[0]


def mask_many(
    texts: list[str],
    *,
    names: NamesModel | None = None,
    placeholders: Mapping[str, str] | None = None,
) -> list[Masked]:
    """`mask` for many texts at once (the names model in batches)."""
    texts = [text or "" for text in texts]
    chosen = placeholders or DEFAULT_PLACEHOLDERS
    return [
        Masked(apply(text, found, chosen), tuple(found))
        for text, found in zip(texts, find_many(texts, names=names), strict=True)
    ]
