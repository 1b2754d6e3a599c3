"""The appeal lifecycle as a state machine: random sequences of every service, legal or not, by
the right people and by intruders, with time moving on, against the real database.

Whatever the sequence: the status is always one of Status; a refused action (IllegalTransition,
ValidationError, PermissionDenied) changes nothing and writes no event; replaying an appeal's
event history through the transition table gives its status, and the events chain from_status →
to_status; deadlines never precede registration; registration and first-answer times are set
once; the history only grows and is never rewritten.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from otklik.appeals import services
from otklik.appeals.models import Answer, Appeal, AppealEvent, Postponement, Rating
from otklik.appeals.workflow import IllegalTransition, Status, replay
from otklik.directory.models import RejectionReason

MSK = ZoneInfo("Europe/Moscow")
REFUSED = (IllegalTransition, ValidationError, PermissionDenied)
MAX_APPEALS = 4
pick = st.integers(min_value=0, max_value=MAX_APPEALS - 1)

# Every service a person can call, tried on any appeal in any status.
ATTEMPTS = [
    "request_clarification",
    "provide_clarification",
    "register",
    "reject",
    "merge",
    "assign",
    "redirect",
    "request_postponement",
    "decide_postponement",
    "submit_answer",
    "return_answer",
    "publish_answer",
    "rate",
    "close",
    "reopen",
]
# Calls by people who must never succeed: outside their scope or not their appeal.
INTRUSIONS = [
    "municipal_operator_of_elets_registers",
    "executor_of_other_organization_answers",
    "other_citizen_rates",
    "other_citizen_clarifies",
    "executor_reopens",
]


def snapshot() -> tuple:
    """Everything a refused action must leave as it was."""
    appeals = tuple(
        Appeal.objects.order_by("pk").values_list(
            "pk",
            "status",
            "resolution",
            "executor_id",
            "registered_at",
            "due_at",
            "original_due_at",
            "answered_at",
            "closed_at",
            "duplicate_of_id",
            "clarification_due_at",
            "registration_due_at",
            "redirection_due_at",
        )
    )
    return (
        appeals,
        AppealEvent.objects.count(),
        tuple(Answer.objects.order_by("pk").values_list("pk", "state")),
        tuple(Postponement.objects.order_by("pk").values_list("pk", "state")),
        Rating.objects.count(),
    )


class Lifecycle(RuleBasedStateMachine):
    def __init__(self, cast: dict):
        super().__init__()
        self.cast = cast
        self.members = {
            cast["organization"].pk: cast["executor"],
            cast["other_organization"].pk: cast["other_org_executor"],
        }
        # Each example runs in its own savepoint, rolled back in teardown().
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        # Just before the New Year holidays: deadlines cross the longest break of the year.
        self.now = datetime(2025, 12, 22, 9, 0, tzinfo=MSK)
        self.first_answered_at: dict[int, datetime] = {}
        self.first_registered_at: dict[int, datetime] = {}
        self.histories: dict[int, list[tuple]] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers

    def appeal(self, index: int) -> Appeal:
        pks = list(Appeal.objects.order_by("pk").values_list("pk", flat=True))
        return Appeal.objects.select_related("region").get(pk=pks[index % len(pks)])

    def member_of(self, appeal: Appeal):
        """The executor who works the appeal, or one of ours if it has no executor."""
        return self.members.get(appeal.executor_id, self.cast["executor"])

    def outsider_of(self, appeal: Appeal):
        """An executor of an organization that does not work the appeal."""
        return next(user for pk, user in self.members.items() if pk != appeal.executor_id)

    def attempt(self, call, *, action: str | None = None, appeal: Appeal | None = None):
        """Run one service call. Refused: nothing changed. Done: its own event came first."""
        self.now += timedelta(minutes=7)
        before = snapshot()
        events_before = appeal.events.count() if appeal else 0
        try:
            result = call()
        except REFUSED:
            assert snapshot() == before
            return None
        if appeal is not None and action is not None:
            first_new = appeal.events.order_by("created_at", "pk")[events_before]
            assert first_new.action == action
            assert first_new.created_at == self.now
        return result

    # ------------------------------------------------------------------ time and new appeals

    @initialize()
    def citizen_submits_the_first_appeal(self):
        self.submit(public=True, in_elets=False)

    @precondition(lambda self: Appeal.objects.count() < MAX_APPEALS)
    @rule(public=st.booleans(), in_elets=st.booleans())
    def citizen_submits(self, public, in_elets):
        self.submit(public=public, in_elets=in_elets)

    def submit(self, *, public: bool, in_elets: bool):
        place = self.cast["other_municipality" if in_elets else "municipality"]
        appeal = self.attempt(
            lambda: services.submit_appeal(
                region=self.cast["region"],
                text="Яма на дороге у остановки, машины объезжают по встречной полосе.",
                applicant=self.cast["citizen"],
                category=self.cast["category"],
                latitude=place.center_lat,
                longitude=place.center_lon,
                is_public=public,
                now=self.now,
            )
        )
        assert appeal.municipality == place

    @rule(hours=st.integers(min_value=1, max_value=24 * 12))
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)

    @rule()
    def clarifications_expire(self):
        expiring = set(
            Appeal.objects.filter(
                status=Status.CLARIFICATION, clarification_due_at__lt=self.now
            ).values_list("pk", flat=True)
        )
        assert services.expire_clarifications(now=self.now) == len(expiring)
        assert (
            set(
                Appeal.objects.filter(pk__in=expiring, status=Status.REJECTED).values_list(
                    "pk", flat=True
                )
            )
            == expiring
        )

    # ------------------------------------------------------------------ the usual next step

    @rule(i=pick, variant=st.integers(min_value=0, max_value=5))
    def the_next_legal_step_happens(self, i, variant):
        """A step the workflow allows from the appeal's status, with valid input by the right
        person (which one of them: `variant`). It must succeed."""
        appeal = self.appeal(i)
        operator, citizen = self.cast["operator"], self.cast["citizen"]
        status = appeal.status
        pending = appeal.postponements.filter(state=Postponement.State.PENDING).first()
        if status == Status.NEW and variant == 3:
            action, call = (
                "request_clarification",
                lambda: services.request_clarification(
                    appeal=appeal, actor=operator, question="Уточните адрес.", now=self.now
                ),
            )
        elif status == Status.NEW:
            executor = [self.cast["organization"], self.cast["other_organization"], None][
                variant % 3
            ]
            action, call = (
                "register",
                lambda: services.register_appeal(
                    appeal=appeal, actor=operator, executor=executor, now=self.now
                ),
            )
        elif status == Status.CLARIFICATION:
            action, call = (
                "provide_clarification",
                lambda: services.provide_clarification(
                    appeal=appeal, actor=citizen, text="Дом 14, у подъезда.", now=self.now
                ),
            )
        elif status == Status.REGISTERED and variant == 2:
            action, call = (
                "request_clarification",
                lambda: services.request_clarification(
                    appeal=appeal, actor=operator, question="Уточните, где именно.", now=self.now
                ),
            )
        elif status == Status.REGISTERED:
            executor = self.cast["other_organization"] if variant == 3 else None
            action, call = (
                "assign",
                lambda: services.assign_appeal(
                    appeal=appeal, actor=operator, executor=executor, now=self.now
                ),
            )
        elif status == Status.IN_PROGRESS and pending is not None:
            action = "approve_postponement" if variant % 2 else "refuse_postponement"
            call = lambda: services.decide_postponement(  # noqa: E731
                postponement=pending, actor=operator, approve=variant % 2 == 1, now=self.now
            )
        elif status == Status.IN_PROGRESS and variant == 2:
            new_due = appeal.due_at.astimezone(MSK).date() + timedelta(days=10)
            action, call = (
                "request_postponement",
                lambda: services.request_postponement(
                    appeal=appeal,
                    actor=self.member_of(appeal),
                    new_due_date=new_due,
                    reason="Асфальтовый завод закрыт на зиму, ремонт возможен только в апреле.",
                    now=self.now,
                ),
            )
        elif status == Status.IN_PROGRESS and variant == 3:
            to = self.cast["organization"]
            if appeal.executor_id == to.pk:
                to = self.cast["other_organization"]
            action, call = (
                "redirect",
                lambda: services.redirect_appeal(
                    appeal=appeal,
                    actor=operator,
                    reason="Дорога на балансе другого ведомства.",
                    to_executor=to,
                    now=self.now,
                ),
            )
        elif status == Status.IN_PROGRESS and variant == 4:
            action, call = (
                "redirect",
                lambda: services.redirect_appeal(
                    appeal=appeal,
                    actor=self.member_of(appeal),
                    reason="Не наша зона ответственности.",
                    now=self.now,
                ),
            )
        elif status == Status.IN_PROGRESS:
            action, call = (
                "submit_answer",
                lambda: services.submit_answer(
                    appeal=appeal,
                    actor=self.member_of(appeal),
                    text="Выполнен ямочный ремонт, фотографии приложены.",
                    now=self.now,
                ),
            )
        elif status == Status.ANSWER_REVIEW:
            answer = appeal.answers.get(state=Answer.State.REVIEW)
            if variant == 3:
                action, call = (
                    "return_for_rework",
                    lambda: services.return_answer(
                        answer=answer, actor=operator, reasons=["no_evidence"], now=self.now
                    ),
                )
            else:
                action, call = (
                    "publish_answer",
                    lambda: services.publish_answer(answer=answer, actor=operator, now=self.now),
                )
        elif status == Status.ANSWERED and not appeal.ratings.exists():
            action, call = (
                "rate",
                lambda: services.rate_answer(
                    appeal=appeal,
                    actor=citizen,
                    score=variant % 5 + 1,
                    is_solved=variant > 1,
                    now=self.now,
                ),
            )
        elif status == Status.ANSWERED:
            action, call = "close", lambda: services.close_appeal(appeal=appeal, now=self.now)
        elif status == Status.CLOSED:
            action, call = (
                "reopen",
                lambda: services.reopen_appeal(
                    appeal=appeal,
                    actor=self.cast["leadership"],
                    reason="Яма вернулась.",
                    now=self.now,
                ),
            )
        else:
            return
        assert self.attempt(call, action=action, appeal=appeal) is not None

    # ------------------------------------------------------------------ any action, any time

    @rule(
        what=st.sampled_from(ATTEMPTS),
        i=pick,
        j=pick,
        flag=st.booleans(),
        days=st.integers(min_value=-2, max_value=35),
    )
    def someone_tries(self, what, i, j, flag, days):
        appeal = self.appeal(i)
        getattr(self, f"try_{what}")(appeal, other=self.appeal(j), flag=flag, days=days)

    def try_request_clarification(self, appeal, **_):
        self.attempt(
            lambda: services.request_clarification(
                appeal=appeal, actor=self.cast["operator"], question="Уточните адрес.", now=self.now
            ),
            action="request_clarification",
            appeal=appeal,
        )

    def try_provide_clarification(self, appeal, **_):
        self.attempt(
            lambda: services.provide_clarification(
                appeal=appeal, actor=self.cast["citizen"], text="Дом 12.", now=self.now
            ),
            action="provide_clarification",
            appeal=appeal,
        )

    def try_register(self, appeal, *, flag, **_):
        self.attempt(
            lambda: services.register_appeal(
                appeal=appeal,
                actor=self.cast["operator"],
                executor=self.cast["other_organization"] if flag else None,
                now=self.now,
            ),
            action="register",
            appeal=appeal,
        )

    def try_reject(self, appeal, **_):
        reason = RejectionReason.objects.get(code="spam")
        self.attempt(
            lambda: services.reject_appeal(
                appeal=appeal, actor=self.cast["operator"], reason=reason, now=self.now
            ),
            action="reject",
            appeal=appeal,
        )

    def try_merge(self, appeal, *, other, **_):
        self.attempt(
            lambda: services.merge_appeal(
                appeal=appeal, actor=self.cast["operator"], into=other, now=self.now
            ),
            action="merge",
            appeal=appeal,
        )

    def try_assign(self, appeal, *, flag, **_):
        self.attempt(
            lambda: services.assign_appeal(
                appeal=appeal,
                actor=self.cast["operator"],
                executor=self.cast["other_organization"] if flag else None,
                now=self.now,
            ),
            action="assign",
            appeal=appeal,
        )

    def try_redirect(self, appeal, *, flag, **_):
        to = self.cast["organization"]
        if appeal.executor_id == to.pk:
            to = self.cast["other_organization"]
        self.attempt(
            lambda: services.redirect_appeal(
                appeal=appeal,
                actor=self.member_of(appeal),
                reason="Не наша зона ответственности.",
                to_executor=to if flag else None,
                now=self.now,
            ),
            action="redirect",
            appeal=appeal,
        )

    def try_request_postponement(self, appeal, *, flag, days, **_):
        due = (appeal.due_at or self.now).astimezone(MSK).date()
        reason = "Нужна техника: асфальтовый завод закрыт на зиму, откроется в апреле."
        self.attempt(
            lambda: services.request_postponement(
                appeal=appeal,
                actor=self.member_of(appeal),
                new_due_date=due + timedelta(days=days),
                reason=reason if flag else reason[:20],
                now=self.now,
            ),
            action="request_postponement",
            appeal=appeal,
        )

    def try_decide_postponement(self, appeal, *, flag, **_):
        if postponement := appeal.postponements.order_by("-pk").first():
            self.attempt(
                lambda: services.decide_postponement(
                    postponement=postponement,
                    actor=self.cast["operator"],
                    approve=flag,
                    now=self.now,
                ),
                action="approve_postponement" if flag else "refuse_postponement",
                appeal=appeal,
            )

    def try_submit_answer(self, appeal, **_):
        self.attempt(
            lambda: services.submit_answer(
                appeal=appeal,
                actor=self.member_of(appeal),
                text="Яма заделана, фотографии участка приложены к ответу.",
                now=self.now,
            ),
            action="submit_answer",
            appeal=appeal,
        )

    def try_return_answer(self, appeal, **_):
        if answer := appeal.answers.order_by("-pk").first():
            self.attempt(
                lambda: services.return_answer(
                    answer=answer,
                    actor=self.cast["operator"],
                    reasons=["no_evidence"],
                    now=self.now,
                ),
                action="return_for_rework",
                appeal=appeal,
            )

    def try_publish_answer(self, appeal, **_):
        if answer := appeal.answers.order_by("-pk").first():
            self.attempt(
                lambda: services.publish_answer(
                    answer=answer, actor=self.cast["operator"], now=self.now
                ),
                action="publish_answer",
                appeal=appeal,
            )

    def try_rate(self, appeal, *, flag, days, **_):
        self.attempt(
            lambda: services.rate_answer(
                appeal=appeal,
                actor=self.cast["citizen"],
                score=days % 5 + 1,
                is_solved=flag,
                now=self.now,
            ),
            action="rate",
            appeal=appeal,
        )

    def try_close(self, appeal, **_):
        self.attempt(
            lambda: services.close_appeal(appeal=appeal, now=self.now),
            action="close",
            appeal=appeal,
        )

    def try_reopen(self, appeal, **_):
        self.attempt(
            lambda: services.reopen_appeal(
                appeal=appeal,
                actor=self.cast["leadership"],
                reason="Контрольный звонок: яма на месте.",
                now=self.now,
            ),
            action="reopen",
            appeal=appeal,
        )

    # ------------------------------------------------------------------ intruders

    @rule(what=st.sampled_from(INTRUSIONS), i=pick)
    def an_intruder_is_refused(self, what, i):
        appeal = self.appeal(i)
        cast = self.cast
        calls = {
            "municipal_operator_of_elets_registers": lambda: services.register_appeal(
                appeal=appeal, actor=cast["municipal_operator"], now=self.now
            ),
            "executor_of_other_organization_answers": lambda: services.submit_answer(
                appeal=appeal,
                actor=self.outsider_of(appeal),
                text="Ответ не от того исполнителя, которому поручено.",
                now=self.now,
            ),
            "other_citizen_rates": lambda: services.rate_answer(
                appeal=appeal, actor=cast["other_citizen"], score=1, is_solved=False, now=self.now
            ),
            "other_citizen_clarifies": lambda: services.provide_clarification(
                appeal=appeal, actor=cast["other_citizen"], text="Чужое уточнение.", now=self.now
            ),
            "executor_reopens": lambda: services.reopen_appeal(
                appeal=appeal, actor=self.member_of(appeal), reason="Хочу ещё.", now=self.now
            ),
        }
        if what == "municipal_operator_of_elets_registers" and (
            appeal.municipality_id == cast["other_municipality"].pk
        ):
            return  # in that operator's scope: not an intrusion
        assert self.attempt(calls[what]) is None

    # ------------------------------------------------------------------ invariants

    @invariant()
    def histories_replay_to_statuses_and_deadlines_hold(self):
        events_by_appeal: dict[int, list[AppealEvent]] = {}
        for event in AppealEvent.objects.order_by("created_at", "pk"):
            events_by_appeal.setdefault(event.appeal_id, []).append(event)
        for appeal in Appeal.objects.all():
            events = events_by_appeal.get(appeal.pk, [])
            assert appeal.status in Status.values
            assert events
            assert events[0].action == "submit"
            assert replay(event.action for event in events) == appeal.status
            previous = ""
            for event in events:
                assert event.from_status == previous
                previous = event.to_status
            assert previous == appeal.status

            history = [(e.pk, e.action, e.from_status, e.to_status, e.created_at) for e in events]
            seen = self.histories.get(appeal.pk, [])
            assert history[: len(seen)] == seen, "the history was rewritten"
            self.histories[appeal.pk] = history

            if appeal.due_at is not None:
                assert appeal.registered_at is not None
                assert appeal.due_at >= appeal.registered_at
                assert appeal.original_due_at is not None
                assert appeal.original_due_at <= appeal.due_at
            if appeal.registered_at is not None:
                first = self.first_registered_at.setdefault(appeal.pk, appeal.registered_at)
                assert appeal.registered_at == first
            if appeal.answered_at is not None:
                first = self.first_answered_at.setdefault(appeal.pk, appeal.answered_at)
                assert appeal.answered_at == first
                assert any(e.action == "publish_answer" for e in events)
            if appeal.status == Status.REJECTED:
                assert appeal.answered_at is None
            if appeal.status == Status.CLOSED:
                assert appeal.closed_at is not None

    @invariant()
    def an_appeal_has_one_pending_postponement_at_most(self):
        for appeal in Appeal.objects.all():
            pending = appeal.postponements.filter(state=Postponement.State.PENDING).count()
            assert pending <= 1


def test_no_sequence_of_actions_breaks_the_lifecycle(
    region,
    municipality,
    other_municipality,
    category,
    organization,
    other_organization,
    citizen,
    other_citizen,
    operator,
    municipal_operator,
    executor,
    other_org_executor,
    leadership,
):
    cast = {
        "region": region,
        "municipality": municipality,
        "other_municipality": other_municipality,
        "category": category,
        "organization": organization,
        "other_organization": other_organization,
        "citizen": citizen,
        "other_citizen": other_citizen,
        "operator": operator,
        "municipal_operator": municipal_operator,
        "executor": executor,
        "other_org_executor": other_org_executor,
        "leadership": leadership,
    }
    run_state_machine_as_test(
        lambda: Lifecycle(cast),
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
