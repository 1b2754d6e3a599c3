"""Appeal texts of the demo region: slots, the words of each municipality, and the composer
that turns a topic's template into what a citizen (or an operator, a field team, a social-media
monitor) would write — polite or angry, with a greeting or without, now and then with typos.

A template that starts with «~» is about village life and is used in municipal districts only.
Slots a template may use, filled per appeal:

    where, house_at, addr, street, settlement, settlement_in — the place (see `place_slots`)
    area_in, park_in, stop, route, river, clinic_in, school_in, school_at, uk — the municipality
    since, since_short, when — how long, when it happened
    pothole, risk, fall, leak, kids, specialist, disease, product, employer — details
    flat, floor, entrance, year, next_year, season_next — numbers and dates
    n<a>_<b> — an integer from a to b, e.g. {n8_25}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .geography import MunicipalitySpec, Place

# ---------------------------------------------------------------------------- word banks

BANKS: dict[str, tuple[str, ...]] = {
    "since": (
        "уже больше месяца", "уже две недели", "с начала месяца", "уже полгода",
        "с прошлого года", "больше трёх недель", "уже давно", "который месяц", "с весны",
    ),
    "since_short": (
        "третий день", "уже неделю", "с понедельника", "четвёртый день", "уже пять дней",
        "вторую неделю", "с позавчерашнего дня", "уже несколько дней",
    ),
    "when": (
        "вчера вечером", "сегодня утром", "сегодня ночью", "в выходные", "позавчера",
        "вчера днём", "утром", "на днях",
    ),
    "pothole": (
        "колесо проваливается полностью", "яма заполнена водой, её не видно",
        "асфальт вывернут кусками", "края у ямы острые, уже несколько пробитых колёс",
        "яма на всю ширину полосы", "рядом с люком провал", "выбоины по всей длине улицы",
    ),
    "risk": (
        "рано или поздно будет авария", "дети ходят здесь в школу", "ночью это очень опасно",
        "уже были ДТП", "скорая еле проезжает",
    ),
    "fall": (
        "Вчера упала соседка, сломала руку.", "Пожилые люди боятся выходить на улицу.",
        "Я сама упала и сильно ушиблась.", "Дети скатываются прямо на проезжую часть.",
        "Люди падают каждый день.",
    ),
    "leak": (
        "Потолок в коричневых пятнах, штукатурка отваливается.",
        "Вода течёт по проводке, страшно включать свет.",
        "Подставляем тазы, обои отклеились.", "В комнате пахнет сыростью, пошла плесень.",
    ),
    "kids": (
        "В квартире маленький ребёнок, он постоянно болеет.", "Дети спят в одежде.",
        "Пожилые родители сидят в пальто.", "Пришлось купить обогреватель, а свет дорогой.",
    ),
    "specialist": (
        "невролога", "лор-врача", "эндокринолога", "офтальмолога", "кардиолога", "педиатра",
        "хирурга", "уролога",
    ),
    "disease": ("сахарный диабет", "бронхиальная астма", "гипертония", "эпилепсия"),
    "product": ("гречку", "сахар", "картофель", "молочные продукты", "яйца", "лекарства"),
    "employer": (
        "на птицефабрике", "на сахарном заводе", "в агрохолдинге «Черноземье»",
        "на заводе ЖБИ", "в ООО «Стройинвест»", "на элеваторе",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class LocalWords:
    """The words of one municipality: stops, routes, parks, neighbourhoods, rivers, clinics."""

    stops: tuple[str, ...]
    routes: tuple[str, ...]
    parks: tuple[str, ...]
    areas: tuple[str, ...]
    rivers: tuple[str, ...]
    clinics: tuple[str, ...]
    schools: int  # schools are numbered 1…n


LIPETSK = LocalWords(
    stops=(
        "«Площадь Победы»", "«Универмаг»", "«Быханов сад»", "«Площадь Героев»",
        "«Театральная площадь»", "«Центральный рынок»", "«Каменный лог»", "«Сокольский рынок»",
        "«Больница НЛМК»", "«Бульвар Шубина»", "«15-й микрорайон»", "«Тракторный завод»",
        "«Улица Катукова»", "«Цирк»", "«Неделина»",
    ),
    routes=(
        "№ 2", "№ 12", "№ 17", "№ 24", "№ 27", "№ 28", "№ 30", "№ 33", "№ 40", "№ 300",
        "№ 306", "№ 315", "№ 322", "№ 345", "№ 352", "№ 359",
    ),
    parks=(
        "в Нижнем парке", "в Верхнем парке", "в парке Победы", "в Быхановом саду",
        "в парке у Комсомольского пруда", "в сквере на площади Героев", "в парке «Молодёжный»",
    ),
    areas=(
        "на Соколе", "в Тракторном", "на Матырском", "в Новолипецке", "в Сырском",
        "в 15-м микрорайоне", "на Университетском", "в 9-м микрорайоне",
        "в Елецком микрорайоне", "в Ссёлках", "на Трубном", "в Звёздном",
    ),
    rivers=("Воронеж", "Липовка", "Матыра"),
    clinics=(
        "в поликлинике № 1", "в поликлинике № 2", "в поликлинике № 4", "в поликлинике № 7",
        "в поликлинике № 9", "в детской поликлинике № 2", "в больнице скорой помощи № 1",
    ),
    schools=72,
)  # fmt: skip

ELETS = LocalWords(
    stops=(
        "«Площадь Ленина»", "«Рынок»", "«Дом быта»", "«Вокзал»", "«Университет»",
        "«Агрегатный завод»", "«Ламская»", "«Засосна»", "«Универмаг»",
    ),
    routes=("№ 1", "№ 3", "№ 5", "№ 9", "№ 11", "№ 12", "№ 14", "№ 17", "№ 22", "№ 28"),
    parks=("в Городском саду", "в парке Победы", "в парке «Аргамач»", "в Комсомольском сквере"),
    areas=(
        "на Засосне", "в Ламской слободе", "в Александровском микрорайоне",
        "в микрорайоне Строитель", "в районе вокзала", "на Черокманова",
    ),
    rivers=("Быстрая Сосна", "Ельчик"),
    clinics=(
        "в городской больнице № 1", "в поликлинике № 2", "в детской поликлинике",
        "в городской больнице № 2",
    ),
    schools=24,
)  # fmt: skip

DISTRICT_RIVERS = {
    "Воловский": "Любашевка", "Грязинский": "Матыра", "Данковский": "Дон",
    "Добринский": "Битюг", "Добровский": "Воронеж", "Долгоруковский": "Снова",
    "Елецкий": "Быстрая Сосна", "Задонский": "Дон", "Измалковский": "Снова",
    "Краснинский": "Красивая Меча", "Лебедянский": "Дон", "Лев-Толстовский": "Ранова",
    "Липецкий": "Воронеж", "Становлянский": "Быстрая Сосна", "Тербунский": "Олым",
    "Усманский": "Усманка", "Хлевенский": "Дон", "Чаплыгинский": "Ранова",
}  # fmt: skip


def local_words(spec: MunicipalitySpec) -> LocalWords:
    """The word bank of a municipality; districts share one shape with their own names."""
    if spec.name == "Липецк":
        return LIPETSK
    if spec.name == "Елец":
        return ELETS
    hospital = f"{spec.name[:-2]}ой районной больнице"
    return LocalWords(
        stops=("«Автостанция»", "«Рынок»", "«Больница»", "«Центр»", "«Школа»", "«Почта»"),
        routes=("№ 1", "№ 2", f"«{spec.seat.name} — Липецк»"),
        parks=("в городском парке", "в сквере у Дома культуры", "в парке у памятника"),
        areas=("в новом микрорайоне", "в частном секторе", "на окраине", "в центре"),
        rivers=(DISTRICT_RIVERS[spec.name],),
        clinics=(f"в {hospital}", "в поликлинике ЦРБ", "в детской консультации ЦРБ"),
        schools=4,
    )


# ---------------------------------------------------------------------------- slots


def settlement_in(place: Place) -> str:
    """«в Грязях», «в Липецке», «в с. Донское» (villages keep the official form)."""
    s = place.settlement
    return f"в {s.name_in}" if s.name_in != s.name else f"в {s.kind} {s.name}"


def place_slots(rng, spec: MunicipalitySpec, place: Place) -> dict[str, str]:
    """The slots of a place, with the location phrase in one of several ways people write it."""
    s = place.settlement
    street, house = place.street, place.house
    if spec.is_city:
        addr = f"{street}, д. {house}"
        house_at = f"№ {house} по {street}"
        where = rng.choice(
            (
                f"по адресу {addr}",
                f"у дома {house} ({street})",
                f"возле дома № {house} по {street}",
                f"на {street} у дома {house}",
            )
        )
    else:
        addr = f"{s.kind} {s.name}, {street}, д. {house}"
        house_at = f"№ {house} по {street} {settlement_in(place)}"
        where = rng.choice(
            (
                f"{settlement_in(place)} на {street}, у дома {house}",
                f"по адресу {addr}",
                f"{settlement_in(place)}, {street}, {house}",
            )
        )
    if rng.random() < 0.3:
        house_at = f"по адресу {addr}"
    return {
        "where": where,
        "house_at": house_at,
        "addr": addr,
        "street": street,
        "settlement": f"{s.kind} {s.name}",
        "settlement_in": settlement_in(place),
    }


class Slots(dict):
    """The values of one appeal's slots: given ones first, the rest drawn when first used."""

    def __init__(self, rng, words: LocalWords, values: dict[str, str]):
        super().__init__(values)
        self.rng = rng
        self.words = words

    def __missing__(self, key: str) -> str:
        rng, words = self.rng, self.words
        if key in BANKS:
            value = rng.choice(BANKS[key])
        elif key.startswith("n") and "_" in key:
            low, high = key[1:].split("_")
            value = str(rng.randint(int(low), int(high)))
        elif key == "stop":
            value = rng.choice(words.stops)
        elif key == "route":
            value = rng.choice(words.routes)
        elif key == "park_in":
            value = rng.choice(words.parks)
        elif key == "area_in":
            value = rng.choice(words.areas)
        elif key == "river":
            value = rng.choice(words.rivers)
        elif key == "clinic_in":
            value = rng.choice(words.clinics)
        elif key in ("school_in", "school_at"):
            number = rng.randint(1, words.schools)
            kind = rng.choice(("школ", "школ", "школ", "гимнази"))
            self["school_in"] = f"в {kind}{'е' if kind == 'школ' else 'и'} № {number}"
            self["school_at"] = f"у {kind}{'ы' if kind == 'школ' else 'и'} № {number}"
            value = self[key]
        elif key == "flat":
            value = str(rng.randint(1, 140))
        elif key == "floor":
            value = str(rng.randint(3, 9))
        elif key == "entrance":
            value = str(rng.randint(1, 6))
        elif key == "uk":
            value = "управляющая компания"
        else:
            raise KeyError(key)
        self[key] = value
        return value


