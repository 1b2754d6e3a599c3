"""Who sees and does what: role × scope × queryset, access function and page.

Four appeals make the world: a new one, one in progress and a closed one in Lipetsk (filed by
`citizen`, worked by the Lipetsk road department), and one in progress in Yelets (filed by
`other_citizen`, worked by the Yelets department). Each role's row of the matrix says which of
them it may see, moderate, work and direct; every page is checked against the same rows.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from otklik.accounts.models import Role
from otklik.appeals import access, services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from tests.factories import OrganizationFactory, staff

APPEALS = ("lip_new", "lip_work", "lip_closed", "elets_work")
ALL = frozenset(APPEALS)
LIPETSK = frozenset({"lip_new", "lip_work", "lip_closed"})
NONE = frozenset()

# role: (sees, moderates, works, directs)
MATRIX = {
    "citizen": (LIPETSK, NONE, NONE, NONE),
    "other_citizen": ({"elets_work"}, NONE, NONE, NONE),
    "operator": (ALL, ALL, NONE, ALL),
    "municipal_operator": ({"elets_work"}, {"elets_work"}, NONE, {"elets_work"}),
    "executor": ({"lip_work", "lip_closed"}, NONE, {"lip_work", "lip_closed"}, NONE),
    "other_org_executor": ({"elets_work"}, NONE, {"elets_work"}, NONE),
    "supervisor": (LIPETSK, NONE, NONE, LIPETSK),
    "leadership": (ALL, NONE, NONE, ALL),
    "caller": ({"lip_closed"}, NONE, NONE, NONE),
    "admin_user": (ALL, ALL, ALL, ALL),
    "anonymous": (NONE, NONE, NONE, NONE),
}
ROLES = list(MATRIX)
STAFF = [r for r in ROLES if r not in ("citizen", "other_citizen", "anonymous")]


@pytest.fixture
def world(appeal_in, other_municipality, other_organization, other_citizen):
    elets = {
        "municipality": other_municipality,
        "latitude": other_municipality.center_lat,
        "longitude": other_municipality.center_lon,
        "address": "г. Елец, ул. Ленина, 5",
        "applicant": other_citizen,
        "organization": other_organization,
    }
    return {
        "lip_new": appeal_in(Status.NEW),
        "lip_work": appeal_in(Status.IN_PROGRESS),
        "lip_closed": appeal_in(Status.CLOSED),
        "elets_work": appeal_in(Status.IN_PROGRESS, **elets),
    }


def user_for(request, role):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def names(world, predicate) -> set[str]:
    return {name for name, appeal in world.items() if predicate(appeal)}


@pytest.mark.parametrize("role", ROLES)
def test_visible_to_returns_exactly_the_roles_scope(request, world, role):
    user = user_for(request, role)
    visible = set(Appeal.objects.visible_to(user).values_list("pk", flat=True))
    assert names(world, lambda a: a.pk in visible) == set(MATRIX[role][0])


@pytest.mark.parametrize("role", ROLES)
def test_get_appeal_for_gives_the_appeals_in_scope_and_404_for_the_rest(request, world, role):
    user = user_for(request, role)
    for name, appeal in world.items():
        if name in MATRIX[role][0]:
            assert access.get_appeal_for(user, number=appeal.number) == appeal
            assert access.get_appeal_for(user, pk=appeal.pk) == appeal
        else:
            with pytest.raises(Http404):
                access.get_appeal_for(user, number=appeal.number)


@pytest.mark.parametrize("role", ROLES)
def test_who_moderates_works_and_directs_each_appeal(request, world, role):
    user = user_for(request, role)
    _, moderates, works, directs = MATRIX[role]
    assert names(world, lambda a: access.can_moderate(user, a)) == set(moderates)
    assert names(world, lambda a: access.can_work(user, a)) == set(works)
    assert names(world, lambda a: access.can_direct(user, a)) == set(directs)


def test_unknown_numbers_and_bad_ids_are_404(world, operator):
    with pytest.raises(Http404):
        access.get_appeal_for(operator, number="48-1999-000001")
    with pytest.raises(Http404):
        access.get_appeal_for(operator, pk="not-a-number")


def test_an_inactive_member_of_staff_sees_and_does_nothing(world, operator):
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert not Appeal.objects.visible_to(operator).exists()
    assert not access.can_moderate(operator, world["lip_new"])


def test_a_supervisor_of_an_organization_sees_its_subordinate_bodies(world, organization, region):
    crew = OrganizationFactory(region=region, name="Ремонтная бригада №3", parent=organization)
    Appeal.objects.filter(pk=world["lip_work"].pk).update(executor=crew)
    head = staff(Role.SUPERVISOR, organization)
    visible = set(Appeal.objects.visible_to(head).values_list("pk", flat=True))
    assert names(world, lambda a: a.pk in visible) == {"lip_work", "lip_closed"}
    assert access.can_direct(head, world["lip_work"])


# ---------------------------------------------------------------------------- portal pages


def personal_data(appeal) -> list[str]:
    applicant = appeal.applicant
    return [applicant.email, applicant.full_name, applicant.phone]


def test_home_lists_public_appeals_without_personal_data(
    client, world, django_assert_max_num_queries, appeal_in
):
    for _ in range(6):
        appeal_in(Status.IN_PROGRESS)
    with django_assert_max_num_queries(2):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("lip_work", "lip_closed", "elets_work"):
        assert world[name].number in html
    assert world["lip_new"].number not in html  # not moderated yet
    for appeal in world.values():
        for value in personal_data(appeal):
            assert value not in html


def test_my_appeals_lists_only_the_applicants_own(
    client, world, citizen, appeal_in, django_assert_max_num_queries
):
    for _ in range(6):
        appeal_in(Status.CLOSED)
    client.force_login(citizen)
    with django_assert_max_num_queries(6):
        response = client.get("/my/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in LIPETSK:
        assert world[name].number in html
    assert world["elets_work"].number not in html


def test_my_appeals_needs_a_login(client, world):
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_the_portal_appeal_page_shows_scope_or_public_and_never_personal_data(
    client, request, world, role
):
    user = user_for(request, role)
    if role != "anonymous":
        client.force_login(user)
    public = {"lip_work", "lip_closed", "elets_work"}
    for name, appeal in world.items():
        response = client.get(f"/appeals/{appeal.number}/")
        if name in MATRIX[role][0] or name in public:
            assert response.status_code == 200, (role, name)
            html = response.content.decode()
            assert appeal.number in html
            for value in personal_data(appeal):
                assert value not in html, (role, name, value)
        else:
            assert response.status_code == 404, (role, name)


def test_a_private_category_appeal_is_404_to_the_public_and_shown_to_its_applicant(
    client, appeal_in, citizen, other_citizen, private_category, organization
):
    appeal = appeal_in(Status.IN_PROGRESS, category=private_category, organization=organization)
    url = f"/appeals/{appeal.number}/"
    assert client.get(url).status_code == 404
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    assert client.get(url).status_code == 200


def test_an_appeal_its_applicant_kept_private_is_404_to_the_public(client, appeal_in):
    appeal = appeal_in(Status.CLOSED, is_public=False)
    assert client.get(f"/appeals/{appeal.number}/").status_code == 404


def test_internal_comments_stay_off_the_portal(client, world, operator, citizen):
    services.add_comment(
        appeal=world["lip_work"], actor=operator, text="Внутренняя пометка оператора"
    )
    client.force_login(citizen)
    html = client.get(f"/appeals/{world['lip_work'].number}/").content.decode()
    assert "Внутренняя пометка оператора" not in html


# ---------------------------------------------------------------------------- office pages


def test_office_sends_the_anonymous_to_the_login_page(client, world):
    for url in ("/office/", f"/office/appeals/{world['lip_work'].number}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["citizen", "other_citizen"])
def test_office_is_forbidden_to_citizens_even_for_their_own_appeals(client, request, world, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/office/").status_code == 403
    assert client.get(f"/office/appeals/{world['lip_work'].number}/").status_code == 403


@pytest.mark.parametrize("role", STAFF)
def test_office_list_shows_exactly_the_roles_scope(
    client, request, world, role, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(7):
        response = client.get("/office/appeals/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = names(world, lambda a: f">{a.number}</a>" in html)
    assert shown == set(MATRIX[role][0])


def test_office_list_queries_do_not_grow_with_the_appeals(
    client, operator, appeal_in, django_assert_max_num_queries
):
    for status in [Status.NEW, Status.IN_PROGRESS, Status.CLOSED] * 4:
        appeal_in(status)
    client.force_login(operator)
    with django_assert_max_num_queries(7):
        response = client.get("/office/appeals/?status=in_progress")
    assert response.content.decode().count('class="status status-in_progress"') == 4


@pytest.mark.parametrize("role", STAFF)
def test_office_appeal_page_is_404_outside_the_roles_scope(client, request, world, role):
    client.force_login(request.getfixturevalue(role))
    for name, appeal in world.items():
        response = client.get(f"/office/appeals/{appeal.number}/")
        expected = 200 if name in MATRIX[role][0] else 404
        assert response.status_code == expected, (role, name)
        if expected == 200:
            # The applicant's name only for those who work with the applicant.
            shows_name = role in {"operator", "municipal_operator", "admin_user"} or (
                role.endswith("executor")
            )
            assert (appeal.applicant.full_name in response.content.decode()) == shows_name


def test_executor_of_other_org_gets_404_on_the_office_appeal_page(
    client, world, other_org_executor
):
    client.force_login(other_org_executor)
    assert client.get(f"/office/appeals/{world['lip_work'].number}/").status_code == 404
