"""Control calls (обзвон): the call lists with their progress and the form that draws one, a
list's calls, and the call page where a caller phones the applicant, follows a short script and
records the outcome; after a failed check, one click raises an instruction."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.appeals import personal_data
from otklik.appeals.personal_data import Shown
from otklik.appeals.services import MAX_TEXT
from otklik.appeals.workflow import Action, IllegalTransition
from otklik.control import call_instructions
from otklik.control import calls as service
from otklik.control.call_outcome import outcome_lines, repeat_sentence
from otklik.control.call_skips import skipped_rows
from otklik.control.models import CallList, ControlCall

from .instruction_forms import CallInstructionForm
from .instructions import say_issued
from .permissions import role_required

LISTS_PAGE = 30
CALLS_PAGE = 100
MAX_PK = 2**63 - 1
State = ControlCall.State
Attempt = ControlCall.Attempt
WEIGHT_LABELS = {
    "low_rating": gettext_lazy("low rating or «not solved»"),
    "postponed": gettext_lazy("postponed deadline"),
    "reworked": gettext_lazy("answer returned for rework"),
    "formal_reply": gettext_lazy("formal reply flagged"),
}
SCORES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]


# ---------------------------------------------------------------------------- forms


class DrawForm(forms.Form):
    size = forms.IntegerField(
        label=gettext_lazy("How many calls"),
        min_value=service.MIN_SIZE,
        max_value=service.MAX_SIZE,
        initial=10,
        error_messages={
            "required": gettext_lazy("Enter how many calls the list should have."),
            "invalid": gettext_lazy("Enter a whole number from 1 to 500."),
            "min_value": gettext_lazy("Enter a whole number from 1 to 500."),
            "max_value": gettext_lazy("Enter a whole number from 1 to 500."),
        },
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        choices=CallList.Purpose.choices,
        initial=CallList.Purpose.CALL_CENTRE,
        error_messages={
            "required": gettext_lazy("Choose the purpose of the list."),
            "invalid_choice": gettext_lazy("Choose the purpose of the list."),
        },
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("the whole region"),
        error_messages={"invalid_choice": gettext_lazy("Choose a municipality from the list.")},
    )
    days = forms.IntegerField(
        label=gettext_lazy("Appeals closed in the last, days"),
        min_value=service.MIN_DAYS,
        max_value=service.MAX_DAYS,
        initial=7,
        error_messages={
            "required": gettext_lazy("Enter the period in days."),
            "invalid": gettext_lazy("Enter a whole number of days from 1 to 92."),
            "min_value": gettext_lazy("Enter a whole number of days from 1 to 92."),
            "max_value": gettext_lazy("Enter a whole number of days from 1 to 92."),
        },
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities.order_by("name")


class FilterForm(forms.Form):
    """The list page's GET filters; an invalid value is ignored, never an error page."""

    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("any")), *State.choices],
        required=False,
    )
    mine = forms.BooleanField(label=gettext_lazy("only my calls"), required=False)

    def value(self, name: str):
        """The cleaned value of a filter, or empty when it was missing or invalid."""
        if not self.is_bound:
            return ""
        self.is_valid()
        if name in self.errors:
            return ""
        return self.cleaned_data.get(name) or ""


def _yes_no(value: str):
    return {"yes": True, "no": False}.get(value)


def _score_field(label) -> forms.TypedChoiceField:
    """An optional 1–5 score of a control call (speed, work, answer)."""
    return forms.TypedChoiceField(
        label=label,
        choices=SCORES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a score from 1 to 5.")},
    )


