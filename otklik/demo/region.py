"""The demo region in the directory: Липецкая область with its municipalities, executor bodies,
category tree, routing rules, staff, the demo logins and a few thousand citizens.

Everything is created only if missing (by OKTMO, name, code or e-mail), so a second run over
the same database adds nothing; rows are written with bulk_create and one pre-computed password
hash, because hashing thousands of passwords one by one takes minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

from otklik.accounts.models import ApiScope, ApiToken, Membership, Role, TotpDevice, User
from otklik.accounts.tokens import hash_key, issue_token
from otklik.directory.models import (
    Category,
    CategoryAttribute,
    Municipality,
    Organization,
    Region,
    RejectionReason,
    RoutingRule,
)

from . import geography
from .geography import MUNICIPALITIES, MunicipalitySpec
from .organizations import (
    CONTACT_POSITIONS,
    OrgSpec,
    executors_for,
    organization_specs,
    staff_position,
    work_phone,
)
from .people import Person, citizen_email, phone, random_person, translit
from .topics import Group, Topic, all_groups

DEMO_PASSWORD = "otklik-demo-2026"  # noqa: S105 — published on purpose: the demo's logins
# The demo staff's authenticator-app key (TOTP, base32), published like the password: add it
# to any authenticator app, or print the current code with `manage.py totp_code EMAIL`.
DEMO_TOTP_SECRET = "OTKLIKDEMOSECRETFORSTAFFLOGINS22"  # noqa: S105 — published on purpose

# (role, e-mail, password): one line per role for `make run` to print (demo_logins command).
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("Заявитель (гражданин)", "citizen@demo.otklik.ru", DEMO_PASSWORD),
    ("Оператор ЦУР", "operator@demo.otklik.ru", DEMO_PASSWORD),
    ("Исполнитель (дороги Липецка)", "executor@demo.otklik.ru", DEMO_PASSWORD),
    ("Куратор (г. Липецк)", "supervisor@demo.otklik.ru", DEMO_PASSWORD),
    ("Руководство области", "leadership@demo.otklik.ru", DEMO_PASSWORD),
    ("Контрольные звонки", "caller@demo.otklik.ru", DEMO_PASSWORD),
    ("Мониторинговая группа", "field@demo.otklik.ru", DEMO_PASSWORD),
    ("Администратор", "admin@demo.otklik.ru", DEMO_PASSWORD),
    ("Выездная бригада (ДДХиБ)", "brigade@demo.otklik.ru", DEMO_PASSWORD),
    ("Руководитель бригад (ДДХиБ)", "teamlead@demo.otklik.ru", DEMO_PASSWORD),
]

# The account the city app's key acts as: a client system, no staff role, no login.
DEMO_CLIENT_EMAIL = "city-app@demo.otklik.ru"
DEMO_CLIENT_NAME = "Приложение города"

# Published API keys of the demo (like its passwords): (role, e-mail, key, scopes).
DEMO_API_KEYS: list[tuple[str, str, str, list[str]]] = [
    (
        "Приложение города (Open311)",
        DEMO_CLIENT_EMAIL,
        "otk_demo_open311_2026",
        [ApiScope.OPEN311, ApiScope.APPEALS_FILE, ApiScope.APPEALS_READ],
    ),
    (
        "Заявитель",
        "citizen@demo.otklik.ru",
        "otk_demo_citizen_2026",
        [ApiScope.APPEALS_FILE, ApiScope.APPEALS_READ, ApiScope.APPEALS_RATE],
    ),
    (
        "Исполнитель",
        "executor@demo.otklik.ru",
        "otk_demo_executor_2026",
        [ApiScope.APPEALS_READ, ApiScope.APPEALS_WORK],
    ),
    (
        "Оператор ЦУР",
        "operator@demo.otklik.ru",
        "otk_demo_operator_2026",
        [
            ApiScope.APPEALS_READ,
            ApiScope.APPEALS_MODERATE,
            ApiScope.ANALYTICS_READ,
            ApiScope.WEBHOOKS,
            ApiScope.IMPORTS,
            ApiScope.SIGNALS,
        ],
    ),
]

# e-mail → (full name, role, scope); the scope is «region», «Липецк» or a short name of an org.
DEMO_USERS = {
    "citizen@demo.otklik.ru": ("Петрова Анна Сергеевна", None, None),
    "operator@demo.otklik.ru": ("Соколова Марина Викторовна", Role.OPERATOR, "region"),
    "executor@demo.otklik.ru": ("Дорохов Пётр Ильич", Role.EXECUTOR, "ДДХиБ г. Липецка"),
    "supervisor@demo.otklik.ru": ("Кравцов Андрей Николаевич", Role.SUPERVISOR, "Липецк"),
    "leadership@demo.otklik.ru": ("Белозёров Виктор Павлович", Role.LEADERSHIP, "region"),
    "caller@demo.otklik.ru": ("Лаптева Ирина Олеговна", Role.CALLER, "region"),
    "field@demo.otklik.ru": ("Гришин Олег Валерьевич", Role.FIELD, "region"),
    "admin@demo.otklik.ru": ("Администратор системы", Role.ADMIN, "region"),
    # The field inspections (inspections.py): a team member and the supervisor who plans.
    "brigade@demo.otklik.ru": ("Сафонов Денис Игоревич", Role.FIELD, "ДДХиБ г. Липецка"),
    "teamlead@demo.otklik.ru": ("Колесникова Елена Юрьевна", Role.SUPERVISOR, "ДДХиБ г. Липецка"),
}
OPERATORS = 10  # control-centre staff besides the demo operator
FIELD_TEAM = 4  # members of the monitoring brigade (channel «field»)


@dataclass
class DemoRegion:
    """What the history generator needs to know about the directory it builds on."""

    region: Region
    boundaries: dict[str, dict]
    municipalities: dict[str, Municipality]  # by OKTMO
    specs: dict[str, MunicipalitySpec]  # by OKTMO
    org_index: dict[tuple[str | None, str], list[Organization]]
    discipline: dict[int, float]  # organization id → 0 poor … 1 exemplary
    staff: dict[int, list[int]]  # organization id → executor user ids
    categories: dict[str, Category]  # by code
    topics: list[tuple[Group, Topic]]
    reasons: dict[str, RejectionReason]
    operators: list[int] = field(default_factory=list)
    field_team: list[int] = field(default_factory=list)
    demo: dict[str, User] = field(default_factory=dict)  # by e-mail
    citizens: dict[str, list[int]] = field(default_factory=dict)  # OKTMO → user ids
    persons: dict[int, Person] = field(default_factory=dict)  # user id → name parts


# ---------------------------------------------------------------------------- territory


def ensure_region() -> Region:
    region, _ = Region.objects.update_or_create(
        code=geography.REGION_CODE,
        defaults={
            "name": geography.REGION_NAME,
            "time_zone": geography.REGION_TIME_ZONE,
            "center_lat": geography.REGION_CENTRE[0],
            "center_lon": geography.REGION_CENTRE[1],
        },
    )
    return region


def ensure_municipalities(region: Region, boundaries: dict[str, dict]):
    existing = {m.oktmo: m for m in Municipality.objects.filter(region=region)}
    Municipality.objects.bulk_create(
        Municipality(
            region=region,
            name=spec.name,
            kind=spec.kind,
            oktmo=spec.oktmo,
            center_lat=spec.seat.lat,
            center_lon=spec.seat.lon,
            boundary=boundaries[spec.oktmo],
        )
        for spec in MUNICIPALITIES
        if spec.oktmo not in existing
    )
    return {m.oktmo: m for m in Municipality.objects.filter(region=region)}


# ---------------------------------------------------------------------------- organizations


def _org_contacts(spec: OrgSpec, municipality: MunicipalitySpec | None, number: int):
    """A plausible phone (area code of the municipality) and address for an organization."""
    m = municipality or MUNICIPALITIES[0]
    code = m.phone_code
    digits = f"{(number * 7919) % 10 ** (10 - len(code)):0{10 - len(code)}d}"
    tel = f"+7 ({code}) {digits[:-4]}-{digits[-4:-2]}-{digits[-2:]}"
    street = ("ул. Советская", "ул. Ленина", "пл. Мира", "ул. Октябрьская")[number % 4]
    town = f"{m.seat.kind} {m.seat.name}"
    return tel, f"Липецкая обл., {town}, {street}, д. {number % 60 + 1}"


def ensure_organizations(rng, region: Region, municipalities: dict[str, Municipality]):
    """Create missing organizations; return (spec, organization) pairs and their discipline."""
    specs = organization_specs(MUNICIPALITIES)
    by_oktmo = {m.oktmo: m for m in MUNICIPALITIES}
    existing = {(o.municipality_id, o.name): o for o in Organization.objects.filter(region=region)}
    pairs: list[tuple[OrgSpec, Organization]] = []
    # Parents first: regional bodies and administrations, then everything that hangs on them.
    for with_parent in (False, True):
        by_short = {spec.short_name: org for spec, org in pairs}
        batch = []
        for number, spec in enumerate(specs):
            if (spec.parent is not None) != with_parent:
                continue
            municipality = municipalities[spec.oktmo] if spec.oktmo else None
            org = existing.get((municipality.pk if municipality else None, spec.name))
            if org is None:
                tel, address = _org_contacts(spec, by_oktmo.get(spec.oktmo), number)
                # Its own generator: the contact's name does not shift the rest of the demo.
                contact = random_person(random.Random(f"contact:{number}"))
                org = Organization(
                    region=region,
                    municipality=municipality,
                    parent=by_short.get(spec.parent),
                    name=spec.name,
                    short_name=spec.short_name,
                    kind=spec.kind,
                    email=f"org{number:03d}@example.ru",
                    phone=tel,
                    address=address,
                    contact_name=contact.full_name,
                    contact_position=CONTACT_POSITIONS[spec.kind],
                )
                batch.append(org)
            pairs.append((spec, org))
        Organization.objects.bulk_create(batch)
    discipline = {}
    for spec, org in pairs:
        if spec.discipline is not None:
            value = spec.discipline
        elif spec.kind == "management_company":
            value = rng.gauss(0.5, 0.22)  # management companies range from good to awful
        else:
            value = by_oktmo[spec.oktmo].discipline + rng.gauss(0, 0.12)
        discipline[org.pk] = min(0.97, max(0.05, value))
    return pairs, discipline


def organization_index(pairs) -> dict[tuple[str | None, str], list[Organization]]:
    index: dict[tuple[str | None, str], list[Organization]] = {}
    for spec, org in pairs:
        for key in spec.keys:
            index.setdefault((spec.oktmo, key), []).append(org)
    return index


# ---------------------------------------------------------------------------- categories


def ensure_categories(groups) -> dict[str, Category]:
    existing = {c.code: c for c in Category.objects.all()}
    roots = [
        Category(
            code=g.code,
            name=g.name,
            hint=g.hint,
            answer_days=30,
            answer_days_unit=Category.DeadlineUnit.CALENDAR,
            position=(i + 1) * 100,
        )
        for i, g in enumerate(groups)
        if g.code not in existing
    ]
    Category.objects.bulk_create(roots)
    existing.update({c.code: c for c in roots})
    children = [
        Category(
            parent=existing[g.code],
            code=t.code,
            name=t.name,
            hint=t.hint,
            answer_days=t.days,
            answer_days_unit=t.unit,
            is_public=t.public,
            needs_evidence=t.evidence,
            position=(i + 1) * 100 + j + 1,
        )
        for i, g in enumerate(groups)
        for j, t in enumerate(g.topics)
        if t.code not in existing
    ]
    Category.objects.bulk_create(children)
    existing.update({c.code: c for c in children})
    return existing


# Open311 service definitions of the demo: what a city app asks for two common topics.
DEMO_ATTRIBUTES = {
    "roads-potholes": [
        {
            "code": "size",
            "description": "Размер ямы",
            "datatype": CategoryAttribute.DataType.SINGLEVALUELIST,
            "required": True,
            "values": [
                {"key": "small", "name": "до 30 см"},
                {"key": "medium", "name": "30–100 см"},
                {"key": "large", "name": "больше метра"},
            ],
        },
        {
            "code": "lane",
            "description": "Где яма",
            "datatype": CategoryAttribute.DataType.MULTIVALUELIST,
            "values": [
                {"key": "roadway", "name": "проезжая часть"},
                {"key": "crossing", "name": "пешеходный переход"},
                {"key": "stop", "name": "остановка"},
            ],
        },
    ],
    "street-lighting": [
        {
            "code": "poles",
            "description": "Сколько фонарей не горит",
            "datatype": CategoryAttribute.DataType.NUMBER,
            "datatype_description": "Целое число",
        },
    ],
}


def ensure_category_attributes(categories: dict[str, Category]) -> None:
    for code, attributes in DEMO_ATTRIBUTES.items():
        for order, fields in enumerate(attributes, start=1):
            CategoryAttribute.objects.get_or_create(
                category=categories[code],
                code=fields["code"],
                defaults={**fields, "order": order},
            )


def ensure_routing(topics, categories, municipalities, index) -> None:
    """One rule per subcategory × municipality: the body that serves the topic's key there.
    Management companies are chosen by the house, which a rule cannot know: the rule names the
    housing department, and the operator (the generator) picks the company."""
    existing = set(RoutingRule.objects.values_list("category_id", "municipality_id"))
    rules = []
    for _, topic in topics:
        category = categories[topic.code]
        key = "housing" if topic.executor == "uk" else topic.executor
        for oktmo, municipality in municipalities.items():
            if (category.pk, municipality.pk) in existing:
                continue
            organization = executors_for(index, key, oktmo)[0]
            rules.append(
                RoutingRule(category=category, municipality=municipality, organization=organization)
            )
    RoutingRule.objects.bulk_create(rules, batch_size=1000)


# ---------------------------------------------------------------------------- people


def _new_users(users: list[User]) -> list[User]:
    """bulk_create the users whose e-mail is not taken yet; return all of them, saved."""
    emails = [u.email for u in users]
    taken = {u.email: u for u in User.objects.filter(email__in=emails)}
    User.objects.bulk_create([u for u in users if u.email not in taken], batch_size=1000)
    return [taken.get(u.email, u) for u in users]


def ensure_demo_users(password_hash: str, region: Region, municipalities, pairs, joined):
    """The demo logins with their roles, superuser included."""
    by_short = {org.short_name: org for _, org in pairs}
    users = _new_users(
        [
            User(
                email=email,
                full_name=name,
                phone=phone(i + 1),
                password=password_hash,
                date_joined=joined,
                email_confirmed_at=joined,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            for i, (email, (name, role, _)) in enumerate(DEMO_USERS.items())
        ]
    )
    for user in users:
        _, role, scope = DEMO_USERS[user.email]
        if role is None:
            continue
        where = {"region": region}
        if scope == "Липецк":
            where = {"municipality": municipalities["42701000"]}
        elif scope != "region":
            where = {"organization": by_short[scope]}
        contacts = {}
        if role == Role.EXECUTOR:
            org = where["organization"]
            contacts = {"position": "главный специалист", "phone": work_phone(org.phone, 9)}
        Membership.objects.get_or_create(user=user, role=role, **where, defaults=contacts)
    return {u.email: u for u in users}


def ensure_demo_tokens(users: dict[str, User] | None, region: Region) -> None:
    """The published demo API keys (make run prints them); `users` by e-mail, else read. The
    city app's key acts as an account of its own without staff roles; in a demo built when it
    acted as the operator, it is moved to that account."""
    client, _created = User.objects.get_or_create(
        email=DEMO_CLIENT_EMAIL,
        defaults={"full_name": DEMO_CLIENT_NAME, "password": make_password(None)},
    )
    if users is None:
        emails = {email for _name, email, _key, _scopes in DEMO_API_KEYS}
        users = {u.email: u for u in User.objects.filter(email__in=emails)}
    users = {**users, DEMO_CLIENT_EMAIL: client}
    for name, email, key, scopes in DEMO_API_KEYS:
        token = ApiToken.objects.filter(key_hash=hash_key(key)).first()
        if token is None:
            issue_token(user=users[email], name=name, scopes=scopes, region=region, key=key)
        elif token.user_id != users[email].pk:
            token.user = users[email]
            token.save(update_fields=["user"])


def ensure_demo_devices() -> None:
    """The demo staff logins' second factor, enrolled with the published DEMO_TOTP_SECRET (a
    device someone reset or enrolled anew is left as it is until it is gone)."""
    staff_emails = [email for email, (_, role, _) in DEMO_USERS.items() if role is not None]
    users = User.objects.filter(email__in=staff_emails).exclude(
        pk__in=TotpDevice.objects.values("user")
    )
    TotpDevice.objects.bulk_create(
        [
            TotpDevice(
                user=user,
                secret=DEMO_TOTP_SECRET,
                created_at=user.date_joined,
                confirmed_at=user.date_joined,
            )
            for user in users
        ]
    )


def _staff_user(rng, password_hash: str, joined: datetime, tag: str, number: int):
    person = random_person(rng)
    email = f"{translit(person.surname)}.{tag}{number}@staff.example.ru"
    return User(
        email=email,
        full_name=person.full_name,
        phone=phone(1000 + number),
        password=password_hash,
        date_joined=joined,
        email_confirmed_at=joined,
    )


def ensure_staff(rng, demo: DemoRegion, pairs, password_hash: str, joined: datetime) -> None:
    """Operators, the field team and the executors of every organization."""
    operators = _new_users(
        [_staff_user(rng, password_hash, joined, "cur", i) for i in range(OPERATORS)]
    )
    field_team = _new_users(
        [_staff_user(rng, password_hash, joined, "mg", i) for i in range(FIELD_TEAM)]
    )
    planned = [
        (org, _staff_user(rng, password_hash, joined, "org", number * 10 + k))
        for number, (spec, org) in enumerate(pairs)
        for k in range(spec.staff)
    ]
    executors = _new_users([user for _, user in planned])
    memberships = [Membership(user=u, role=Role.OPERATOR, region=demo.region) for u in operators]
    memberships += [Membership(user=u, role=Role.FIELD, region=demo.region) for u in field_team]
    rank: dict[int, int] = {}
    for (org, _), user in zip(planned, executors, strict=True):
        k = rank[org.pk] = rank.get(org.pk, -1) + 1
        memberships.append(
            Membership(
                user=user,
                role=Role.EXECUTOR,
                organization=org,
                position=staff_position(k),
                phone=work_phone(org.phone, k),
            )
        )
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)
    demo_operator = demo.demo["operator@demo.otklik.ru"].pk
    demo.operators = [demo_operator, *(u.pk for u in operators)]
    demo.field_team = [demo.demo["field@demo.otklik.ru"].pk, *(u.pk for u in field_team)]
    for (org, _), user in zip(planned, executors, strict=True):
        demo.staff.setdefault(org.pk, []).append(user.pk)
    demo_executor = demo.demo["executor@demo.otklik.ru"]
    for m in demo_executor.memberships.all():
        # The demo executor works the appeals of their road service like their colleagues.
        demo.staff.setdefault(m.organization_id, []).insert(0, demo_executor.pk)


def ensure_citizens(rng, demo: DemoRegion, count: int, password_hash: str, joined: datetime):
    """`count` applicants with Russian names, each living in one municipality (by population;
    the cities' people write more)."""
    specs = list(MUNICIPALITIES)
    weights = [s.population * (1.3 if s.is_city else 0.9) for s in specs]
    homes = rng.choices(specs, weights=weights, k=count)
    people = [random_person(rng) for _ in range(count)]
    users = _new_users(
        [
            User(
                email=citizen_email(person, i + 1),
                full_name=person.full_name,
                phone=phone(100_000 + i),
                password=password_hash,
                date_joined=(
                    since := joined
                    - timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86399))
                ),
                email_confirmed_at=since,
            )
            for i, person in enumerate(people)
        ]
    )
    for user, person, home in zip(users, people, homes, strict=True):
        demo.citizens.setdefault(home.oktmo, []).append(user.pk)
        demo.persons[user.pk] = person
    for spec in specs:
        # Every municipality needs someone to write from it, however small the demo.
        demo.citizens.setdefault(spec.oktmo, [users[0].pk])
    citizen = demo.demo["citizen@demo.otklik.ru"]
    demo.persons[citizen.pk] = Person("Петрова", "Анна", "Сергеевна", True)


