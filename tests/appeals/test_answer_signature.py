"""A published answer carries who answers for it (the responsible person with position and
phone, the organization's full official name and phone), copied when it is published."""

from __future__ import annotations

from otklik.accounts.models import Membership
from otklik.appeals import services
from otklik.appeals.answer_signature import sign_unsigned, signature_for, signature_of
from otklik.appeals.models import Answer
from otklik.appeals.workflow import Status


def _in_review(appeal_in):
    appeal = appeal_in(Status.ANSWER_REVIEW)
    return appeal, appeal.answers.get(state=Answer.State.REVIEW)


def test_the_author_answers_for_it_with_position_work_phone_and_the_full_name(
    appeal_in, executor, operator, organization
):
    Membership.objects.filter(user=executor, organization=organization).update(
        position="ведущий специалист", phone="+7 (4742) 23-45-67"
    )
    organization.phone = "+7 (4742) 23-45-00"
    organization.save(update_fields=["phone"])
    appeal, answer = _in_review(appeal_in)
    services.publish_answer(answer=answer, actor=operator)
    answer.refresh_from_db()
    assert (answer.responsible_name, answer.responsible_position, answer.responsible_phone) == (
        "Пётр Дорогин",
        "ведущий специалист",
        "+7 (4742) 23-45-67",
    )
    assert answer.organization_name == "Управление дорожного хозяйства администрации г. Липецка"
    assert answer.organization_phone == "+7 (4742) 23-45-00"
    event = appeal.events.get(action="publish_answer")
    assert event.data["responsible_phone"] == "+7 (4742) 23-45-67"


def test_without_a_work_phone_the_organizations_phone_is_the_one_to_call(
    appeal_in, operator, organization
):
    organization.phone = "+7 (4742) 77-00-11"
    organization.save(update_fields=["phone"])
    _appeal, answer = _in_review(appeal_in)
    services.publish_answer(answer=answer, actor=operator)
    answer.refresh_from_db()
    assert answer.responsible_name == "Пётр Дорогин"
    assert answer.responsible_phone == "+7 (4742) 77-00-11"


def test_an_author_outside_the_organization_leaves_it_to_the_contact_person(
    appeal_in, operator, organization
):
    organization.contact_name = "Смирнова Елена Петровна"
    organization.contact_position = "начальник отдела по работе с обращениями граждан"
    organization.phone = "+7 (4742) 77-00-12"
    organization.save(update_fields=["contact_name", "contact_position", "phone"])
    _appeal, answer = _in_review(appeal_in)
    Membership.objects.filter(user=answer.author, organization=organization).delete()
    services.publish_answer(answer=answer, actor=operator)
    answer.refresh_from_db()
    assert answer.responsible_name == "Смирнова Елена Петровна"
    assert answer.responsible_position == "начальник отдела по работе с обращениями граждан"
    assert answer.responsible_phone == "+7 (4742) 77-00-12"


def test_later_staff_and_directory_changes_do_not_rewrite_a_published_answer(
    appeal_in, executor, operator, organization
):
    _appeal, answer = _in_review(appeal_in)
    services.publish_answer(answer=answer, actor=operator)
    answer.refresh_from_db()
    before = signature_of(answer)
    executor.full_name = "Другой Сотрудник"
    executor.save(update_fields=["full_name"])
    organization.name = "Переименованный департамент"
    organization.save(update_fields=["name"])
    answer.refresh_from_db()
    assert signature_of(answer) == before
    assert before.responsible_name == "Пётр Дорогин"


def test_bulk_written_answers_get_the_same_signature_as_published_ones(
    appeal_in, executor, organization
):
    Membership.objects.filter(user=executor, organization=organization).update(
        position="главный специалист", phone="+7 (4742) 11-22-33"
    )
    _appeal, answer = _in_review(appeal_in)
    Answer.objects.filter(pk=answer.pk).update(state=Answer.State.PUBLISHED)
    expected = signature_for(answer)
    assert sign_unsigned(Answer.objects.filter(pk=answer.pk)) == 1
    answer.refresh_from_db()
    assert signature_of(answer) == expected
    assert sign_unsigned(Answer.objects.filter(pk=answer.pk)) == 0  # signed once
