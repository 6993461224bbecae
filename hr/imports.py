"""Imports: parse and validate each row of a sheet into a plan, preview it, then commit it.

`hr` parses and validates; the owning app writes (people for teachers, certification for
certificates and training hours). A plan is computed afresh at commit time from the stored
file, so what is written is exactly what the file says now.
"""

import hashlib
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from certification.models import Certificate, CertificateLevel, TrainingEntry
from certification.selectors import figures_deferred, figures_forget
from certification.services import certificate_record_imported, training_entry_record
from courses.services import assignment_audiences_enrol, assignment_leavers_release
from people import employment, purposes
from people.models import LoginPhone, Organisation, StaffRole, Teacher, flags_codes, flags_mask
from people.phones import phone_normalise
from people.roles import role_binds_to
from people.selectors import accounts_out_of_reach, organisation_scope, staff_role_grantable
from people.services import (
    login_phones_write,
    staff_role_grant,
    teacher_bulk_write,
    teachers_mark_left,
    user_emails_set,
)
from people.tasks import send_account_invitations

from .sheets.columns import (
    CALENDAR,
    CERTIFICATES,
    HEADERS,
    ORGANISATIONS,
    PARENT_SESSIONS,
    SPECS,
    TEACHERS,
    TRAINING,
    SheetSpec,
    header_label,
)
from .sheets.errors import CellError, ErrorLog, RowError, SheetRefused
from .sheets.normalise import (
    STAFF_ROLE_DISPLAY,
    clean_code,
    clean_text,
    level_reader,
    parse_date,
    parse_gender,
    parse_hours,
    parse_posts,
    parse_staff_roles,
    parse_status,
    posts_display,
)
from .sheets.reading import SheetLayout, open_sheet

IMPORT_ROLES = purposes.HR_IMPORT
PREVIEW_ERRORS = 500
PREVIEW_SAMPLE = 20
PREVIEW_LEAVERS = 2000
CHUNK = 5000


class ImportHasErrors(Exception):
    """A commit was asked for a file whose rows still have errors: nothing is written."""


@dataclass
class Plan:
    """What an import would do: rows to create, to update (with their changes), unchanged, errors."""

    kind: str
    rows: int = 0
    creates: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    unchanged: int = 0
    errors: ErrorLog = field(default_factory=lambda: ErrorLog(keep=PREVIEW_ERRORS * 2))
    header_row: int = 0
    # Roster: teachers of the file's schools absent from it, marked as left when asked to;
    # staff roles the 管理角色 column grants (user id, role, organisation id, employee no).
    leavers: list[dict] = field(default_factory=list)
    grants: list[tuple] = field(default_factory=list)
    # Organisations: those under the file's top rows that the file leaves out, to be removed.
    removals: list[dict] = field(default_factory=list)
    # Rosters: employee number -> log-in mobile (written by people, never shown in a preview).
    phones: dict[str, str] = field(default_factory=dict)
    # Rosters: the day the file's changes take effect where a row gives no date of its own
    # (离职日期, 调动日期); shown in the preview, chosen by HR (default: today).
    effective_on: date | None = None

    @property
    def error_rows(self) -> int:
        return len(self.errors.rows)

    def counts(self) -> dict:
        counts = {"rows": self.rows, "create": len(self.creates), "update": len(self.updates),
                  "unchanged": self.unchanged, "errors": self.errors.total,
                  "error_rows": self.error_rows}
        # Counts of what only some imports do appear when there is something to count.
        for key, items in (("leave", self.leavers), ("grant", self.grants), ("remove", self.removals)):
            if items:
                counts[key] = len(items)
        return counts

    def as_preview(self) -> dict:
        """The JSON kept on the job: counts, the first errors, and a sample of each change."""
        return {
            "counts": self.counts(),
            "header_row": self.header_row,
            **({"effective_on": self.effective_on.isoformat()} if self.effective_on else {}),
            "errors": [e.as_dict() for e in self.errors[:PREVIEW_ERRORS]],
            "creates": [_jsonable(row.get("display", row)) for row in self.creates[:PREVIEW_SAMPLE]],
            # The same sample under the sheet's own headers ("行", "工号", "姓名", …).
            "create_headers": [_header(key) for key in
                               (self.creates[0].get("display", self.creates[0]) if self.creates else {})],
            # Whom each row of the update sample names: an organisation sheet changes organisations.
            "updates_label": gettext("Organisation") if self.kind == "organisations"
            else gettext("Teacher"),
            "updates": [{"row": row["row"], "employee_no": row["employee_no"], "name": row["name"],
                         "changes": _changes_display(row["changes"])}
                        for row in self.updates[:PREVIEW_SAMPLE]],
            # Every name HR is about to mark as left is shown before anything is written.
            "leavers": [{"employee_no": t["employee_no"], "name": t["name"], "school": t["school"]}
                        for t in self.leavers[:PREVIEW_LEAVERS]],
            "removals": [{"code": o["code"], "name": o["name"]} for o in self.removals[:PREVIEW_LEAVERS]],
        }


