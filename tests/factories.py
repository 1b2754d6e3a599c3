"""factory_boy factories for the directory and users, and `make_appeal`: an appeal brought to a
given status through the real services, so every test appeal has a true event history."""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from otklik.accounts.models import Membership, Role, User
from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.directory.models import (
    Category,
    Municipality,
    Organization,
    Region,
    RejectionReason,
    RoutingRule,
)


def square(lat: float, lon: float, half: float = 0.1) -> dict:
    """A GeoJSON square of 2×`half` degrees around a point."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{(n % 89) + 10:02d}")
    name = factory.Sequence(lambda n: f"Область {n}")
    time_zone = "Europe/Moscow"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Район {n}")
    kind = Municipality.Kind.MUNICIPAL_DISTRICT
    oktmo = factory.Sequence(lambda n: f"{42600000 + n:08d}")
    center_lat = 52.6
    center_lon = 39.6
    boundary = None


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    region = factory.SubFactory(RegionFactory)
    municipality = None
    name = factory.Sequence(lambda n: f"Организация {n}")
    kind = Organization.Kind.DEPARTMENT
    email = factory.Sequence(lambda n: f"org{n}@example.ru")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Рубрика {n}")
    answer_days = 30
    answer_days_unit = Category.DeadlineUnit.CALENDAR


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    category = factory.SubFactory(CategoryFactory)
    organization = factory.SubFactory(OrganizationFactory)
    municipality = None


class RejectionReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RejectionReason
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"reason-{n}")
    name = factory.Sequence(lambda n: f"Причина {n}")
    public_text = "Обращение отклонено по причине, указанной оператором."


class UserFactory(factory.django.DjangoModelFactory):
    """A citizen: a user without memberships. `staff()` makes a member of staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.ru")
    full_name = factory.Sequence(lambda n: f"Житель Номер{n}")
    password = factory.django.Password("Test-password-2026")
    email_confirmed_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        exclude = ("scope",)

    user = factory.SubFactory(UserFactory)
    role = Role.OPERATOR
    scope = None
    region = factory.LazyAttribute(lambda o: o.scope if isinstance(o.scope, Region) else None)
    municipality = factory.LazyAttribute(
        lambda o: o.scope if isinstance(o.scope, Municipality) else None
    )
    organization = factory.LazyAttribute(
        lambda o: o.scope if isinstance(o.scope, Organization) else None
    )


def staff(role: str, scope, **kwargs) -> User:
    """A user holding `role` in `scope` (a Region, Municipality or Organization)."""
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, role=role, scope=scope)
    return user


# The order in which make_appeal walks the lifecycle to reach a status.
_PATH = [
    Status.NEW,
    Status.REGISTERED,
    Status.IN_PROGRESS,
    Status.ANSWER_REVIEW,
    Status.ANSWERED,
    Status.CLOSED,
]

ANSWER_TEXT = "Яма заделана горячим асфальтом, участок дороги проверен мастером участка."


def make_appeal(
    status: str = Status.NEW,
    *,
    region: Region,
    applicant: User | None,
    operator: User,
    executor_user: User | None = None,
    organization: Organization | None = None,
    category: Category | None = None,
    now: datetime | None = None,
    step: timedelta = timedelta(hours=1),
    text: str = "Яма на дороге у дома 12 по улице Московской, объехать нельзя.",
    **submit,
) -> Appeal:
    """An appeal brought to `status` through the services, one step every `step` after `now`.

    Steps: submit → register → assign → submit answer → publish → close; CLARIFICATION and
    REJECTED branch off a new appeal.
    """
    # Without `now`, the walk ends before the present so that later calls without `now` follow.
    moment = now or timezone.now() - 8 * step

    def tick() -> datetime:
        nonlocal moment
        moment += step
        return moment

    appeal = services.submit_appeal(
        region=region,
        text=text,
        applicant=applicant,
        category=category,
        now=moment,
        **submit,
    )
    if status == Status.CLARIFICATION:
        return services.request_clarification(
            appeal=appeal, actor=operator, question="Уточните номер дома.", now=tick()
        )
    if status == Status.REJECTED:
        reason = RejectionReason.objects.get(code="spam")
        return services.reject_appeal(appeal=appeal, actor=operator, reason=reason, now=tick())
    target = _PATH.index(Status(status))
    if target >= 1:
        services.register_appeal(appeal=appeal, actor=operator, category=category, now=tick())
    if target >= 2:
        services.assign_appeal(appeal=appeal, actor=operator, executor=organization, now=tick())
    if target >= 3:
        answer = services.submit_answer(
            appeal=appeal, actor=executor_user, text=ANSWER_TEXT, now=tick()
        )
    if target >= 4:
        services.publish_answer(answer=answer, actor=operator, now=tick())
    if target >= 5:
        services.close_appeal(appeal=appeal, now=tick())
    appeal.refresh_from_db()
    return appeal


def refresh_rollups() -> None:
    """What the outbox does after every batch of events: bring the KPI rollups up to date with
    every appeal and instruction (tests call it where a page reads figures)."""
    from otklik.analytics import figures_cache, rollups
    from otklik.control.models import Instruction

    rollups.refresh_appeals(Appeal.objects.values_list("pk", flat=True))
    rollups.refresh_instructions(Instruction.objects.values_list("pk", flat=True))
    figures_cache.new_version()  # as the outbox's bump at its commit (tests never commit)
