"""The back office of the demo region: answer templates of every organization and a set of
instructions (поручения) about overdue appeals in every state, so the office pages show work.

Written with bulk_create after the history; the instructions' appeal events are INSTRUCT rows
already marked processed (nobody is written to about them).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Q

from otklik.accounts.models import Role
from otklik.appeals.models import Appeal, AppealEvent
from otklik.appeals.workflow import Action, Status
from otklik.control.models import Instruction, InstructionEvent
from otklik.directory.models import AnswerTemplate, Organization, Region

# Starting texts with gaps to fill: sent as they are, the formal-reply check flags them.
TEMPLATES = (
    (
        "Работы выполнены",
        "Здравствуйте! По вашему обращению [дата] выполнены следующие работы: [что сделано]. "
        "Фотографии результата прилагаются.",
    ),
    (
        "Работы включены в план",
        "Здравствуйте! Работы по вашему обращению включены в план на [месяц, год]: "
        "[что будет сделано]. Срок выполнения — до [дата].",
    ),
    (
        "Разъяснение",
        "Здравствуйте! По вашему обращению сообщаем: [суть разъяснения]. Что вы можете сделать: "
        "[порядок действий, куда обратиться].",
    ),
)

INSTRUCTIONS = 36
INSTRUCTION_TEXTS = (
    "Проверить и устранить нарушение по обращениям жителей, доложить с фотоматериалами.",
    "Взять на личный контроль просроченные обращения, устранить причины просрочки.",
    "Провести выездную проверку по адресу и принять меры по устранению проблемы.",
    "Обеспечить ответы заявителям по существу и в установленный срок.",
)


def ensure_answer_templates(region: Region) -> int:
    organizations = list(
        Organization.objects.filter(region=region, is_active=True).exclude(
            pk__in=AnswerTemplate.objects.values("organization_id")
        )
    )
    templates = [
        AnswerTemplate(organization=org, title=title, text=text)
        for org in organizations
        for title, text in TEMPLATES
    ]
    AnswerTemplate.objects.bulk_create(templates)
    return len(templates)


def _issuers(region: Region) -> list[int]:
    from otklik.accounts.models import Membership

    return list(
        Membership.objects.filter(
            Q(region=region), role__in=[Role.LEADERSHIP, Role.OPERATOR]
        ).values_list("user_id", flat=True)[:6]
    )


def ensure_instructions(rng: random.Random, region: Region, now: datetime) -> int:
    """Instructions about the appeals in work nearest their deadline (overdue first), one
    organization each: issued (some overdue), reported, done on time and late. A working demo
    region has few overdue appeals, so those close to their deadline are taken too."""
    if Instruction.objects.filter(region=region).exists():
        return 0
    overdue = list(
        Appeal.objects.filter(region=region, status=Status.IN_PROGRESS, executor__isnull=False)
        .order_by("due_at", "number")  # deadlines tie at the end of a day: the same demo each time
        .values_list("pk", "executor_id", "updated_at")[:2000]
    )
    issuers = _issuers(region)
    if not overdue or not issuers:
        return 0
    by_org: dict[int, list[int]] = {}
    last_step = {}
    for pk, org, updated_at in overdue:
        by_org.setdefault(org, []).append(pk)
        last_step[pk] = updated_at
    orgs = sorted(by_org, key=lambda org: -len(by_org[org]))[:INSTRUCTIONS]
    made, links, events, appeal_events = [], [], [], []
    for i, org in enumerate(orgs):
        appeals = by_org[org][: rng.randint(1, 4)]
        # After everything that already happened to its appeals: their histories stay in order.
        issued_at = max(
            now - timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8)),
            max(last_step[pk] for pk in appeals) + timedelta(hours=1),
        )
        if issued_at >= now:
            continue
        due_at = issued_at + timedelta(days=rng.choice((7, 10, 14)))
        state = rng.choice(
            (Instruction.State.ISSUED, Instruction.State.REPORTED, Instruction.State.DONE)
        )
        if due_at > now and state == Instruction.State.DONE:
            state = Instruction.State.REPORTED
        reported_at = None
        if state != Instruction.State.ISSUED:
            reported_at = min(now, issued_at + (due_at - issued_at) * rng.uniform(0.4, 1.3))
        instruction = Instruction(
            region=region,
            organization_id=org,
            issued_by_id=rng.choice(issuers),
            issued_at=issued_at,
            text=INSTRUCTION_TEXTS[i % len(INSTRUCTION_TEXTS)],
            due_at=due_at,
            state=state,
            reported_at=reported_at,
            report_text="Работы выполнены, фотоматериалы приложены." if reported_at else "",
            completed_at=reported_at if state == Instruction.State.DONE else None,
        )
        made.append((instruction, appeals))
    Instruction.objects.bulk_create([instruction for instruction, _ in made])
    through = Instruction.appeals.through
    for instruction, appeals in made:
        events.append(
            InstructionEvent(
                instruction=instruction,
                action=InstructionEvent.Action.ISSUE,
                actor_id=instruction.issued_by_id,
                created_at=instruction.issued_at,
            )
        )
        if instruction.reported_at:
            events.append(
                InstructionEvent(
                    instruction=instruction,
                    action=InstructionEvent.Action.REPORT,
                    created_at=instruction.reported_at,
                    comment=instruction.report_text,
                )
            )
        if instruction.state == Instruction.State.DONE:
            events.append(
                InstructionEvent(
                    instruction=instruction,
                    action=InstructionEvent.Action.ACCEPT,
                    actor_id=instruction.issued_by_id,
                    created_at=instruction.reported_at + timedelta(hours=2),
                )
            )
        for appeal_id in appeals:
            links.append(through(instruction_id=instruction.pk, appeal_id=appeal_id))
            appeal_events.append(
                AppealEvent(
                    appeal_id=appeal_id,
                    action=Action.INSTRUCT,
                    actor_id=instruction.issued_by_id,
                    created_at=instruction.issued_at,
                    from_status=Status.IN_PROGRESS,
                    to_status=Status.IN_PROGRESS,
                    comment=instruction.text,
                    data={"instruction_id": instruction.pk},
                    is_public=False,
                    processed_at=instruction.issued_at,
                )
            )
    through.objects.bulk_create(links)
    InstructionEvent.objects.bulk_create(events)
    AppealEvent.objects.bulk_create(appeal_events)
    for event in appeal_events:
        Appeal.objects.filter(pk=event.appeal_id).update(updated_at=event.created_at)
    return len(made)