def _header(key: str) -> str:
    """A preview column's header, as the sheet of the job's language writes it."""
    return gettext("Row") if key == "row" else header_label(key) if key in HEADERS else key


def _labels(key: str) -> dict:
    """A stored code's words in the job's language (in Chinese the sheet's own: 班主任, 女, 在职)."""
    field = {"role": "role", "gender": "gender", "status": "status"}.get(key)
    if field is None:
        return {}
    return {code: str(label) for code, label in Teacher._meta.get_field(field).choices}


def _changes_display(changes: dict) -> dict:
    """Changes as HR read them: the sheet's own header ("岗位") and the sheet's words for a value
    ("兼职心理教师", "女"), never field names or stored codes."""
    shown = {}
    for key, (before, after) in changes.items():
        if key == "employment_on":
            shown[gettext("Effective from")] = [before, after]
            continue
        if key == "posts":
            shown[_header("role")] = [posts_display(flags_codes(Teacher.Role, before), labels=_labels("role")),
                                      posts_display(flags_codes(Teacher.Role, after), labels=_labels("role"))]
            continue
        values = _labels(key)
        label = gettext("Main post") if key == "role" else _header(key)
        shown[label] = [values.get(before, before), values.get(after, after)]
    return shown


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v if isinstance(v, int | str | None)
                else str(v)) for k, v in row.items()}


class RowReader:
    """Collects errors of one row while its cells are converted."""

    def __init__(self, number: int, values: dict, layout: SheetLayout, errors: list[RowError]):
        self.number, self.values, self.layout, self.errors = number, values, layout, errors
        self.ok = True

    def get(self, key: str, convert: Callable, *, required: bool = False, max_length: int = 0):
        raw = self.values.get(key)
        # Visible text that is not all spaces cannot clean to nothing: only other text is cleaned
        # to find out (zero-width or control characters alone count as empty).
        if raw is None or (isinstance(raw, str) and not (raw.isprintable() and raw.strip())
                           and not clean_text(raw)):
            if required:
                self.fail(key, raw, gettext("Required value is empty"))
            return None
        try:
            value = convert(raw)
        except CellError as exc:
            self.fail(key, raw, exc.reason)
            return None
        if required and value in ("", None):
            self.fail(key, raw, gettext("Required value is empty"))
            return None
        if max_length and isinstance(value, str) and len(value) > max_length:
            self.fail(key, raw, gettext("Longer than %(max_length)s characters") % {"max_length": max_length})
            return None
        return value

    def fail(self, key: str, raw, reason: str) -> None:
        self.ok = False
        column = self.layout.column_name(key) if key in self.layout.index else key
        self.errors.append(RowError(self.number, column, "" if raw is None else str(raw)[:100], reason))


def row_readers(rows, layout: SheetLayout, plan: Plan):
    """Each row of an open sheet as a RowReader, counted in `plan`, its formulas reported
    (a row with one is not ok): the loop every import plan reads its sheet with."""
    for sheet_row in rows:
        plan.rows += 1
        plan.errors.extend(sheet_row.formula_errors)
        reader = RowReader(sheet_row.number, sheet_row.values, layout, plan.errors)
        reader.ok = not sheet_row.formula_errors
        yield reader


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _scope_schools(user) -> dict[str, tuple[int, str]]:
    """School code -> (id, name) for the schools an HR user may import into."""
    return {code: (pk, name) for code, pk, name in organisation_scope(user, roles=IMPORT_ROLES)
            .filter(kind=Organisation.Kind.SCHOOL).values_list("code", "id", "name")}


def _teachers_by_number(numbers: list[str]) -> dict[str, tuple]:
    """Existing teachers for these employee numbers: one query per 5,000 numbers, not per row."""
    found = {}
    for chunk in _chunks(numbers):
        for row in Teacher.objects.filter(employee_no__in=chunk).values_list(
                "employee_no", "pk", "name", "gender", "school_id", "role", "posts", "hire_date",
                "is_active", "status", "school__code", "first_work_date"):
            found[row[0]] = row
    return found


def _today() -> date:
    return timezone.localdate()


def _email(value) -> str:
    text = clean_text(value).lower()
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(gettext("Not a valid e-mail address")) from None
    return text


def _phone(value) -> str:
    number = phone_normalise(value)
    if number is None:
        raise CellError(gettext("Not a mobile number (11 digits, mainland China)"))
    return number


