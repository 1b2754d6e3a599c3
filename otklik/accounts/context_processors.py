from .models import Role


def roles(request):
    """The signed-in user's roles, for navigation (templates show, never decide access)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    roles = set(user.roles())
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return {"user_roles": roles, "is_staff_user": bool(roles)}
