from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import StaffRole, Teacher
from .selectors import staff_roles_for_user, teacher_for_user


def staff(request):
    """Template flags: whether to show the staff desk, the dashboard and the workload pages, and
    whether self-signup is open. The user's roles are read once, and only when a template asks."""
    user = request.user

    def roles() -> set[str]:
        if not hasattr(request, "_staff_roles"):
            if not getattr(user, "is_authenticated", False) or not user.is_active:
                request._staff_roles = set()
            else:
                request._staff_roles = set(staff_roles_for_user(user).values_list("role", flat=True))
        return request._staff_roles

    def is_staff() -> bool:
        return bool(getattr(user, "is_superuser", False) or roles())

    def is_admin() -> bool:
        return bool(getattr(user, "is_superuser", False) or roles() & set(StaffRole.ADMIN_ROLES))

    def is_counsellor() -> bool:
        # The profile the view already loaded, if it did (user.teacher is cached on the user).
        teacher = teacher_for_user(user)
        return bool(teacher and teacher.is_active and teacher.role in Teacher.COUNSELLOR_ROLES)

    return {
        "is_staff_member": SimpleLazyObject(is_staff),
        # Counsellors log workload; school admins approve it.
        "is_counsellor": SimpleLazyObject(is_counsellor),
        "reviews_workload": SimpleLazyObject(lambda: StaffRole.Role.SCHOOL_ADMIN in roles()),
        # School admins and HR: the people whose scope has rates and rosters to look at.
        "is_admin_staff": SimpleLazyObject(is_admin),
        "ACCOUNT_SIGNUP_OPEN": getattr(settings, "ACCOUNT_SIGNUP_OPEN", False),
    }