def _check_phones(plan: Plan, layout: SheetLayout, rows: dict[str, int], user) -> None:
    """A log-in phone belongs to one account: refuse numbers another teacher already has, and
    numbers for accounts beyond the importer's reach (a staff role at or above theirs, or
    outside their scope: people.selectors.accounts_out_of_reach)."""
    accounts = {}
    for chunk in _chunks(list(plan.phones)):
        accounts.update(Teacher.objects.filter(employee_no__in=chunk)
                        .values_list("user_id", "employee_no"))
    for user_id in accounts_out_of_reach(user, accounts, roles=IMPORT_ROLES):
        number = accounts[user_id]
        plan.phones.pop(number, None)
        plan.errors.append(RowError(rows[number], layout.column_name("phone"), "", gettext(
            "This account holds a staff role at or above yours or outside your scope: "
            "only its owner sets its log-in phone")))
    wanted_by = {phone: number for number, phone in plan.phones.items()}
    for chunk in _chunks(list(wanted_by)):
        for phone, owner in LoginPhone.objects.filter(number__in=chunk).values_list(
                "number", "user__username"):
            if wanted_by[phone] != owner:
                plan.errors.append(RowError(rows[wanted_by[phone]], layout.column_name("phone"), "",
                                            gettext("Another teacher logs in with this number")))


def _not_future(value: date, today: date | None = None) -> date:
    if value > (today or _today()):
        raise CellError(gettext("Date is in the future"))
    return value


# ---------------------------------------------------------------- teachers roster

