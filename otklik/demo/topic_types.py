"""The shapes of the demo category tree: a topic (subcategory), a group (root category) and the
deadline tracks. The data modules (topics_*.py) build on them; topics.py assembles the tree."""

from __future__ import annotations

from dataclasses import dataclass, field

CALENDAR = "calendar"
WORKING = "working"


@dataclass(frozen=True)
class Topic:
    """A subcategory (подрубрика) of the demo tree."""

    code: str
    name: str
    executor: str  # routing key: see region.EXECUTOR_KEYS
    weight: float  # relative volume of appeals
    texts: tuple[str, ...]  # appeal text templates with {slots} (see texts.py)
    season: str = "flat"
    days: int = 30  # 59-ФЗ: 30 calendar days unless the topic is on a fast track
    unit: str = CALENDAR
    public: bool = True
    hint: str = ""
    point: float = 0.9  # share of appeals with a point on the map
    city: float = 1.0  # volume multiplier in city districts
    rural: float = 1.0  # volume multiplier in municipal districts
    done: tuple[str, ...] = ()  # what a solving answer says was done
    evidence: bool = True  # the answer must show photos


@dataclass(frozen=True)
class Group:
    """A root category (рубрика) with its topics and the stock phrases of its answers."""

    code: str
    name: str
    topics: tuple[Topic, ...]
    hint: str = ""
    explained: tuple[str, ...] = ()  # answers that explain (plans, rules, schedules)
    refused: tuple[str, ...] = ()  # answers that refuse, with the reason
    done: tuple[str, ...] = field(default=("выполнены необходимые работы",))


# Fast tracks: ПОС answers many infrastructure topics in 10 working days, emergencies faster.
FAST = {"days": 10, "unit": WORKING}
URGENT = {"days": 5, "unit": WORKING}
