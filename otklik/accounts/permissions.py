"""Who may open a staff page: decorators over the user's roles (accounts.Role).

The decorators only keep people out of pages that are not for their role (403); what a page
shows is always limited by the scoped querysets (`Appeal.objects.visible_to`, `scope_q`,
`get_appeal_for`). Any interface or app with staff pages uses them; the office's role sets
are in office/permissions.py.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


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
