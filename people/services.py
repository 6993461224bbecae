"""Writes about people: organisations, teachers, staff roles."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Organisation, StaffRole, Teacher

User = get_user_model()

# Each staff role also puts the user in a Wagtail group that carries the role's permissions.
ROLE_GROUPS = {
    StaffRole.Role.TRAINER: "Trainers",
    StaffRole.Role.REVIEWER: "Reviewers",
    StaffRole.Role.SCHOOL_ADMIN: "School admins",
    StaffRole.Role.DISTRICT_HR: "District HR",
    StaffRole.Role.CITY_HR: "City HR",
}


def organisation_create(*, code: str, name: str, kind: str,
                        parent: Organisation | None = None, **fields) -> Organisation:
    """Add an organisation under `parent` (or as a root)."""
    node = Organisation(code=code, name=name, kind=kind, **fields)
    if parent is None:
        return Organisation.add_root(instance=node)
    return parent.add_child(instance=node)


@transaction.atomic
def teacher_create(*, employee_no: str, name: str, school: Organisation, role: str,
                   gender: str = "", hire_date: date | None = None, email: str = "",
                   password: str | None = None) -> Teacher:
    """Create a teacher and the account they log in with (username = employee number)."""
    user = User(username=employee_no, email=(email or "").strip().lower())
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return Teacher.objects.create(
        user=user, employee_no=employee_no, name=name, school=school, role=role,
        gender=gender, hire_date=hire_date,
    )


@transaction.atomic
def staff_role_grant(*, user, role: str, organisation: Organisation) -> StaffRole:
    """Bind a staff role over an organisation's subtree and give the role's admin group."""
    binding, _ = StaffRole.objects.get_or_create(user=user, role=role, organisation=organisation)
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    user.groups.add(group)
    return binding


@transaction.atomic
def staff_role_revoke(*, user, role: str, organisation: Organisation) -> None:
    """Remove a role binding; the group goes when no binding of that role is left."""
    StaffRole.objects.filter(user=user, role=role, organisation=organisation).delete()
    if not StaffRole.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[role]))


@transaction.atomic
def teacher_update(*, teacher: Teacher, by, changed: list[str]) -> Teacher:
    """Save an edited teacher (admin form) and log which fields changed, never their values."""
    from .models import AuditEntry

    teacher.save()
    if changed:
        audit_record(actor=by, action=AuditEntry.Action.TEACHER_CHANGE,
                     organisation=teacher.school, target=teacher.employee_no,
                     detail=", ".join(changed))
    return teacher


@transaction.atomic
def teacher_anonymise(*, teacher: Teacher) -> Teacher:
    """Replace what identifies a teacher and their account (personal-data erasure); the
    account can no longer log in, and its sessions end with the password hash."""
    import secrets

    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    token = secrets.token_hex(4)
    teacher.name = f"{Teacher.ERASED_PREFIX}{token}"
    teacher.employee_no = f"X{token}{teacher.pk}"
    teacher.gender = ""
    teacher.hire_date = None
    teacher.is_active = False
    teacher.save()
    user = teacher.user
    user.username = f"erased-{token}-{user.pk}"
    user.email = ""
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    return teacher


def user_emails_set(*, emails: dict[str, str], batch_size: int = 500) -> list[int]:
    """Set the e-mail of accounts by username (a roster's new teachers); returns their ids."""
    ids = []
    usernames = list(emails)
    if not usernames:
        return ids
    with transaction.atomic():
        for start in range(0, len(usernames), batch_size):
            users = list(User.objects.filter(username__in=usernames[start:start + batch_size])
                         .only("pk", "username", "email"))
            for user in users:
                user.email = emails[user.username]
                ids.append(user.pk)
            User.objects.bulk_update(users, ["email"], batch_size=batch_size)
    return ids


# Fields an import may set on an existing teacher.
TEACHER_IMPORT_FIELDS = ("name", "gender", "school", "role", "hire_date", "is_active")


@transaction.atomic
def teacher_bulk_write(*, creates: list[dict], updates: list[dict],
                       batch_size: int = 2000) -> tuple[int, int]:
    """Create and update many teachers in one transaction (roster imports); returns the counts.

    `creates` carry employee_no, name, school_id, role, gender, hire_date; their accounts get
    unusable passwords (set on first login through password reset). `updates` carry `pk` and
    every field of TEACHER_IMPORT_FIELDS (school as school_id).
    """
    import secrets

    users = [User(username=row["employee_no"], password="!" + secrets.token_urlsafe(16))
             for row in creates]
    User.objects.bulk_create(users, batch_size=batch_size)
    teachers = [
        Teacher(user_id=user.pk, employee_no=row["employee_no"], name=row["name"],
                school_id=row["school_id"], role=row["role"], gender=row.get("gender", ""),
                hire_date=row.get("hire_date"), is_active=True)
        for user, row in zip(users, creates, strict=True)
    ]
    Teacher.objects.bulk_create(teachers, batch_size=batch_size)
    changed = [
        Teacher(pk=row["pk"], name=row["name"], gender=row["gender"], school_id=row["school_id"],
                role=row["role"], hire_date=row["hire_date"], is_active=row["is_active"])
        for row in updates
    ]
    Teacher.objects.bulk_update(changed, TEACHER_IMPORT_FIELDS, batch_size=500)
    return len(teachers), len(changed)


def audit_record(*, actor, action: str, organisation: Organisation, target: str = "",
                 detail: str = "") -> None:
    """Append one staff action to the audit log (in the caller's transaction, so an action
    that rolls back leaves no entry), sealed onto its organisation's chain. `target` is a
    number, never a name."""
    from . import chain
    from .models import AuditEntry

    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "username", "") or "system")[:150], action=action,
        organisation=organisation, target=str(target)[:120], detail=str(detail)[:300])
    with transaction.atomic(savepoint=False):
        chain.chain_append([entry], key_of=chain.audit_key, content_of=chain.audit_content)
        entry.save(force_insert=True)