def effective_date(value, today: date) -> date:
    """An import's effective date: given (a date or its ISO text, as a job keeps it) or today."""
    if not value:
        return today
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def teachers_plan(*, path, user, progress: Callable[[int], None] | None = None,
                  mark_left: bool = False, effective_on=None, **_options) -> Plan:
    """Read a teachers roster and work out what it would create, change, leave, or refuse.

    With `mark_left`, every teacher in post at a school the file lists who is not in the file
    is to be marked as left (named in the preview before anything is written). A change of
    school, posts or status takes effect on the row's 调动日期 / 离职日期, else on
    `effective_on` (default today): the employment history closes and opens periods then.
    """
    plan = Plan(kind="teachers")
    today = _today()  # one moment for the whole file
    effective = plan.effective_on = effective_date(effective_on, today)
    schools = _scope_schools(user)
    school_codes = {pk: code for code, (pk, _name) in schools.items()}
    parsed = []  # (row number, employee_no, fields) of rows that read cleanly
    first_seen: dict[str, int] = {}
    other_codes: dict[str, bool] = {}  # codes outside the scope: known elsewhere or unknown
    staff_cells = []  # (row, employee_no, school id, role codes) of 管理角色 cells
    phone_rows: dict[str, int] = {}  # mobile number -> the row it first appeared on
    with open_sheet(path, TEACHERS) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True, max_length=32)
            name = r.get("name", clean_text, required=True, max_length=60)
            code = r.get("school_code", clean_code, required=True)
            gender = r.get("gender", parse_gender)
            posts = r.get("role", parse_posts)
            hire_date = r.get("hire_date", lambda v: _not_future(parse_date(v), today))
            first_work_date = r.get("first_work_date", lambda v: _not_future(parse_date(v), today))
            email = r.get("email", _email, max_length=254)
            status = r.get("status", parse_status)
            left_on = r.get("left_on", parse_date)
            moved_on = r.get("moved_on", parse_date)
            if left_on and status == Teacher.Status.ACTIVE:
                r.fail("left_on", left_on.isoformat(), gettext("A teacher in post has no leaving date"))
            elif left_on and status is None:
                status = Teacher.Status.LEFT
            if left_on and hire_date and left_on < hire_date:
                r.fail("left_on", left_on.isoformat(), gettext("Leaving date before the hire date"))
            granted_roles = r.get("staff_role", parse_staff_roles)
            phone = r.get("phone", _phone)
            if phone and phone in phone_rows:
                r.fail("phone", "", gettext("Same mobile number as row %(row)s") % {"row": phone_rows[phone]})
            elif phone:
                phone_rows[phone] = r.number
            school = schools.get(code) if code else None
            if code and school is None:
                if code not in other_codes:
                    other_codes[code] = Organisation.objects.filter(code=code).exists()
                known = other_codes[code]
                r.fail("school_code", code, gettext("School outside your scope")
                       if known else gettext("No school has this code"))
            if number and number in first_seen:
                r.fail("employee_no", number,
                    gettext("Same employee number as row %(row)s") % {"row": first_seen[number]})
            elif number:
                first_seen[number] = r.number
            if r.ok and phone:
                plan.phones[number] = phone
            if r.ok:
                parsed.append((r.number, number, {
                    "name": name, "school_id": school[0], "gender": gender, "posts": posts,
                    "hire_date": hire_date, "email": email or "", "status": status,
                    "first_work_date": first_work_date, "left_on": left_on, "moved_on": moved_on}))
                if granted_roles:
                    staff_cells.append((r.number, number, school[0], granted_roles))
            if progress and plan.rows % CHUNK == 0:
                progress(plan.rows)
    existing = _teachers_by_number([number for _row, number, _f in parsed])
    open_starts = {pk: p.start for pk, p in
                   employment.open_periods(current[1] for current in existing.values()).items()}
    in_scope_ids = set(school_codes)

    def dated(row: int, fields: dict, on: date, *, leaving: bool, open_start: date | None,
              hire_date: date | None) -> bool:
        """Check a change's date against the history; a refusal names the date's column."""
        key = "left_on" if leaving else "moved_on"
        reason = employment.change_refusal(on=on, open_start=open_start, today=today)
        if reason is None and leaving and hire_date and on < hire_date:
            reason = gettext("Leaving date before the hire date")
        if reason is None:
            return True
        column = layout.column_name(key) if key in layout.index else header_label(key)
        plan.errors.append(RowError(row, column, on.isoformat(), reason))
        return False

    new_numbers = [number for _row, number, _f in parsed if number not in existing]
    taken = set()
    User = get_user_model()
    for chunk in _chunks(new_numbers):
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    # The log-in phones the file's existing teachers have now: a changed one is a change.
    phones_now: dict[str, str] = {}
    for chunk in _chunks([number for number in plan.phones if number in existing]):
        phones_now.update(LoginPhone.objects.filter(user__username__in=chunk)
                          .values_list("user__username", "number"))
    for row, number, fields in parsed:
        current = existing.get(number)
        posts = fields["posts"]
        status = fields["status"]
        if current is None:
            if number in taken:
                plan.errors.append(RowError(row, layout.column_name("employee_no"), number,
                    gettext("An account with this username exists (not a teacher): ask an administrator")))
                continue
            role = posts[0] if posts else Teacher.Role.SUBJECT_TEACHER
            start = fields["moved_on"] or fields["hire_date"] or effective
            if (status or Teacher.Status.ACTIVE) == Teacher.Status.ACTIVE and not dated(
                    row, fields, start, leaving=False, open_start=None, hire_date=None):
                continue
            plan.creates.append({
                "row": row, "employee_no": number, "name": fields["name"],
                "school_id": fields["school_id"], "gender": fields["gender"] or "",
                "role": role, "posts": flags_mask(Teacher.Role, posts or [role]),
                "status": status or Teacher.Status.ACTIVE,
                "hire_date": fields["hire_date"], "email": fields["email"],
                "first_work_date": fields["first_work_date"], "employment_on": start,
            })
            if len(plan.creates) <= PREVIEW_SAMPLE:  # only the sample is shown; keep memory flat
                plan.creates[-1]["display"] = {
                    "row": row, "employee_no": number, "name": fields["name"],
                    "school_code": school_codes[fields["school_id"]],
                    "role": posts_display(posts or [role], labels=_labels("role")),
                    "hire_date": fields["hire_date"], "email": fields["email"]}
            continue
        (_no, pk, name, gender, school_id, role, cur_posts, hire_date, is_active, cur_status,
         current_code, first_work_date) = current
        if school_id not in in_scope_ids:
            plan.errors.append(RowError(row, layout.column_name("employee_no"), number,
                gettext("This teacher belongs to a school outside your scope")))
            continue
        # A column left out of the file, or a blank optional cell, leaves the value as it is;
        # a roster without a 在职状态 column puts everyone listed in post, as it always did.
        # The e-mail column serves new accounts; an existing account keeps its own address.
        status = status or Teacher.Status.ACTIVE
        new = {"name": fields["name"], "school_id": fields["school_id"],
               "gender": fields["gender"] if fields["gender"] else gender,
               "role": posts[0] if posts else role,
               "posts": flags_mask(Teacher.Role, posts) if posts else cur_posts,
               "hire_date": fields["hire_date"] if fields["hire_date"] else hire_date,
               "first_work_date": fields["first_work_date"] or first_work_date,
               "status": status, "is_active": status == Teacher.Status.ACTIVE}
        old = {"name": name, "school_id": school_id, "gender": gender, "role": role,
               "posts": cur_posts, "hire_date": hire_date, "first_work_date": first_work_date,
               "status": cur_status, "is_active": is_active}
        changes = {}
        for key, value in new.items():
            if old[key] != value and key != "is_active":  # status says it
                label = "school_code" if key == "school_id" else key
                before, after = old[key], value
                if key == "school_id":
                    before, after = current_code, school_codes[value]
                changes[label] = [_plain(before), _plain(after)]
        leaving = status != Teacher.Status.ACTIVE
        moves = (new["school_id"], new["posts"]) != (school_id, cur_posts)
        if leaving != (not is_active) or (moves and not leaving) or (fields["left_on"] and leaving):
            on = (fields["left_on"] if leaving else fields["moved_on"]) or effective
            if not dated(row, fields, on, leaving=leaving, open_start=open_starts.get(pk),
                         hire_date=new["hire_date"]):
                continue
            new["employment_on"] = on
            if on != today:
                changes["employment_on"] = [None, on.isoformat()]
            if on > today:
                # Dated ahead: the history takes it now; the record (status, log-in, school,
                # posts) follows on the day itself (people.employment.employment_due_apply).
                new["future"] = {key: new[key] for key in ("school_id", "posts", "status")}
                new.update(school_id=school_id, role=role, posts=cur_posts, status=cur_status,
                           is_active=is_active)
        if plan.phones.get(number) and phones_now.get(number) != plan.phones[number]:
            changes["phone"] = [phones_now.get(number, ""), plan.phones[number]]
        if changes:
            plan.updates.append({"row": row, "pk": pk, "employee_no": number, "changes": changes, **new})
        else:
            plan.unchanged += 1
    if staff_cells:
        _plan_staff_roles(plan, staff_cells, layout, user, existing)
    if mark_left:
        _plan_leavers(plan, {fields["school_id"] for _r, _n, fields in parsed}, set(first_seen))
        starts = {pk: p.start for pk, p in employment.open_periods(t["pk"] for t in plan.leavers).items()}
        for t in plan.leavers:
            # Left on the effective date, or on the first day of a period that began after it.
            t["on"] = max(effective, starts.get(t["pk"], effective))
    _check_phones(plan, layout, first_seen, user)
    plan.errors.sort(key=lambda e: e.row)
    return plan


