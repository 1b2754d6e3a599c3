"""A small history for the category and executor models: three topics, each with its own
executor, answered through the services one hour apart; and a way to add a new topic later."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from otklik.accounts.models import Role
from otklik.appeals.workflow import Status
from tests.factories import CategoryFactory, OrganizationFactory, make_appeal, staff

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
STREETS = ["Ленина", "Московская", "Гагарина", "Советская", "Терешковой", "Катукова"]
ENDINGS = ["Прошу принять меры.", "Очень просим помочь.", "Сколько можно ждать?", ""]

TOPICS = {
    "potholes": [
        "На дороге огромная яма, машины бьют колёса",
        "Разбит асфальт, глубокие ямы на проезжей части",
        "Выбоина в асфальте у перекрёстка, объехать нельзя",
        "Провал дорожного покрытия, ямы залиты водой",
    ],
    "lighting": [
        "Во дворе не горит фонарь, темно вечером",
        "Нет уличного освещения, фонари не работают",
        "Не горят фонари вдоль улицы, ходить страшно",
        "Сломан фонарь освещения у подъезда",
    ],
    "garbage": [
        "Не вывозят мусор, контейнеры переполнены",
        "Мусорные контейнеры не вывозят неделю, свалка",
        "Возле площадки гора мусора, мешки разносит ветер",
        "Переполнены контейнеры, мусор валяется вокруг",
    ],
}
NEW_TOPIC = [
    "Брошенные самокаты загородили тротуар у дома",
    "Прокатные самокаты лежат поперёк тротуара",
    "Самокат кикшеринга брошен на газоне",
    "Самокаты стоят на тротуаре, не пройти с коляской",
]


def text(rng: random.Random, phrases: list[str]) -> str:
    street = rng.choice(STREETS)
    return f"{rng.choice(phrases)}, ул. {street}, д. {rng.randint(1, 90)}. {rng.choice(ENDINGS)}"


def topic_setup(region, municipality, roads, operator, codes=("potholes",), existing=None):
    """Categories, executors (with a staff member each) for the topics; `existing` reuses the
    conftest's pothole category and organization."""
    setup = {}
    for code in codes:
        if existing and code in existing:
            category, organization = existing[code]
        else:
            category = CategoryFactory(code=f"t-{code}", name=f"Тема {code}", parent=roads)
            organization = OrganizationFactory(
                region=region, municipality=municipality, name=f"Служба {code}", short_name=code
            )
        worker = staff(Role.EXECUTOR, organization, email=f"{code}@example.ru")
        setup[code] = (category, organization, worker)
    return setup


def build(setup, phrases: dict, *, region, municipality, citizen, operator, per_topic, start, seed):
    """`per_topic` answered appeals of each topic, interleaved, one every hour from `start`."""
    rng = random.Random(seed)
    moment = start
    appeals = []
    for _ in range(per_topic):
        for code, (category, organization, worker) in setup.items():
            appeals.append(
                make_appeal(
                    Status.ANSWERED,
                    region=region,
                    applicant=citizen,
                    operator=operator,
                    executor_user=worker,
                    organization=organization,
                    category=category,
                    municipality=municipality,
                    text=text(rng, phrases[code]),
                    now=moment,
                    step=timedelta(minutes=1),
                )
            )
            moment += timedelta(hours=1)
    return appeals
