"""Two years of appeals in the demo region, each with a lifecycle that the workflow allows.

The generator plays every appeal forward the way `appeals/services/` would — submit,
moderate (register, reject, ask to clarify, merge a duplicate), assign, redirect, postpone,
answer, return for rework, publish, rate, close, reopen — and stops at `now`: whatever would
happen later has not happened yet, so recent appeals are still open (a forgotten one is answered
weeks after its deadline: what is open and overdue at `now` is weeks late, not years). Each step
goes through the workflow's own transition table, so the events of an appeal always replay to
its status.

How well an appeal goes depends on its executor's and municipality's discipline (overdue
answers, postponements, formal replies, ratings), so KPI rankings of the demo mean something.
Everything is drawn from one `random.Random(seed)`: the same seed and `now` give the same region.
"""

from __future__ import annotations

import bisect
import contextlib
import random
from datetime import UTC, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from tqdm import tqdm

from otklik.appeals import sla
from otklik.appeals.workflow import Action, Resolution, Status
from otklik.directory.production_calendar import work_calendar

from . import replies
from .drafts import NEXT, AnswerDraft, Draft, Later, PostponementDraft, RatingDraft, rates
from .organizations import REDIRECT_KEYS, executors_for
from .region import DemoRegion
from .texts import Slots, appeal_text, place_slots
from .timeline import STAFF_CHANNELS, Timeline

HOUR = 3600
DAY = 86400
RATING_SHARE = {"portal": 0.45, "api": 0.4, "phone": 0.2, "import": 0.15}
# Moderation outcomes other than «register», per appeal from a citizen.
REJECTIONS = (("spam", 0.008), ("obscene", 0.004), ("unreadable", 0.007),
              ("not_competent", 0.015), ("court", 0.002))  # fmt: skip
CLARIFY = 0.04
CLARIFICATION_LOST = 0.3
DUPLICATES = 0.045
REDIRECTS = 0.035
# How long after its deadline a forgotten («stuck») appeal is answered after all.
STUCK_DELAY = (14 * DAY, 60 * DAY)


