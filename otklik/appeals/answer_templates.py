"""Answer templates of an organization: who manages them (its executors and supervisors), and
their writes. The `AnswerTemplate` model stays in the directory; the rule of who may write needs
the staff roles, so it lives here, above accounts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from otklik.accounts.models import Role
from otklik.directory.models import AnswerTemplate, Category, Organization


def template_organizations(user) -> list[Organization]:
    """The organizations whose answer templates `user` manages: those where they are an executor
    or a supervisor (every active organization for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return list(Organization.objects.filter(is_active=True).order_by("name"))
    return list(
        Organization.objects.filter(
            memberships__user=user,
            memberships__role__in=[Role.EXECUTOR, Role.SUPERVISOR],
        )
        .distinct()
        .order_by("name")
    )


def _require_template_manager(user, organization: Organization) -> None:
    if organization is None or organization.pk not in {o.pk for o in template_organizations(user)}:
        raise PermissionDenied


def save_answer_template(
    *,
    actor,
    organization: Organization,
    title: str,
    text: str,
    category: Category | None = None,
    template: AnswerTemplate | None = None,
) -> AnswerTemplate:
    """Create an organization's answer template, or edit one (`template`); raises
    PermissionDenied unless `actor` manages the organization's templates."""
    _require_template_manager(actor, organization)
    if template is not None:
        _require_template_manager(actor, template.organization)
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise ValidationError(_("Give the template a title."))
    if len(text) < 20:
        raise ValidationError(_("Write the template's text: at least 20 characters."))
    if len(title) > 200 or len(text) > 5000:
        raise ValidationError(_("The text is too long."))
    if category is not None and not category.is_active:
        raise ValidationError(_("This category is no longer used; choose another."))
    if template is None:
        return AnswerTemplate.objects.create(
            organization=organization, category=category, title=title, text=text
        )
    template.organization, template.category = organization, category
    template.title, template.text, template.is_active = title, text, True
    template.save(
        update_fields=["organization", "category", "title", "text", "is_active", "updated_at"]
    )
    return template


def deactivate_answer_template(*, actor, template: AnswerTemplate) -> AnswerTemplate:
    """Stop offering a template (kept for the answers that used it)."""
    _require_template_manager(actor, template.organization)
    if template.is_active:
        template.is_active = False
        template.save(update_fields=["is_active", "updated_at"])
    return template