# ---------------------------------------------------------------------------- the composer

GREETINGS = (
    "Здравствуйте!", "Здравствуйте.", "Добрый день!", "Добрый день.", "Добрый вечер!",
    "Уважаемая администрация!", "Уважаемые сотрудники администрации!", "Доброе утро.",
)  # fmt: skip
REQUESTS = {
    "polite": (
        "Прошу принять меры.", "Просьба разобраться и устранить.", "Очень просим помочь.",
        "Прошу провести проверку и сообщить о результатах.", "Прошу решить вопрос.",
        "Надеюсь на вашу помощь.", "Просим отреагировать.",
    ),
    "neutral": (
        "Примите меры.", "Требуется устранение.", "Прошу устранить.",
        "Прошу сообщить сроки устранения.", "Прошу разобраться.",
    ),
    "angry": (
        "Сколько можно это терпеть?!", "Куда смотрят ответственные?",
        "Обращаюсь уже не первый раз, никакой реакции!", "Это просто безобразие!",
        "Если опять будет отписка, пишу в прокуратуру.", "Когда это закончится?!",
        "Жителям надоело ждать, примите наконец меры!",
    ),
}  # fmt: skip
EXTRAS = (
    "Фото прилагаю.", "Фото прикладываю.", "Жители дома поддерживают обращение.",
    "Звонили в диспетчерскую — бесполезно.", "Ранее уже писали, ответа не было.",
    "На фото всё видно.",
)  # fmt: skip
CLOSINGS = ("Спасибо.", "Заранее спасибо!", "С уважением.", "Спасибо за внимание.")
NETWORKS = (
    ("ВКонтакте", "«Типичный Липецк»"), ("ВКонтакте", "«Липецк онлайн»"),
    ("Одноклассники", "«Наш район»"), ("Telegram", "«Липецк live»"),
    ("ВКонтакте", "«Подслушано в районе»"),
)  # fmt: skip

