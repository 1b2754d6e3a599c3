"""Letters about an appeal's public steps, to its applicant and its supporters."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.appeals.answer_signature import signature_text
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action
from otklik.lib.dates import short_date

from .services import greeting, notify

# What a person who chose «only what matters» still hears about.
KEY_ACTIONS = frozenset(
    {Action.PUBLISH_ANSWER, Action.REQUEST_CLARIFICATION, Action.REJECT, Action.MERGE}
)
# Steps nobody is written to about: their own rating, internal notes, support itself.
SILENT_ACTIONS = frozenset(
    {
        Action.COMMENT,
        Action.RATE,
        Action.SUPPORT,
        Action.CLOSE,
        Action.DELEGATE,
        Action.INSTRUCT,
        Action.ESCALATE,
        Action.CONTROL_CALL,
    }
)


def _explain(event: AppealEvent) -> str:
    """One sentence a citizen understands about what happened."""
    appeal = event.appeal
    explanations = {
        Action.SUBMIT: _("Your appeal has been received and is waiting for moderation."),
        Action.REGISTER: _("The appeal has been registered."),
        Action.ASSIGN: _("The appeal has been sent to %(executor)s.")
        % {"executor": appeal.executor or "—"},
        Action.REDIRECT: _("The appeal has been handed to another body."),
        Action.APPROVE_POSTPONEMENT: _("The deadline has been moved to %(date)s.")
        % {"date": short_date(event.data.get("to"))},
        Action.PUBLISH_ANSWER: _("An answer has been published. Please rate it."),
        Action.REQUEST_CLARIFICATION: _("Please clarify your appeal within three days."),
        Action.REJECT: _("The appeal has been rejected."),
        Action.MERGE: _("The appeal has been merged with an appeal on the same problem."),
        Action.REOPEN: _("The appeal has been returned to the executor."),
        Action.SUBMIT_ANSWER: _("The executor has prepared an answer; it is being checked."),
        Action.RETURN_FOR_REWORK: _("The answer has been returned to the executor for rework."),
    }
    return explanations.get(event.action, event.get_action_display())


def recipients(event: AppealEvent) -> list:
    """The applicant and the supporters who want a letter about this step."""
    appeal = event.appeal
    people = [appeal.applicant] if appeal.applicant_id else []
    # The outbox prefetches supports with their users: no query per event here.
    people += [support.user for support in appeal.supports.all()]
    wanted = []
    for person in people:
        if not person.notify_by_email or not person.is_active or person.anonymized_at:
            continue
        if not person.notify_every_step and event.action not in KEY_ACTIONS:
            continue
        if person.pk == event.actor_id and event.action != Action.SUBMIT:
            continue
        wanted.append(person)
    return wanted


def notify_event(event: AppealEvent) -> int:
    """Queue the letters for one event; returns how many."""
    if not event.is_public or event.action in SILENT_ACTIONS:
        return 0
    appeal = event.appeal
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        link = settings.SITE_URL + reverse("portal:appeal", args=[appeal.number])
        subject = _("Appeal %(number)s: %(what)s") % {
            "number": appeal.number,
            "what": event.get_action_display(),
        }
        what = _explain(event)
        # The answer's responsible person, full name and phone, as published (officials' work
        # contacts, so supporters get them too).
        signature = ""
        if event.action == Action.PUBLISH_ANSWER:
            signature = signature_text(event.data)
        footer = [
            _("Open the appeal: %(link)s") % {"link": link},
            _("You can change what we write to you in your profile: %(link)s")
            % {"link": settings.SITE_URL + reverse("portal:profile")},
        ]
        for person in recipients(event):
            own = person.pk == appeal.applicant_id
            lines = [
                greeting(person),
                what if own else _("News on the appeal you supported: %(what)s") % {"what": what},
                event.comment if event.comment and own else "",
                signature,
                *footer,
            ]
            body = "\n\n".join(line for line in lines if line)
            if notify(recipient=person, subject=subject, body=body, event=event):
                sent += 1
    return sent