def _plan_leavers(plan: Plan, school_ids: set[int], numbers: set[str]) -> None:
    """Teachers in post at the file's schools whose employee number the file does not list."""
    for start in range(0, len(school_ids), CHUNK):
        chunk = sorted(school_ids)[start:start + CHUNK]
        for pk, number, name, school, school_id, posts in (
                Teacher.objects.filter(school_id__in=chunk, is_active=True)
                .order_by("school__path", "employee_no")
                .values_list("pk", "employee_no", "name", "school__name", "school_id", "posts")):
            if number not in numbers:
                plan.leavers.append({"pk": pk, "employee_no": number, "name": name, "school": school,
                                     "school_id": school_id, "posts": posts})


def _plan_staff_roles(plan: Plan, cells: list, layout: SheetLayout, user, existing: dict) -> None:
    """The 管理角色 column: each role over the teacher's school, district or city, as the role
    binds (people.roles), when the importing user may grant it there."""
    schools = Organisation.objects.in_bulk({school_id for _r, _n, school_id, _roles in cells})
    ancestors: dict[int, dict[str, Organisation]] = {}
    granted = set(StaffRole.objects.filter(user__username__in=[n for _r, n, _s, _x in cells])
                  .values_list("user__username", "role", "organisation_id"))
    for row, number, school_id, roles in cells:
        school = schools[school_id]
        if school_id not in ancestors:
            ancestors[school_id] = {o.kind: o for o in school.get_ancestors()}
        above = ancestors[school_id]
        for role in roles:
            # Over the school, or the school's district or city: the level the role binds to.
            level = role_binds_to(role)
            where = school if level == school.kind else above.get(level)
            if where is None or not staff_role_grantable(user, role=role, organisation=where):
                plan.errors.append(RowError(row, layout.column_name("staff_role"), STAFF_ROLE_DISPLAY[role],
                                            gettext("You may not grant this staff role")))
                continue
            if (number, role, where.pk) not in granted:
                plan.grants.append((number, role, where.pk))


def _set_new_account_emails(creates: list[dict]) -> list[int]:
    """Give the accounts just created for new teachers the file's e-mail; returns their user ids."""
    return user_emails_set(emails={row["employee_no"]: row["email"]
                                   for row in creates if row.get("email")})


logger = logging.getLogger(__name__)


def _after_commit(submit: Callable[[], None], *, what: str) -> None:
    """Queue follow-up work once an import has committed; a broker that is down is logged and
    never turns a written import into a failure (on_commit's robust mode)."""
    def run():
        try:
            submit()
        except Exception:
            logger.exception("The import is written, but %s could not be queued: the task broker "
                             "refused it", what)

    transaction.on_commit(run, robust=True)