_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([а-яёa-z])")


def capitalize_sentences(text: str) -> str:
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def appeal_text(rng, *, templates, slots: Slots, tone: str, channel: str, topic_name: str, city):
    """The text of an appeal: the topic's template filled and dressed as its channel writes."""
    usable = [t for t in templates if not (city and t.startswith("~"))] or templates
    body = capitalize_sentences(rng.choice(usable).lstrip("~").format_map(slots))
    if channel == "field":
        text = (
            f"Выявлено мониторинговой группой ЦУР при объезде территории: {topic_name.lower()}, "
            f"{slots['where']}. Требуется устранение, фотофиксация прилагается."
        )
        return capitalize_sentences(text)
    if channel == "inspection":
        text = (
            f"Выявлено выездной бригадой при плановом обследовании: {topic_name.lower()}, "
            f"{slots['where']}. Фотофиксация прилагается, требуется устранение."
        )
        return capitalize_sentences(text)
    if channel == "social":
        network, group = rng.choice(NETWORKS)
        return f"Публикация в соцсети {network}, сообщество {group}: «{typos(rng, body, 0.5)}»"
    if channel == "phone":
        request = rng.choice(("Просит принять меры.", "Просит перезвонить.", "Просит помочь."))
        return f"Обращение по телефону горячей линии. Заявитель сообщает: {body} {request}"
    parts = []
    if rng.random() < 0.55:
        parts.append(rng.choice(GREETINGS))
    if tone == "angry" and rng.random() < 0.3:
        parts.append(rng.choice(("Пишу уже не в первый раз.", "Опять та же проблема!")))
    parts.append(body)
    if rng.random() < 0.25:
        parts.append(rng.choice(EXTRAS))
    parts.append(rng.choice(REQUESTS[tone]))
    if tone != "angry" and rng.random() < 0.35:
        parts.append(rng.choice(CLOSINGS))
    text = " ".join(parts)
    if tone == "angry" and rng.random() < 0.25:
        text = text.replace("!", "!!!", 1)
    return typos(rng, text, 0.07)


