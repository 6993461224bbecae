"""Writes about people: organisations, teachers, staff roles."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .models import AuditEntry, Organisation, StaffRole, Teacher, flags_mask

User = get_user_model()

# Each staff role also puts the user in a Wagtail group that carries the role's permissions.
ROLE_GROUPS = {
    StaffRole.Role.TRAINER: "Trainers",
    StaffRole.Role.REVIEWER: "Reviewers",
    StaffRole.Role.SCHOOL_ADMIN: "School admins",
    StaffRole.Role.DISTRICT_HR: "District HR",
    StaffRole.Role.CITY_HR: "City HR",
}


@transaction.atomic
def organisation_create(*, code: str, name: str, kind: str,
                        parent: Organisation | None = None, actor=None, **fields) -> Organisation:
    """Add an organisation under `parent` (or as a root); treebeard gives it its place."""
    node = Organisation(code=code, name=name, kind=kind, **fields)
    if parent is None:
        node = Organisation.add_root(instance=node)
    else:
        parent.refresh_from_db()  # treebeard reads numchild from the instance
        node = parent.add_child(instance=node)
    if actor is not None:
        audit_record(actor=actor, action=AuditEntry.Action.ORGANISATION_CHANGE, organisation=node,
                     target=node.code, detail="create")
    return node


@transaction.atomic
def organisation_update(*, organisation: Organisation, parent: Organisation | None,
                        actor=None, **fields) -> Organisation:
    """Change an organisation's fields and, when `parent` differs, move it (its subtree, teachers
    and history go with it: only the tree path changes)."""
    changed = [key for key, value in fields.items() if getattr(organisation, key) != value]
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.save(update_fields=list(fields) or None)
    current = organisation.get_parent(update=True)
    if parent is not None and (current is None or current.pk != parent.pk):
        parent.refresh_from_db()
        organisation.move(parent, pos="last-child")
        organisation.refresh_from_db()
        changed.append("parent")
    if actor is not None and changed:
        audit_record(actor=actor, action=AuditEntry.Action.ORGANISATION_CHANGE,
                     organisation=organisation, target=organisation.code, detail=", ".join(changed))
    return organisation


@transaction.atomic
def teacher_create(*, employee_no: str, name: str, school: Organisation, role: str,
                   gender: str = "", hire_date: date | None = None, email: str = "",
                   password: str | None = None, posts: tuple[str, ...] = ()) -> Teacher:
    """Create a teacher and the account they log in with (username = employee number);
    `posts` are further posts beside the primary `role`."""
    user = User(username=employee_no, email=(email or "").strip().lower())
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return Teacher.objects.create(
        user=user, employee_no=employee_no, name=name, school=school, role=role,
        posts=flags_mask(Teacher.Role, [role, *posts]), gender=gender, hire_date=hire_date,
    )


class StaffRoleRefused(PermissionDenied):
    """The granting user may not grant or revoke this role over this organisation."""


@transaction.atomic
def staff_role_grant(*, user, role: str, organisation: Organisation,
                     granted_by=None) -> StaffRole:
    """Bind a staff role over an organisation's subtree and give the role's admin group.

    With `granted_by` (a person, not the system), it must be theirs to grant
    (selectors.staff_role_grantable) and the grant is written to the audit log.
    """
    from .selectors import staff_role_grantable

    if granted_by is not None and not staff_role_grantable(granted_by, role=role, organisation=organisation):
        raise StaffRoleRefused(_("You may not grant this role over this organisation."))
    binding, created = StaffRole.objects.get_or_create(user=user, role=role, organisation=organisation)
    group, _new = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    user.groups.add(group)
    if granted_by is not None and created:
        audit_record(actor=granted_by, action=AuditEntry.Action.STAFF_ROLE_GRANT,
                     organisation=organisation, target=user.get_username(), detail=role)
    return binding


@transaction.atomic
def staff_role_revoke(*, user, role: str, organisation: Organisation, revoked_by=None) -> None:
    """Remove a role binding; the group goes when no binding of that role is left. With
    `revoked_by`, it must be theirs to revoke, and the revocation is audited."""
    from .selectors import staff_role_grantable

    if revoked_by is not None and not staff_role_grantable(revoked_by, role=role, organisation=organisation):
        raise StaffRoleRefused(_("You may not revoke this role over this organisation."))
    deleted, _kinds = StaffRole.objects.filter(user=user, role=role, organisation=organisation).delete()
    if not StaffRole.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[role]))
    if revoked_by is not None and deleted:
        audit_record(actor=revoked_by, action=AuditEntry.Action.STAFF_ROLE_REVOKE,
                     organisation=organisation, target=user.get_username(), detail=role)


# Fields an import may set on an existing teacher.
TEACHER_IMPORT_FIELDS = ("name", "gender", "school", "role", "posts", "hire_date", "is_active", "status")


def _posts_of(row: dict) -> int:
    return row.get("posts") or flags_mask(Teacher.Role, [row["role"]])


@transaction.atomic
def teacher_bulk_write(*, creates: list[dict], updates: list[dict],
                       batch_size: int = 2000) -> tuple[int, int]:
    """Create and update many teachers in one transaction (roster imports); returns the counts.

    `creates` carry employee_no, name, school_id, role, posts (a FlagSetField value, the primary
    post included), gender, hire_date, status; their accounts get unusable passwords (set on
    first login through password reset). `updates` carry `pk` and every field of
    TEACHER_IMPORT_FIELDS (school as school_id). A teacher who is no longer in post loses their
    log-in (the account is made inactive); hours, certificates and history stay.
    """
    import secrets

    users = [User(username=row["employee_no"], password="!" + secrets.token_urlsafe(16),
                  is_active=row.get("status", Teacher.Status.ACTIVE) == Teacher.Status.ACTIVE)
             for row in creates]
    User.objects.bulk_create(users, batch_size=batch_size)
    teachers = [
        Teacher(user_id=user.pk, employee_no=row["employee_no"], name=row["name"],
                school_id=row["school_id"], role=row["role"], posts=_posts_of(row),
                gender=row.get("gender", ""), hire_date=row.get("hire_date"),
                status=row.get("status", Teacher.Status.ACTIVE),
                is_active=row.get("status", Teacher.Status.ACTIVE) == Teacher.Status.ACTIVE)
        for user, row in zip(users, creates, strict=True)
    ]
    Teacher.objects.bulk_create(teachers, batch_size=batch_size)
    changed = [
        Teacher(pk=row["pk"], name=row["name"], gender=row["gender"], school_id=row["school_id"],
                role=row["role"], posts=_posts_of(row), hire_date=row["hire_date"],
                status=row.get("status") or (Teacher.Status.ACTIVE if row["is_active"] else Teacher.Status.LEFT),
                is_active=row["is_active"])
        for row in updates
    ]
    Teacher.objects.bulk_update(changed, TEACHER_IMPORT_FIELDS, batch_size=500)
    _sync_logins([t.pk for t in changed])
    return len(teachers), len(changed)


def teacher_logins_sync(*, teacher_ids: list[int]) -> None:
    """Accounts follow their teacher: in post, they log in; otherwise not."""
    _sync_logins(teacher_ids)


def _sync_logins(teacher_ids: list[int]) -> None:
    """Accounts follow their teacher: in post, they log in; otherwise not."""
    for start in range(0, len(teacher_ids), 5000):
        chunk = teacher_ids[start:start + 5000]
        for active in (True, False):
            User.objects.filter(teacher__pk__in=chunk, teacher__is_active=active).exclude(
                is_active=active).update(is_active=active)


@transaction.atomic
def teachers_mark_left(*, teacher_ids: list[int], status: str = Teacher.Status.LEFT) -> int:
    """Mark teachers as no longer in post (left, transferred out, retired): out of every
    denominator, no log-in; their hours, certificates and records stay. Returns how many."""
    count = 0
    for start in range(0, len(teacher_ids), 5000):
        count += Teacher.objects.filter(pk__in=teacher_ids[start:start + 5000], is_active=True).update(
            is_active=False, status=status)
    _sync_logins(teacher_ids)
    return count


def audit_record(*, actor, action: str, organisation: Organisation, target: str = "",
                 detail: str = "") -> None:
    """Append one staff action to the audit log (in the caller's transaction, so an action
    that rolls back leaves no entry). `target` is a number, never a name."""
    from .models import AuditEntry

    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "username", "") or "system")[:150], action=action,
        organisation=organisation, target=str(target)[:120], detail=str(detail)[:300])


@transaction.atomic
def student_count_record(*, organisation: Organisation, on: date, count: int) -> None:
    """Record a school's number of students on a day (the day's figure is replaced)."""
    from .models import StudentCount

    StudentCount.objects.update_or_create(organisation=organisation, on=on, defaults={"count": count})


@transaction.atomic
def organisations_remove(*, organisation_ids: list[int]) -> int:
    """Remove organisations (and their subtrees) that have no teachers; returns how many."""
    nodes = list(Organisation.objects.filter(pk__in=organisation_ids))
    for node in nodes:
        if Teacher.objects.filter(school__path__startswith=node.path).exists():
            raise PermissionDenied(_("An organisation with teachers cannot be removed."))
    count = len(nodes)
    # Deepest first, so a parent never goes before its children are gone.
    for node in sorted(nodes, key=lambda n: -n.depth):
        if Organisation.objects.filter(pk=node.pk).exists():
            Organisation.objects.filter(pk=node.pk).delete()
    return count


@transaction.atomic
def organisations_bulk_add(*, rows: list[dict], batch_size: int = 2000) -> dict[str, Organisation]:
    """Add many organisations at once (an organisation sheet's new rows), in treebeard's own
    path scheme: each row has code, name, kind, stages, is_boarding and `parent` (the code of an
    existing organisation or of an earlier row; None for a root). Rows come parents first.
    A few queries per parent instead of several per node; returns the new nodes by code.
    """
    from django.db.models import F

    steplen = Organisation.steplen
    parents = {o.code: o for o in Organisation.objects.filter(
        code__in={row["parent"] for row in rows if row["parent"]})}
    next_step: dict[str, int] = {}
    added: dict[str, Organisation] = {}
    extra_children: dict[int, int] = {}

    def step_under(path: str | None, existing: Organisation | None) -> int:
        key = path or ""
        if key not in next_step:
            if existing is not None:
                last = existing.get_last_child()
                next_step[key] = Organisation._str2int(last.path[-steplen:]) + 1 if last else 1
            elif path is None:
                last = Organisation.get_last_root_node()
                next_step[key] = Organisation._str2int(last.path[:steplen]) + 1 if last else 1
            else:
                next_step[key] = 1
        step = next_step[key]
        next_step[key] = step + 1
        return step

    for row in rows:
        parent = added.get(row["parent"]) or parents.get(row["parent"])
        depth = parent.depth + 1 if parent else 1
        step = step_under(parent.path if parent else None, parent if row["parent"] in parents else None)
        node = Organisation(code=row["code"], name=row["name"], kind=row["kind"],
                            stages=row.get("stages", 0), is_boarding=row.get("is_boarding", False),
                            depth=depth, numchild=0,
                            path=Organisation._get_path(parent.path if parent else "", depth, step))
        if parent is not None:
            if row["parent"] in added:
                parent.numchild += 1
            else:
                extra_children[parent.pk] = extra_children.get(parent.pk, 0) + 1
        added[row["code"]] = node
    Organisation.objects.bulk_create(list(added.values()), batch_size=batch_size)
    for pk, count in extra_children.items():
        Organisation.objects.filter(pk=pk).update(numchild=F("numchild") + count)
    if any(node.pk is None for node in added.values()):  # backends that return no ids
        ids = dict(Organisation.objects.filter(code__in=list(added)).values_list("code", "pk"))
        for code, node in added.items():
            node.pk = ids[code]
    return added
