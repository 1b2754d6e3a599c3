"""The demo's back office: answer templates for every organization, instructions in every state,
and the field team's logins see their own reports."""

from otklik.accounts.models import Role, User
from otklik.appeals.models import Appeal, Channel
from otklik.appeals.workflow import Action
from otklik.control.models import Instruction
from otklik.directory.models import AnswerTemplate, Organization
from otklik.intelligence.formal_reply import check_answer


def test_every_active_organization_has_answer_templates_that_are_flagged_if_sent_as_they_are(
    built,
):
    organizations = Organization.objects.filter(is_active=True)
    assert set(AnswerTemplate.objects.values_list("organization_id", flat=True)) == set(
        organizations.values_list("pk", flat=True)
    )
    for template in AnswerTemplate.objects.all()[:3]:
        assert check_answer(template.text, is_template=True).is_formal


def test_instructions_cover_their_states_and_appear_in_their_appeals_histories(built):
    instructions = Instruction.objects.prefetch_related("appeals")
    assert instructions.exists()
    assert {i.state for i in instructions} <= {"issued", "reported", "done"}
    for instruction in instructions:
        assert instruction.appeals.exists()
        for appeal in instruction.appeals.all():
            assert appeal.executor_id == instruction.organization_id
            assert appeal.events.filter(
                action=Action.INSTRUCT, data__instruction_id=instruction.pk
            ).exists()
        if instruction.completed_at:
            assert instruction.state == Instruction.State.DONE


def test_the_field_login_is_a_field_team_member_who_sees_the_reports_of_the_team(built):
    field = User.objects.get(email="field@demo.otklik.ru")
    assert field.roles() == {Role.FIELD}
    visible = Appeal.objects.visible_to(field)
    assert set(visible.values_list("created_by_id", flat=True)) <= {field.pk}
    assert not visible.exclude(channel=Channel.FIELD).exclude(applicant=field).exists()
