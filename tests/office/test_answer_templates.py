"""Answer templates: an organization's executors and supervisors list, write, edit and retire
them; nobody touches another organization's templates."""

import pytest
from django.core.exceptions import PermissionDenied

from otklik.accounts.models import Role
from otklik.appeals.answer_templates import deactivate_answer_template, save_answer_template
from otklik.directory.models import AnswerTemplate
from tests.factories import staff

URL = "/office/templates/"
TEXT = "Яма заделана ДАТА, место проверено мастером участка, фото прилагается."


@pytest.fixture
def template(organization, category):
    return AnswerTemplate.objects.create(
        organization=organization, category=category, title="Яма заделана", text=TEXT
    )


def test_executor_lists_own_organizations_active_templates(
    client, executor, template, other_organization, django_assert_max_num_queries
):
    AnswerTemplate.objects.create(organization=other_organization, title="Чужой", text=TEXT)
    AnswerTemplate.objects.create(
        organization=template.organization, title="Старый", text=TEXT, is_active=False
    )
    client.force_login(executor)
    with django_assert_max_num_queries(8):
        html = client.get(URL).content.decode()
    assert "Яма заделана" in html
    assert "Дороги / Ямы" in html
    assert "Чужой" not in html
    assert "Старый" not in html
    assert "Старый" in client.get(URL + "?inactive=1").content.decode()


def test_executor_creates_a_template(client, executor, organization, category):
    client.force_login(executor)
    assert client.get(URL + "new/").status_code == 200
    response = client.post(
        URL + "new/",
        {"organization": organization.pk, "title": "Фонарь", "text": TEXT, "category": ""},
    )
    assert response.status_code == 302
    created = AnswerTemplate.objects.get(title="Фонарь")
    assert created.organization == organization
    assert created.category is None
    assert created.is_active


def test_executor_edits_and_deactivates_a_template(client, executor, template, category):
    client.force_login(executor)
    page = client.get(f"{URL}{template.pk}/").content.decode()
    assert TEXT in page
    response = client.post(
        f"{URL}{template.pk}/",
        {
            "organization": template.organization_id,
            "title": "Яма заделана (новый)",
            "text": TEXT + " Срок гарантии — год.",
            "category": category.pk,
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "Яма заделана (новый)"
    response = client.post(f"{URL}{template.pk}/", {"deactivate": "1"}, follow=True)
    template.refresh_from_db()
    assert not template.is_active
    assert "больше не предлагается" in response.content.decode()


def test_errors_keep_what_was_typed(client, executor, organization):
    client.force_login(executor)
    response = client.post(
        URL + "new/", {"organization": organization.pk, "title": "Коротко", "text": "мало"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "не менее 20 символов" in html
    assert "Коротко" in html
    assert not AnswerTemplate.objects.exists()


def test_supervisor_of_the_organization_manages_its_templates(client, organization, template):
    head = staff(Role.SUPERVISOR, organization)
    client.force_login(head)
    assert "Яма заделана" in client.get(URL).content.decode()


def test_other_org_cannot_see_edit_or_create_for_another_organization(
    client, other_org_executor, template, organization
):
    client.force_login(other_org_executor)
    assert client.get(f"{URL}{template.pk}/").status_code == 404
    assert client.post(f"{URL}{template.pk}/", {"deactivate": "1"}).status_code == 404
    response = client.post(
        URL + "new/", {"organization": organization.pk, "title": "Взлом", "text": TEXT}
    )
    assert response.status_code == 400  # not a choice for them
    assert not AnswerTemplate.objects.filter(title="Взлом").exists()
    template.refresh_from_db()
    assert template.is_active


@pytest.mark.parametrize("role", ["operator", "leadership", "caller", "citizen"])
def test_people_without_an_organization_get_403(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "new/").status_code == 403


def test_services_check_permissions(executor, other_org_executor, template, other_organization):
    with pytest.raises(PermissionDenied):
        save_answer_template(
            actor=other_org_executor,
            organization=template.organization,
            title="x",
            text=TEXT,
        )
    with pytest.raises(PermissionDenied):
        # Moving a template into one's own organization is taking it.
        save_answer_template(
            actor=other_org_executor,
            organization=other_organization,
            title="x",
            text=TEXT,
            template=template,
        )
    with pytest.raises(PermissionDenied):
        deactivate_answer_template(actor=other_org_executor, template=template)
    saved = save_answer_template(
        actor=executor, organization=template.organization, title="Новое", text=TEXT
    )
    assert saved.pk and saved.is_active


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"organization": "abc", "title": "x" * 500, "text": "y" * 9000, "category": "zzz"},
        {"organization": "99999999999999999999", "category": "-1"},
    ],
)
def test_garbage_never_fails(client, executor, template, data):
    client.force_login(executor)
    assert client.post(URL + "new/", data).status_code == 400
    assert client.post(f"{URL}{template.pk}/", data).status_code == 400
    assert client.get(URL + "99999999999/").status_code == 404