class OutcomeForm(forms.Form):
    attempt = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=1000)
    result = forms.ChoiceField(
        label=gettext_lazy("How did the call go?"),
        choices=Attempt.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how the call went."),
            "invalid_choice": gettext_lazy("Choose how the call went."),
        },
    )
    is_solved = forms.TypedChoiceField(
        label=gettext_lazy("Is the problem solved?"),
        choices=[("yes", gettext_lazy("yes, solved")), ("no", gettext_lazy("no, not solved"))],
        coerce=_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose yes or no.")},
    )
    speed_score = _score_field(gettext_lazy("Speed of the solution (1–5)"))
    work_score = _score_field(gettext_lazy("Quality of the work (1–5)"))
    answer_score = _score_field(gettext_lazy("Quality of the answer and feedback (1–5)"))
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the applicant said; becomes the text of a repeat appeal."),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == Attempt.REACHED:
            if data.get("is_solved") is None:
                self.add_error("is_solved", _("Say whether the applicant confirms it is solved."))
            for name in ("speed_score", "work_score", "answer_score"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Choose a score from 1 to 5."))
        return data


# ---------------------------------------------------------------------------- pages


def _progress(queryset):
    return queryset.annotate(
        total=Count("calls"),
        pending=Count("calls", filter=Q(calls__state=State.PENDING)),
        done=Count("calls", filter=Q(calls__state=State.DONE)),
        solved=Count("calls", filter=Q(calls__state=State.DONE, calls__is_solved=True)),
    )


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _draw(request, form: DrawForm, regions):
    """Draw a list from a valid form; the list, or None with the error added to the form."""
    data = form.cleaned_data
    municipality = data["municipality"]
    region = municipality.region if municipality is not None else (regions or [None])[0]
    if region is None:
        form.add_error("municipality", _("Choose the municipality of the list."))
        return None
    try:
        return service.draw_call_list(
            region=region,
            size=data["size"],
            actor=request.user,
            purpose=data["purpose"],
            municipality=municipality,
            days=data["days"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
    return None


@role_required(service.CALL_ROLES)
@require_http_methods(["GET", "POST"])
def call_lists(request):
    regions, municipalities = service.drawable_scope(request.user)
    can_draw = bool(regions) or municipalities.exists()
    form = DrawForm(municipalities=municipalities) if can_draw else None
    if request.method == "POST":
        if not can_draw:
            raise PermissionDenied
        form = DrawForm(request.POST, municipalities=municipalities)
        if form.is_valid() and (call_list := _draw(request, form, regions)) is not None:
            messages.success(
                request,
                _("The list «%(title)s» has been drawn: %(count)s calls.")
                % {"title": call_list.title, "count": call_list.calls.count()},
            )
            return redirect("office:call_list", pk=call_list.pk)
    lists = _progress(
        service.call_lists_visible_to(request.user).select_related("municipality", "created_by")
    ).order_by("-created_at", "-pk")
    page = Paginator(lists, LISTS_PAGE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.solved_share = _share(item.solved, item.done)
    mine = service.calls_visible_to(request.user).filter(caller=request.user, state=State.PENDING)
    return render(
        request,
        "office/calls/lists.html",
        {
            "page": page,
            "form": form,
            "my_pending": mine.count(),
            "office_section": "calls",
        },
        status=400 if form is not None and form.errors else 200,
    )


def _check_pk(pk: int) -> None:
    # The URL's int converter takes any number of digits; the database's integers do not.
    if pk > MAX_PK:
        raise Http404("No such object")


def _list_for(user, pk: int) -> CallList:
    _check_pk(pk)
    call_list = (
        service.call_lists_visible_to(user).select_related("region", "municipality").filter(pk=pk)
    ).first()
    if call_list is None:
        raise Http404("No such call list")
    return call_list


@role_required(service.CALL_ROLES)
@require_GET
def call_list(request, pk):
    current = _list_for(request.user, pk)
    calls = service.calls_visible_to(request.user).filter(call_list=current)
    counts = dict(calls.values_list("state").annotate(n=Count("pk")).order_by())
    solved = calls.filter(state=State.DONE, is_solved=True).count()
    filters = FilterForm(request.GET or None)
    shown = calls
    if state := filters.value("state"):
        shown = shown.filter(state=state)
    if filters.value("mine"):
        shown = shown.filter(caller=request.user)
    shown = shown.select_related(
        "appeal__category__parent", "appeal__municipality", "caller", "repeat"
    ).order_by("state", "next_attempt_at", "pk")
    page = Paginator(shown, CALLS_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    total = sum(counts.values())
    return render(
        request,
        "office/calls/list.html",
        {
            "call_list": current,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "states": [(value, label, counts.get(value, 0)) for value, label in State.choices],
            "total": total,
            "done": counts.get(State.DONE, 0),
            "solved": solved,
            "solved_share": _share(solved, counts.get(State.DONE, 0)),
            "done_share": _share(total - counts.get(State.PENDING, 0), total),
            "plan": current.plan,
            "skipped": skipped_rows(current.plan),
            "weights": [
                (WEIGHT_LABELS.get(name, name), weight)
                for name, weight in (current.plan.get("weights") or {}).items()
                if name != "base"
            ],
            "office_section": "calls",
        },
    )


def _call_for(user, pk: int) -> ControlCall:
    _check_pk(pk)
    call = (
        service.calls_visible_to(user)
        .select_related(
            "call_list",
            "appeal__region",
            "appeal__category__parent",
            "appeal__municipality",
            "appeal__executor",
            "appeal__applicant",
            "caller",
            "repeat",
            "instruction__organization",
        )
        .filter(pk=pk)
        .first()
    )
    if call is None:
        raise Http404("No such call")
    return call


def _attempt_message(call: ControlCall) -> str:
    if call.state == State.DONE:
        if call.repeat_id:
            return _("The outcome is recorded: not solved.") + " " + repeat_sentence(call)
        return _("The outcome is recorded.")
    if call.state == State.PENDING:
        return _("The attempt is recorded; call again after %(time)s.") % {
            "time": formats.date_format(
                timezone.localtime(call.next_attempt_at), "SHORT_DATETIME_FORMAT"
            )
        }
    return _("The call is finished: %(state)s.") % {"state": call.get_state_display()}


@role_required(service.CALL_ROLES)
@require_http_methods(["GET", "POST"])
def call(request, pk):
    current = _call_for(request.user, pk)
    can_record = service.can_record(request.user, current)
    form = None
    if can_record and current.state == State.PENDING:
        form = OutcomeForm(initial={"attempt": current.attempts})
    if request.method == "POST":
        if not can_record:
            raise Http404("No such call")
        action = request.POST.get("action")
        try:
            if action == "take":
                try:
                    service.take_call(call=current, actor=request.user)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, _("The call is in your worklist."))
                return redirect("office:call", pk=current.pk)
            if action == "record":
                form = OutcomeForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    try:
                        service.record_attempt(
                            call=current,
                            actor=request.user,
                            result=data["result"],
                            is_solved=data["is_solved"],
                            speed_score=data["speed_score"],
                            work_score=data["work_score"],
                            answer_score=data["answer_score"],
                            comment=data["comment"],
                            expected_attempts=data["attempt"],
                        )
                    except ValidationError as exc:
                        form.add_error(None, exc)
                    else:
                        current = _call_for(request.user, pk)
                        messages.success(request, _attempt_message(current))
                        return redirect("office:call", pk=current.pk)
            else:
                messages.error(request, _("Choose what to do with the call."))
                return redirect("office:call", pk=current.pk)
        except IllegalTransition:
            messages.error(request, _("This call is already finished: the page has changed."))
            return redirect("office:call", pk=current.pk)
    return _render_call(request, current, form=form)


def _render_call(request, current: ControlCall, *, form=None, instruction_form=None):
    can_record = service.can_record(request.user, current)
    appeal = current.appeal
    events = list(appeal.events.select_related("actor").order_by("created_at", "pk"))
    attempts = [
        e
        for e in events
        if e.action == Action.CONTROL_CALL and (e.data or {}).get("call_id") == current.pk
    ]
    for event in attempts:
        event.result_label = _label(Attempt, event.data.get("result"))
    if can_record:
        personal_data.record_access(
            viewer=request.user, appeals=[appeal], shown=Shown.OFFICE_CALL, request=request
        )
    return render(
        request,
        "office/calls/call.html",
        {
            "call": current,
            "appeal": appeal,
            "applicant": appeal.applicant,
            "personal_data": can_record,
            "can_take": can_record and current.state == State.PENDING and current.caller_id is None,
            "form": form,
            "answers": appeal.answers.select_related("organization").order_by("submitted_at"),
            "ratings": appeal.ratings.order_by("created_at"),
            "events": events,
            "attempts": attempts,
            "outcome_lines": outcome_lines(current),
            "max_attempts": service.MAX_ATTEMPTS,
            "instruction_form": instruction_form or _instruction_form(request.user, current),
            "office_section": "calls",
        },
        status=400 if (form is not None and form.errors) or instruction_form else 200,
    )


def _instruction_form(user, call: ControlCall, data=None) -> CallInstructionForm | None:
    """The form raising an instruction from a failed check, for who may raise one."""
    if call.instruction_id is not None or not call_instructions.can_instruct(user, call):
        return None
    appeal = call.appeal
    return CallInstructionForm(
        data,
        organizations=call_instructions.addressees(user, call),
        initial={
            "organization": appeal.executor_id,
            "text": call_instructions.default_text(call),
            "due_date": call_instructions.default_due(appeal.region, timezone.now()),
        },
    )


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return ""


@role_required(service.CALL_ROLES)
@require_POST
def instruct(request, pk):
    current = _call_for(request.user, pk)
    form = _instruction_form(request.user, current, request.POST)
    if form is None:
        messages.error(request, _("You cannot raise an instruction from this call."))
        return redirect("office:call", pk=current.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            instruction = call_instructions.instruct_from_call(
                call=current,
                actor=request.user,
                organization=data["organization"],
                text=data["text"],
                due_date=data["due_date"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            say_issued(request, instruction)
            return redirect("office:call", pk=current.pk)
    return _render_call(request, current, instruction_form=form)
