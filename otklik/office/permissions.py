"""Who may open which office page: the role sets of the office, and the decorators of
accounts/permissions.py (re-exported here for the office's views).

The decorators only keep people out of pages that are not for their role (403); what a page
shows is always limited by `Appeal.objects.visible_to` / `scope_q` and `get_appeal_for`.
"""

from __future__ import annotations

from otklik.accounts.models import Role
from otklik.accounts.permissions import role_required, staff_required

__all__ = [
    "EXECUTORS",
    "FIELD",
    "INTAKE",
    "ISSUERS",
    "OPERATORS",
    "role_required",
    "staff_required",
]

OPERATORS = frozenset({Role.OPERATOR, Role.ADMIN})
EXECUTORS = frozenset({Role.EXECUTOR})
# Who issues instructions and follows them.
ISSUERS = frozenset({Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP, Role.SUPERVISOR})
# Who enters appeals on a caller's behalf or from the field.
INTAKE = frozenset({Role.OPERATOR, Role.ADMIN})
FIELD = frozenset({Role.FIELD, Role.OPERATOR, Role.ADMIN})
