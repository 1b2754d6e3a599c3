"""The territory of the demo region: Липецкая область, its 20 municipalities and their boundaries.

Centres and OKTMO codes follow the real municipalities. The boundaries are made up but
plausible: a Voronoi diagram of the district seats clipped to a rough outline of the oblast, with
the two city districts (Липецк, Елец) carved out of the districts around them. That is enough for
`find_municipality` to place a point, for maps to look right and for clusters to fall inside one
municipality; it is not a cadastral map.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.ops import voronoi_diagram

from otklik.lib.geo import shape_from_geojson

from .streets import StreetLayout

REGION_CODE = "48"
REGION_NAME = "Липецкая область"
REGION_TIME_ZONE = "Europe/Moscow"
REGION_CENTRE = (52.6031, 39.5708)

# A rough outline of the oblast, (lon, lat) clockwise from the north-west.
OUTLINE = Polygon(
    [
        (38.60, 53.55),
        (39.30, 53.60),
        (39.85, 53.45),
        (40.25, 53.30),
        (40.45, 52.95),
        (40.75, 52.55),
        (40.90, 52.25),
        (40.60, 51.95),
        (40.00, 51.90),
        (39.40, 51.95),
        (38.80, 52.00),
        (38.20, 51.95),
        (37.80, 52.00),
        (37.85, 52.40),
        (38.10, 52.75),
        (38.35, 53.10),
        (38.45, 53.40),
    ]
)


@dataclass(frozen=True)
class Settlement:
    """A town or village where appeals come from, with its name in two grammatical forms."""

    kind: str  # «г.», «с.», «пос.»
    name: str
    name_in: str  # prepositional, after «в»: «в Грязях»
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class MunicipalitySpec:
    """One real municipality of the oblast with what the demo needs to know about it."""

    name: str
    kind: str  # Municipality.Kind value
    oktmo: str
    seat: Settlement  # the administrative centre, the municipality's centre point
    population: int  # thousands, rounded: drives the volume of appeals
    discipline: float  # 0 poor … 1 exemplary: drives overdue, rework, satisfaction
    phone_code: str
    villages: tuple[str, ...] = ()
    seed: tuple[float, float] | None = None  # Voronoi seed (lat, lon) if not the seat
    radius_km: float = 0.0  # city districts: size of the carved-out city polygon

    @property
    def is_city(self) -> bool:
        return self.kind == "city_district"


def _town(name: str, name_in: str, lat: float, lon: float, kind: str = "г.") -> Settlement:
    return Settlement(kind, name, name_in, lat, lon)


MUNICIPALITIES: tuple[MunicipalitySpec, ...] = (
    MunicipalitySpec(
        "Липецк", "city_district", "42701000", _town("Липецк", "Липецке", 52.6031, 39.5708),
        500, 0.55, "4742", radius_km=10.5,
    ),
    MunicipalitySpec(
        "Елец", "city_district", "42715000", _town("Елец", "Ельце", 52.6235, 38.5012),
        102, 0.3, "47467", radius_km=5.5,
    ),
    MunicipalitySpec(
        "Воловский", "municipal_district", "42603000",
        _town("Волово", "Волове", 52.0378, 37.8869, "с."), 12, 0.65, "47473",
        ("Захаровка", "Ожога", "Замарайка", "Большое Кривец", "Набережное"),
    ),
    MunicipalitySpec(
        "Грязинский", "municipal_district", "42606000", _town("Грязи", "Грязях", 52.4956, 39.9331),
        70, 0.42, "47461",
        ("Казинка", "Бутырки", "Плеханово", "Фащёвка", "Двуречки", "Княжая Байгора"),
    ),
    MunicipalitySpec(
        "Данковский", "municipal_district", "42609000",
        _town("Данков", "Данкове", 53.2577, 39.1456), 30, 0.8, "47465",
        ("Бигильдино", "Полибино", "Требунки", "Берёзовка", "Баловнево"),
    ),
    MunicipalitySpec(
        "Добринский", "municipal_district", "42612000",
        _town("Добринка", "Добринке", 52.1670, 40.4905, "пос."), 30, 0.7, "47462",
        ("Петровский", "Талицкий Чамлык", "Пушкино", "Мазейка", "Нижняя Матрёнка"),
    ),
    MunicipalitySpec(
        "Добровский", "municipal_district", "42615000",
        _town("Доброе", "Добром", 52.9728, 39.9719, "с."), 21, 0.85, "47463",
        ("Каликино", "Трубетчино", "Панино", "Кривец", "Борисовка"),
    ),
    MunicipalitySpec(
        "Долгоруковский", "municipal_district", "42618000",
        _town("Долгоруково", "Долгорукове", 52.3370, 38.3580, "с."), 16, 0.55, "47468",
        ("Стегаловка", "Дубовец", "Верхний Ломовец", "Тёплое", "Слепуха"),
    ),
    MunicipalitySpec(
        "Елецкий", "municipal_district", "42621000",
        _town("Лавы", "Лавах", 52.5500, 38.3800, "с."), 27, 0.4, "47467",
        ("Екатериновка", "Казаки", "Голиково", "Архангельское", "Нижний Воргол", "Солидарность"),
        seed=(52.6235, 38.5012),
    ),
    MunicipalitySpec(
        "Задонский", "municipal_district", "42624000",
        _town("Задонск", "Задонске", 52.3908, 38.9198), 30, 0.9, "47471",
        ("Донское", "Хмелинец", "Камышевка", "Тюнино", "Скорняково"),
    ),
    MunicipalitySpec(
        "Измалковский", "municipal_district", "42627000",
        _town("Измалково", "Измалкове", 52.5335, 38.1530, "с."), 15, 0.65, "47478",
        ("Афанасьево", "Пречистое", "Чернава", "Домовина", "Васильевка"),
    ),
    MunicipalitySpec(
        "Краснинский", "municipal_district", "42630000",
        _town("Красное", "Красном", 52.8840, 38.7900, "с."), 12, 0.75, "47469",
        ("Сотниково", "Ищеино", "Гудовка", "Суходол", "Решетово-Дуброво"),
    ),
    MunicipalitySpec(
        "Лебедянский", "municipal_district", "42633000",
        _town("Лебедянь", "Лебедяни", 53.0157, 39.1435), 37, 0.5, "47466",
        ("Троекурово", "Агроном", "Куймань", "Тёплое", "Большое Попово"),
    ),
    MunicipalitySpec(
        "Лев-Толстовский", "municipal_district", "42636000",
        _town("Лев Толстой", "Льве Толстом", 53.2098, 39.4494, "пос."), 14, 0.3, "47464",
        ("Новочемоданово", "Домачи", "Знаменское", "Митягино", "Загорянка"),
    ),
    MunicipalitySpec(
        "Липецкий", "municipal_district", "42640000",
        _town("Сенцово", "Сенцове", 52.7000, 39.3600, "с."), 60, 0.7, "4742",
        ("Ленино", "Новодмитриевка", "Кузьминские Отвержки", "Сырское", "Косыревка", "Сселки"),
        seed=(52.6031, 39.5708),
    ),
    MunicipalitySpec(
        "Становлянский", "municipal_district", "42642000",
        _town("Становое", "Становом", 52.7540, 38.3180, "с."), 15, 0.6, "47476",
        ("Ольховец", "Лукьяновка", "Толстая Дубрава", "Пальна-Михайловка", "Злобино"),
    ),
    MunicipalitySpec(
        "Тербунский", "municipal_district", "42645000",
        _town("Тербуны", "Тербунах", 52.1480, 38.2770, "с."), 21, 0.85, "47474",
        ("Борки", "Вторые Тербуны", "Тележенка", "Озерки", "Ржавец"),
    ),
    MunicipalitySpec(
        "Усманский", "municipal_district", "42648000", _town("Усмань", "Усмани", 52.0440, 39.7270),
        42, 0.4, "47472",
        ("Пригородка", "Крутченская Байгора", "Девица", "Октябрьское", "Завальное"),
    ),
    MunicipalitySpec(
        "Хлевенский", "municipal_district", "42651000",
        _town("Хлевное", "Хлевном", 52.2030, 39.0920, "с."), 17, 0.75, "47477",
        ("Конь-Колодезь", "Дмитряшевка", "Введенка", "Фомино-Негачевка", "Отскочное"),
    ),
    MunicipalitySpec(
        "Чаплыгинский", "municipal_district", "42654000",
        _town("Чаплыгин", "Чаплыгине", 53.2420, 39.9670), 26, 0.5, "47475",
        ("Юсово", "Ведное", "Кривополянье", "Соловое", "Лозовка"),
    ),
)  # fmt: skip

# Streets by settlement: real streets of Липецк and Ельца; common ones elsewhere.
LIPETSK_STREETS = (
    "ул. Советская", "ул. Ленина", "ул. Московская", "ул. Катукова", "пр-кт Победы",
    "пр-кт Мира", "ул. Космонавтов", "ул. Гагарина", "ул. Водопьянова", "ул. Терешковой",
    "ул. Циолковского", "ул. Папина", "ул. Неделина", "ул. Стаханова", "ул. Звёздная",
    "ул. Доватора", "ул. Меркулова", "ул. Зегеля", "ул. Интернациональная", "ул. Плеханова",
    "ул. Фрунзе", "ул. Первомайская", "ул. Балмочных", "ул. Титова", "ул. Шерстобитова",
    "ул. Юных Натуралистов", "ул. Ушинского", "ул. Жуковского", "ул. Игнатьева",
    "ул. Коцаря", "ул. Металлургов", "ул. Краснознамённая", "ул. Ангарская", "ул. Осканова",
    "ул. Хорошавина", "ул. Семашко", "ул. Студёновская", "ул. Гоголя", "ул. Пушкина",
    "ул. Фестивальная", "ул. Тельмана", "ул. Минская", "ул. Липовская", "ул. Механизаторов",
    "ул. Полиграфическая", "ул. 50 лет НЛМК", "ул. Филипченко", "ул. Бунина",
    "ул. Берёзовая", "ул. Опытная", "ул. Гранитная", "ул. Водопьянова", "ул. Смургиса",
    "ул. Кривенкова", "ул. Осканова", "ул. Льва Толстого", "ул. Нестерова", "ул. Ковалёва",
    "пр-кт Сентябрьский", "пр-кт 60-летия СССР", "б-р Шубина", "б-р Есенина",
)  # fmt: skip
ELETS_STREETS = (
    "ул. Коммунаров", "ул. Мира", "ул. Ленина", "ул. Радиотехническая", "ул. Орджоникидзе",
    "ул. Пушкина", "ул. Советская", "ул. Кротевича", "ул. Костенко", "ул. Новолипецкая",
    "ул. Черокманова", "ул. Васильевский спуск", "ул. Александровская", "ул. Профинтерна",
    "ул. Спутников", "ул. Юбилейная", "ул. Октябрьская", "ул. Маяковского", "ул. Героев",
    "ул. Королёва", "ул. Пирогова", "ул. Льва Толстого", "ул. Задонская",
    "ул. Бунина", "ул. Гагарина", "ул. Комсомольская",
)  # fmt: skip
TOWN_STREETS = (
    "ул. Ленина", "ул. Советская", "ул. Мира", "ул. Садовая", "ул. Школьная",
    "ул. Молодёжная", "ул. Октябрьская", "ул. Первомайская", "ул. Гагарина",
    "ул. Комсомольская", "ул. Пролетарская", "ул. Набережная", "ул. Заводская",
    "ул. Вокзальная", "ул. Победы", "ул. Свободы", "ул. Пушкина", "ул. Чапаева",
    "ул. Калинина", "ул. Кирова", "пер. Почтовый", "ул. Интернациональная",
)  # fmt: skip
VILLAGE_STREETS = (
    "ул. Центральная", "ул. Садовая", "ул. Молодёжная", "ул. Школьная", "ул. Полевая",
    "ул. Луговая", "ул. Новая", "ул. Набережная", "ул. Лесная", "ул. Мира", "ул. Трудовая",
)  # fmt: skip


# ---------------------------------------------------------------------------- boundaries


def _city_polygon(spec: MunicipalitySpec) -> Polygon:
    """A lobed, irregular ring around a city: rounder than a square, still obviously made up."""
    lat, lon = spec.seat.lat, spec.seat.lon
    r_lat = spec.radius_km / 111.0
    r_lon = spec.radius_km / (111.0 * math.cos(math.radians(lat)))
    ring = []
    for i in range(36):
        angle = 2 * math.pi * i / 36
        k = 1 + 0.16 * math.sin(3 * angle + 0.7) + 0.07 * math.cos(5 * angle + 0.3)
        ring.append((lon + r_lon * k * math.cos(angle), lat + r_lat * k * math.sin(angle)))
    return Polygon(ring)


def _rounded(geometry) -> dict:
    """GeoJSON with coordinates rounded to 6 decimals (~0.1 m), still valid."""
    geometry = shapely.set_precision(geometry, 1e-6)
    if not geometry.is_valid:
        geometry = geometry.buffer(0)
    return mapping(geometry)


def build_boundaries() -> dict[str, dict]:
    """GeoJSON boundary by OKTMO: Voronoi cells of the district seats inside the outline, city
    districts carved out of the districts that surround them."""
    districts = [m for m in MUNICIPALITIES if not m.is_city]
    seeds = {m.oktmo: m.seed or (m.seat.lat, m.seat.lon) for m in districts}
    points = MultiPoint([(lon, lat) for lat, lon in seeds.values()])
    cells = voronoi_diagram(points, envelope=OUTLINE.buffer(1.0))
    shapes: dict[str, object] = {}
    for cell in cells.geoms:
        for oktmo, (lat, lon) in seeds.items():
            if cell.contains(Point(lon, lat)):
                shapes[oktmo] = cell.intersection(OUTLINE)
                break
    for city in (m for m in MUNICIPALITIES if m.is_city):
        polygon = _city_polygon(city)
        host = next(o for o, s in shapes.items() if s.contains(Point(city.seat.lon, city.seat.lat)))
        polygon = polygon.intersection(shapes[host])
        shapes[host] = shapes[host].difference(polygon)
        shapes[city.oktmo] = polygon
    return {oktmo: _rounded(shape) for oktmo, shape in shapes.items()}


# ---------------------------------------------------------------------------- places


@dataclass(frozen=True)
class Place:
    """A building appeals can be about: settlement, street, house and a point inside the
    municipality's boundary."""

    settlement: Settlement
    street: str
    house: str
    lat: float
    lon: float
    index: int  # position in its municipality's pool: picks the management company, clinic…


