"""The executor bodies of the demo region and which of them each routing key means.

A topic names a routing key (`roads`, `uk`, `gzhi`…); `executors_for(key, municipality)` turns
it into organizations: the municipality's own body when it has one, a regional body otherwise.
Names are realistic in form; management companies are made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geography import MunicipalitySpec

# Organization.Kind values, spelled out so this module stays free of model imports.
ADMINISTRATION = "administration"
DEPARTMENT = "department"
ROAD_SERVICE = "road_service"
MANAGEMENT_COMPANY = "management_company"
UTILITY = "utility"
TRANSPORT = "transport"
HEALTH = "health"
EDUCATION = "education"
SOCIAL = "social"
REGIONAL_BODY = "regional_body"
OTHER = "other"


@dataclass(frozen=True)
class OrgSpec:
    """One organization: the routing keys it serves, its names, kind and discipline."""

    keys: tuple[str, ...]
    name: str
    short_name: str
    kind: str
    oktmo: str | None = None  # None: a regional body
    parent: str | None = None  # short name of the parent organization
    staff: int = 1  # executor users to create
    discipline: float | None = None  # None: the municipality's, with some noise


ROSSETI = "Россети Центр — Липецкэнерго"

REGIONAL: tuple[OrgSpec, ...] = (
    OrgSpec(("roads_regional", "transport_regional"), "Управление дорог и транспорта "
            "Липецкой области", "Управление дорог и транспорта", REGIONAL_BODY, staff=3,
            discipline=0.55),
    OrgSpec(("gzhi",), "Государственная жилищная инспекция Липецкой области", "ГЖИ Липецкой "
            "области", REGIONAL_BODY, staff=3, discipline=0.78),
    OrgSpec(("capital_repair",), "Фонд капитального ремонта общего имущества многоквартирных "
            "домов Липецкой области", "Фонд капремонта", OTHER, staff=2, discipline=0.3),
    OrgSpec(("housing_regional",), "Управление жилищно-коммунального хозяйства Липецкой "
            "области", "Управление ЖКХ области", REGIONAL_BODY, staff=2, discipline=0.7),
    OrgSpec(("health_regional",), "Министерство здравоохранения Липецкой области",
            "Минздрав Липецкой области", REGIONAL_BODY, staff=3, discipline=0.5),
    OrgSpec(("education_regional",), "Министерство образования Липецкой области",
            "Минобразования Липецкой области", REGIONAL_BODY, staff=2, discipline=0.8),
    OrgSpec(("social_regional",), "Министерство социальной политики Липецкой области",
            "Минсоцполитики Липецкой области", REGIONAL_BODY, staff=3, discipline=0.72),
    OrgSpec(("ecology",), "Министерство природных ресурсов и экологии Липецкой области",
            "Минприроды Липецкой области", REGIONAL_BODY, staff=2, discipline=0.6),
    OrgSpec(("sanitary",), "Управление Роспотребнадзора по Липецкой области",
            "Роспотребнадзор", OTHER, staff=2, discipline=0.82),
    OrgSpec(("vet",), "Управление ветеринарии Липецкой области", "Управление ветеринарии",
            REGIONAL_BODY, discipline=0.75),
    OrgSpec(("trade_regional",), "Управление потребительского рынка и ценовой политики "
            "Липецкой области", "Управление потребрынка", REGIONAL_BODY, discipline=0.7),
    OrgSpec(("communications",), "Управление цифрового развития Липецкой области",
            "Управление цифрового развития", REGIONAL_BODY, discipline=0.62),
    OrgSpec(("mfc",), "ОБУ «Уполномоченный многофункциональный центр Липецкой области»",
            "УМФЦ", OTHER, staff=2, discipline=0.85),
    OrgSpec(("culture",), "Управление культуры и туризма Липецкой области",
            "Управление культуры", REGIONAL_BODY, discipline=0.8),
    OrgSpec(("sport",), "Управление физической культуры и спорта Липецкой области",
            "Управление спорта", REGIONAL_BODY, discipline=0.7),
    OrgSpec(("construction",), "Министерство строительства и архитектуры Липецкой области",
            "Минстрой Липецкой области", REGIONAL_BODY, staff=2, discipline=0.5),
    OrgSpec(("land",), "Управление имущественных и земельных отношений Липецкой области",
            "Управление имущественных отношений", REGIONAL_BODY, discipline=0.6),
    OrgSpec(("jobs",), "Управление по труду и занятости Липецкой области",
            "Управление по труду и занятости", REGIONAL_BODY, discipline=0.78),
    OrgSpec(("gas",), "АО «Газпром газораспределение Липецк»", "Газпром газораспределение "
            "Липецк", UTILITY, staff=3, discipline=0.5),
    OrgSpec(("waste",), "АО «Региональный оператор по обращению с ТКО Липецкой области»",
            "Регоператор ТКО", UTILITY, staff=3, discipline=0.33),
    OrgSpec(("power_regional",), "Филиал ПАО «Россети Центр» — «Липецкэнерго»", ROSSETI,
            UTILITY, staff=2, discipline=0.6),
)  # fmt: skip

LIPETSK_UK = ("Центральная", "Сокол", "Матырская", "Тракторный", "Новолипецкая",
              "Университетская", "Сырская")  # fmt: skip
ELETS_UK = ("Засосенская", "Ельчанка", "Городок", "Черокманово")


def _lipetsk(oktmo: str) -> list[OrgSpec]:
    admin = "Администрация г. Липецка"
    return [
        OrgSpec(("admin",), "Администрация города Липецка", admin, ADMINISTRATION, oktmo,
                staff=2),
        OrgSpec(("roads",), "Департамент дорожного хозяйства и благоустройства администрации "
                "города Липецка", "ДДХиБ г. Липецка", ROAD_SERVICE, oktmo, admin, staff=3),
        OrgSpec(("improvement", "animals"), "МУ «Управление главного смотрителя города "
                "Липецка»", "УГС г. Липецка", DEPARTMENT, oktmo, admin, staff=3),
        OrgSpec(("housing",), "Департамент ЖКХ администрации города Липецка",
                "Департамент ЖКХ г. Липецка", DEPARTMENT, oktmo, admin, staff=2),
        OrgSpec(("transport",), "Департамент транспорта администрации города Липецка",
                "Департамент транспорта г. Липецка", TRANSPORT, oktmo, admin, staff=2),
        OrgSpec(("education",), "Департамент образования администрации города Липецка",
                "Департамент образования г. Липецка", EDUCATION, oktmo, admin, staff=2),
        OrgSpec(("water", "power"), "ООО «Липецкая городская энергетическая компания»",
                "ЛГЭК", UTILITY, oktmo, staff=3),
        OrgSpec(("heat",), "Филиал ПАО «Квадра» — «Липецкая генерация»", "Квадра — Липецкая "
                "генерация", UTILITY, oktmo, staff=2),
        OrgSpec(("social",), "ОКУ «Центр социальной защиты населения по городу Липецку»",
                "ЦСЗН по г. Липецку", SOCIAL, oktmo, staff=2),
        OrgSpec(("health",), "ГУЗ «Липецкая городская поликлиника № 1»", "Поликлиника № 1 "
                "г. Липецка", HEALTH, oktmo),
        OrgSpec(("health",), "ГУЗ «Липецкая городская поликлиника № 7»", "Поликлиника № 7 "
                "г. Липецка", HEALTH, oktmo),
        OrgSpec(("health",), "ГУЗ «Липецкая городская больница скорой медицинской помощи "
                "№ 1»", "БСМП № 1 г. Липецка", HEALTH, oktmo),
        *(
            OrgSpec(("uk",), f"ООО «Управляющая компания „{n}“»", f"УК «{n}»",
                    MANAGEMENT_COMPANY, oktmo, staff=2)
            for n in LIPETSK_UK
        ),
    ]  # fmt: skip


def _elets(oktmo: str) -> list[OrgSpec]:
    admin = "Администрация г. Ельца"
    return [
        OrgSpec(("admin",), "Администрация городского округа город Елец", admin,
                ADMINISTRATION, oktmo, staff=2),
        OrgSpec(("roads", "improvement", "animals"), "МКУ «Управление городского хозяйства "
                "города Ельца»", "УГХ г. Ельца", ROAD_SERVICE, oktmo, admin, staff=3),
        OrgSpec(("housing",), "Управление ЖКХ администрации городского округа город Елец",
                "Управление ЖКХ г. Ельца", DEPARTMENT, oktmo, admin),
        OrgSpec(("transport",), "МУП «Елецкое пассажирское автотранспортное предприятие»",
                "Елецкое ПАТП", TRANSPORT, oktmo),
        OrgSpec(("education",), "Управление образования администрации городского округа город "
                "Елец", "Управление образования г. Ельца", EDUCATION, oktmo, admin),
        OrgSpec(("water",), "МУП «Елецводоканал»", "Елецводоканал", UTILITY, oktmo, staff=2),
        OrgSpec(("heat",), "МУП «Елецтеплосеть»", "Елецтеплосеть", UTILITY, oktmo, staff=2),
        OrgSpec(("power",), "Елецкий РЭС филиала ПАО «Россети Центр» — «Липецкэнерго»",
                "Елецкий РЭС", UTILITY, oktmo, ROSSETI),
        OrgSpec(("social",), "ОКУ «Центр социальной защиты населения по городу Ельцу»",
                "ЦСЗН по г. Ельцу", SOCIAL, oktmo),
        OrgSpec(("health",), "ГУЗ «Елецкая городская больница № 1 им. Н. А. Семашко»",
                "Елецкая горбольница № 1", HEALTH, oktmo),
        OrgSpec(("health",), "ГУЗ «Елецкая городская детская больница»", "Елецкая детская "
                "больница", HEALTH, oktmo),
        *(
            OrgSpec(("uk",), f"ООО «Управляющая компания „{n}“»", f"УК «{n}»",
                    MANAGEMENT_COMPANY, oktmo, staff=2)
            for n in ELETS_UK
        ),
    ]  # fmt: skip


def _district(spec: MunicipalitySpec) -> list[OrgSpec]:
    stem = spec.name[:-2]  # «Грязинск»: the adjective without its ending
    genitive, dative, feminine = f"{stem}ого", f"{stem}ому", f"{stem}ая"
    oktmo = spec.oktmo
    admin = f"Администрация {genitive} района"
    return [
        OrgSpec(("admin", "transport"), f"Администрация {genitive} муниципального района",
                admin, ADMINISTRATION, oktmo, staff=2),
        OrgSpec(("roads", "improvement", "animals", "housing"), f"Отдел ЖКХ, дорожного "
                f"хозяйства и благоустройства администрации {genitive} района",
                f"Отдел ЖКХ и дорог {genitive} района", ROAD_SERVICE, oktmo, admin, staff=2),
        OrgSpec(("uk", "water", "heat"), f"МУП «Жилищно-коммунальное хозяйство {genitive} "
                f"района»", f"МУП «ЖКХ {genitive} района»", UTILITY, oktmo, staff=2),
        OrgSpec(("power",), f"{spec.name} РЭС филиала ПАО «Россети Центр» — «Липецкэнерго»",
                f"{spec.name} РЭС", UTILITY, oktmo, ROSSETI),
        OrgSpec(("health",), f"ГУЗ «{feminine} районная больница»",
                f"{feminine} РБ", HEALTH, oktmo),
        OrgSpec(("education",), f"Отдел образования администрации {genitive} района",
                f"Отдел образования {genitive} района", EDUCATION, oktmo, admin),
        OrgSpec(("social",), f"ОКУ «Центр социальной защиты населения по {dative} району»",
                f"ЦСЗН по {dative} району", SOCIAL, oktmo),
    ]  # fmt: skip


def organization_specs(municipalities) -> list[OrgSpec]:
    """Every organization of the demo region, regional bodies first, parents before children."""
    specs = list(REGIONAL)
    for m in municipalities:
        if m.name == "Липецк":
            specs += _lipetsk(m.oktmo)
        elif m.name == "Елец":
            specs += _elets(m.oktmo)
        else:
            specs += _district(m)
    return specs


# Who answers for an organization's replies when the author's own contacts are unknown
# (Organization.contact_position), by kind.
CONTACT_POSITIONS = {
    ADMINISTRATION: "начальник отдела по работе с обращениями граждан",
    DEPARTMENT: "заместитель начальника",
    ROAD_SERVICE: "заместитель директора",
    MANAGEMENT_COMPANY: "главный инженер",
    UTILITY: "начальник абонентского отдела",
    TRANSPORT: "начальник отдела перевозок",
    HEALTH: "заместитель главного врача",
    EDUCATION: "заместитель начальника",
    SOCIAL: "заместитель директора",
    REGIONAL_BODY: "начальник отдела по работе с обращениями граждан",
    OTHER: "начальник отдела по работе с обращениями",
}
# Executors' positions (Membership.position): the first of an organization leads the others.
STAFF_POSITIONS = ("начальник отдела", "главный специалист", "ведущий специалист")


def staff_position(k: int) -> str:
    return STAFF_POSITIONS[min(k, len(STAFF_POSITIONS) - 1)]


def work_phone(org_phone: str, k: int) -> str:
    """An extension-like direct line next to the organization's number: «… 12-34» → «… 12-4k»."""
    return f"{org_phone[:-2]}{40 + k:02d}" if org_phone else ""


# Where an appeal goes when its first executor says «not ours».
REDIRECT_KEYS = {
    "roads": "roads_regional",
    "roads_regional": "roads",
    "improvement": "roads",
    "uk": "uk",
    "housing": "gzhi",
    "water": "housing",
    "heat": "housing",
    "health": "health_regional",
    "education": "education_regional",
    "social": "social_regional",
    "gzhi": "housing_regional",
    "waste": "improvement",
}


def executors_for(index: dict, key: str, oktmo: str) -> list:
    """Organizations that serve `key` in the municipality: its own, else regional, else its
    administration. `index` maps (oktmo or None, key) to organizations."""
    return index.get((oktmo, key)) or index.get((None, key)) or index[(oktmo, "admin")]
