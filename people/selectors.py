"""Reads about people and organisations, and the one rule of staff scope."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from . import purposes
from .models import Organisation, StaffRole, Teacher


def _role_list(roles: Iterable[str]) -> list[str]:
    # No default, and None is no shortcut to "every role": a scope is always for a purpose.
    if roles is None or isinstance(roles, str):
        raise TypeError("roles= names the roles of a purpose (people.purposes), not None or one string")
    return list(roles)


def staff_roles_for_user(user, *, roles: Iterable[str]) -> QuerySet[StaffRole]:
    """The staff role bindings a user holds under the given roles."""
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False):
        return StaffRole.objects.none()
    return StaffRole.objects.filter(user=user, role__in=roles).select_related("organisation")


def organisation_scope(user, *, roles: Iterable[str]) -> QuerySet[Organisation]:
    """Which organisations this user may see for a purpose: the subtrees of the bindings whose
    role grants it (`roles`, from people.purposes); the user's other roles never widen it.

    The single answer to "what is in my scope": every staff page, export, job and API filters
    through it. A superuser sees the whole tree; a user with none of the roles sees nothing.
    """
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    paths = list(staff_roles_for_user(user, roles=roles).values_list("organisation__path", flat=True))
    if not paths:
        return Organisation.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Organisation.objects.filter(condition)


def user_is_staff_in_scope(user, organisation: Organisation, *, roles: Iterable[str]) -> bool:
    """Whether `organisation` lies in the user's scope (under the given roles)."""
    return organisation_scope(user, roles=roles).filter(pk=organisation.pk).exists()


def user_has_staff_role(user, *, roles: Iterable[str]) -> bool:
    """Whether the user holds any of the roles; superusers do."""
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or staff_roles_for_user(user, roles=roles).exists()


def teacher_list_in_scope(user, *, roles: Iterable[str]) -> QuerySet[Teacher]:
    """Teachers of the schools in the user's scope for a purpose."""
    return Teacher.objects.filter(
        school__in=organisation_scope(user, roles=roles)
    ).select_related("school", "user")


def teacher_for_user(user) -> Teacher | None:
    """The teacher profile of a user, or None for staff without one."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.teacher
    except Teacher.DoesNotExist:
        return None


def organisation_ancestors(organisation: Organisation) -> list[Organisation]:
    """The chain from the root down to the organisation, for breadcrumbs and sheet columns."""
    return list(organisation.get_ancestors()) + [organisation]


def audit_entries_in_scope(user, *, action: str = "", since=None, until=None):
    """The audit log entries about organisations in this user's HR scope, newest first."""
    from .models import AuditEntry

    qs = AuditEntry.objects.filter(
        organisation__in=organisation_scope(user, roles=purposes.AUDIT_LOG)
    ).select_related("organisation")
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs
