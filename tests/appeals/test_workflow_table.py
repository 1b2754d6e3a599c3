"""The transition table of otklik.appeals.workflow, pure: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otklik.appeals.workflow import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    is_allowed,
    next_status,
    replay,
)

PAIRS = [(status, action) for status in Status for action in Action if action != Action.SUBMIT]
FORBIDDEN = [(s, a) for s, a in PAIRS if a not in TRANSITIONS or s not in TRANSITIONS[a].sources]
ALLOWED = [(s, a) for s, a in PAIRS if (s, a) not in FORBIDDEN]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_every_pair_outside_the_table_raises_illegal_transition(status, action):
    assert not is_allowed(status, action)
    with pytest.raises(IllegalTransition) as raised:
        next_status(status, action)
    assert raised.value.action == action
    assert raised.value.status == status
    assert action in str(raised.value)


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_every_pair_in_the_table_leads_to_its_target_or_stays(status, action):
    target = TRANSITIONS[action].target
    assert next_status(status, action) == (target if target is not None else status)


def test_the_table_covers_every_action_but_submission():
    assert set(TRANSITIONS) == set(Action) - {Action.SUBMIT}


def test_submission_starts_the_lifecycle_and_only_from_nothing():
    assert next_status("", Action.SUBMIT) == Status.NEW
    for status in Status:
        with pytest.raises(IllegalTransition):
            next_status(status, Action.SUBMIT)


def test_no_action_other_than_submission_starts_a_lifecycle():
    for action in set(Action) - {Action.SUBMIT}:
        with pytest.raises(IllegalTransition):
            next_status("", action)


def test_rejected_is_final_except_for_notes_and_instructions():
    assert allowed_actions(Status.REJECTED) == [Action.COMMENT, Action.INSTRUCT]


def test_every_status_is_either_open_or_finished():
    assert set(Status) == OPEN_STATUSES | FINISHED_STATUSES
    assert not OPEN_STATUSES & FINISHED_STATUSES


def test_replay_of_the_usual_history_ends_closed():
    history = [
        Action.SUBMIT,
        Action.REQUEST_CLARIFICATION,
        Action.PROVIDE_CLARIFICATION,
        Action.REGISTER,
        Action.ASSIGN,
        Action.REQUEST_POSTPONEMENT,
        Action.APPROVE_POSTPONEMENT,
        Action.SUBMIT_ANSWER,
        Action.RETURN_FOR_REWORK,
        Action.SUBMIT_ANSWER,
        Action.PUBLISH_ANSWER,
        Action.RATE,
        Action.CLOSE,
    ]
    assert replay(history) == Status.CLOSED
    assert replay(history[:5]) == Status.IN_PROGRESS


def test_replay_refuses_a_history_with_an_illegal_step():
    with pytest.raises(IllegalTransition):
        replay([Action.SUBMIT, Action.ASSIGN])
    with pytest.raises(IllegalTransition):
        replay([Action.SUBMIT, Action.SUBMIT])


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_any_history_replays_to_a_status_or_fails_at_the_first_illegal_step(actions):
    status = ""
    for index, action in enumerate(actions):
        if action == Action.SUBMIT and status == "":
            status = Status.NEW
        elif status and is_allowed(status, action):
            status = next_status(status, action)
        else:
            with pytest.raises(IllegalTransition):
                replay(actions[: index + 1])
            return
        assert replay(actions[: index + 1]) == status
