"""Writes about people: organisations, teachers, staff roles."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import purposes
from .models import AuditEntry, Organisation, StaffRole, Teacher, flags_mask
from .roles import role_group
from .text import fold

User = get_user_model()


@transaction.atomic
def organisation_create(*, code: str, name: str, kind: str,
                        parent: Organisation | None = None, actor=None, **fields) -> Organisation:
    """Add an organisation under `parent` (or as a root); treebeard gives it its place. With
    an `actor` (a person), a role that grants the tree's purpose must cover the parent."""
    if actor is not None:
        _tree_write_check(actor, parent)
    node = Organisation(code=code, name=name, kind=kind, **fields)
    node.clean()  # a code that differs from one in use only by case or width is refused
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
    and history go with it: only the tree path changes).

    With an `actor` (a person): a role granting the tree's purpose covers the organisation; a
    move or a change of kind needs one role over both its current parent and its destination
    (a school leaves a district only by HR above both)."""
    current = organisation.get_parent(update=True)
    if actor is not None:
        stored = Organisation.objects.get(pk=organisation.pk)
        _tree_write_check(actor, stored)
        moving = parent is not None and (current is None or current.pk != parent.pk)
        if moving or fields.get("kind", stored.kind) != stored.kind:
            _tree_write_check(actor, current or stored, parent or current or stored)
    changed = [key for key, value in fields.items() if getattr(organisation, key) != value]
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.save(update_fields=list(fields) or None)
    if parent is not None and (current is None or current.pk != parent.pk):
        parent.refresh_from_db()
        organisation.move(parent, pos="last-child")
        organisation.refresh_from_db()
        changed.append("parent")
    if actor is not None and changed:
        audit_record(actor=actor, action=AuditEntry.Action.ORGANISATION_CHANGE,
                     organisation=organisation, target=organisation.code, detail=", ".join(changed))
    return organisation


class OrganisationWriteRefused(PermissionDenied):
    """The actor's roles for this write do not cover the organisation (or the destination)."""


def _tree_write_check(actor, *organisations) -> None:
    from .selectors import organisations_covered

    if any(o is None for o in organisations):
        if getattr(actor, "is_superuser", False):
            return  # a root: only a superuser adds or moves one
        raise OrganisationWriteRefused(_("Only a superuser changes the top of the tree."))
    if not organisations_covered(actor, *organisations, roles=purposes.ORGANISATION_TREE):
        raise OrganisationWriteRefused(
            _("You may change organisations only where one HR role of yours covers both the "
              "organisation and where it goes."))


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
    from .selectors import staff_role_grantable

    if revoked_by is not None and not staff_role_grantable(revoked_by, role=role, organisation=organisation):
        raise StaffRoleRefused(_("You may not revoke this role over this organisation."))
    deleted, _kinds = StaffRole.objects.filter(user=user, role=role, organisation=organisation).delete()
    if not StaffRole.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=role_group(role)))
    if revoked_by is not None and deleted:
        audit_record(actor=revoked_by, action=AuditEntry.Action.STAFF_ROLE_REVOKE,
                     organisation=organisation, target=user.get_username(), detail=role)


EMPLOYMENT_FIELDS = {"school", "role", "posts", "status"}


@transaction.atomic
def teacher_update(*, teacher: Teacher, by, changed: list[str],
                   effective_on: date | None = None, today: date | None = None) -> Teacher:
    """Save an edited teacher (admin form) and log which fields changed, never their values.

    `by` must hold a role granting teacher editing over the teacher's school and, for a move,
    over the new one; nobody edits their own record. A change of school, posts or status with
    `effective_on` is written to the employment history from that day (a transfer closes one
    period and opens another), as imports do."""
    from .access import own_record_refuse
    from .employment import Change, employment_changes_apply
    from .models import AuditEntry
    from .selectors import organisations_covered

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
    import secrets

    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from .employment import Change, employment_changes_apply
    from .models import ActivationCode, LoginPhone

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
    import secrets

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
    _sync_logins([t.pk for t in changed])
    return len(creates), len(changed)


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
                 detail: str = ""):
    """Append one staff action to the audit log (in the caller's transaction, so an action
    that rolls back leaves no entry), sealed onto its organisation's chain, and return it.
    `target` is a number, never a name."""
    from . import chain
    from .models import AuditEntry

    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "username", "") or "system")[:150], action=action,
        organisation=organisation, target=str(target)[:120], detail=str(detail)[:300])
    with transaction.atomic(savepoint=False):
        chain.chain_append([entry], key_of=chain.audit_key, content_of=chain.audit_content)
        entry.save(force_insert=True)
    return entry