def _points_inside(rng, geometry, others, centre, spread, count) -> list[tuple[float, float]]:
    """`count` points (lat, lon) around `centre` (Gaussian, `spread` degrees of latitude) that
    lie in `geometry` and in none of the `others`, so the point lookup finds this municipality."""
    lat0, lon0 = centre
    squeeze = math.cos(math.radians(lat0))
    found: list[tuple[float, float]] = []
    while len(found) < count:
        batch = max(64, 2 * (count - len(found)))
        lats = [round(rng.gauss(lat0, spread), 6) for _ in range(batch)]
        lons = [round(rng.gauss(lon0, spread / squeeze), 6) for _ in range(batch)]
        ok = shapely.contains_xy(geometry, lons, lats)
        for other in others:
            ok &= ~shapely.intersects_xy(other, lons, lats)
        found.extend(
            (float(a), float(b)) for a, b, good in zip(lats, lons, ok, strict=True) if good
        )
    return found[:count]


def _house(rng, big: bool) -> str:
    number = int(1 + (rng.random() ** 1.7) * (140 if big else 60))
    if rng.random() < 0.08:
        return f"{number}{rng.choice('АБВ')}"
    if big and rng.random() < 0.06:
        return f"{number}, корп. {rng.randint(1, 3)}"
    return str(number)


