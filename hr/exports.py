"""Exports: each kind names its columns and streams its rows from a scoped query.

Rows come from the owning app's selectors (people, certification, courses), always through
the requester's scope (`organisation_scope`), optionally narrowed to one organisation inside
it, and shaped here into cells: labels in Chinese with English, dates as dates, rates as
fractions that the writer formats as percentages.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from certification.models import Certificate, CertificateLevel, WorkloadActivityType
from certification.selectors import (certificate_roster_list, holding_rates, holding_trend,
                                     hours_pace_trend, training_hours_list, training_hours_rows)
from certification.workload.selectors import (workload_term_containing, workload_term_get,
                                              workload_term_recent, workload_term_report)
from courses.selectors import assignment_completion_by_school
from people.models import Organisation, Teacher, flags_codes
from people.selectors import (district_names, organisation_scope, scope_tops, teacher_posts_q,
                              teachers_to_activate)
from people.services import activation_code_display, activation_codes_issue
from people.staffing import staffing_rows

from .selectors import DESK_ROLES
from .sheets.errors import bilingual
from .sheets.normalise import (GENDER_DISPLAY, EMPLOYMENT_DISPLAY, ROLE_DISPLAY, STAGE_DISPLAY,
                               posts_display)
from .sheets.writing import Column


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its sheet title, columns, and a function giving (total, rows)."""

    key: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...] | Callable[[], tuple[Column, ...]]
    rows: Callable[..., tuple[int, Iterator[tuple]]]
    filters: tuple[str, ...] = field(default=())
    # A second file made from the same rows (the activation slips' PDF): rows -> bytes.
    attachment: Callable[[list[tuple]], bytes] | None = None
    attachment_ext: str = "pdf"
    # Further sheets of the same workbook: (title, columns, rows) for the same arguments.
    more_sheets: Callable[..., list[tuple[str, tuple[Column, ...], Iterator[tuple]]]] | None = None

    def extra_sheets(self, **kwargs) -> list:
        """The workbook's further sheets, if this kind has any."""
        return self.more_sheets(**kwargs) if self.more_sheets else []

    @property
    def title(self) -> str:
        return f"{self.title_zh} {self.title_en}"

    def get_columns(self) -> tuple[Column, ...]:
        """The header of the sheet; some kinds have a column per certificate level or activity."""
        return self.columns() if callable(self.columns) else self.columns


