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
    that rolls back leaves no entry). `target` is a number, never a name."""
    from .models import AuditEntry

    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "username", "") or "system")[:150], action=action,
        organisation=organisation, target=str(target)[:120], detail=str(detail)[:300])


# --- Notices: the bell in the site, with e-mail and text messages as extra channels ---------

def notice_channels(kind: str) -> set[str]:
    """The channels besides the site that carry a kind of notice (settings.NOTICE_CHANNELS)."""
    from django.conf import settings

    return set(getattr(settings, "NOTICE_CHANNELS", {}).get(kind, ()))


def _notice_extra_channels(*, users, kind: str, title: str, body: str) -> int:
    """E-mail and text the users (where the kind's channels say so and they have an address);
    returns the e-mails sent."""
    from django.core.mail import EmailMessage, get_connection

    from . import sms
    from .models import LoginPhone

    channels = notice_channels(kind)
    sent = 0
    if "email" in channels:
        emails = [u.email for u in users if u.email and u.is_active]
        if emails:
            with get_connection() as connection:
                for email in emails:
                    EmailMessage(title, body, to=[email], connection=connection).send()
                    sent += 1
    if "sms" in channels and sms.sms_enabled():
        for number in LoginPhone.objects.filter(user__in=[u.pk for u in users],
                                                user__is_active=True).values_list("number", flat=True):
            sms.sms_send(phone=number, text=title)
    return sent


def notice_send(*, user, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Put a notice in the user's bell and send it by the kind's other channels; returns the
    e-mails sent (0 or 1)."""
    from .models import Notice

    Notice.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:300])
    return _notice_extra_channels(users=[user], kind=kind, title=title, body=body)


def notices_send_many(*, user_ids, kind: str, title: str, body: str = "", url: str = "",
                      batch_size: int = 2000) -> int:
    """The same notice to many users at once (an assignment to a district); returns the
    e-mails sent."""
    from .models import Notice

    user_ids = list(user_ids)
    Notice.objects.bulk_create([Notice(user_id=uid, kind=kind, title=title[:200], body=body,
                                       url=url[:300]) for uid in user_ids], batch_size=batch_size)
    if not notice_channels(kind):
        return 0
    sent = 0
    for start in range(0, len(user_ids), batch_size):
        users = list(User.objects.filter(pk__in=user_ids[start:start + batch_size])
                     .only("pk", "email", "is_active"))
        sent += _notice_extra_channels(users=users, kind=kind, title=title, body=body)
    return sent


def notice_open(*, notice) -> None:
    """Mark a notice read (opening it reads it)."""
    from django.utils import timezone

    from .models import Notice

    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)


def notices_read_all(*, user) -> int:
    """Mark every unread notice of a user read."""
    from django.utils import timezone

    from .models import Notice

    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Activation codes: a teacher's first password, from a slip the school hands out ---------

ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off paper
ACTIVATION_LENGTH = 8


class ActivationRefused(Exception):
    """The employee number and code do not open an account (which part is never said)."""


def activation_code_normalise(code: str) -> str:
    """A code as typed (lower case, spaces, the dash printed on the slip) in its stored form."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def activation_code_hash(*, employee_no: str, code: str) -> str:
    """The keyed hash kept instead of the code: without the site's secret key a copy of the
    database does not reveal codes."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("people.activation", f"{employee_no}:{activation_code_normalise(code)}",
                       algorithm="sha256").hexdigest()


def activation_code_display(code: str) -> str:
    """The code as printed: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def activation_codes_issue(*, teachers, issued_by, organisation: Organisation,
                           code_for=None) -> list[tuple]:
    """Issue a new code to each teacher, voiding any earlier unused one; one audit entry for
    the batch. Returns (teacher, code, expires_at) in the teachers' order; the codes exist
    only in this answer. (`code_for(teacher)` fixes the codes: the demo's, printed by seed_demo.)"""
    import secrets
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import ActivationCode, AuditEntry

    teachers = list(teachers)
    now = timezone.now()
    expires = now + timedelta(days=getattr(settings, "ACTIVATION_CODE_DAYS", 30))
    ids = [t.pk for t in teachers]
    for start in range(0, len(ids), 500):
        ActivationCode.objects.filter(teacher_id__in=ids[start:start + 500], used_at__isnull=True,
                                      voided_at__isnull=True).update(voided_at=now)
    issued = []
    rows = []
    for teacher in teachers:
        code = (activation_code_normalise(code_for(teacher)) if code_for else
                "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH)))
        issued.append((teacher, code, expires))
        rows.append(ActivationCode(
            teacher=teacher, issued_by=issued_by if getattr(issued_by, "pk", None) else None,
            expires_at=expires,
            code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code)))
    ActivationCode.objects.bulk_create(rows, batch_size=2000)
    target = teachers[0].employee_no if len(teachers) == 1 else organisation.code
    audit_record(actor=issued_by, action=AuditEntry.Action.ACTIVATION_ISSUE,
                 organisation=organisation, target=target,
                 detail=f"{len(teachers)} 个激活码 codes, 有效期至 valid until {expires:%Y-%m-%d}")
    return issued


@transaction.atomic
def activation_redeem(*, employee_no: str, code: str, password: str):
    """Use a code: set the teacher's password and return their user, or raise ActivationRefused.

    The password must already have passed the site's password rules (the form checks them
    against this user)."""
    from django.utils import timezone

    from .models import ActivationCode, AuditEntry

    teacher = activation_teacher(employee_no=employee_no, code=code)
    if teacher is None:
        raise ActivationRefused
    now = timezone.now()
    claimed = ActivationCode.objects.filter(
        teacher=teacher, code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code),
        used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if claimed != 1:  # another request used it a moment ago
        raise ActivationRefused
    user = teacher.user
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=AuditEntry.Action.ACTIVATION_USE, organisation=teacher.school,
                 target=teacher.employee_no)
    return user


def activation_teacher(*, employee_no: str, code: str):
    """The active teacher whose valid, unused code this is, or None."""
    from django.utils import timezone

    from .models import ActivationCode

    teacher = (Teacher.objects.select_related("user", "school")
               .filter(employee_no__iexact=str(employee_no or "").strip(), is_active=True,
                       user__is_active=True).first())
    if teacher is None:
        return None
    valid = ActivationCode.objects.filter(
        teacher=teacher, code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code),
        used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()).exists()
    return teacher if valid else None


# --- Log-in phones -------------------------------------------------------------------------

@transaction.atomic
def login_phone_set(*, user, number: str | None, verified: bool = False) -> None:
    """Keep (or, with None, remove) the mobile number a user logs in with. An import writing
    the number HR already holds leaves its verification as it was."""
    from .models import LoginPhone

    if not number:
        LoginPhone.objects.filter(user=user).delete()
        return
    current = LoginPhone.objects.filter(user=user).first()
    if current and current.number == number:
        if verified and not current.verified:
            LoginPhone.objects.filter(pk=current.pk).update(verified=True)
        return
    LoginPhone.objects.filter(number=number).exclude(user=user).delete()
    LoginPhone.objects.update_or_create(user=user, defaults={"number": number, "verified": verified})


@transaction.atomic
def login_phones_write(*, numbers: dict[str, str | None]) -> int:
    """Roster imports: employee number -> mobile number (None removes it); returns rows changed."""
    changed = 0
    users = dict(Teacher.objects.filter(employee_no__in=list(numbers))
                 .values_list("employee_no", "user_id"))
    for employee_no, number in numbers.items():
        if employee_no in users:
            login_phone_set(user=User(pk=users[employee_no]), number=number)
            changed += 1
    return changed