class History:
    """Generates the appeals of the demo region in memory; `bulk.write` stores them."""

    SPAN = timedelta(days=730)  # two years of history up to `now`

    def __init__(self, demo: DemoRegion, *, appeals: int, seed: int, now: datetime, progress):
        self.demo = demo
        self.rng = rng = random.Random(seed)
        self.count = appeals
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.start = self.now - self.SPAN
        self.tz = ZoneInfo(demo.region.time_zone)
        self.calendar = work_calendar(demo.region)
        self.progress = progress
        self.drafts: list[Draft] = []
        self.answers: list[AnswerDraft] = []
        self.postponements: list[PostponementDraft] = []
        self.ratings: list[RatingDraft] = []
        self.debt = 0
        self.remaining = 0
        self.serial = 0
        self._due_cache: dict = {}
        self._registration_cache: dict = {}
        self.reasons = demo.reasons
        self.timeline = Timeline(
            demo,
            rng,
            count=appeals,
            start=self.start,
            now=self.now,
            tz=self.tz,
            calendar=self.calendar,
        )
        self.units = self.timeline.units()

    # ------------------------------------------------------------------------ the run

    def run(self, extra=None) -> None:
        """Generate the whole history: base appeals (changed by `extra`), duplicates, repeats."""
        base = self.timeline.base_appeals(self.units)
        base = extra(base) if extra is not None else base
        bar = tqdm(total=len(base), desc="appeals", unit="", disable=not self.progress)
        for i, d in enumerate(base):
            bar.update()
            if self.debt and not d.pinned:
                # A duplicate or repeat appeal took this one's place: the total stays as asked.
                self.debt -= 1
                continue
            self.remaining = len(base) - i - 1
            self._play(d)
        bar.close()

    def _may_spawn(self) -> bool:
        return self.remaining - self.debt > 0

    def _play(self, d: Draft) -> None:
        self.serial += 1
        d.serial = self.serial
        d.text = self._text(d)
        with contextlib.suppress(Later):  # the rest of its life is after `now`
            self._lifecycle(d)
        self.drafts.append(d)
        original = d.repeat_of is None and d.merge_into is None
        if original and d.has_point and d.status != Status.REJECTED:
            self._spawn_duplicates(d)

    # ------------------------------------------------------------------------ texts

    def _slots(self, d: Draft) -> Slots:
        rng, unit = self.rng, d.unit
        values = place_slots(rng, unit.spec, d.place)
        year = d.created_at.astimezone(self.tz).year
        values["year"], values["next_year"] = str(year - 1), str(year + 1)
        companies = executors_for(self.demo.org_index, "uk", unit.spec.oktmo)
        values["uk"] = companies[d.place.index % len(companies)].short_name
        return Slots(rng, unit.words, values)

    def _text(self, d: Draft) -> str:
        if d.repeat_of is not None:
            return d.text
        rng = self.rng
        angry = 0.1 + 0.3 * (1 - d.unit.spec.discipline)
        tone = "angry" if rng.random() < angry else rng.choice(("polite", "polite", "neutral"))
        return appeal_text(
            rng,
            templates=d.topic.texts,
            slots=self._slots(d),
            tone=tone,
            channel=d.channel,
            topic_name=d.topic.name,
            city=d.unit.spec.is_city,
        )

    # ------------------------------------------------------------------------ time

    def _after(self, t: datetime, low_hours: float, high_hours: float) -> datetime:
        return t + timedelta(
            seconds=self.rng.randint(int(low_hours * HOUR), int(high_hours * HOUR))
        )

    def _office(self, t: datetime) -> datetime:
        """The control centre works 8:00–20:00 every day."""
        local = t.astimezone(self.tz)
        if 8 <= local.hour < 20:
            return t
        day = local.date() + timedelta(days=1 if local.hour >= 20 else 0)
        start = datetime.combine(day, time(8), tzinfo=self.tz)
        return (start + timedelta(seconds=self.rng.randint(0, 90 * 60))).astimezone(UTC)

    def _workday(self, t: datetime) -> datetime:
        """Executors work 8:00–18:00 on the working days of the production calendar."""
        local = t.astimezone(self.tz)
        day = local.date()
        if self.calendar.is_working_day(day):
            if 8 <= local.hour < 18:
                return t
            if local.hour >= 18:
                day = self.calendar.next_working_day(day + timedelta(days=1))
        else:
            day = self.calendar.next_working_day(day)
        start = datetime.combine(day, time(8), tzinfo=self.tz)
        return (start + timedelta(seconds=self.rng.randint(0, 150 * 60))).astimezone(UTC)

    def _answer_due(self, registered_at: datetime, topic) -> datetime:
        key = (registered_at.astimezone(self.tz).date(), topic.days, topic.unit)
        if key not in self._due_cache:
            self._due_cache[key] = sla.answer_due(
                registered_at, topic.days, topic.unit, self.calendar, self.tz
            )
        return self._due_cache[key]

    def _registration_due(self, created_at: datetime) -> datetime:
        key = created_at.astimezone(self.tz).date()
        if key not in self._registration_cache:
            self._registration_cache[key] = sla.registration_due(created_at, self.calendar, self.tz)
        return self._registration_cache[key]

    # ------------------------------------------------------------------------ steps

    def _step(self, d, t, action, actor, comment="", data=None, public=True) -> datetime:
        """Record one action at `t` (never before the previous one); Later if after `now`."""
        if t > self.now:
            raise Later
        t = t.replace(microsecond=0)  # whole seconds, as people read them
        if d.events and t < d.events[-1][0]:
            t = d.events[-1][0]
        status = NEXT[(d.status, action)]
        d.events.append((t, action, actor, d.status, status, comment, data or {}, public))
        d.status = status
        return t

    def _operator(self) -> int:
        return self.rng.choice(self.demo.operators)

    def _worker(self, organization) -> int:
        return self.rng.choice(self.demo.staff[organization.pk])

    # ------------------------------------------------------------------------ lifecycle

    def _lifecycle(self, d: Draft) -> None:
        rng = self.rng
        data = {"channel": d.channel, "photos": 0}
        if d.repeat_of is not None:
            original = d.repeat_of
            data = lambda: {"channel": d.channel, "photos": 0, "repeat_of": original.number}  # noqa: E731
        self._step(d, d.created_at, Action.SUBMIT, d.created_by or d.applicant, data=data)
        d.registration_due_at = self._registration_due(d.created_at)
        delay = 360 + int(min(60 * HOUR, rng.expovariate(1 / (4 * HOUR))))
        t = self._office(d.created_at + timedelta(seconds=delay))
        if d.merge_into is not None:
            return self._merge(d, t)
        outcome = self._moderation_outcome(d)
        if outcome == "clarify":
            t = self._clarify(d, t)
            outcome = "register"
        if outcome != "register":
            reason = self.reasons[outcome]
            comment = rng.choice(replies.REJECTION_COMMENTS[outcome])
            self._step(d, t, Action.REJECT, self._operator(), comment,
                       {"reason": reason.code, "reason_text": reason.public_text})  # fmt: skip
            d.rejection_reason, d.resolution = reason.pk, Resolution.WITHOUT_CONSIDERATION
            d.clarification_due_at = None
            return None
        operator = self._operator()
        t = self._step(d, t, Action.REGISTER, operator, data={"category": d.topic.name})
        d.registered_at = d.registered_at or t
        d.clarification_due_at = None
        if rng.random() > 0.8:
            t, operator = self._office(self._after(t, 0.5, 20)), self._operator()
        executor = self._route(d)
        t = self._assign(d, t, operator, executor)
        return self._work(d, t, executor)

    def _moderation_outcome(self, d: Draft) -> str:
        rng = self.rng
        scale = 0.2 if d.channel in STAFF_CHANNELS or d.channel == "import" else 1.0
        r = rng.random()
        for code, share in REJECTIONS:
            if d.channel in STAFF_CHANNELS and code == "spam":
                continue
            if r < share * scale:
                return code
            r -= share * scale
        if d.applicant is not None and d.repeat_of is None and r < CLARIFY:
            return "clarify"
        return "register"

    def _clarify(self, d: Draft, t: datetime) -> datetime:
        """Ask the applicant; they answer (the registration clock moves by the pause) or the
        periodic job rejects the appeal when the window closes."""
        rng = self.rng
        asked = self._step(d, t, Action.REQUEST_CLARIFICATION, self._operator(),
                           rng.choice(replies.CLARIFICATION_QUESTIONS))  # fmt: skip
        d.clarification_due_at = sla.clarification_due(asked, self.tz)
        if rng.random() < CLARIFICATION_LOST:
            t = d.clarification_due_at + timedelta(seconds=rng.randint(30, 30 * 60))
            reason = self.reasons["no_clarification"]
            self._step(d, t, Action.REJECT, None, "",
                       {"reason": reason.code, "reason_text": reason.public_text})  # fmt: skip
            d.rejection_reason, d.resolution = reason.pk, Resolution.WITHOUT_CONSIDERATION
            d.clarification_due_at = None
            raise Later  # nothing more happens to it, ever
        answered = self._step(d, self._after(asked, 0.5, 60), Action.PROVIDE_CLARIFICATION,
                              d.applicant, rng.choice(replies.CLARIFICATIONS))  # fmt: skip
        d.registration_due_at += answered - asked
        d.clarification_due_at = None
        return self._office(self._after(answered, 0.2, 20))

    def _merge(self, d: Draft, t: datetime) -> None:
        """An operator merges a duplicate into the live appeal it repeats."""
        into, operator = d.merge_into, self._operator()
        t = self._step(d, t, Action.MERGE, operator, data=lambda: {"into": into.number})
        d.duplicate_of, d.resolution = into, Resolution.DUPLICATE
        d.rejection_reason = self.reasons["duplicate"].pk
        times = [e[0] for e in into.events]
        status = into.events[bisect.bisect_right(times, t) - 1][4]
        note = (
            t, Action.COMMENT, operator, status, status,
            lambda: f"Обращение {d.number} объединено с этим.",
            lambda: {"merged": d.number}, False,
        )  # fmt: skip
        bisect.insort(into.events, note, key=itemgetter(0))

    def _route(self, d: Draft, *, avoid=None):
        """The executor: the routing rule's body, or the house's management company."""
        oktmo = d.unit.spec.oktmo
        key = d.topic.executor
        if avoid is not None:
            key = REDIRECT_KEYS.get(key, "admin")
        orgs = executors_for(self.demo.org_index, key, oktmo)
        if avoid is not None:
            orgs = (
                [o for o in orgs if o.pk != avoid.pk]
                or [
                    o
                    for o in executors_for(self.demo.org_index, "admin", oktmo)
                    if o.pk != avoid.pk
                ]
                or executors_for(self.demo.org_index, "gzhi", oktmo)
            )
            return self.rng.choice(orgs)
        return orgs[d.place.index % len(orgs)]

    def _assign(self, d: Draft, t: datetime, operator: int, executor) -> datetime:
        due = d.due_at if d.original_due_at else self._answer_due(d.registered_at, d.topic)
        data = {"executor_id": executor.pk, "executor": str(executor), "due_at": due.isoformat()}
        t = self._step(d, t, Action.ASSIGN, operator, data=data)
        d.executor, d.redirection_due_at = executor, None
        if d.original_due_at is None:
            d.due_at = d.original_due_at = due
        return t

    def _work(self, d: Draft, t: datetime, executor) -> None:
        """The executor's part: maybe redirect, maybe postpone, answer, rework, publish."""
        rng = self.rng
        if rng.random() < REDIRECTS:
            t = self._workday(self._after(t, 4, 96))
            t = self._step(d, t, Action.REDIRECT, self._worker(executor),
                           rng.choice(replies.REDIRECT_REASONS),
                           {"from_executor": str(executor)})  # fmt: skip
            d.executor = None
            d.redirection_due_at = sla.redirection_due(t, self.calendar, self.tz)
            executor = self._route(d, avoid=executor)
            t = self._assign(d, self._office(self._after(t, 0.5, 30)), self._operator(), executor)
        q = 0.6 * self.demo.discipline[executor.pk] + 0.4 * d.unit.spec.discipline
        if d.repeat_of is not None:
            q = min(0.97, q + 0.15)  # a repeat appeal gets more attention
        p = rates(q)
        stuck = rng.random() < p["stuck"]
        if rng.random() < p["postpone"]:
            t = self._postpone(d, t, executor, p)
        solved = rng.random() < p["solved"]
        remaining = d.due_at - t
        if stuck:
            # Forgotten until the escalations catch it: answered weeks after the deadline, so
            # only the recent ones are still open and overdue (as in a working region).
            t = max(t, d.due_at) + timedelta(seconds=rng.randint(*STUCK_DELAY))
        elif remaining <= timedelta(0):
            t += timedelta(seconds=rng.randint(12 * HOUR, 10 * DAY))
        elif rng.random() < p["late"]:
            t += remaining * rng.uniform(1.02, 1.8)
        else:
            t += remaining * rng.triangular(0.1, 0.98, 0.55)
        t = self._workday(t)
        if solved:
            # A question is «solved» by an explanation; a broken thing by a repair.
            question = not d.topic.done and not d.topic.evidence
            resolution = Resolution.EXPLAINED if question else Resolution.SOLVED
        else:
            resolution = rng.choices(
                (Resolution.EXPLAINED, Resolution.REFUSED, Resolution.SOLVED), (0.55, 0.15, 0.3)
            )[0]
        t = self._answer_rounds(d, t, executor, p, resolution)
        self._after_answer(d, t, executor, p, solved)

    def _postpone(self, d: Draft, t: datetime, executor, p) -> datetime:
        """One request (and rarely a second, flagged as repeated) to move the deadline."""
        rng = self.rng
        approved = 0
        for attempt in range(2):
            planned = d.registered_at + (d.due_at - d.registered_at) * rng.uniform(0.5, 0.9)
            start = max(self._after(t, 2, 72), planned)
            asked = self._workday(start)
            if asked >= d.due_at and attempt:
                break
            repeated = approved >= 1
            previous = d.due_at
            new_day = previous.astimezone(self.tz).date() + timedelta(days=rng.randint(7, 30))
            requested = sla.end_of_day(new_day, self.tz)
            reasons = (
                replies.REPEATED_POSTPONEMENT_REASONS if repeated else replies.POSTPONEMENT_REASONS
            )
            worker = self._worker(executor)
            item = PostponementDraft(
                d, worker, asked, previous, requested, rng.choice(reasons), repeated
            )
            data = lambda item=item: {  # noqa: E731
                "postponement_id": item.id,
                "requested_due_at": item.requested_due_at.isoformat(),
                "repeated": item.is_repeated,
            }
            asked = self._step(
                d, asked, Action.REQUEST_POSTPONEMENT, worker, item.reason, data, False
            )
            item.requested_at = asked
            self.postponements.append(item)
            decided = self._office(self._after(asked, 1, 30))
            operator = self._operator()
            if rng.random() < (0.5 if repeated else 0.72):
                data = lambda item=item, repeated=approved >= 1: {  # noqa: E731
                    "postponement_id": item.id,
                    "from": item.previous_due_at.isoformat(),
                    "to": item.requested_due_at.isoformat(),
                    "repeated": repeated,
                }
                decided = self._step(
                    d, decided, Action.APPROVE_POSTPONEMENT, operator, item.reason, data
                )
                item.state, item.is_repeated = "approved", approved >= 1
                d.due_at = requested
                approved += 1
            else:
                comment = rng.choice(replies.POSTPONEMENT_REFUSALS)
                data = lambda item=item: {"postponement_id": item.id}  # noqa: E731
                decided = self._step(
                    d, decided, Action.REFUSE_POSTPONEMENT, operator, comment, data, False
                )
                item.state, item.decision_comment = "refused", comment
            item.decided_by, item.decided_at = operator, decided
            t = decided
            if not approved or rng.random() >= p["postpone_again"]:
                break
        return t

    def _answer_rounds(self, d: Draft, t: datetime, executor, p, resolution) -> datetime:
        """Submit, review, return for rework (formal replies mostly), resubmit, publish."""
        rng = self.rng
        formal = rng.random() < p["formal"]
        applicant = self.demo.persons.get(d.applicant)
        slots = self._slots(d)
        for round_ in range(3):
            day = t.astimezone(self.tz).date()
            slots["year"], slots["next_year"] = str(day.year), str(day.year + 1)
            slots["season_next"] = replies.season_next(day)
            text = replies.answer_text(
                rng,
                group=d.group,
                topic=d.topic,
                resolution=resolution,
                formal=formal,
                slots=slots,
                salutation=applicant.salutation if applicant else "",
                done_on=day - timedelta(days=rng.choice((0, 0, 1, 2))),
                has_place=d.has_point,
            )
            author = self._worker(executor)
            answer = AnswerDraft(
                d, executor.pk, author, text, resolution, t, formal,
                replies.formal_reply_reasons(rng) if formal else [],
            )  # fmt: skip
            data = lambda answer=answer: {"answer_id": answer.id, "photos": 0}  # noqa: E731
            t = self._step(d, t, Action.SUBMIT_ANSWER, author, data=data, public=False)
            answer.submitted_at = t
            self.answers.append(answer)
            reviewed = self._office(self._after(t, 0.3, 30))
            operator = self._operator()
            returned = (formal and rng.random() < 0.75) or rng.random() < p["rework"]
            if returned and round_ < 2:
                reasons = replies.rework_reasons(rng, formal)
                comment = replies.rework_comment(reasons)
                data = lambda answer=answer, reasons=reasons: {  # noqa: E731
                    "answer_id": answer.id,
                    "reasons": reasons,
                }
                reviewed = self._step(
                    d, reviewed, Action.RETURN_FOR_REWORK, operator, comment, data, False
                )
                answer.state, answer.reviewed_by, answer.reviewed_at = (
                    "returned",
                    operator,
                    reviewed,
                )
                answer.review_comment, answer.rework_reasons = comment, reasons
                t = self._workday(self._after(reviewed, 4, 120))
                formal = rng.random() < p["formal"] * 0.3
                continue
            data = lambda answer=answer: {"answer_id": answer.id}  # noqa: E731
            reviewed = self._step(d, reviewed, Action.PUBLISH_ANSWER, operator, data=data)
            answer.state, answer.reviewed_by, answer.reviewed_at = "published", operator, reviewed
            d.answered_at = d.answered_at or reviewed
            d.resolution = resolution
            return reviewed
        raise AssertionError("the third answer is always published")

    def _after_answer(self, d: Draft, t: datetime, executor, p, solved: bool) -> None:
        """Rating, closing (by the applicant's rating or the periodic job), a rare reopening."""
        rng = self.rng
        closing = max(t, d.answered_at + timedelta(days=14)) + timedelta(
            seconds=rng.randint(30, 1800)
        )
        rated = None
        if d.applicant is not None and rng.random() < RATING_SHARE[d.channel]:
            rated = t + timedelta(
                seconds=int(min(30 * DAY, rng.expovariate(1 / (2.5 * DAY)))) + 600
            )
        if rated is None or rated >= closing or not self._rate(d, rated, solved):
            d.closed_at = self._step(d, closing, Action.CLOSE, None)
            if rated is not None and rated >= closing:
                self._rate(d, rated, solved)
        if rng.random() < p["reopen"] and d.status == Status.CLOSED:
            self._reopen(d, executor, p)

    def _rate(self, d: Draft, t: datetime, solved: bool) -> bool:
        """The applicant's rating (closing an answered appeal); False if none is given."""
        rng = self.rng
        overdue = d.answered_at > d.due_at
        if solved:
            score = rng.choices((5, 4, 3), (0.62, 0.3, 0.08))[0]
            is_solved = rng.random() < 0.97
        elif d.resolution == Resolution.EXPLAINED:
            score = rng.choices((4, 3, 2, 1), (0.2, 0.3, 0.3, 0.2))[0]
            is_solved = rng.random() < 0.5
        else:
            score = rng.choices((3, 2, 1), (0.15, 0.35, 0.5))[0]
            is_solved = rng.random() < 0.1
        if overdue and score > 1 and rng.random() < 0.4:
            score -= 1
        if not is_solved and (d.depth >= 3 or not self._may_spawn()):
            return False  # «not solved» always opens a repeat appeal; no room for one
        if is_solved:
            comment = rng.choice(replies.RATING_COMMENTS.get(score, ("",)))
        else:
            comment = replies.not_solved_comment(
                rng, topic=d.topic, slots=self._slots(d), has_place=d.has_point
            )
        t = self._step(d, t, Action.RATE, d.applicant, comment,
                       {"score": score, "is_solved": is_solved})  # fmt: skip
        self.ratings.append(RatingDraft(d, d.applicant, score, is_solved, comment, t))
        if d.status == Status.ANSWERED:
            d.closed_at = self._step(d, t, Action.CLOSE, None)
        if not is_solved:
            self._spawn_repeat(d, t, comment)
        return True

    def _reopen(self, d: Draft, executor, p) -> None:
        """A failed check sends the appeal back to its executor, who answers again."""
        rng = self.rng
        actor = rng.choice((*self.demo.operators, self.demo.demo["leadership@demo.otklik.ru"].pk))
        t = self._office(d.closed_at + timedelta(days=rng.uniform(3, 45)))
        t = self._step(d, t, Action.REOPEN, actor, rng.choice(replies.REOPEN_REASONS))
        d.closed_at = None
        t = self._workday(self._after(t, 24, 240))
        t = self._answer_rounds(d, t, executor, p, Resolution.SOLVED)
        closing = max(t, d.answered_at + timedelta(days=14)) + timedelta(
            seconds=rng.randint(30, 1800)
        )
        d.closed_at = self._step(d, closing, Action.CLOSE, None)

    # ------------------------------------------------------------------------ more appeals

    def _spawn_repeat(self, original: Draft, t: datetime, comment: str) -> None:
        """«Not solved»: the applicant's comment becomes a new appeal linked to the first."""
        self.debt += 1
        repeat = Draft(
            seq=original.seq,
            created_at=t,
            unit=original.unit,
            group=original.group,
            topic=original.topic,
            place=original.place,
            has_point=original.has_point,
            channel="portal",
            applicant=original.applicant,
            text=comment or f"Проблема по обращению {original.number} не решена.",
            is_public=original.is_public,
            repeat_of=original,
            depth=original.depth + 1,
        )
        self._play(repeat)

    def _spawn_duplicates(self, original: Draft) -> None:
        """Neighbours report the same problem before the first report is dealt with."""
        rng = self.rng
        if rng.random() >= DUPLICATES:
            return
        for _ in range(rng.choice((1, 1, 1, 2))):
            created = original.created_at + timedelta(
                seconds=600 + int(min(10 * DAY, rng.expovariate(1 / (36 * HOUR))))
            )
            if created > self.now or not self._may_spawn():
                return
            self.debt += 1
            channel = rng.choices(("portal", "api", "phone"), (0.7, 0.15, 0.15))[0]
            duplicate = Draft(
                seq=original.seq,
                created_at=created,
                unit=original.unit,
                group=original.group,
                topic=original.topic,
                place=original.place,
                has_point=True,
                channel=channel,
                merge_into=original,
            )
            self.timeline.people(duplicate)
            self._play(duplicate)