@transaction.atomic
def student_count_record(*, organisation: Organisation, on: date, count: int, actor=None) -> None:
    """Record a school's number of students on a day (the day's figure is replaced); a count
    that changes writes an audit line, which a report snapshot's comparison names."""
    from .models import AuditEntry, StudentCount

    before = (StudentCount.objects.filter(organisation=organisation, on=on)
              .values_list("count", flat=True).first())
    if before == count:
        return
    StudentCount.objects.update_or_create(organisation=organisation, on=on, defaults={"count": count})
    audit_record(actor=actor, action=AuditEntry.Action.STUDENT_COUNT_CHANGE,
                 organisation=organisation, target=organisation.code,
                 detail=f"{on.isoformat()}: {'—' if before is None else before} -> {count}")


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
        node = Organisation(code=row["code"], code_key=fold(row["code"]), name=row["name"],
                            kind=row["kind"],
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


# --- Notices: the bell in the site, with e-mail and text messages as extra channels ---------

def notice_channels(kind: str) -> set[str]:
    """The channels besides the site that carry a kind of notice (settings.NOTICE_CHANNELS)."""
    from django.conf import settings

    return set(settings.NOTICE_CHANNELS.get(kind, ()))


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


def notice_send(*, user, kind: str, title: str, body: str = "", url: str = "",
                topic: str = "") -> int:
    """Put a notice in the user's bell and send it by the kind's other channels; returns the
    e-mails sent (0 or 1). `topic` names the task it asks for (closed by `notices_close`)."""
    from .models import Notice

    Notice.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:300],
                          topic=topic)
    return _notice_extra_channels(users=[user], kind=kind, title=title, body=body)


def notices_send_many(*, user_ids, kind: str, title: str, body: str = "", url: str = "",
                      topic: str = "", batch_size: int = 2000) -> int:
    """The same notice to many users at once (an assignment to a district); returns the
    e-mails sent."""
    from .models import Notice

    user_ids = list(user_ids)
    Notice.objects.bulk_create([Notice(user_id=uid, kind=kind, title=title[:200], body=body,
                                       url=url[:300], topic=topic) for uid in user_ids],
                               batch_size=batch_size)
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


def notices_close(*, user_ids, topic: str, now=None) -> int:
    """The task these users were asked for is done: their open notices about it are closed
    (and read, so they are no longer 新); returns how many were closed."""
    from django.utils import timezone

    from .models import Notice

    now = now or timezone.now()
    user_ids = list(user_ids)
    closed = 0
    for start in range(0, len(user_ids), 5000):
        open_ = Notice.objects.filter(user_id__in=user_ids[start:start + 5000], topic=topic,
                                      done_at__isnull=True)
        open_.filter(read_at__isnull=True).update(read_at=now)
        closed += open_.update(done_at=now)
    return closed


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
    from .selectors import staff_account_ids

    teachers = list(teachers)
    staff_ids = staff_account_ids(t.user_id for t in teachers)
    staff = [t.employee_no for t in teachers if t.user_id in staff_ids]
    if staff:
        raise PermissionDenied(_("Staff accounts get no activation codes: %(numbers)s") % {
            "numbers": ", ".join(staff[:5])})
    now = timezone.now()
    expires = now + timedelta(days=settings.ACTIVATION_CODE_DAYS)
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
                 detail=f"codes={len(teachers)} valid_until={timezone.localtime(expires):%Y-%m-%d}")
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


def _activation_candidate(employee_no: str):
    """The active teacher a typed 工号 names (full-width digits typed on a Chinese keyboard
    read as the same number), or None."""
    import unicodedata

    typed = unicodedata.normalize("NFKC", str(employee_no or "")).strip()
    return (Teacher.objects.select_related("user", "school")
            .filter(employee_no__iexact=typed, is_active=True, user__is_active=True).first())


def activation_rate_key(*, employee_no: str) -> str:
    """What the per-工号 activation limit counts under: the teacher found, so that every
    spelling the database matches to her (case, width) shares one count."""
    from .text import fold

    teacher = _activation_candidate(employee_no)
    return f"teacher:{teacher.pk}" if teacher is not None else f"typed:{fold(employee_no)}"


def activation_teacher(*, employee_no: str, code: str):
    """The active teacher whose valid, unused code this is, or None."""
    from django.utils import timezone

    from .models import ActivationCode

    teacher = _activation_candidate(employee_no)
    if teacher is not None and (teacher.user.is_superuser
                                or StaffRole.objects.filter(user_id=teacher.user_id).exists()):
        teacher = None  # staff accounts never open with a slip
    if teacher is None:
        return None  # a code issued before a staff role was granted opens nothing
    valid = ActivationCode.objects.filter(
        teacher=teacher, code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code),
        used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()).exists()
    return teacher if valid else None


def activation_codes_void(*, user) -> int:
    """Void every outstanding activation code of the user's teacher (they logged in, changed
    their password, or were given a new code): a slip never replaces a password in use."""
    from django.utils import timezone

    from .models import ActivationCode

    return ActivationCode.objects.filter(teacher__user=user, used_at__isnull=True,
                                         voided_at__isnull=True).update(voided_at=timezone.now())


# --- Log-in phones -------------------------------------------------------------------------

@transaction.atomic
def login_phone_set(*, user, number: str | None, verified: bool = False) -> None:
    """Keep (or, with None, remove) the mobile number a user logs in with. An import writing
    the number HR already holds leaves its verification as it was; a new number is unverified
    (no log-in with it) until its owner confirms a code sent to it (allauth's phone change)."""
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