# ---------------------------------------------------------------------------- all of it


def build_region(rng, *, citizens: int, history_start: datetime) -> DemoRegion:
    """Create (or complete) the demo directory and people; return what the history needs."""
    password_hash = make_password(DEMO_PASSWORD)
    region = ensure_region()
    boundaries = geography.build_boundaries()
    municipalities = ensure_municipalities(region, boundaries)
    pairs, discipline = ensure_organizations(rng, region, municipalities)
    index = organization_index(pairs)
    groups = all_groups()
    topics = [(g, t) for g in groups for t in g.topics]
    categories = ensure_categories(groups)
    ensure_category_attributes(categories)
    ensure_routing(topics, categories, municipalities, index)
    demo = DemoRegion(
        region=region,
        boundaries=boundaries,
        municipalities=municipalities,
        specs={s.oktmo: s for s in MUNICIPALITIES},
        org_index=index,
        discipline=discipline,
        staff={},
        categories=categories,
        topics=topics,
        reasons={r.code: r for r in RejectionReason.objects.all()},
    )
    staff_joined = history_start - timedelta(days=30)
    demo.demo = ensure_demo_users(password_hash, region, municipalities, pairs, staff_joined)
    ensure_demo_tokens(demo.demo, region)
    ensure_demo_devices()
    ensure_staff(rng, demo, pairs, password_hash, staff_joined)
    ensure_citizens(rng, demo, citizens, password_hash, history_start)
    return demo
