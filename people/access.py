"""Guards for staff views: a role is needed to enter, and the scope decides what is shown."""

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .selectors import user_has_staff_role


def staff_required(roles: Iterable[str] | None = None):
    """View decorator: anonymous users go to the login page, users without the role get 403."""
    roles = tuple(roles) if roles is not None else None

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_staff_role(request.user, roles=roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class StaffRequiredMixin:
    """Class-based view form of `staff_required`; set `staff_roles` to narrow it."""

    staff_roles: Iterable[str] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_has_staff_role(request.user, roles=self.staff_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
