"""The demo category tree: about 25 topic groups and 150 topics modelled on Добродел, ПОС and the
real taxonomy of Пермский край (/work/shared/data/perm-region-appeal-topics.json).

Each topic carries what the directory needs (code, name, deadline, public flag, hint for
citizens, who it routes to) and what the history generator needs (volume, season, share of
appeals with a point on the map, text templates and what executors report as done). The data
lives in `topics_city.py`, `topics_housing.py`, `topics_people.py` and
`topics_environment.py`; the shapes of a topic and a group in `topic_types.py`.
"""

from __future__ import annotations

from .topic_types import CALENDAR, FAST, URGENT, WORKING, Group, Topic
from .topics_city import CITY_GROUPS
from .topics_environment import ENVIRONMENT_GROUPS
from .topics_housing import HOUSING_GROUPS
from .topics_people import PEOPLE_GROUPS

__all__ = [
    "CALENDAR",
    "FAST",
    "SEASONS",
    "SNOW_SEASON",
    "URGENT",
    "WORKING",
    "Group",
    "Topic",
    "all_groups",
]

# Relative volume by month (January … December): the shape of each kind of trouble over a year.
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    # Snow and ice: December to March, nothing in summer.
    "winter": (4.0, 3.8, 2.2, 0.4, 0.02, 0.02, 0.02, 0.02, 0.02, 0.1, 1.0, 3.0),
    # Potholes: the thaw breaks the asphalt in March–May.
    "thaw": (0.5, 0.6, 1.8, 3.0, 2.4, 1.3, 0.8, 0.7, 0.7, 0.8, 0.7, 0.5),
    # Heating: the season starts in late September, complaints peak in October.
    "heating": (1.3, 1.1, 0.8, 0.5, 0.2, 0.1, 0.1, 0.2, 1.6, 3.2, 2.0, 1.4),
    # Grass, mosquitoes, dust, ragweed.
    "summer": (0.1, 0.1, 0.2, 0.6, 1.6, 2.6, 2.8, 2.2, 1.0, 0.4, 0.1, 0.1),
    # Outdoor works season: yards, playgrounds, building sites.
    "warm": (0.4, 0.4, 0.6, 1.0, 1.4, 1.6, 1.6, 1.5, 1.2, 0.9, 0.6, 0.4),
    # Hot water: planned summer shutdowns of the heating network.
    "hot_water": (0.8, 0.8, 0.8, 0.9, 1.5, 2.8, 2.6, 1.6, 0.9, 0.8, 0.8, 0.8),
    # Snowmelt floods in March–April, summer downpours.
    "flood": (0.3, 0.6, 2.5, 3.0, 1.2, 1.0, 1.4, 0.9, 0.6, 0.6, 0.5, 0.4),
    # Power cuts: summer storms and winter icing.
    "storm": (1.2, 1.0, 0.8, 0.7, 1.0, 1.6, 1.8, 1.3, 0.8, 0.8, 1.0, 1.3),
    # Fallen leaves, pruning, dark evenings.
    "autumn": (0.5, 0.4, 0.4, 0.8, 0.5, 0.4, 0.5, 0.6, 1.4, 3.0, 2.2, 0.9),
    "dark": (1.6, 1.3, 1.0, 0.7, 0.4, 0.3, 0.3, 0.5, 1.0, 1.6, 1.9, 1.8),
    "school": (1.0, 1.0, 0.9, 0.9, 1.2, 0.5, 0.4, 1.6, 2.0, 1.2, 1.0, 0.9),
    "exams": (0.4, 0.5, 0.6, 0.9, 2.0, 3.0, 2.4, 0.8, 0.4, 0.3, 0.3, 0.3),
    "camps": (0.3, 0.5, 1.5, 2.5, 2.5, 1.5, 0.6, 0.3, 0.2, 0.2, 0.2, 0.2),
    "flu": (1.8, 1.6, 1.2, 0.9, 0.7, 0.6, 0.6, 0.7, 0.9, 1.3, 1.5, 1.6),
    # Grass fires and burning rubbish in spring.
    "fire": (0.3, 0.3, 1.5, 2.5, 1.5, 0.8, 1.0, 1.2, 1.0, 1.0, 0.5, 0.3),
    # Cemeteries: Easter and Радоница, then the autumn parents' Saturday.
    "graves": (0.3, 0.3, 0.6, 2.8, 2.0, 0.9, 0.7, 0.7, 0.8, 1.2, 0.6, 0.3),
}

# Seasons whose topics are about snow and ice: the demo's seasonality test counts them.
SNOW_SEASON = "winter"


def all_groups() -> tuple[Group, ...]:
    """The whole tree in display order."""
    return (*CITY_GROUPS, *HOUSING_GROUPS, *PEOPLE_GROUPS, *ENVIRONMENT_GROUPS)
