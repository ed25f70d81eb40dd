"""Role checks for views. Anyone outside a page's roles gets 404, as for a
record they may not see: the app does not reveal what exists."""

from functools import wraps

from django.http import Http404

from .audit import Action, audit_log
from .models import Role


def user_has_role(user, *roles) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if Role.ADMIN in roles and user.is_superuser:
        return True
    return user.role in roles


def deny(request, *, object_type: str = "", object_id="", participant_id=None):
    """Log a denied access and answer 404."""
    audit_log(
        actor=request.user,
        action=Action.DENIED,
        object_type=object_type or "page",
        object_id=object_id
        if object_type
        else request.resolver_match.view_name
        if request.resolver_match
        else "",
        participant_id=participant_id,
    )
    raise Http404


def role_required(*roles):
    """Only users with one of ``roles`` may open the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, *roles):
                deny(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


casework_required = role_required(Role.STAFF, Role.EMPLOYMENT_OFFICER)
employment_officer_required = role_required(Role.EMPLOYMENT_OFFICER)
counsellor_required = role_required(Role.COUNSELLOR)
reports_required = role_required(Role.STAFF, Role.EMPLOYMENT_OFFICER, Role.STEERING, Role.ADMIN)