def _queue_invitations(user_ids: list[int], size: int = 500) -> None:
    for start in range(0, len(user_ids), size):
        send_account_invitations.delay(user_ids[start:start + size])


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def teachers_commit(*, path, user, progress=None, plan: Plan | None = None, **options) -> dict:
    """Write a roster: everything or nothing, in one transaction, through people.services.

    Teachers no longer in post (by their 在职状态, or absent from their school's file when
    asked) lose their log-in and leave their unfinished assignments; teachers who now match an
    assignment's audience are enrolled. New teachers with an e-mail address are sent an account
    invitation once the transaction has committed (never for a roster that rolled back).
    """
    # A plan made moments ago in the same process (the command line) is reused; a job
    # re-reads the stored file, since the database may have moved on since its preview.
    plan = plan or teachers_plan(path=path, user=user, progress=progress, **options)
    if plan.errors:
        raise ImportHasErrors(plan)
    created = updated = 0
    with transaction.atomic():
        # One transaction, written in slices so that a city's roster never sits in memory as
        # 200,000 model instances at once.
        for start in range(0, max(len(plan.creates), len(plan.updates)), CHUNK):
            done_created, done_updated = teacher_bulk_write(
                creates=plan.creates[start:start + CHUNK], updates=plan.updates[start:start + CHUNK])
            created, updated = created + done_created, updated + done_updated
            if progress:
                progress(min(plan.rows, start + CHUNK))
        # A leaving dated ahead is the history's now and the record's on its day.
        leaving_now = [t["pk"] for t in plan.leavers if t["on"] <= _today()]
        left = teachers_mark_left(teacher_ids=leaving_now) if leaving_now else 0
        _employment_write(plan, user)
        gone = [row["pk"] for row in plan.updates if not row["is_active"]] + leaving_now
        released = 0
        for chunk in _chunks(gone):
            released += assignment_leavers_release(
                user_ids=list(Teacher.objects.filter(pk__in=chunk).values_list("user_id", flat=True)))
        if plan.grants:
            by_name = {u.username: u for u in get_user_model().objects.filter(
                username__in={number for number, _r, _o in plan.grants})}
            orgs = Organisation.objects.in_bulk({org for _n, _r, org in plan.grants})
            for number, role, org in plan.grants:
                staff_role_grant(user=by_name[number], role=role, organisation=orgs[org], granted_by=user)
        enrolled = assignment_audiences_enrol()
        # Teachers written in bulk send no signals: the stored staff figures are dropped and
        # the worker computes them again once the roster is in (a page read first computes
        # what it needs itself).
        figures_forget()
        _after_commit(_rebuild_figures, what="the figures' rebuild (the nightly run does it)")
        invited = _set_new_account_emails(plan.creates)
        if plan.phones:
            login_phones_write(numbers=plan.phones)
        if invited:
            # Only once the roster is really written: a rolled-back import invites nobody.
            _after_commit(lambda: _queue_invitations(invited),
                          what=f"the account invitations of {len(invited)} new teachers")
    result = {"invited": len(invited), "created": created, "updated": updated,
              "unchanged": plan.unchanged, "rows": plan.rows}
    extras = {"left": left, "released": released, "granted": len(plan.grants), "enrolled": enrolled}
    return result | {key: value for key, value in extras.items() if value}


def _employment_write(plan: Plan, user) -> None:
    """Close and open the employment periods the roster's changes call for, on their dates."""
    Change = employment.Change
    ids = {}
    for chunk in _chunks([row["employee_no"] for row in plan.creates]):
        ids.update(Teacher.objects.filter(employee_no__in=chunk).values_list("employee_no", "pk"))
    changes = [Change(ids[row["employee_no"]], row["employment_on"], row["school_id"], row["posts"],
                      row["status"]) for row in plan.creates
               if row["status"] == Teacher.Status.ACTIVE and row["employee_no"] in ids]
    for row in plan.updates:
        if row.get("employment_on"):
            to = row.get("future", row)  # dated ahead: what the record becomes on the day
            changes.append(Change(row["pk"], row["employment_on"], to["school_id"], to["posts"],
                                  to["status"]))
    changes += [Change(t["pk"], t["on"], t["school_id"], t["posts"], Teacher.Status.LEFT)
                for t in plan.leavers]
    employment.employment_changes_apply(changes=changes, actor=user, today=_today())


# ---------------------------------------------------------------- certificates held

def _teacher_rows(parsed: list, plan: Plan, layout: SheetLayout, user) -> dict[str, tuple]:
    """Look up the teachers of parsed rows in one pass; rows of unknown or out-of-scope teachers fail."""
    existing = _teachers_by_number(sorted({number for _row, number, _f in parsed}))
    in_scope = set(organisation_scope(user, roles=IMPORT_ROLES)
                   .filter(kind=Organisation.Kind.SCHOOL).values_list("id", flat=True))
    kept = {}
    for row, number, fields in parsed:
        current = existing.get(number)
        if current is None:
            plan.errors.append(RowError(row, layout.column_name("employee_no"), number,
                                        gettext("No teacher has this employee number")))
        elif current[4] not in in_scope:
            plan.errors.append(RowError(row, layout.column_name("employee_no"), number,
                gettext("This teacher belongs to a school outside your scope")))
        elif fields.get("name") and fields["name"] != current[2]:
            plan.errors.append(RowError(row, layout.column_name("name"), fields["name"],
                gettext("Name does not match the employee number (here: %(name)s)") % {"name": current[2]}))
        else:
            kept[row] = current
    return kept


