"""Writes about teachers: created, edited (with their dated employment), anonymised, written in bulk."""

import secrets
from datetime import date

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import purposes
from ..access import own_record_refuse
from ..audit import audit_record
from ..employment import Change, employment_changes_apply, teacher_logins_sync
from ..models import ActivationCode, AuditEntry, LoginPhone, Organisation, Teacher, flags_mask
from ..selectors import organisations_covered

User = get_user_model()


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


EMPLOYMENT_FIELDS = {"school", "role", "posts", "status"}


@transaction.atomic
def teacher_update(*, teacher: Teacher, by, changed: list[str],
                   effective_on: date | None = None, today: date | None = None) -> Teacher:
    """Save an edited teacher (admin form) and log which fields changed, never their values.

    `by` must hold a role granting teacher editing over the teacher's school and, for a move,
    over the new one; nobody edits their own record. A change of school, posts or status with
    `effective_on` is written to the employment history from that day (a transfer closes one
    period and opens another), as imports do."""
    own_record_refuse(by, teacher)
    stored = Teacher.objects.select_related("school").get(pk=teacher.pk)
    for school in {stored.school, teacher.school}:
        if not organisations_covered(by, school, roles=purposes.TEACHER_EDIT):
            raise PermissionDenied(_("This teacher's school is outside your scope."))
    dated = bool(effective_on and teacher.pk and EMPLOYMENT_FIELDS & set(changed))
    becomes = (teacher.school_id, teacher.posts, teacher.status)
    today = today or timezone.localdate()
    if dated and effective_on > today:
        # Dated ahead: the history takes it now; the record (status, log-in, school, posts)
        # follows on the day itself (people.employment.employment_due_apply).
        for name in ("school_id", "role", "posts", "status", "is_active"):
            setattr(teacher, name, getattr(stored, name))
    teacher._employment_written = dated
    teacher.save()
    teacher._employment_written = False
    if dated:
        employment_changes_apply(changes=[Change(teacher.pk, effective_on, *becomes)], actor=by,
                                 today=today)
    if changed:
        audit_record(actor=by, action=AuditEntry.Action.TEACHER_CHANGE,
                     organisation=teacher.school, target=teacher.employee_no,
                     detail=", ".join(changed))
    return teacher


@transaction.atomic
def teacher_anonymise(*, teacher: Teacher, today: date | None = None) -> Teacher:
    """Replace what identifies a teacher and their account (personal-data erasure); the
    account can no longer log in, and its sessions end with the password hash.

    Her employment history stays (anonymised with her): the open period is closed on the
    erasure day, never removed, so every figure of a day she was in post stays as reported.
    The dates the figures read (入职日期, 参加工作日期) stay for the same reason: without a name
    or number they identify nobody."""
    today = today or timezone.localdate()
    if teacher.is_active:
        employment_changes_apply(changes=[Change(teacher.pk, today, teacher.school_id,
                                                 teacher.posts, Teacher.Status.LEFT)], today=today)
        teacher.status = Teacher.Status.LEFT
    token = secrets.token_hex(4)
    teacher.name = f"{Teacher.ERASED_PREFIX}{token}"
    teacher.employee_no = f"X{token}{teacher.pk}"
    teacher.gender = ""
    teacher.is_active = False
    teacher._employment_written = True  # closed above: not removed as an undated change would be
    teacher.save()
    teacher._employment_written = False
    user = teacher.user
    user.username = f"erased-{token}-{user.pk}"
    user.email = ""
    LoginPhone.objects.filter(user=user).delete()
    ActivationCode.objects.filter(teacher=teacher).delete()
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    return teacher


# Fields an import may set on an existing teacher.
TEACHER_IMPORT_FIELDS = ("name", "gender", "school", "role", "posts", "hire_date", "first_work_date",
                         "is_active", "status")


def _posts_of(row: dict) -> int:
    return row.get("posts") or flags_mask(Teacher.Role, [row["role"]])


def _same(value):
    return value


