"""No role is shown a menu link it would get 403 on: every link of the office menu, and the
«issue an instruction» link of the instructions page, opens (200) for every role of the cast."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from otklik.accounts.models import Role
from tests.factories import staff

NAV = re.compile(r'<nav class="office-nav"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')
ROLES = [
    "operator", "municipal_operator", "executor", "supervisor", "leadership", "caller",
    "admin_user", "field",
]  # fmt: skip


@pytest.fixture
def field(region):
    return staff(Role.FIELD, region, email="field@example.ru")


@pytest.mark.parametrize("who", ROLES)
def test_every_menu_link_of_the_role_opens(region, client, request, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("office:appeals"))
    assert page.status_code == 200
    links = HREF.findall(NAV.search(page.text).group(1))
    assert reverse("office:instructions") in links
    instructions = client.get(reverse("office:instructions")).text
    if reverse("office:instruction_new") in instructions:
        links.append(reverse("office:instruction_new"))
    for link in links:
        assert client.get(link).status_code == 200, (who, link)
