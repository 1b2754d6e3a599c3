"""The only way a view gets an appeal: permission-checked fetches and role checks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from otklik.accounts.models import Role

from .models import Appeal, Channel, scope_q

MODERATORS = frozenset({Role.OPERATOR, Role.ADMIN})
WORKERS = frozenset({Role.EXECUTOR})
DIRECTORS = frozenset({Role.SUPERVISOR, Role.LEADERSHIP, Role.OPERATOR, Role.ADMIN})
CALLERS = frozenset({Role.CALLER, Role.OPERATOR, Role.ADMIN})
NUMBER_MAX = Appeal._meta.get_field("number").max_length


def is_possible_number(number: str) -> bool:
    """Whether a number from outside may be looked up at all (PostgreSQL refuses a NUL byte in a
    string with an error, not an empty result)."""
    return len(number) <= NUMBER_MAX and "\x00" not in number


def _check_number(number: str) -> None:
    if not is_possible_number(number):
        raise Http404("No such appeal")


def get_appeal_for(user, *, number: str | None = None, pk: int | None = None) -> Appeal:
    """The appeal if `user` may see it; 404 otherwise (no hint that it exists)."""
    if number is not None:
        _check_number(number)
    lookup = {"number": number} if number is not None else {"pk": pk}
    try:
        return (
            Appeal.objects.visible_to(user)
            .select_related(
                "region", "municipality", "category", "category__parent", "executor", "applicant"
            )
            .get(**lookup)
        )
    except (Appeal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such appeal") from exc


def client_appeals(user):
    """What a client system's key (ApiToken.is_client) sees beyond the public: the appeals its
    user filed through the API or Open311, whatever their status — never a staff scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Appeal.objects.none()
    return Appeal.objects.filter(created_by=user, channel=Channel.API)


def get_appeal_for_client(user, *, number: str) -> Appeal:
    """An appeal the client system's key filed; 404 otherwise."""
    _check_number(number)
    try:
        return (
            client_appeals(user)
            .select_related(
                "region", "municipality", "category", "category__parent", "executor", "applicant"
            )
            .get(number=number)
        )
    except Appeal.DoesNotExist as exc:
        raise Http404("No such appeal") from exc


def get_public_appeal(*, number: str) -> Appeal:
    _check_number(number)
    try:
        return (
            Appeal.objects.public()
            .select_related("region", "municipality", "category", "category__parent", "executor")
            .get(number=number)
        )
    except Appeal.DoesNotExist as exc:
        raise Http404("No such appeal") from exc


def has_scope(user, appeal: Appeal, roles: frozenset[str]) -> bool:
    """Whether `user` holds one of `roles` in a scope that covers `appeal`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_role(*roles):
        return False
    return Appeal.objects.filter(pk=appeal.pk).filter(scope_q(user, roles)).exists()


def can_moderate(user, appeal: Appeal) -> bool:
    return has_scope(user, appeal, MODERATORS)


def can_work(user, appeal: Appeal) -> bool:
    return has_scope(user, appeal, WORKERS)


def can_direct(user, appeal: Appeal) -> bool:
    return has_scope(user, appeal, DIRECTORS)


def is_applicant(user, appeal: Appeal) -> bool:
    return user is not None and user.is_authenticated and appeal.applicant_id == user.pk


# Who works with the applicant and so sees their name and contacts: the control centre's
# moderators and the executor. Leadership and supervisors see the problem, not the person;
# callers see the applicant only on their own call's page (control.calls.can_record).
PERSONAL_DATA_ROLES = MODERATORS | WORKERS


def can_see_personal_data(user, appeal: Appeal) -> bool:
    """Whether `user` may be shown the applicant's personal data (name, e-mail, phone, the
    caller's contacts): the applicant, or staff of PERSONAL_DATA_ROLES whose scope covers it.
    Every showing to staff is logged (personal_data.record_access)."""
    return is_applicant(user, appeal) or has_scope(user, appeal, PERSONAL_DATA_ROLES)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
