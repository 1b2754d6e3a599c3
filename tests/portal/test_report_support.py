"""«У меня та же проблема»: a resident joins an open public appeal instead of a duplicate."""

import pytest

from otklik.appeals.models import AppealEvent, Support
from otklik.appeals.workflow import Action, Status


@pytest.fixture
def open_appeal(appeal_in):
    return appeal_in(Status.IN_PROGRESS)


def url(appeal):
    return f"/report/support/{appeal.number}/"


def test_support_creates_one_support_and_one_event(client, open_appeal, other_citizen):
    client.force_login(other_citizen)
    response = client.post(url(open_appeal), follow=True)
    assert response.redirect_chain[0][0] == f"/appeals/{open_appeal.number}/"
    assert f"Вы поддержали обращение {open_appeal.number}" in response.content.decode()
    client.post(url(open_appeal))
    assert Support.objects.filter(appeal=open_appeal, user=other_citizen).count() == 1
    events = AppealEvent.objects.filter(appeal=open_appeal, action=Action.SUPPORT)
    assert events.count() == 1
    assert events.get().actor == other_citizen


def test_own_appeal_cannot_be_supported(client, open_appeal, citizen):
    client.force_login(citizen)
    response = client.post(url(open_appeal), follow=True)
    assert "Это ваше собственное обращение" in response.content.decode()
    assert not Support.objects.exists()


def test_closed_appeal_cannot_be_supported(client, appeal_in, other_citizen):
    closed = appeal_in(Status.CLOSED)
    client.force_login(other_citizen)
    response = client.post(url(closed), follow=True)
    assert "поддержать его нельзя" in response.content.decode()
    assert not Support.objects.exists()


def test_unmoderated_or_private_appeal_is_not_found(client, appeal_in, other_citizen):
    fresh = appeal_in(Status.NEW)
    client.force_login(other_citizen)
    assert client.post(url(fresh)).status_code == 404
    assert client.post("/report/support/no-such-number/").status_code == 404
    assert not Support.objects.exists()


def test_support_needs_login_and_post(client, open_appeal, other_citizen):
    response = client.post(url(open_appeal))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(other_citizen)
    assert client.get(url(open_appeal)).status_code == 405
    assert not Support.objects.exists()


def test_support_needs_csrf_token(open_appeal, other_citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(other_citizen)
    assert client.post(url(open_appeal)).status_code == 403
    assert not Support.objects.exists()
