from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import StaffRole
from .selectors import user_has_staff_role


def staff(request):
    """Template flags: whether to show the staff desk, and whether self-signup is open."""
    return {
        "is_staff_member": SimpleLazyObject(lambda: user_has_staff_role(request.user)),
        # School admins and HR: the people whose scope has rates and rosters to look at.
        "is_admin_staff": SimpleLazyObject(
            lambda: user_has_staff_role(request.user, roles=StaffRole.ADMIN_ROLES)),
        "ACCOUNT_SIGNUP_OPEN": getattr(settings, "ACCOUNT_SIGNUP_OPEN", False),
    }
