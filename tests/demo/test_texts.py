"""Every text template of every topic renders, in a city and in a village."""

import random

from otklik.appeals.workflow import Resolution
from otklik.demo import replies
from otklik.demo.geography import MUNICIPALITIES, Place
from otklik.demo.texts import Slots, appeal_text, local_words, place_slots, typos
from otklik.demo.topics import SEASONS, all_groups


def _slots(rng, spec, place):
    values = place_slots(rng, spec, place)
    values.update(year="2025", next_year="2027", season_next="летнего периода 2026 года")
    return Slots(rng, local_words(spec), values)


def test_every_template_renders_in_a_city_and_a_village():
    rng = random.Random(1)
    city, district = MUNICIPALITIES[0], MUNICIPALITIES[3]
    places = [
        Place(city.seat, "ул. Советская", "5", 52.6, 39.57, 0),
        Place(district.seat, "ул. Садовая", "7", 52.5, 39.93, 1),
    ]
    for spec, place in zip((city, district), places, strict=True):
        for group in all_groups():
            assert group.topics
            for topic in group.topics:
                assert topic.season in SEASONS
                for template in topic.texts:
                    text = template.lstrip("~").format_map(_slots(rng, spec, place))
                    assert "{" not in text and len(text) > 20
                for resolution in Resolution.SOLVED, Resolution.EXPLAINED, Resolution.REFUSED:
                    answer = replies.answer_text(
                        rng, group=group, topic=topic, resolution=resolution, formal=False,
                        slots=_slots(rng, spec, place), salutation="", done_on=None
                        if resolution != Resolution.SOLVED else __import__("datetime").date.today(),
                        has_place=True,
                    )  # fmt: skip
                    assert len(answer) >= 20


def test_channels_write_differently():
    rng = random.Random(2)
    spec = MUNICIPALITIES[0]
    place = Place(spec.seat, "ул. Ленина", "1", 52.6, 39.57, 0)
    texts = {
        channel: appeal_text(
            rng, templates=("{where} яма.",), slots=_slots(rng, spec, place), tone="polite",
            channel=channel, topic_name="Ямы", city=True,
        )
        for channel in ("portal", "phone", "field", "social")
    }  # fmt: skip
    assert texts["phone"].startswith("Обращение по телефону")
    assert texts["field"].startswith("Выявлено мониторинговой группой")
    assert texts["social"].startswith("Публикация в соцсети")


def test_postponement_reasons_are_long_enough_for_the_service():
    assert all(len(r) >= 10 for r in replies.POSTPONEMENT_REASONS)
    assert all(len(r) >= 50 for r in replies.REPEATED_POSTPONEMENT_REASONS)


def test_typos_change_the_text_only_sometimes():
    rng = random.Random(3)
    text = "Здравствуйте, пожалуйста, почините фонарь возле подъезда."
    changed = sum(typos(rng, text, 0.1) != text for _ in range(1000))
    assert 30 < changed < 200
