"""The teachers roster: teachers, their posts and dated employment, log-in phones and staff roles."""

import logging
from collections.abc import Callable
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext

from certification.selectors import figures_forget
from certification.tasks import figures_rebuild
from courses.services import assignment_audiences_enrol, assignment_leavers_release
from people import employment
from people.models import LoginPhone, Organisation, StaffRole, Teacher, flags_mask
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

from ..sheets.columns import TEACHERS, header_label
from ..sheets.errors import CellError, RowError
from ..sheets.normalise import (
    STAFF_ROLE_DISPLAY,
    clean_code,
    clean_text,
    parse_date,
    parse_gender,
    parse_posts,
    parse_staff_roles,
    parse_status,
    posts_display,
)
from ..sheets.reading import SheetLayout, open_sheet
from .rows import (
    CHUNK,
    IMPORT_ROLES,
    PREVIEW_SAMPLE,
    ImportHasErrors,
    Plan,
    chunks,
    code_labels,
    import_today,
    not_future,
    row_readers,
    teachers_by_number,
)


def _scope_schools(user) -> dict[str, tuple[int, str]]:
    """School code -> (id, name) for the schools an HR user may import into."""
    return {code: (pk, name) for code, pk, name in organisation_scope(user, roles=IMPORT_ROLES)
            .filter(kind=Organisation.Kind.SCHOOL).values_list("code", "id", "name")}


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
    for chunk in chunks(list(plan.phones)):
        accounts.update(Teacher.objects.filter(employee_no__in=chunk)
                        .values_list("user_id", "employee_no"))
    for user_id in accounts_out_of_reach(user, accounts, roles=IMPORT_ROLES):
        number = accounts[user_id]
        plan.phones.pop(number, None)
        plan.errors.append(RowError(rows[number], layout.column_name("phone"), "", gettext(
            "This account holds a staff role at or above yours or outside your scope: "
            "only its owner sets its log-in phone")))
    wanted_by = {phone: number for number, phone in plan.phones.items()}
    for chunk in chunks(list(wanted_by)):
        for phone, owner in LoginPhone.objects.filter(number__in=chunk).values_list(
                "number", "user__username"):
            if wanted_by[phone] != owner:
                plan.errors.append(RowError(rows[wanted_by[phone]], layout.column_name("phone"), "",
                                            gettext("Another teacher logs in with this number")))


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
    today = import_today()  # one moment for the whole file
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
            hire_date = r.get("hire_date", lambda v: not_future(parse_date(v), today))
            first_work_date = r.get("first_work_date", lambda v: not_future(parse_date(v), today))
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
    existing = teachers_by_number([number for _row, number, _f in parsed])
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
    for chunk in chunks(new_numbers):
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    # The log-in phones the file's existing teachers have now: a changed one is a change.
    phones_now: dict[str, str] = {}
    for chunk in chunks([number for number in plan.phones if number in existing]):
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
                    "role": posts_display(posts or [role], labels=code_labels("role")),
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
        leaving_now = [t["pk"] for t in plan.leavers if t["on"] <= import_today()]
        left = teachers_mark_left(teacher_ids=leaving_now) if leaving_now else 0
        _employment_write(plan, user)
        gone = [row["pk"] for row in plan.updates if not row["is_active"]] + leaving_now
        released = 0
        for chunk in chunks(gone):
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
    for chunk in chunks([row["employee_no"] for row in plan.creates]):
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
    employment.employment_changes_apply(changes=changes, actor=user, today=import_today())


def _rebuild_figures():
    figures_rebuild.delay()
