"""Who may open which office page: decorators on top of the scoped querysets of `access.py`.

The decorators only keep people out of pages that are not for their role (403); what a page
shows is always limited by `Appeal.objects.visible_to` / `scope_q` and `get_appeal_for`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from otklik.accounts.models import Role

OPERATORS = frozenset({Role.OPERATOR, Role.ADMIN})
EXECUTORS = frozenset({Role.EXECUTOR})
# Who issues instructions and follows them.
ISSUERS = frozenset({Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP, Role.SUPERVISOR})
# Who enters appeals on a caller's behalf or from the field.
INTAKE = frozenset({Role.OPERATOR, Role.ADMIN})
FIELD = frozenset({Role.FIELD, Role.OPERATOR, Role.ADMIN})


def staff_required(view):
    """Office pages are for members of staff (any role); citizens get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or request.user.roles()):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def role_required(roles: frozenset[str]):
    """The page is for people holding one of `roles` (in any scope); others get 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not (request.user.is_superuser or request.user.has_role(*roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
