"""The formal-reply check reaches submit_answer through the slot intelligence registers into:
appeals keeps the verdict on the answer without importing intelligence."""

from otklik.appeals import services
from otklik.appeals.workflow import Status
from otklik.intelligence.formal_reply import fingerprint
from otklik.intelligence.services import check_appeal_answer
from otklik.lib.hooks import Entry

FORMAL = "Ваше обращение рассмотрено, информация принята к сведению."


def test_intelligence_registers_the_one_answer_checker():
    [checker] = services.answer_checkers.entries()
    assert checker.name == "intelligence.formal_reply"
    assert checker.func.__module__ == "otklik.intelligence.apps"


def test_the_answer_keeps_the_registered_checkers_verdict(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    expected = check_appeal_answer(appeal, FORMAL, resolution="solved", evidence=0)
    answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL)
    assert answer.is_formal_reply is expected.is_formal is True
    assert answer.formal_reply_reasons == [finding.as_dict() for finding in expected.findings]
    assert answer.formal_reply_score == expected.score
    assert answer.fingerprint == fingerprint(FORMAL)
    assert appeal.events.last().data["formal_reply"] == expected.codes


def test_a_verdict_the_caller_computed_is_kept_and_nothing_checks_again(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    verdict = services.AnswerVerdict(
        is_formal=True,
        findings=({"code": "no_action", "message": "Не сказано, что сделано."},),
        score=0.9,
        codes=("no_action",),
        fingerprint="f" * 64,
    )

    def must_not_run(*args, **kwargs):
        raise AssertionError("the caller's verdict is final")

    with services.answer_checkers.replaced({"x": Entry("x", must_not_run, 10)}):
        answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL, verdict=verdict)
    assert (answer.is_formal_reply, answer.formal_reply_score, answer.fingerprint) == (
        True,
        0.9,
        "f" * 64,
    )
    assert answer.formal_reply_reasons == [dict(verdict.findings[0])]
    assert appeal.events.last().data["formal_reply"] == ["no_action"]


def test_without_a_checker_an_answer_is_not_checked(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    with services.answer_checkers.replaced():
        answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL)
    assert (answer.is_formal_reply, answer.formal_reply_reasons, answer.formal_reply_score) == (
        False,
        [],
        0.0,
    )
    assert answer.fingerprint == ""
    assert appeal.events.last().data["formal_reply"] == []
