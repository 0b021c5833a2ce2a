"""Page-level role checks: every inbox page needs a staff profile; reports need a supervisor."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not hasattr(request.user, "agent_profile"):
            raise PermissionDenied("You need an agent, supervisor or admin profile.")
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view):
    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.agent_profile.is_supervisor:
            raise PermissionDenied("Only supervisors and admins see reports.")
        return view(request, *args, **kwargs)

    return wrapper
