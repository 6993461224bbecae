import time

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from . import purposes
from .selectors import notice_unread_count, staff_roles_for_user, teacher_for_user

# The navigation flags are kept in the session for this long, so pages do not read the user's
# roles and profile every time. They only choose which links to show: every view checks the
# user's roles itself, so a role granted or removed shows in the menu within this time.
NAV_FLAGS_SECONDS = 600


def _compute(user) -> dict:
    teacher = teacher_for_user(user)
    return {
        "uid": user.pk, "at": time.time(),
        "roles": sorted(set(staff_roles_for_user(user, roles=purposes.STAFF_MENU).values_list("role", flat=True))),
        "counsellor": bool(teacher and teacher.is_active and teacher.is_counsellor),
    }


def store_nav_flags(sender, request, user, **kwargs) -> None:
    """At log-in, while the session is being written anyway: so pages after it write nothing."""
    if request is not None and hasattr(request, "session") and user is not None and user.is_active:
        request.session["nav_flags"] = _compute(user)


def _nav_flags(request) -> dict:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {"roles": [], "counsellor": False}
    session = getattr(request, "session", None)
    cached = session.get("nav_flags") if session is not None else None
    if cached and cached.get("uid") == user.pk and time.time() - cached.get("at", 0) < NAV_FLAGS_SECONDS:
        return cached
    flags = _compute(user)
    if session is not None:
        session["nav_flags"] = flags
    return flags


def nav_roles(request) -> set[str]:
    """The user's staff roles as the menu sees them (read once per request, kept in the session
    for NAV_FLAGS_SECONDS); for other apps' menu entries."""
    if not hasattr(request, "_nav_flags"):
        request._nav_flags = _nav_flags(request)
    return set(request._nav_flags["roles"])


def staff(request):
    """Template flags: whether to show the staff desk, the dashboard and the workload pages, and
    whether self-signup is open. Read once per request, only when a template asks, and kept in
    the session for NAV_FLAGS_SECONDS."""
    user = request.user

    def flags() -> dict:
        if not hasattr(request, "_nav_flags"):
            request._nav_flags = _nav_flags(request)
        return request._nav_flags

    def roles() -> set[str]:
        return nav_roles(request)

    def is_staff() -> bool:
        return bool(getattr(user, "is_superuser", False) or roles())

    def is_admin() -> bool:
        return bool(getattr(user, "is_superuser", False) or roles() & set(purposes.DASHBOARD))

    return {
        "is_staff_member": SimpleLazyObject(is_staff),
        # Counsellors log workload; school admins approve it.
        "is_counsellor": SimpleLazyObject(lambda: flags()["counsellor"]),
        "reviews_workload": SimpleLazyObject(lambda: bool(roles() & set(purposes.WORKLOAD_APPROVAL))),
        # School admins and HR organise events (sign-ups, QR codes, attendance, closing).
        "organises_events": SimpleLazyObject(lambda: bool(roles() & set(purposes.EVENT_ORGANISING))),
        # School admins and HR: the people whose scope has rates and rosters to look at.
        "is_admin_staff": SimpleLazyObject(is_admin),
        # The HR desk (imports, exports) is for the same roles.
        "has_hr_desk": SimpleLazyObject(is_admin),
        "ACCOUNT_SIGNUP_OPEN": settings.ACCOUNT_SIGNUP_OPEN,
        # The number on the bell: read only when a page shows it.
        "unread_notice_count": SimpleLazyObject(lambda: notice_unread_count(user)),
    }
