"""Answer templates of an organization: its executors and supervisors list, write, edit and
retire them. Writes go through `appeals.answer_templates`, which checks who may."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from otklik.appeals.answer_templates import (
    deactivate_answer_template,
    save_answer_template,
    template_organizations,
)
from otklik.directory.models import AnswerTemplate, Category, Organization

from .permissions import staff_required
from .work_forms import AnswerTemplateForm


def _organizations(user):
    organizations = template_organizations(user)
    if not organizations:
        raise PermissionDenied
    return Organization.objects.filter(pk__in=[o.pk for o in organizations]).order_by("name")


def _categories():
    return Category.objects.filter(is_active=True).select_related("parent")


@staff_required
@require_GET
def template_list(request):
    organizations = _organizations(request.user)
    show_inactive = request.GET.get("inactive") == "1"
    templates = AnswerTemplate.objects.filter(organization__in=organizations).select_related(
        "organization", "category", "category__parent"
    )
    if not show_inactive:
        templates = templates.filter(is_active=True)
    return render(
        request,
        "office/answer_templates/list.html",
        {
            "templates": templates.order_by("organization__name", "title", "pk"),
            "several": organizations.count() > 1,
            "show_inactive": show_inactive,
            "office_section": "templates",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk=None):
    organizations = _organizations(request.user)
    template = None
    if pk is not None:
        template = (
            AnswerTemplate.objects.filter(pk=pk, organization__in=organizations)
            .select_related("organization", "category")
            .first()
        )
        if template is None:
            raise Http404("No such template")
    if request.method == "POST" and template is not None and request.POST.get("deactivate"):
        deactivate_answer_template(actor=request.user, template=template)
        messages.success(
            request, _("The template «%(title)s» is no longer offered.") % {"title": template.title}
        )
        return redirect("office:templates")
    initial = {}
    if template is not None:
        initial = {
            "organization": template.organization_id,
            "title": template.title,
            "category": template.category_id,
            "text": template.text,
        }
    form = AnswerTemplateForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organizations=organizations,
        categories=_categories(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = save_answer_template(
                actor=request.user,
                organization=data["organization"],
                title=data["title"],
                text=data["text"],
                category=data["category"],
                template=template,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The template «%(title)s» is saved.") % {"title": saved.title}
            )
            return redirect("office:templates")
    return render(
        request,
        "office/answer_templates/edit.html",
        {"form": form, "template": template, "office_section": "templates"},
        status=400 if request.method == "POST" else 200,
    )