def _text(value):
    return None if value is None else str(value)  # TextChoices members as their plain value


def _insert_many(model, rows: list[dict], *, batch_size: int) -> None:
    """INSERT `rows` (dicts by field attname, every row with the same keys) with executemany.

    Django's bulk_create builds a model instance per row and prepares each value of each through
    its field, most of a roster import's time; these values are already checked and typed, so
    only dates are adapted per row, and a field the rows leave out takes its default once.
    Sends no signals, as bulk_create sends none.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    fast = {"CharField": _text, "TextField": _text, "BooleanField": _same, "IntegerField": _same,
            "BigIntegerField": _same, "PositiveIntegerField": _same, "PositiveBigIntegerField": _same,
            "SmallIntegerField": _same, "PositiveSmallIntegerField": _same, "ForeignKey": _same,
            "OneToOneField": _same, "DateField": ops.adapt_datefield_value}
    given = rows[0].keys()
    columns, keys, convert, defaults = [], [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in given:
            continue  # the database numbers the rows
        columns.append(ops.quote_name(field.column))
        if field.attname in given:
            keys.append(field.attname)
            kind = field.get_internal_type()
            convert.append(fast.get(kind) or (lambda v, f=field: f.get_db_prep_save(v, connection)))
        else:
            keys.append(None)
            convert.append(None)
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    plan = list(zip(keys, convert, strict=True))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            params = []
            for row in rows[start:start + batch_size]:
                constant = iter(defaults)
                params.append([fn(row[key]) if key else next(constant) for key, fn in plan])
            cursor.executemany(sql, params)


@transaction.atomic
def teacher_bulk_write(*, creates: list[dict], updates: list[dict],
                       batch_size: int = 2000) -> tuple[int, int]:
    """Create and update many teachers in one transaction (roster imports); returns the counts.

    `creates` carry employee_no, name, school_id, role, posts (a FlagSetField value, the primary
    post included), gender, hire_date, status; their accounts get unusable passwords (set on
    first login through password reset). `updates` carry `pk` and every field of
    TEACHER_IMPORT_FIELDS (school as school_id). A teacher who is no longer in post loses their
    log-in (the account is made inactive); hours, certificates and history stay. The
    employment history is the caller's to write (`people.employment.employment_changes_apply`,
    on the changes' effective dates).
    """
    active = Teacher.Status.ACTIVE
    _insert_many(User, [{"username": row["employee_no"], "password": "!" + secrets.token_urlsafe(16),
                         "is_active": row.get("status", active) == active} for row in creates],
                 batch_size=batch_size)
    user_ids = {}
    numbers = [row["employee_no"] for row in creates]
    for start in range(0, len(numbers), 5000):
        user_ids.update(User.objects.filter(username__in=numbers[start:start + 5000])
                        .values_list("username", "pk"))
    _insert_many(Teacher, [{
        "user_id": user_ids[row["employee_no"]], "employee_no": row["employee_no"], "name": row["name"],
        "school_id": row["school_id"], "role": row["role"], "posts": _posts_of(row),
        "gender": row.get("gender", ""), "hire_date": row.get("hire_date"),
        "first_work_date": row.get("first_work_date"), "status": row.get("status", active), "is_active": row.get("status", active) == active,
    } for row in creates], batch_size=batch_size)
    changed = [
        Teacher(pk=row["pk"], name=row["name"], gender=row["gender"], school_id=row["school_id"],
                role=row["role"], posts=_posts_of(row), hire_date=row["hire_date"],
                first_work_date=row.get("first_work_date"),
                status=row.get("status") or (Teacher.Status.ACTIVE if row["is_active"] else Teacher.Status.LEFT),
                is_active=row["is_active"])
        for row in updates
    ]
    Teacher.objects.bulk_update(changed, TEACHER_IMPORT_FIELDS, batch_size=500)
    teacher_logins_sync(teacher_ids=[t.pk for t in changed])
    return len(creates), len(changed)
