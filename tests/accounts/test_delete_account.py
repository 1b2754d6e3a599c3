"""delete_account / anonymize_user: personal data goes, appeals, ratings and supports stay."""

import pytest
from django.test import Client

from otklik.accounts import services
from otklik.accounts.models import User
from otklik.appeals import services as appeals
from otklik.appeals.models import Appeal, Rating, Support
from otklik.appeals.workflow import Status
from otklik.notifications.delivery import retry_due
from otklik.notifications.models import Notification
from otklik.notifications.services import notify


def test_deleting_strips_personal_data_and_keeps_appeals_ratings_supports(
    appeal_in, citizen, other_citizen
):
    answered = appeal_in(Status.ANSWERED)
    appeals.rate_answer(appeal=answered, actor=citizen, score=4, is_solved=True)
    neighbours = appeal_in(Status.REGISTERED, applicant=other_citizen)
    appeals.support_appeal(appeal=neighbours, actor=citizen)
    pk = citizen.pk

    services.delete_account(user=citizen)

    user = User.objects.get(pk=pk)
    assert user.email == f"deleted-{pk}@deleted.invalid"
    assert (user.full_name, user.phone) == ("", "")
    assert not user.has_usable_password()
    assert user.is_active is False
    assert user.anonymized_at is not None
    assert (user.notify_by_email, user.notify_every_step) == (False, False)
    assert Appeal.objects.filter(applicant=user).count() == 1
    assert Rating.objects.filter(applicant=user, score=4).exists()
    assert Support.objects.filter(user=user, appeal=neighbours).exists()
    assert not User.objects.filter(email="ivan.petrov@example.ru").exists()


def test_pending_letters_are_cancelled_and_sent_ones_lose_address_and_text(citizen):
    sent = notify(recipient=citizen, subject="Обращение 48-2026-000001", body="Здравствуйте, Иван!")
    retry_due()
    pending = notify(recipient=citizen, subject="Ещё письмо", body="Здравствуйте, Иван!")

    services.delete_account(user=citizen)

    assert not Notification.objects.filter(pk=pending.pk).exists()
    sent.refresh_from_db()
    assert sent.state == Notification.State.SENT
    assert (sent.address, sent.body) == (f"deleted-{citizen.pk}@deleted.invalid", "")
    # And no new letters reach the closed account.
    assert notify(recipient=User.objects.get(pk=citizen.pk), subject="x", body="y") is None


def test_the_old_address_can_sign_up_again(citizen):
    services.delete_account(user=citizen)
    fresh = services.sign_up(
        email="ivan.petrov@example.ru", full_name="Иван", password="Krasnaya-ploshchad-7"
    )
    assert fresh.pk != citizen.pk


def test_other_sessions_of_the_deleted_account_end(citizen):
    citizen.set_password("Krasnaya-ploshchad-7")
    citizen.save(update_fields=["password"])
    browser = Client()
    browser.force_login(citizen)
    assert browser.get("/accounts/profile/").status_code == 200
    services.delete_account(user=citizen)
    assert browser.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize("who", ["operator", "executor", "supervisor", "admin_user"])
def test_staff_cannot_delete_themselves(request, who):
    person = request.getfixturevalue(who)
    with pytest.raises(services.DeletionRefused):
        services.delete_account(user=person)
    person.refresh_from_db()
    assert person.anonymized_at is None
    assert person.is_active


def test_anonymising_twice_changes_nothing(citizen):
    first = services.delete_account(user=citizen)
    again = services.anonymize_user(user=first)
    assert again.anonymized_at == first.anonymized_at