# ---------------------------------------------------------------------------- typos


def _swap_letters(rng, text: str) -> str:
    words = list(re.finditer(r"[а-яё]{5,}", text))
    if not words:
        return text
    m = rng.choice(words)
    i = m.start() + rng.randint(1, len(m.group()) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _drop_comma(rng, text: str) -> str:
    commas = [i for i, c in enumerate(text) if c == ","]
    if not commas:
        return text
    i = rng.choice(commas)
    return text[:i] + text[i + 1 :]


def _common_misspelling(rng, text: str) -> str:
    for right, wrong in (
        ("пожалуйста", "пожалуйсто"),
        ("вообще", "вобще"),
        ("в течение", "в течении"),
        ("ё", "е"),
        ("что-то", "что то"),
        ("Здравствуйте", "Здраствуйте"),
        ("невозможно", "не возможно"),
    ):
        if right in text:
            return text.replace(right, wrong)
    return text


def _lowercase_start(rng, text: str) -> str:
    return text[:1].lower() + text[1:]


_TYPO_KINDS = (_swap_letters, _drop_comma, _common_misspelling, _lowercase_start)


def typos(rng, text: str, rate: float) -> str:
    """With probability `rate`, one or two of the slips people make typing on a phone."""
    if rng.random() >= rate:
        return text
    for _ in range(rng.choice((1, 1, 2))):
        text = rng.choice(_TYPO_KINDS)(rng, text)
    return text
