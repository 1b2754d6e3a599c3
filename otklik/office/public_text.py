"""The operator's correction of an appeal's public copy (personal data masked), from the
moderation page, before or after accepting the appeal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.appeals import access
from otklik.appeals.public_copy import correct_public_text

from .permissions import OPERATORS, role_required


@role_required(OPERATORS)
@require_POST
def correct(request, number):
    appeal = access.get_appeal_for(request.user, number=number)
    if not access.can_moderate(request.user, appeal):
        raise Http404("No such appeal")
    try:
        correct_public_text(appeal=appeal, actor=request.user, text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The public text is saved."))
    return redirect("office:moderate", number=appeal.number)
