"""Staff roles granted and revoked, never above the granter's own."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..audit import audit_record
from ..models import AuditEntry, Organisation, StaffRole
from ..roles import role_group
from ..selectors import staff_role_grantable

User = get_user_model()


class StaffRoleRefused(PermissionDenied):
    """The granting user may not grant or revoke this role over this organisation."""


@transaction.atomic
def staff_role_grant(*, user, role: str, organisation: Organisation,
                     granted_by=None) -> StaffRole:
    """Bind a staff role over an organisation's subtree and give the role's admin group.

    With `granted_by` (a person, not the system), it must be theirs to grant
    (selectors.staff_role_grantable) and the grant is written to the audit log.
    """
    if granted_by is not None and getattr(granted_by, "pk", None) == user.pk:
        raise StaffRoleRefused(_("Nobody grants a role to themselves."))
    if granted_by is not None and not staff_role_grantable(granted_by, role=role, organisation=organisation):
        raise StaffRoleRefused(_("You may not grant this role over this organisation."))
    binding, created = StaffRole.objects.get_or_create(user=user, role=role, organisation=organisation)
    # The role's Wagtail group carries its admin permissions (people.roles).
    group, _new = Group.objects.get_or_create(name=role_group(role))
    user.groups.add(group)
    if granted_by is not None and created:
        audit_record(actor=granted_by, action=AuditEntry.Action.STAFF_ROLE_GRANT,
                     organisation=organisation, target=user.get_username(), detail=role)
    return binding


@transaction.atomic
def staff_role_revoke(*, user, role: str, organisation: Organisation, revoked_by=None) -> None:
    """Remove a role binding; the group goes when no binding of that role is left. With
    `revoked_by`, it must be theirs to revoke, and the revocation is audited."""
    if revoked_by is not None and not staff_role_grantable(revoked_by, role=role, organisation=organisation):
        raise StaffRoleRefused(_("You may not revoke this role over this organisation."))
    deleted, _kinds = StaffRole.objects.filter(user=user, role=role, organisation=organisation).delete()
    if not StaffRole.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=role_group(role)))
    if revoked_by is not None and deleted:
        audit_record(actor=revoked_by, action=AuditEntry.Action.STAFF_ROLE_REVOKE,
                     organisation=organisation, target=user.get_username(), detail=role)