def certificates_plan(*, path, user, progress=None, **_options) -> Plan:
    """Read a sheet of certificates held from elsewhere and check each row."""
    plan = Plan(kind="certificates")
    today = _today()  # one moment for the whole file
    parsed, first_seen = [], {}
    read_level = level_reader()  # the levels city HR keep, read once
    with open_sheet(path, CERTIFICATES) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True, max_length=32)
            name = r.get("name", clean_text)
            level = r.get("level", read_level, required=True)
            cert_no = r.get("cert_no", clean_code, required=True, max_length=64)
            issued_on = r.get("issued_on", lambda v: _not_future(parse_date(v), today), required=True)
            expires_on = r.get("expires_on", parse_date)
            authority = r.get("authority", clean_text, max_length=120)
            if issued_on and expires_on and expires_on <= issued_on:
                r.fail("expires_on", expires_on, gettext("Expiry must be after the issue date"))
            if cert_no and cert_no in first_seen:
                r.fail("cert_no", cert_no,
                    gettext("Same certificate number as row %(row)s") % {"row": first_seen[cert_no]})
            elif cert_no:
                first_seen[cert_no] = r.number
            if r.ok:
                parsed.append((r.number, number, {
                    "name": name, "level_code": level, "number": cert_no, "issued_on": issued_on,
                    "expires_on": expires_on, "authority": authority or ""}))
            if progress and plan.rows % CHUNK == 0:
                progress(plan.rows)
    levels = set(CertificateLevel.objects.values_list("code", flat=True))
    known = {}  # certificate number -> teacher id, for numbers already recorded
    for chunk in _chunks([fields["number"] for _row, _no, fields in parsed]):
        known.update(Certificate.objects.filter(number__in=chunk).values_list("number", "teacher_id"))
    teachers = _teacher_rows(parsed, plan, layout, user)
    for row, employee_no, fields in parsed:
        if row not in teachers:
            continue
        if fields["level_code"] not in levels:
            plan.errors.append(RowError(row, layout.column_name("level"), fields["level_code"],
                gettext("No such certificate level here")))
            continue
        holder = known.get(fields["number"])
        if holder is not None:
            if holder == teachers[row][1]:
                plan.unchanged += 1  # recorded by an earlier import: importing again is a no-op
            else:
                plan.errors.append(RowError(row, layout.column_name("cert_no"), fields["number"],
                    gettext("This certificate number belongs to another teacher")))
            continue
        plan.creates.append({"row": row, "employee_no": employee_no, "teacher_id": teachers[row][1],
                             **{k: v for k, v in fields.items() if k != "name"},
                             "display": {"row": row, "employee_no": employee_no,
                                         "name": teachers[row][2], "level": fields["level_code"],
                                         "cert_no": fields["number"],
                                         "issued_on": fields["issued_on"],
                                         "expires_on": fields["expires_on"]}})
    plan.errors.sort(key=lambda e: e.row)
    return plan


def certificates_commit(*, path, user, progress=None, plan: Plan | None = None, **_options) -> dict:
    """Record imported certificates through certification.services, all or nothing."""
    # A plan made moments ago in the same process (the command line) is reused; a job
    # re-reads the stored file, since the database may have moved on since its preview.
    plan = plan or certificates_plan(path=path, user=user, progress=progress)
    if plan.errors:
        raise ImportHasErrors(plan)
    created = 0
    teachers = Teacher.objects.in_bulk([row["teacher_id"] for row in plan.creates])
    with transaction.atomic(), figures_deferred():
        for row in plan.creates:
            _cert, is_new = certificate_record_imported(
                teacher=teachers[row["teacher_id"]], level_code=row["level_code"], number=row["number"],
                issued_on=row["issued_on"], expires_on=row["expires_on"], authority=row["authority"],
                recorded_by=user)
            created += is_new
    return {"created": created, "unchanged": plan.unchanged + len(plan.creates) - created,
            "rows": plan.rows}


def _rebuild_figures():
    from certification.tasks import figures_rebuild

    figures_rebuild.delay()


# ---------------------------------------------------------------- offline training hours

def training_reference(employee_no: str, when: date, title: str, hours) -> str:
    """A stable reference for a training row without one, so importing it twice records it once."""
    digest = hashlib.sha1(f"{employee_no}|{when.isoformat()}|{title}|{hours}".encode()).hexdigest()
    return f"sheet:{digest[:20]}"


def category_reader() -> Callable[[object], str]:
    """A cell -> the code of an active hour category written as its code, Chinese or English
    name (any case, full- or half-width); the categories are read once per sheet."""
    from courses.models import HourCategory

    def key(text) -> str:
        return unicodedata.normalize("NFKC", clean_text(text)).lower().replace(" ", "")

    known = {}
    for code, name, name_en in HourCategory.objects.active().values_list("code", "name", "name_en"):
        for spelling in (code, name, name_en):
            if spelling:
                known.setdefault(key(spelling), code)

    def read(value) -> str:
        code = known.get(key(value))
        if code is None:
            raise CellError(gettext("No such hour category"))
        return code

    return read


