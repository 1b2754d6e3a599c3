"""When, where, about what and by whom the appeals of the demo history are filed.

Volume grows over the two years (the platform is being adopted), peaks on Mondays and in
winter, is low on holidays; each municipality writes in proportion to its population, each
topic in its season; a few activists write much more than everybody else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from .drafts import Draft, Unit
from .geography import build_places
from .region import DemoRegion
from .texts import local_words
from .topics import SEASONS

HOUR = 3600
CHANNELS = ("portal", "api", "phone", "field", "social", "import")
CHANNEL_WEIGHTS = (0.6, 0.1, 0.14, 0.07, 0.06, 0.03)
# Staff report these: no applicant to answer («inspection»: a field team's check, inspections.py).
STAFF_CHANNELS = frozenset({"field", "social", "inspection"})
# Hour-of-day profiles of submissions (0…23), by channel.
HOURS_CITIZEN = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1.2, 2.5, 4, 5, 5, 5, 4.5, 4.5, 4.5, 4.5, 4.5, 5,
                 5.5, 6, 6, 5, 3.5, 2)  # fmt: skip
HOURS_OFFICE = (0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 5, 5, 4, 4, 5, 5, 4, 4, 3, 2, 0, 0, 0, 0)
WEEKDAY = (1.25, 1.15, 1.1, 1.05, 0.95, 0.65, 0.6)


class Timeline:
    """The base appeals of the history, before anything happens to them."""

    def __init__(self, demo: DemoRegion, rng, *, count: int, start, now, tz, calendar):
        self.demo, self.rng, self.count = demo, rng, count
        self.start, self.now, self.tz, self.calendar = start, now, tz, calendar

    def units(self) -> dict[str, Unit]:
        """Each municipality with its pool of places and its residents."""
        rng = self.rng
        specs = self.demo.specs
        weights = {o: s.population * (1.25 if s.is_city else 0.9) for o, s in specs.items()}
        total = sum(weights.values())
        units = {}
        for oktmo, spec in specs.items():
            expected = self.count * weights[oktmo] / total
            pool = min(2500, max(40, int(expected / 3)))
            units[oktmo] = Unit(
                municipality=self.demo.municipalities[oktmo],
                spec=spec,
                words=local_words(spec),
                places=build_places(rng, spec, self.demo.boundaries, pool),
                residents=self.demo.citizens[oktmo],
                weight=weights[oktmo],
            )
        return units

    def _topic_weights(self) -> dict[tuple[int, bool], list[float]]:
        """Cumulative topic weights by (month, city?) for `random.choices`."""
        table = {}
        for month in range(1, 13):
            for city in (True, False):
                running, cum = 0.0, []
                for _, topic in self.demo.topics:
                    local = topic.city if city else topic.rural
                    running += topic.weight * SEASONS[topic.season][month - 1] * local
                    cum.append(running)
                table[(month, city)] = cum
        return table

    def _day_weights(self, days: list[date]) -> list[float]:
        """Volume by day: adoption grows over two years, Mondays are busy, winter is heavy."""
        month_volume = [
            sum(t.weight * SEASONS[t.season][m] for _, t in self.demo.topics) for m in range(12)
        ]
        mean = sum(month_volume) / 12
        today = self.now.astimezone(self.tz)
        cum, running = [], 0.0
        for i, day in enumerate(days):
            weight = (0.6 + 0.4 * i / len(days)) * WEEKDAY[day.weekday()]
            weight *= (month_volume[day.month - 1] / mean) ** 0.6
            if day.weekday() < 5 and not self.calendar.is_working_day(day):
                weight *= 0.6  # public holidays are quiet
            if day == today.date():
                weight *= (today.hour * 60 + today.minute) / 1440
            running += weight
            cum.append(running)
        return cum

    def base_appeals(self, units: dict[str, Unit]) -> list[Draft]:
        """The appeals citizens and staff submit, in time order, before anything happens."""
        rng, tz = self.rng, self.tz
        first = self.start.astimezone(tz).date() + timedelta(days=1)
        days = [
            first + timedelta(days=i)
            for i in range((self.now.astimezone(tz).date() - first).days + 1)
        ]
        chosen = sorted(
            rng.choices(range(len(days)), cum_weights=self._day_weights(days), k=self.count)
        )
        units = list(units.values())
        unit_cum = _cumulative(u.weight for u in units)
        topic_cum = self._topic_weights()
        hours = range(24)
        drafts = []
        for seq, day_index in enumerate(chosen):
            day = days[day_index]
            unit = rng.choices(units, cum_weights=unit_cum)[0]
            group, topic = rng.choices(
                self.demo.topics, cum_weights=topic_cum[(day.month, unit.spec.is_city)]
            )[0]
            channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
            if (channel == "field" and topic.point < 0.5) or (
                channel == "social" and not topic.public
            ):
                channel = "portal"
            profile = HOURS_OFFICE if channel in ("phone", "field", "import") else HOURS_CITIZEN
            hour = rng.choices(hours, weights=profile)[0]
            local = datetime.combine(day, time(hour), tzinfo=tz)
            created = (local + timedelta(seconds=rng.randint(0, HOUR - 1))).astimezone(UTC)
            if created > self.now:
                created = self.now - timedelta(seconds=rng.randint(60, 3 * HOUR))
            place = unit.places[int(len(unit.places) * rng.random() ** 1.6)]
            draft = Draft(
                seq=seq,
                created_at=created,
                unit=unit,
                group=group,
                topic=topic,
                place=place,
                has_point=rng.random() < topic.point,
                channel=channel,
            )
            self.people(draft)
            drafts.append(draft)
        drafts.sort(key=lambda d: (d.created_at, d.seq))
        self._pin_demo_citizen(drafts)
        return drafts

    def people(self, d: Draft) -> None:
        """Who files the appeal (a resident, or staff for their channels) and its ids."""
        rng = self.rng
        if d.channel in STAFF_CHANNELS:
            pool = self.demo.field_team if d.channel == "field" else self.demo.operators
            d.created_by = rng.choice(pool)
        else:
            residents = d.unit.residents
            # A few activists write much more than everybody else.
            d.applicant = residents[int(len(residents) * rng.random() ** 1.8)]
            if d.channel == "phone":
                d.created_by = rng.choice(self.demo.operators)
        if d.channel == "import":
            d.external_id = f"ПОС-{rng.randint(10_000_000, 99_999_999)}"
        elif d.channel == "api":
            d.external_id = f"mobile-{rng.getrandbits(40):010x}"
        d.is_public = d.topic.public and rng.random() > 0.08

    def _pin_demo_citizen(self, drafts: list[Draft]) -> None:
        """Give the demo citizen appeals of their own in Липецк: old ones and open ones."""
        citizen = self.demo.demo["citizen@demo.otklik.ru"].pk
        lipetsk = [d for d in drafts if d.unit.spec.name == "Липецк" and d.channel == "portal"]
        recent_from = self.now - timedelta(days=21)
        old = [d for d in lipetsk if d.created_at < recent_from]
        recent = [d for d in lipetsk if d.created_at >= recent_from]
        for d in self.rng.sample(old, min(8, len(old))) + self.rng.sample(
            recent, min(4, len(recent))
        ):
            d.applicant, d.pinned = citizen, True


def _cumulative(weights) -> list[float]:
    cum, running = [], 0.0
    for w in weights:
        running += w
        cum.append(running)
    return cum
