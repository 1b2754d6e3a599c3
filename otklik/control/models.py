"""Verification of what citizens confirm: follow-up questionnaires (control calls come later)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FollowUp(models.Model):
    """A questionnaire sent some weeks after an appeal is closed: did the fix last?

    The link carries a signed token of this row's id (no login needed); it works once.
    """

    appeal = models.OneToOneField(
        "appeals.Appeal", models.PROTECT, related_name="follow_up", verbose_name=_("appeal")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("applicant"),
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    fix_lasted = models.BooleanField(_("the fix lasted"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    repeat = models.ForeignKey(
        "appeals.Appeal",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repeat appeal"),
    )

    class Meta:
        verbose_name = _("follow-up questionnaire")
        verbose_name_plural = _("follow-up questionnaires")
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.fix_lasted}"


class Instruction(models.Model):
    """An order (поручение) from leadership or the control centre to an organization, about one
    or more appeals or a place, with a deadline and control of its execution.

    issued → reported (the organization reports with evidence) → done (the issuer accepts) or
    back to issued (the issuer returns the report); cancelled by the issuer at any time before.
    """

    class State(models.TextChoices):
        ISSUED = "issued", _("issued")
        REPORTED = "reported", _("execution reported")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    region = models.ForeignKey(
        "directory.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    organization = models.ForeignKey(
        "directory.Organization",
        models.PROTECT,
        related_name="instructions",
        verbose_name=_("organization"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    text = models.TextField(_("text"))
    address = models.CharField(_("address"), max_length=500, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    appeals = models.ManyToManyField(
        "appeals.Appeal", related_name="instructions", blank=True, verbose_name=_("appeals")
    )
    due_at = models.DateTimeField(_("deadline"))
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.ISSUED)
    report_text = models.TextField(_("execution report"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    # When the accepted report was made: the figure «instructions on time» compares it to due_at.
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    returns = models.PositiveSmallIntegerField(_("reports returned"), default=0)

    class Meta:
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["organization", "state", "due_at"]),
            models.Index(fields=["region", "due_at"]),
            models.Index(fields=["state", "due_at"]),
        ]

    def __str__(self) -> str:
        return _("Instruction No. %(number)s") % {"number": self.pk}

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.ISSUED, self.State.REPORTED)

    def is_overdue(self, now) -> bool:
        if self.state == self.State.CANCELLED:
            return False
        if self.completed_at is not None:
            return self.completed_at > self.due_at
        if self.state == self.State.REPORTED and self.reported_at is not None:
            return self.reported_at > self.due_at
        return now > self.due_at


class InstructionEvent(models.Model):
    """One step of an instruction's life: issued, reported, accepted, returned, reminded…
    Append-only, like the appeals' history."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("issued")
        REPORT = "report", _("execution reported")
        ACCEPT = "accept", _("report accepted")
        RETURN = "return", _("report returned")
        CANCEL = "cancel", _("cancelled")
        REMIND = "remind", _("deadline reminder sent")
        ESCALATE = "escalate", _("overdue: supervisor notified")

    instruction = models.ForeignKey(
        Instruction, models.PROTECT, related_name="events", verbose_name=_("instruction")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("instruction event")
        verbose_name_plural = _("instruction history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.instruction_id}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Instruction events are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Instruction events are never deleted")


def instruction_file_path(instance: InstructionAttachment, filename: str) -> str:
    extension = "pdf" if instance.content_type == "application/pdf" else "jpg"
    return f"instructions/{instance.sha256[:2]}/{instance.sha256}.{extension}"


class InstructionAttachment(models.Model):
    """Evidence of an instruction's execution: a re-encoded photo or a rewritten PDF."""

    instruction = models.ForeignKey(
        Instruction, models.PROTECT, related_name="attachments", verbose_name=_("instruction")
    )
    file = models.FileField(_("file"), upload_to=instruction_file_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=64, default="image/jpeg")
    size = models.PositiveIntegerField(_("size, bytes"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence of execution")
        verbose_name_plural = _("evidence of execution")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.sha256


class Escalation(models.Model):
    """A reminder before a deadline or a notice to the supervisor after it, sent once per
    deadline: the unique constraints make the scheduled job safe to run any number of times."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder before the deadline")
        OVERDUE = "overdue", _("overdue: notice to the supervisor")

    appeal = models.ForeignKey(
        "appeals.Appeal",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("appeal"),
    )
    instruction = models.ForeignKey(
        Instruction,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("instruction"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    due_at = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(appeal__isnull=False, instruction__isnull=True)
                | models.Q(appeal__isnull=True, instruction__isnull=False),
                name="escalation_one_subject",
            ),
            models.UniqueConstraint(
                fields=["appeal", "kind", "due_at"],
                condition=models.Q(appeal__isnull=False),
                name="escalation_once_per_appeal_deadline",
            ),
            models.UniqueConstraint(
                fields=["instruction", "kind", "due_at"],
                condition=models.Q(instruction__isnull=False),
                name="escalation_once_per_instruction_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.appeal_id or self.instruction_id}"


class CallList(models.Model):
    """A sample of recently closed appeals drawn for verification calls (обзвон): weekly by the
    periodic job, or on demand by the control centre (e.g. 10 for the governor's own calls)."""

    class Purpose(models.TextChoices):
        CALL_CENTRE = "call_centre", _("call centre")
        LEADERSHIP = "leadership", _("leadership's own calls")

    region = models.ForeignKey(
        "directory.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("Empty: the whole region."),
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose, default=Purpose.CALL_CENTRE
    )
    title = models.CharField(_("title"), max_length=200)
    size = models.PositiveSmallIntegerField(_("size asked for"))
    closed_from = models.DateTimeField(_("appeals closed from"))
    closed_to = models.DateTimeField(_("appeals closed before"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    created_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    # What the sample was drawn from and how: strata sizes, weights, the seed (reproducible).
    plan = models.JSONField(_("sampling plan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "created_at"])]

    def __str__(self) -> str:
        return self.title


class ControlCall(models.Model):
    """One verification call to an applicant about a closed appeal (контрольный звонок).

    pending → done (reached: the outcome is recorded), or refused / wrong number, or unreachable
    after the last retry. A «not solved» outcome opens a repeat appeal linked to the first."""

    class State(models.TextChoices):
        PENDING = "pending", _("to call")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused to talk")
        WRONG_NUMBER = "wrong_number", _("wrong number")
        UNREACHABLE = "unreachable", _("unreachable")

    class Attempt(models.TextChoices):
        REACHED = "reached", _("reached")
        NO_ANSWER = "no_answer", _("no answer")
        BUSY = "busy", _("busy")
        REFUSED = "refused", _("refused to talk")
        WRONG_NUMBER = "wrong_number", _("wrong number")

    call_list = models.ForeignKey(
        CallList, models.PROTECT, related_name="calls", verbose_name=_("call list")
    )
    appeal = models.ForeignKey(
        "appeals.Appeal", models.PROTECT, related_name="control_calls", verbose_name=_("appeal")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applicant"),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    weight = models.FloatField(_("sampling weight"), default=1)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The outcome, when the applicant was reached.
    is_solved = models.BooleanField(_("problem solved"), null=True, blank=True)
    speed_score = models.PositiveSmallIntegerField(_("speed (1–5)"), null=True, blank=True)
    work_score = models.PositiveSmallIntegerField(
        _("quality of the work (1–5)"), null=True, blank=True
    )
    answer_score = models.PositiveSmallIntegerField(
        _("quality of the answer and feedback (1–5)"), null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    repeat = models.ForeignKey(
        "appeals.Appeal",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repeat appeal"),
    )
    instruction = models.ForeignKey(
        Instruction,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instruction"),
    )

    class Meta:
        verbose_name = _("control call")
        verbose_name_plural = _("control calls")
        ordering = ["call_list", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call_list", "appeal"], name="call_once_per_list"),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(is_solved__isnull=False, completed_at__isnull=False),
                name="call_done_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "call_list"]),
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["completed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.call_list_id}: {self.appeal_id}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PENDING