def training_plan(*, path, user, progress=None, **_options) -> Plan:
    """Read a sheet of offline training hours and check each row; a row without a category
    (学时类别) is filed under the default category."""
    from courses.models import DEFAULT_CATEGORY, HourCategory

    plan = Plan(kind="training")
    today = _today()  # one moment for the whole file
    parsed, first_seen = [], {}
    read_category = category_reader()
    with open_sheet(path, TRAINING) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True, max_length=32)
            name = r.get("name", clean_text)
            hours = r.get("hours", parse_hours, required=True)
            when = r.get("date", lambda v: _not_future(parse_date(v), today), required=True)
            title = r.get("title", clean_text, required=True, max_length=200)
            reference = r.get("reference", clean_code, max_length=64)
            category = r.get("category", read_category) or DEFAULT_CATEGORY
            if r.ok:
                reference = reference or training_reference(number, when, title, hours)
                if reference in first_seen:
                    r.fail("title", title,
                        gettext("Same record as row %(row)s") % {"row": first_seen[reference]})
                else:
                    first_seen[reference] = r.number
            if r.ok:
                parsed.append((r.number, number, {
                    "name": name, "hours": hours, "date": when, "title": title, "reference": reference,
                    "category": category}))
            if progress and plan.rows % CHUNK == 0:
                progress(plan.rows)
    recorded = set()  # references already in the ledger from an earlier import
    for chunk in _chunks([fields["reference"] for _row, _no, fields in parsed]):
        recorded.update(TrainingEntry.objects.filter(source=TrainingEntry.Source.IMPORT, reference__in=chunk)
                        .values_list("reference", flat=True))
    teachers = _teacher_rows(parsed, plan, layout, user)
    category_names = {c.code: c.label for c in HourCategory.objects.all()}
    for row, employee_no, fields in parsed:
        if row not in teachers:
            continue
        if fields["reference"] in recorded:
            plan.unchanged += 1
            continue
        plan.creates.append({"row": row, "employee_no": employee_no, "teacher_id": teachers[row][1],
                             **{k: v for k, v in fields.items() if k != "name"},
                             "display": {"row": row, "employee_no": employee_no,
                                         "name": teachers[row][2], "hours": str(fields["hours"]),
                                         "date": fields["date"], "title": fields["title"],
                                         "category": category_names.get(fields["category"],
                                                                        fields["category"])}})
    plan.errors.sort(key=lambda e: e.row)
    return plan


def training_commit(*, path, user, progress=None, plan: Plan | None = None, **_options) -> dict:
    """Record offline training hours in the ledger through certification.services, all or nothing."""
    # A plan made moments ago in the same process (the command line) is reused; a job
    # re-reads the stored file, since the database may have moved on since its preview.
    plan = plan or training_plan(path=path, user=user, progress=progress)
    if plan.errors:
        raise ImportHasErrors(plan)
    created = 0
    teachers = Teacher.objects.in_bulk([row["teacher_id"] for row in plan.creates])
    with transaction.atomic(), figures_deferred():
        for row in plan.creates:
            _entry, is_new = training_entry_record(
                teacher=teachers[row["teacher_id"]], hours=row["hours"], date=row["date"],
                title=row["title"], source=TrainingEntry.Source.IMPORT, reference=row["reference"], recorded_by=user,
                category=row["category"])
            created += is_new
    return {"created": created, "unchanged": plan.unchanged + len(plan.creates) - created,
            "rows": plan.rows}


@dataclass(frozen=True)
class Importer:
    spec: SheetSpec
    plan: Callable[..., Plan]
    commit: Callable[..., dict]


def organisations_plan(**kwargs) -> Plan:
    """The organisation sheet's plan (hr.organisation_import, which builds on this module)."""
    from .organisation_import import organisations_plan as plan

    return plan(**kwargs)


def organisations_commit(**kwargs) -> dict:
    """Write an organisation sheet (hr.organisation_import)."""
    from .organisation_import import organisations_commit as commit

    return commit(**kwargs)


def calendar_plan(**kwargs) -> Plan:
    """The school calendar sheet's plan (hr.calendar_import)."""
    from .calendar_import import calendar_plan as plan

    return plan(**kwargs)


def calendar_commit(**kwargs) -> dict:
    """Write a school calendar sheet (hr.calendar_import)."""
    from .calendar_import import calendar_commit as commit

    return commit(**kwargs)


def parent_sessions_plan(**kwargs) -> Plan:
    """The parent-school sessions sheet's plan (hr.parent_sessions_import)."""
    from .parent_sessions_import import parent_sessions_plan as plan

    return plan(**kwargs)


def parent_sessions_commit(**kwargs) -> dict:
    """Write a parent-school sessions sheet (hr.parent_sessions_import)."""
    from .parent_sessions_import import parent_sessions_commit as commit

    return commit(**kwargs)


IMPORTERS = {
    "organisations": Importer(ORGANISATIONS, organisations_plan, organisations_commit),
    "calendar": Importer(CALENDAR, calendar_plan, calendar_commit),
    "parent_sessions": Importer(PARENT_SESSIONS, parent_sessions_plan, parent_sessions_commit),
    "teachers": Importer(TEACHERS, teachers_plan, teachers_commit),
    "certificates": Importer(CERTIFICATES, certificates_plan, certificates_commit),
    "training": Importer(TRAINING, training_plan, training_commit),
}
assert set(IMPORTERS) == set(SPECS)


__all__ = ["IMPORTERS", "IMPORT_ROLES", "ImportHasErrors", "Plan", "SheetRefused"]