def _layout(key: str, streets, own, others, centre, spread, step_m) -> StreetLayout:
    """The settlement's streets, each starting at a point around `centre` inside `own`, drawn
    from a generator of their own (`key`): the demo's other draws stay as they were."""
    rng = random.Random(key)
    starts = _points_inside(rng, own, others, centre, spread, len(dict.fromkeys(streets)))
    return StreetLayout(rng, streets, start_points=starts, step_m=step_m, own=own, others=others)


def build_places(rng, spec: MunicipalitySpec, boundaries: dict[str, dict], count: int):
    """A pool of `count` places in one municipality: most in its city or seat, the rest in its
    villages (each village a point chosen inside the district)."""
    shapes = {oktmo: shape_from_geojson(g) for oktmo, g in boundaries.items()}
    own = shapes[spec.oktmo]
    others = [s for oktmo, s in shapes.items() if oktmo != spec.oktmo]
    shapely.prepare(own)
    seat = spec.seat
    places: list[Place] = []
    # Streets are laid out on the ground (streets.py) and a place is a house on one of them, so
    # that an appeal's address and its pin agree. The Gaussian points drawn before the layout
    # existed are still drawn (and left unused): every other draw of the demo stays the same.
    if spec.is_city:
        streets = LIPETSK_STREETS if spec.name == "Липецк" else ELETS_STREETS
        spread = spec.radius_km / 111.0 * 0.45
        centre = (seat.lat, seat.lon)
        layout = _layout(f"{spec.oktmo}:{seat.name}", streets, own, others, centre, spread, 22)
        for _unused in _points_inside(rng, own, others, centre, spread, count):
            street, house = rng.choice(streets), _house(rng, True)
            lat, lon = layout.point(street, house)
            places.append(Place(seat, street, house, lat, lon, len(places)))
        return places
    in_seat = int(count * 0.55)
    centre = (seat.lat, seat.lon)
    layout = _layout(f"{spec.oktmo}:{seat.name}", TOWN_STREETS, own, others, centre, 0.008, 25)
    for _unused in _points_inside(rng, own, others, centre, 0.012, in_seat):
        street, house = rng.choice(TOWN_STREETS), _house(rng, False)
        places.append(Place(seat, street, house, *layout.point(street, house), 0))
    # Villages: a random point of the district each, their houses close around it.
    minx, miny, maxx, maxy = own.bounds
    villages = []
    for name in spec.villages:
        ((lat, lon),) = _points_inside(
            rng, own, others, ((miny + maxy) / 2, (minx + maxx) / 2), (maxy - miny) / 3, 1
        )
        kind = "пос." if name in ("Петровский", "Агроном", "Солидарность") else "с."
        villages.append(Settlement(kind, name, name, lat, lon))
    rest = count - in_seat
    for i, village in enumerate(villages):
        share = rest // len(villages) + (1 if i < rest % len(villages) else 0)
        centre = (village.lat, village.lon)
        key = f"{spec.oktmo}:{village.name}"
        layout = _layout(key, VILLAGE_STREETS, own, others, centre, 0.002, 20)
        for _unused in _points_inside(rng, own, others, centre, 0.004, share):
            street, house = rng.choice(VILLAGE_STREETS), _house(rng, False)
            places.append(Place(village, street, house, *layout.point(street, house), 0))
    return [Place(p.settlement, p.street, p.house, p.lat, p.lon, i) for i, p in enumerate(places)]


def address_of(spec: MunicipalitySpec, place: Place) -> str:
    """The postal-style address stored on an appeal."""
    return f"{locality_of(spec, place)}, {place.street}, д. {place.house}"


def locality_of(spec: MunicipalitySpec, place: Place) -> str:
    """The settlement of a place, region first: the address of an appeal without a point (no
    street or house, which would often be the applicant's home)."""
    s = place.settlement
    where = f"{s.kind} {s.name}" if spec.is_city else f"{spec.name} р-н, {s.kind} {s.name}"
    return f"Липецкая обл., {where}"