def teachers_rows(*, user, organisation: Organisation | None = None, role=None, **_filters):
    """The teachers roster of the requester's scope (or one organisation inside it), streamed."""
    scope = organisation_scope(user, roles=DESK_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    # Districts lie above the scope too (a school admin's school still has a district).
    district = district_names()
    teachers = Teacher.objects.filter(school__in=scope)
    if role:
        teachers = teachers.filter(teacher_posts_q([role]))
    teachers = (teachers
                .order_by("school__path", "employee_no")
                .values_list("employee_no", "name", "gender", "school__name", "school__code",
                             "school__path", "role", "posts", "hire_date", "status"))
    total = teachers.count()

    def rows():
        for number, name, gender, school, code, path, role, posts, hired, status in teachers.iterator(chunk_size=2000):
            # The primary post first, as the roster's 岗位 cell takes them back.
            codes = [role] + [c for c in flags_codes(Teacher.Role, posts) if c != role]
            yield (number, name, GENDER_DISPLAY.get(gender), school, code, district(path),
                   posts_display(codes), hired, EMPLOYMENT_DISPLAY.get(status, status))

    return total, rows()


TEACHER_COLUMNS = (
    Column("工号/employee_no", 14), Column("姓名/name", 12), Column("性别/gender", 8),
    Column("学校/school", 24), Column("学校代码/school_code", 14), Column("区县/district", 14),
    Column("岗位/role", 14), Column("入职日期/hire_date", 14, "date"), Column("在职状态/status", 10),
)


STATUS_DISPLAY = {
    Certificate.Status.ACTIVE: "有效/valid",
    Certificate.Status.EXPIRED: "已过期/expired",
    Certificate.Status.REVOKED: "已撤销/revoked",
    Certificate.Status.SUPERSEDED: "已换发/superseded",
}


def _day(value) -> date | None:
    """A date filter as the job keeps it (ISO text) or as the command line gives it."""
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _within(user, organisation: Organisation | None) -> list[Organisation]:
    """The tops of the requester's scope, or the one organisation inside it that was chosen."""
    return scope_tops(user, roles=DESK_ROLES, within=organisation)


# ---------------------------------------------------------------- certificate roster

ROSTER_COLUMNS = (
    Column("姓名/name", 12), Column("工号/employee_no", 14), Column("学校/school", 24),
    Column("区县/district", 14), Column("岗位/role", 14), Column("证书等级/level", 10),
    Column("证书编号/cert_no", 20), Column("发证日期/issued_on", 14, "date"),
    Column("有效期至/expires_on", 14, "date"), Column("状态/status", 14),
    Column("本周期学时/hours_this_cycle", 14, "number"),
)


def certificate_roster_rows(*, user, organisation: Organisation | None = None, level=None,
                            status=None, role=None, expiring_before=None, on=None, **_ignored):
    """The certificate roster of the scope, filtered, with roles and statuses (as they stood
    on `on`, today by default) as labels."""
    query = certificate_roster_list(user=user, organisation=organisation, level=level or None,
                                    status=status or None, role=role or None,
                                    expiring_before=_day(expiring_before), on=_day(on))

    def rows():
        for (name, number, school, district, role_code, level_code, cert_no, issued, expires,
             status_code, hours) in query.iterator(chunk_size=2000):
            yield (name, number, school, district, ROLE_DISPLAY.get(role_code, role_code),
                   level_code, cert_no, issued, expires, STATUS_DISPLAY.get(status_code, status_code),
                   hours)

    return query.count(), rows()


# ---------------------------------------------------------------- holding rates

def _levels() -> list[str]:
    return list(CertificateLevel.objects.order_by("rank").values_list("code", flat=True))


def holding_columns() -> tuple[Column, ...]:
    per_level = []
    for code in _levels():
        per_level += [Column(f"{code}证及以上人数/{code}_or_above", 12, "int"),
                      Column(f"{code}证持证率/{code}_rate", 12, "percent"),
                      Column(f"{code}证目标/{code}_target", 10, "percent"),
                      Column(f"{code}证差距/{code}_gap", 10, "percent")]
    return (Column("类别/kind", 16), Column("区县/district", 14), Column("学校/school", 24),
            Column("教师数/teachers", 10, "int"), Column("新教师(不计)/new_teachers", 12, "int"),
            Column("计入人数/counted", 10, "int"), *per_level)


HOLDING_KIND = {"school": "学校/school", "district": "区县小计/district subtotal",
                "total": "合计/total"}


def holding_rows(*, user, organisation: Organisation | None = None, on=None, **_ignored):
    """Holding rates per school, a subtotal after each district's schools, and a total per top
    of the scope, from certification's one rule (`holding_rates`)."""
    on = _day(on) or timezone.localdate()
    levels = _levels()
    tops = _within(user, organisation)

    def line(kind, district, name, row):
        cells = []
        for code in levels:
            cells += [row.holders[code], row.rate(code), row.target(code), row.gap(code)]
        return (HOLDING_KIND[kind], district, name, row.teachers, row.new_teachers, row.counted, *cells)

    # One aggregate query per top of the scope; the sheet has one line per school, so it is
    # small enough to build in memory.
    lines = []
    for top in tops:
        rows = holding_rates(top, on=on)
        open_district = None
        for row in rows:
            org = row.organisation
            if open_district is not None and not org.path.startswith(open_district.organisation.path):
                lines.append(line("district", open_district.organisation.name, "", open_district))
                open_district = None
            if org.kind == Organisation.Kind.DISTRICT and row.depth:
                open_district = row
            elif org.kind == Organisation.Kind.SCHOOL and (row.depth or len(rows) == 1):
                district = open_district.organisation.name if open_district else (
                    top.name if top.kind == Organisation.Kind.DISTRICT else "")
                lines.append(line("school", district, org.name, row))
        if open_district is not None:
            lines.append(line("district", open_district.organisation.name, "", open_district))
        lines.append(line("total", "", top.name, rows[0]))
    return len(lines), iter(lines)


TREND_MONTHS = 24


def holding_trend_columns() -> tuple[Column, ...]:
    return (Column("月末/month_end", 14, "date"), Column("计入人数/counted", 10, "int"),
            *[Column(f"{code}证持证率/{code}_rate", 12, "percent") for code in _levels()],
            Column("学时进度达标比例/on_pace_share", 14, "percent"))


def holding_trend_sheet(*, user, organisation: Organisation | None = None, on=None, **_ignored):
    """The second sheet of the holding export: each month end of the last 24 months, the
    holding rate per level and the share of teachers on pace, for the same scope."""
    on = _day(on) or timezone.localdate()
    scope = organisation_scope(user, roles=DESK_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    levels = _levels()
    pace = dict(hours_pace_trend(user=user, on=on, months=TREND_MONTHS, organisation=organisation))

    def rows():
        for day, counted, rates in holding_trend(scope, on=on, months=TREND_MONTHS):
            p = pace[day]
            total = p["on_pace"] + p["behind"] + p["far_behind"]
            yield (day, counted, *[rates[code] for code in levels],
                   p["on_pace"] / total if total else None)

    return [("持证率趋势", holding_trend_columns(), rows())]


# ---------------------------------------------------------------- training hours

HOURS_COLUMNS = (
    Column("工号/employee_no", 14), Column("姓名/name", 12), Column("学校/school", 24),
    Column("区县/district", 14), Column("岗位/role", 14),
    Column("周期开始/cycle_start", 14, "date"), Column("周期结束/cycle_end", 14, "date"),
    Column("本周期学时/hours", 12, "number"), Column("周期目标/target", 10, "number"),
    Column("完成比例/share", 10, "percent"), Column("最近培训/last_training", 14, "date"),
)


def hours_rows(*, user, organisation: Organisation | None = None, role=None, on=None,
               **_ignored):
    """Training hours per active teacher in their own cycle on `on` (today by default), from
    certification's cycle module."""
    on = _day(on)
    total = training_hours_list(user=user, organisation=organisation, role=role or None,
                                on=on).count()

    def stream():
        for row in training_hours_rows(user=user, organisation=organisation, role=role or None,
                                       on=on):
            yield (*row[:4], ROLE_DISPLAY.get(row[4], row[4]), *row[5:])

    return total, stream()


# ---------------------------------------------------------------- counsellor workload

def _workload_terms(term=None) -> list:
    if term:
        found = workload_term_get(term)
        if found is None:
            from .services import JobError

            raise JobError(bilingual(f"没有学期 {term}", f"no such term: {term}"))
        return [found]
    today = timezone.localdate()
    current = workload_term_containing(today)
    return [current] if current else workload_term_recent(today=today, count=1)


def _activity_types() -> list:
    return list(WorkloadActivityType.objects.order_by("pk").values_list("code", "name"))


def workload_columns() -> tuple[Column, ...]:
    return (Column("学期/term", 18), Column("工号/employee_no", 14), Column("姓名/name", 12),
            Column("学校/school", 24), Column("岗位/role", 14),
            *[Column(f"{name}/{code}", 12, "number") for code, name in _activity_types()],
            Column("合计/total", 10, "number"), Column("与班主任工作量之比/vs_head_teacher", 14, "percent"),
            Column("心理辅导室值班小时/room_duty_hours", 14, "number"))


def workload_rows(*, user, organisation: Organisation | None = None, term=None, **_ignored):
    """Approved workload credit per counsellor and term, from certification's term report."""
    codes = [code for code, _name in _activity_types()]
    reports = [(t, workload_term_report(user=user, term_start=t.start, term_end=t.end,
                                        organisation=organisation)) for t in _workload_terms(term)]
    total = sum(len(report.counsellors) for _t, report in reports)

    def stream():
        for term_, report in reports:
            for row in report.counsellors:
                teacher = row.teacher
                yield (f"{term_.year} {term_.label}", teacher.employee_no, teacher.name,
                       teacher.school.name, ROLE_DISPLAY.get(teacher.role, teacher.role),
                       *[row.by_type.get(code, 0) for code in codes], row.total, row.ratio,
                       row.duty_hours)

    return total, stream()


# ---------------------------------------------------------------- assignment completion

ASSIGNMENT_COLUMNS = (
    Column("区县/district", 14), Column("学校/school", 24), Column("学校代码/school_code", 14),
    Column("应完成人次/assigned", 12, "int"), Column("已完成/completed", 10, "int"),
    Column("未完成/outstanding", 10, "int"), Column("完成率/completion_rate", 12, "percent"),
)


def assignments_rows(*, user, organisation: Organisation | None = None, assignment=None, **_ignored):
    """Completion of assigned training per school of the scope, from courses' selector."""
    chosen = None
    if assignment:
        from courses.models import Assignment

        chosen = Assignment.objects.filter(pk=assignment).first()
    rows = assignment_completion_by_school(user=user, assignment=chosen)
    if organisation is not None:
        rows = [r for r in rows if r.school.path.startswith(organisation.path)]
    district = district_names()

    def stream():
        for r in rows:
            yield (district(r.school.path), r.school.name, r.school.code, r.assigned, r.completed,
                   r.outstanding, (r.completed / r.assigned) if r.assigned else None)

    return len(rows), stream()


# ---------------------------------------------------------------- counsellor staffing

STAFFING_COLUMNS = (
    Column("学校", 26), Column("学段", 16), Column("学生数", 10, "int"),
    Column("专职心理教师", 12, "int"), Column("应配", 8, "int"), Column("缺口", 8, "int"),
)


def staffing_sheet_rows(*, user, organisation: Organisation | None = None, on=None, **_ignored):
    """Every school of the scope (or one organisation in it): stages, students on `on` (default
    today), full-time counsellors, how many the staffing rules require, and the gap."""
    on = on or timezone.localdate()
    if isinstance(on, str):
        on = date.fromisoformat(on)
    tops = scope_tops(user, roles=DESK_ROLES, within=organisation)
    rows = [row for top in tops for row in staffing_rows(top, on=on)]

    def stream():
        for r in rows:
            yield (r.school.name, "、".join(STAGE_DISPLAY[s] for s in r.stages), r.students,
                   r.full_time, r.required, r.gap)

    return len(rows), stream()


# ---------------------------------------------------------------- activation slips

ACTIVATION_COLUMNS = (
    Column("工号", 14), Column("姓名", 12), Column("学校", 24), Column("激活码", 14),
    Column("有效期至", 14, "date"),
)


def activation_rows(*, user, organisation: Organisation | None = None, **_ignored):
    """New activation codes for the teachers of the scope (or one organisation in it) who have
    never logged in, issued through people's service: the codes exist only in this sheet."""
    rows = []
    for top in _within(user, organisation):
        teachers = list(teachers_to_activate(user, organisation=top, roles=DESK_ROLES)
                        .select_related("school"))
        if not teachers:
            continue
        for teacher, code, expires in activation_codes_issue(teachers=teachers, issued_by=user,
                                                             organisation=top):
            rows.append((teacher.employee_no, teacher.name, teacher.school.name,
                         activation_code_display(code), timezone.localtime(expires).date()))
    return len(rows), iter(rows)


def _slips(rows: list[tuple]) -> bytes:
    from .slips import slips_pdf

    return slips_pdf(rows)


# ---------------------------------------------------------------- parent-school reach per school

REACH_COLUMNS = (
    Column("学期/term", 18), Column("区县/district", 14), Column("学校/school", 24),
    Column("学校代码/school_code", 14), Column("家长学校活动场次/sessions_held", 14, "int"),
    Column("家长课程观看次数/lesson_views", 14, "int"), Column("本学期未开展/none_this_term", 12),
)


def parent_reach_rows(*, user, organisation: Organisation | None = None, term=None, **_ignored):
    """Per school and term: parent-school sessions held and views through the school's link."""
    from certification.reach import parent_school_reach_rows

    district = district_names()
    rows = [(t, r) for t in _workload_terms(term) for r in parent_school_reach_rows(user=user, term=t)
            if organisation is None or r.school.path.startswith(organisation.path)]

    def stream():
        for t, r in rows:
            yield (f"{t.year} {t.label}", district(r.school.path), r.school.name, r.school.code,
                   r.sessions, r.views, "是" if r.none_held else "")

    return len(rows), stream()


EXPORTS: dict[str, ExportKind] = {
    "teachers": ExportKind("teachers", "教师名册", "Teachers roster", TEACHER_COLUMNS, teachers_rows,
                           filters=("role",)),
    "roster": ExportKind("roster", "持证名册", "Certificate roster", ROSTER_COLUMNS,
                         certificate_roster_rows, filters=("level", "status", "role", "expiring_before")),
    "holding": ExportKind("holding", "持证率", "Holding rate", holding_columns, holding_rows,
                          filters=("on",), more_sheets=holding_trend_sheet),
    "hours": ExportKind("hours", "培训学时", "Training hours", HOURS_COLUMNS, hours_rows,
                        filters=("role", "on")),
    "workload": ExportKind("workload", "工作量", "Workload", workload_columns, workload_rows,
                           filters=("term",)),
    "assignments": ExportKind("assignments", "培训完成率", "Assignment completion",
                              ASSIGNMENT_COLUMNS, assignments_rows),
    "staffing": ExportKind("staffing", "心理教师配备", "Counsellor staffing", STAFFING_COLUMNS,
                           staffing_sheet_rows, filters=("on",)),
    "activation": ExportKind("activation", "激活码", "Activation codes", ACTIVATION_COLUMNS,
                             activation_rows, attachment=_slips),
    "parent_reach": ExportKind("parent_reach", "家长学校开展情况", "Parent-school reach",
                               REACH_COLUMNS, parent_reach_rows, filters=("term",)),
}


def register_export(kind: ExportKind) -> None:
    """Add (or replace) an export kind."""
    EXPORTS[kind.key] = kind
