"""Appeal and answer texts with planted personal data, made up for the masking bench
(bench/masking.py measures recall and precision on them) and, a small fixed part, for the tests.

`cases(n, seed)` gives `Case`s: the text, the planted fragments (kind, fragment) that must be
masked, and the distractors that must stay (addresses named after people, dates, numbers).
About a fifth of the texts are clean. Names come in several grammatical cases, with and
without patronymics and initials.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from otklik.lib.masking import EMAIL, FLAT, INN, NAME, PASSPORT, PHONE, SNILS


@dataclass
class Case:
    text: str
    planted: list[tuple[str, str]] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)


# (nominative, genitive, dative, instrumental)
MALE_FIRST = [
    ("Пётр", "Петра", "Петру", "Петром"), ("Никита", "Никиты", "Никите", "Никитой"),
    ("Сергей", "Сергея", "Сергею", "Сергеем"), ("Алексей", "Алексея", "Алексею", "Алексеем"),
    ("Иван", "Ивана", "Ивану", "Иваном"), ("Дмитрий", "Дмитрия", "Дмитрию", "Дмитрием"),
    ("Олег", "Олега", "Олегу", "Олегом"), ("Михаил", "Михаила", "Михаилу", "Михаилом"),
    ("Андрей", "Андрея", "Андрею", "Андреем"), ("Виктор", "Виктора", "Виктору", "Виктором"),
]  # fmt: skip
FEMALE_FIRST = [
    ("Анна", "Анны", "Анне", "Анной"), ("Мария", "Марии", "Марии", "Марией"),
    ("Елена", "Елены", "Елене", "Еленой"), ("Ольга", "Ольги", "Ольге", "Ольгой"),
    ("Татьяна", "Татьяны", "Татьяне", "Татьяной"), ("Наталья", "Натальи", "Наталье", "Натальей"),
    ("Светлана", "Светланы", "Светлане", "Светланой"), ("Ирина", "Ирины", "Ирине", "Ириной"),
]  # fmt: skip
PATRONYMIC_STEMS = [
    "Сергеев",
    "Дмитриев",
    "Иванов",
    "Петров",
    "Александров",
    "Николаев",
    "Викторов",
    "Андреев",
    "Михайлов",
    "Владимиров",
]
SURNAME_STEMS = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Новиков",
    "Морозов",
    "Волков",
    "Зайцев",
    "Голубев",
    "Белов",
    "Фролов",
    "Никитин",
    "Ильин",
    "Шевченко",
    "Корнилов",
    "Тарасов",
]
STREETS = [
    "ул. Ленина, д. 5", "проспект Победы, д. 12", "улица Гагарина, д. 5", "ул. Терешковой, 14",
    "улица Марины Расковой, д. 3", "бульвар Шубина, 7", "ул. Космонавтов, д. 40",
    "площадь Петра Великого", "ул. Зои Космодемьянской, 2", "ул. Пушкина, д. 10",
    "переулок Чкалова, 6", "проспект Мира, 21", "ул. Советская, д. 66", "ул. Московская, 12",
]  # fmt: skip
OTHER_DISTRACTORS = [
    "12.05.2026", "48-2026-000123", "маршрут 302", "на 3500 рублей", "в 2025 году",
    "с 8:00 до 17:00", "остановка «Площадь Победы»", "школа № 51", "2 подъезд",
]  # fmt: skip
PROBLEMS = [
    "Во дворе яма, машины бьют колёса.", "Не горит фонарь у подъезда уже неделю.",
    "Мусор не вывозят с понедельника, контейнеры переполнены.",
    "Протекает крыша, вода течёт по стене.", "Нет горячей воды третий день.",
    "На детской площадке сломаны качели.", "Автобус не ходит по расписанию.",
    "Снег не убран с тротуара, люди падают.", "Управляющая компания не отвечает на звонки.",
]  # fmt: skip


def _phone(rng: random.Random) -> str:
    a, b, c, d = (
        rng.randint(900, 999),
        rng.randint(100, 999),
        rng.randint(10, 99),
        rng.randint(10, 99),
    )
    city = rng.choice(["4742", "4732", "495"])
    rest = rng.randint(10 ** (9 - len(city)), 10 ** (10 - len(city)) - 1)
    s = str(rest)
    formats = [
        f"+7 {a} {b}-{c}-{d}",
        f"+7({a}){b}-{c}-{d}",
        f"8 {a} {b} {c} {d}",
        f"8{a}{b}{c}{d}",
        f"+7{a}{b}{c}{d}",
        f"8-{a}-{b}-{c}-{d}",
        f"8 ({a}) {b}-{c}-{d}",
        f"+7 ({a}) {b}{c}{d}",
        f"7 {a} {b}{c}{d}",
        f"{a} {b}-{c}-{d}",
        f"({a}) {b}-{c}-{d}",
        f"8 {a} {b}–{c}–{d}",
        f"8 ({city}) {s[:-4]}-{s[-4:-2]}-{s[-2:]}",
        f"+7 {city} {s}",
        f"8({city}){s}",
    ]
    return rng.choice(formats)


def _email(rng: random.Random) -> str:
    local = rng.choice(
        [
            "ivanov",
            "petrova.a",
            "s_kuznetsov",
            "anna1987",
            "mail.box",
            "k.orlov",
            "lipetsk48",
            "n-nikitin",
            "olga_sm",
        ]
    ) + rng.choice(["", str(rng.randint(1, 99))])
    domain = rng.choice(
        [
            "mail.ru",
            "yandex.ru",
            "gmail.com",
            "bk.ru",
            "list.ru",
            "inbox.ru",
            "admlip.ru",
            "rambler.ru",
            "ya.ru",
        ]
    )
    return f"{local}@{domain}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _identity(rng: random.Random) -> tuple[str, str, str]:
    """(kind, text with context word, the fragment that must be masked)."""
    series, number = _digits(rng, 4), _digits(rng, 6)
    snils = _digits(rng, 11)
    choice = rng.randrange(8)
    if choice == 0:
        return PASSPORT, f"паспорт {series} {number}", f"{series} {number}"
    if choice == 1:
        frag = f"{series[:2]} {series[2:]} № {number}"
        return PASSPORT, f"паспорт серия {frag}", frag
    if choice == 2:
        frag = f"{series} номер {number}"
        return PASSPORT, f"паспорт: серия {frag}", frag
    if choice == 3:
        frag = f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}"
        return SNILS, f"СНИЛС {frag}", frag
    if choice == 4:
        return SNILS, f"СНИЛС: {snils}", snils
    if choice == 5:
        inn = _digits(rng, 12)
        return INN, f"ИНН {inn}", inn
    if choice == 6:
        inn = _digits(rng, 10)
        return INN, f"ИНН: {inn}", inn
    frag = f"{series[:2]} {series[2:]} {number}"
    return PASSPORT, f"паспортные данные {frag}", frag


def _flat(rng: random.Random) -> str:
    n = rng.randint(1, 280)
    return rng.choice([f"кв. {n}", f"кв.{n}", f"квартира {n}", f"квартиры {n}", f"кв {n}"])


# Harder: first names off the masker's list, surnames of no usual shape (nominative only).
RARE_FIRST = ["Рустам", "Эдуард", "Зарина", "Ефим", "Эльвира", "Арсений", "Гульнара", "Тимур"]
RARE_SURNAMES = ["Мельник", "Коваль", "Лебедь", "Ким", "Цой", "Бондарь", "Кравец", "Гусак"]


def _name(rng: random.Random, case: int) -> str:
    """A person's name in grammatical `case` (0 nom, 1 gen, 2 dat, 3 ins), in one of the
    usual shapes; one in six nominatives is of the harder kind."""
    if case == 0 and rng.random() < 1 / 6:
        return f"{rng.choice(RARE_FIRST)} {rng.choice(RARE_SURNAMES)}"
    female = rng.random() < 0.45
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)[case]
    stem = rng.choice(SURNAME_STEMS)
    if stem.endswith("ко"):
        surname = stem
    elif female:
        surname = stem + ["а", "ой", "ой", "ой"][case]
    else:
        surname = stem + ["", "а", "у", "ым"][case]
    pstem = rng.choice(PATRONYMIC_STEMS)
    patronymic = (
        pstem + (["на", "ны", "не", "ной"] if female else ["ич", "ича", "ичу", "ичем"])[case]
    )
    initials = f"{first[0]}.{pstem[0]}."
    shape = rng.randrange(6)
    return [
        f"{surname} {first} {patronymic}",
        f"{first} {patronymic}",
        f"{first} {surname}",
        f"{surname} {initials}",
        f"{initials} {surname}",
        f"{surname} {first[0]}. {pstem[0]}.",
    ][shape]


def _name_sentence(rng: random.Random) -> tuple[str, str]:
    case = rng.randrange(4)
    name = _name(rng, case)
    templates = [
        [
            "Заявитель: {n}.",
            "Меня зовут {n}, живу здесь двадцать лет.",
            "Участковый {n} не реагирует.",
            "Директор УК {n} обещал, но ничего не сделал.",
        ],
        ["Прошу привлечь к ответственности {n}.", "Жалобу подписали жильцы, в том числе мать {n}."],
        ["Обращалась к мастеру {n}, он отказал.", "Прошу передать ответ {n}."],
        ["Разговаривал с инженером {n}, толку нет.", "Вместе с соседкой {n} писали уже дважды."],
    ][case]
    return rng.choice(templates).format(n=name), name


def _answer(rng: random.Random) -> tuple[str, str]:
    female = rng.random() < 0.5
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)[0]
    pstem = rng.choice(PATRONYMIC_STEMS)
    name = f"{first} {pstem}{'на' if female else 'ич'}"
    greeting = "Уважаемая" if female else "Уважаемый"
    body = rng.choice(
        [
            "Ваше обращение рассмотрено, яма заделана.",
            "Сообщаем, что работы выполнены 12.05.2026.",
            "Вывоз мусора организован, подрядчику выдано предписание.",
        ]
    )
    return f"{greeting} {name}! {body}", name


def _one(rng: random.Random) -> Case:
    street = rng.choice(STREETS)
    parts, planted = [f"Адрес: {street}.", rng.choice(PROBLEMS)], []
    distractors = [street]
    if rng.random() < 0.3:
        other = rng.choice(OTHER_DISTRACTORS)
        parts.append(f"Писали ещё {other}, ответа нет.")
        distractors.append(other)
    for kind in rng.sample([PHONE, EMAIL, "id", FLAT, NAME, NAME], k=rng.randint(1, 3)):
        if kind == PHONE:
            phone = _phone(rng)
            parts.append(
                rng.choice(
                    [
                        "Мой телефон {p}.",
                        "Звоните по номеру {p}.",
                        "Связаться: {p}, после 18:00.",
                        "тел. {p}",
                    ]
                ).format(p=phone)
            )
            planted.append((PHONE, phone))
        elif kind == EMAIL:
            email = _email(rng)
            parts.append(
                rng.choice(["Ответ прошу на {e}.", "Почта: {e}", "пишите {e}"]).format(e=email)
            )
            planted.append((EMAIL, email))
        elif kind == "id":
            id_kind, phrase, fragment = _identity(rng)
            parts.append(f"Мои данные: {phrase}.")
            planted.append((id_kind, fragment))
        elif kind == FLAT:
            flat = _flat(rng)
            parts.append(f"Живу в том же доме, {flat}.")
            planted.append((FLAT, flat))
        else:
            sentence, name = _name_sentence(rng)
            parts.append(sentence)
            planted.append((NAME, name))
    rng.shuffle(parts)
    return Case(" ".join(parts), planted, distractors)


def cases(n: int = 300, seed: int = 17) -> list[Case]:
    """`n` texts: about a fifth clean, a tenth answers greeting the applicant by name."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 5 == 4:
            street = rng.choice(STREETS)
            other = rng.choice(OTHER_DISTRACTORS)
            text = f"{rng.choice(PROBLEMS)} Адрес: {street}. Уже обращались {other}."
            out.append(Case(text, [], [street, other]))
        elif i % 10 == 3:
            text, name = _answer(rng)
            out.append(Case(text, [(NAME, name)], []))
        else:
            out.append(_one(rng))
    return out


# One appeal text with every kind planted, and what must never appear in a public copy of it.
PLANTED_TEXT = (
    "Яма у подъезда, ул. Гагарина, д. 5, кв. 12. Звоните +7 903 123-45-67 или пишите "
    "nikita.ivanov@mail.ru. Меня зовут Иванов Никита Дмитриевич, паспорт 4210 123456."
)
PLANTED = ["903", "123-45-67", "nikita.ivanov@mail.ru", "Никита", "Иванов", "4210", "кв. 12"]
ANSWER_TEXT = "Уважаемый Никита Дмитриевич! Яма у подъезда заделана, проверено мастером."


def assert_no_planted(body: str) -> None:
    """None of the planted personal data is in `body` (a page, a JSON or XML document)."""
    for fragment in PLANTED:
        assert fragment not in body, fragment
