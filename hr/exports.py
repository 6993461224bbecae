"""Exports: each kind names its columns and streams its rows from a scoped query.

Rows come from the owning app's selectors (people, certification, courses), always through
the requester's scope for the HR desk's purpose (`organisation_scope(roles=DESK_ROLES)`), optionally narrowed to one organisation inside
it, and shaped here into cells: headers and labels in the language the export was asked in
(the job keeps it; the task writes under it), one language per sheet, dates as dates, rates as
fractions that the writer formats as percentages.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from certification.models import NO_STATED_EXPIRY, Certificate, WorkloadActivityType
from certification.reach import parent_school_reach_rows
from certification.selectors import (
    certificate_roster_list,
    holding_rates,
    level_codes,
    stored_trends,
    training_hours_list,
    training_hours_rows,
)
from certification.selectors.rosters import hours_sheet_categories
from certification.workload.selectors import (
    workload_calendar_owner,
    workload_term_containing,
    workload_term_get,
    workload_term_recent,
    workload_term_report,
)
from courses.models import Assignment
from courses.selectors import assignment_completion_by_school
from people import purposes
from people.models import Organisation, Stage, Teacher, flags_codes
from people.selectors import (
    district_names,
    organisation_scope,
    organisation_tops,
    scope_tops,
    teacher_posts_q,
    teachers_to_activate,
)
from people.services import activation_code_display, activation_codes_issue
from people.staffing import staffing_rows, staffing_totals

from .models import JobError
from .selectors import DESK_ROLES
from .sheets.normalise import posts_display
from .sheets.writing import Column
from .slips import slips_pdf


def _labels(choices) -> dict:
    """Stored code -> its label in the active language (read when the rows are written)."""
    return {code: str(label) for code, label in choices}


@dataclass(frozen=True)
class ExportKind:
    """One kind of export, declared once (EXPORTS): its key, the desk's label for it, its sheet
    title, columns, a function giving (total, rows), the filters it takes, the purpose whose
    scope it reads, and whether its figures can be submitted as a report snapshot."""

    key: str
    title_en: str
    columns: tuple[Column, ...] | Callable[[], tuple[Column, ...]]
    rows: Callable[..., tuple[int, Iterator[tuple]]]
    filters: tuple[str, ...] = field(default=())
    # The desk's name for it (export form, jobs, audit log, snapshots, rounds).
    label: str = ""
    # The roles whose scope the export reads (people.purposes): who may ask for it, and over what.
    purpose: purposes.Purpose = DESK_ROLES
    # Submittable as a report snapshot: how many leading columns name a row (the key a row is
    # matched by when compared with today's computation); 0 = not submittable.
    key_columns: int = 0
    # A second file made from the same rows (the activation slips' PDF): (rows, **params) -> bytes.
    attachment: Callable[..., bytes] | None = None
    attachment_ext: str = "pdf"
    # Further sheets of the same workbook: (title, columns, rows) for the same arguments.
    more_sheets: Callable[..., list[tuple[str, tuple[Column, ...], Iterator[tuple]]]] | None = None

    def extra_sheets(self, **kwargs) -> list:
        """The workbook's further sheets, if this kind has any."""
        return self.more_sheets(**kwargs) if self.more_sheets else []

    @property
    def title(self) -> str:
        """The sheet's title in the active language."""
        return gettext(self.title_en)

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
        genders, roles, statuses = (_labels(Teacher.Gender.choices), _labels(Teacher.Role.choices),
                                    _labels(Teacher.Status.choices))
        for number, name, gender, school, code, path, role, posts, hired, status in teachers.iterator(chunk_size=2000):
            # The primary post first, as the roster's 岗位 cell takes them back.
            codes = [role] + [c for c in flags_codes(Teacher.Role, posts) if c != role]
            yield (number, name, genders.get(gender), school, code, district(path),
                   posts_display(codes, labels=roles), hired, statuses.get(status, status))

    return total, rows()


# Headers re-import: each one's Chinese and English are names the import knows (hr.sheets.columns).
TEACHER_COLUMNS = (
    Column(_("Employee number")), Column(_("Name")), Column(_("Gender")),
    Column(_("School")), Column(_("School code")), Column(_("District")),
    Column(_("Role")), Column(_("Hire date"), kind="date"), Column(_("Employment status")),
)


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
    Column(_("Name")), Column(_("Employee number")), Column(_("School")),
    Column(_("District")), Column(_("Role")), Column(_("Certificate level")),
    Column(_("Certificate number")), Column(_("Issued on"), kind="date"),
    Column(_("Expires on"), kind="date"), Column(_("Status")),
    Column(_("Hours this cycle"), kind="number"),
)


def certificate_roster_rows(*, user, organisation: Organisation | None = None, level=None,
                            status=None, role=None, expiring_before=None, on=None, **_ignored):
    """The certificate roster of the scope, filtered, with roles and statuses (as they stood
    on `on`, today by default) as labels."""
    query = certificate_roster_list(user=user, organisation=organisation, level=level or None,
                                    status=status or None, role=role or None,
                                    expiring_before=_day(expiring_before), on=_day(on))

    def rows():
        roles, statuses = _labels(Teacher.Role.choices), _labels(Certificate.Status.choices)
        for (name, number, school, district, role_code, level_code, cert_no, issued, expires,
             status_code, hours) in query.iterator(chunk_size=2000):
            yield (name, number, school, district, roles.get(role_code, role_code),
                   level_code, cert_no, issued, None if expires == NO_STATED_EXPIRY else expires,
                   statuses.get(status_code, status_code),
                   hours)

    return query.count(), rows()


# ---------------------------------------------------------------- holding rates

def holding_columns() -> tuple[Column, ...]:
    per_level = []
    for code in level_codes():
        per_level += [Column(gettext("%(level)s or above") % {"level": code}, kind="int"),
                      Column(gettext("%(level)s holding rate") % {"level": code}, kind="percent"),
                      Column(gettext("%(level)s target") % {"level": code}, kind="percent"),
                      Column(gettext("%(level)s gap") % {"level": code}, kind="percent")]
    return (Column(_("Kind")), Column(_("District")), Column(_("School")),
            Column(_("Number of teachers"), kind="int"), Column(_("New teachers (not counted)"), kind="int"),
            Column(_("Counted"), kind="int"), *per_level)


HOLDING_KIND = {"school": _("School"), "district": _("District subtotal"), "total": _("Total")}


def holding_rows(*, user, organisation: Organisation | None = None, on=None, **_ignored):
    """Holding rates per school, a subtotal after each district's schools, and a total per top
    of the scope, from certification's one rule (`holding_rates`)."""
    on = _day(on) or timezone.localdate()
    levels = level_codes()
    tops = _within(user, organisation)

    def line(kind, district, name, row):
        cells = []
        for code in levels:
            cells += [row.holders[code], row.rate(code), row.target(code), row.gap(code)]
        return (str(HOLDING_KIND[kind]), district, name, row.teachers, row.new_teachers, row.counted, *cells)

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
    return (Column(_("Month end"), kind="date"), Column(_("Counted"), kind="int"),
            *[Column(gettext("%(level)s holding rate") % {"level": code}, kind="percent")
              for code in level_codes()],
            Column(_("Share on pace"), kind="percent"))


def holding_trend_sheet(*, user, organisation: Organisation | None = None, on=None, **_ignored):
    """The second sheet of the holding export: each month end of the last 24 months, the
    holding rate per level and the share of teachers on pace, for the same scope."""
    on = _day(on) or timezone.localdate()
    scope = organisation_scope(user, roles=DESK_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    levels = level_codes()
    # The stored per-school figures (the same rule as holding_trend / hours_pace_trend).
    holding, pace = stored_trends(organisation_tops(scope), on=on, months=TREND_MONTHS)
    pace = dict(pace)

    def rows():
        for day, counted, rates in holding:
            p = pace[day]
            total = p["on_pace"] + p["behind"] + p["far_behind"]
            yield (day, counted, *[rates[code] for code in levels],
                   p["on_pace"] / total if total else None)

    return [(gettext("Holding rate trend"), holding_trend_columns(), rows())]


# ---------------------------------------------------------------- training hours

HOURS_COLUMNS = (
    Column(_("Employee number")), Column(_("Name")), Column(_("School")),
    Column(_("District")), Column(_("Role")),
    Column(_("Cycle start"), kind="date"), Column(_("Cycle end"), kind="date"),
    Column(_("Hours this cycle"), kind="number"), Column(_("Cycle target"), kind="number"),
    Column(_("Share done"), kind="percent"), Column(_("Last training"), kind="date"),
)


def hours_columns() -> tuple[Column, ...]:
    """The hours sheet's columns: the cycle's, then one per hour category (its hours in the
    cycle), named in the sheet's language."""
    return (*HOURS_COLUMNS, *[Column(gettext("%(category)s (hours)") % {"category": c.label},
                                     kind="number") for c in hours_sheet_categories()])


def hours_rows(*, user, organisation: Organisation | None = None, role=None, on=None,
               **_ignored):
    """Training hours per active teacher in their own cycle on `on` (today by default), with
    the hours of each category, from certification's cycle module."""
    on = _day(on)
    codes = [c.code for c in hours_sheet_categories()]
    total = training_hours_list(user=user, organisation=organisation, role=role or None,
                                on=on).count()

    def stream():
        roles = _labels(Teacher.Role.choices)
        for row in training_hours_rows(user=user, organisation=organisation, role=role or None,
                                       on=on, categories=codes):
            yield (*row[:4], roles.get(row[4], row[4]), *row[5:])

    return total, stream()


# ---------------------------------------------------------------- counsellor workload

def _workload_terms(term=None, *, user=None, organisation=None) -> list:
    """The term asked for (else the current or last one), on the calendar the export's scope
    follows."""
    owner = workload_calendar_owner(user, organisation) if user is not None else organisation
    if term:
        found = workload_term_get(term, owner)
        if found is None:
            raise JobError(gettext("No such term: %(term)s") % {"term": term})
        return [found]
    today = timezone.localdate()
    current = workload_term_containing(today, owner)
    return [current] if current else workload_term_recent(today=today, count=1, organisation=owner)


def _activity_types() -> list:
    return list(WorkloadActivityType.objects.order_by("pk").values_list("code", "name"))


def workload_columns() -> tuple[Column, ...]:
    return (Column(_("Term")), Column(_("Employee number")), Column(_("Name")),
            Column(_("School")), Column(_("Role")),
            *[Column(name, kind="number") for _code, name in _activity_types()],
            Column(_("Total"), kind="number"), Column(_("Against the head-teacher norm"), kind="percent"),
            Column(_("Counselling-room duty hours"), kind="number"))


def workload_rows(*, user, organisation: Organisation | None = None, term=None, **_ignored):
    """Approved workload credit per counsellor and term, from certification's term report."""
    codes = [code for code, _name in _activity_types()]
    reports = [(t, workload_term_report(user=user, term_start=t.start, term_end=t.end,
                                        organisation=organisation))
               for t in _workload_terms(term, user=user, organisation=organisation)]
    total = sum(len(report.counsellors) for _t, report in reports)

    # A counsellor's row names the school she served the term at (she may have moved since).
    schools = dict(Organisation.objects.filter(
        pk__in={row.teacher.term_school for _t, r in reports for row in r.counsellors})
        .values_list("pk", "name"))

    def stream():
        roles = _labels(Teacher.Role.choices)
        for term_, report in reports:
            for row in report.counsellors:
                teacher = row.teacher
                yield (f"{term_.year} {term_.label}", teacher.employee_no, teacher.name,
                       schools.get(teacher.term_school, teacher.school.name),
                       roles.get(teacher.role, teacher.role),
                       *[row.by_type.get(code, 0) for code in codes], row.total, row.ratio,
                       row.duty_hours)

    return total, stream()


# ---------------------------------------------------------------- assignment completion

ASSIGNMENT_COLUMNS = (
    Column(_("District")), Column(_("School")), Column(_("School code")),
    Column(_("Assigned teachers"), kind="int"), Column(_("Completed"), kind="int"),
    Column(_("Outstanding"), kind="int"), Column(_("Completion rate"), kind="percent"),
)


def assignments_rows(*, user, organisation: Organisation | None = None, assignment=None, on=None,
                     **_ignored):
    """Completion of assigned training per school of the scope as it stood on `on` (default
    today), from courses' selector."""
    chosen = None
    if assignment:
        chosen = Assignment.objects.filter(pk=assignment).first()
    if isinstance(on, str):
        on = date.fromisoformat(on)
    rows = assignment_completion_by_school(user=user, roles=DESK_ROLES, assignment=chosen, on=on)
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
    Column(pgettext_lazy("staffing sheet", "School")), Column(pgettext_lazy("staffing sheet", "Stages")),
    Column(pgettext_lazy("staffing sheet", "Students"), kind="int"),
    Column(pgettext_lazy("staffing sheet", "Full-time counsellors"), kind="int"),
    Column(pgettext_lazy("staffing sheet", "Part-time counsellors"), kind="int"),
    Column(pgettext_lazy("staffing sheet", "Required"), kind="int"),
    Column(pgettext_lazy("staffing sheet", "Gap"), kind="int"),
    Column(pgettext_lazy("staffing sheet", "Meets the rules"), 12),
    Column(pgettext_lazy("staffing sheet", "Staffing rate"), kind="percent"),
)


def staffing_sheet_rows(*, user, organisation: Organisation | None = None, on=None, **_ignored):
    """Every school of the scope (or one organisation in it): stages, students on `on` (default
    today), full- and part-time counsellors, how many the staffing rules require, the gap; then
    per district and for each top of the scope: 专职, 兼职 and 配备率 (schools meeting the rules /
    schools)."""
    on = on or timezone.localdate()
    if isinstance(on, str):
        on = date.fromisoformat(on)
    tops = scope_tops(user, roles=DESK_ROLES, within=organisation)
    by_top = [(top, staffing_rows(top, on=on)) for top in tops]
    rows = [row for _top, found in by_top for row in found]
    totals = [total for top, found in by_top for total in staffing_totals(top, found)]

    def stream():
        stages = _labels(Stage.choices)
        missing = pgettext("staffing sheet", "Student count missing")
        for r in rows:
            yield (r.school.name, "、".join(stages.get(s, s) for s in r.stages),
                   missing if r.students_missing else r.students, r.full_time, r.part_time,
                   r.required, r.gap,
                   missing if r.students_missing else gettext("Yes") if r.meets else gettext("No"),
                   None)
        for t in totals:
            yield (pgettext("staffing sheet", "%(name)s (all schools)") % {"name": t.organisation.name},
                   "", None, t.full_time, t.part_time, None, None, f"{t.meeting}/{t.schools}", t.rate)

    return len(rows) + len(totals), stream()


# ---------------------------------------------------------------- activation slips

ACTIVATION_COLUMNS = (
    Column(_("Employee number")), Column(_("Name")), Column(_("School")), Column(_("Activation code")),
    Column(_("Expires on"), kind="date"),
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


def _slips(rows: list[tuple], *, base_url: str = "", **_ignored) -> bytes:
    return slips_pdf(rows, base_url=base_url or None)


# ---------------------------------------------------------------- parent-school reach per school

REACH_COLUMNS = (
    Column(_("Term"), 18), Column(_("District"), 14), Column(_("School"), 24),
    Column(_("School code"), 14), Column(_("Parent-school sessions held"), 14, "int"),
    Column(_("Parents reached (person-times)"), 14, "int"), Column(_("Households"), 12, "int"),
    Column(_("Parent lesson views"), 14, "int"), Column(_("None held this term"), 12),
)


def parent_reach_rows(*, user, organisation: Organisation | None = None, term=None, **_ignored):
    """Per school and term: parent-school sessions held and views through the school's link."""
    district = district_names()
    rows = [(t, r) for t in _workload_terms(term, user=user, organisation=organisation)
            for r in parent_school_reach_rows(user=user, term=t)
            if organisation is None or r.school.path.startswith(organisation.path)]

    def stream():
        for t, r in rows:
            yield (f"{t.year} {t.label}", district(r.school.path), r.school.name, r.school.code,
                   r.sessions, r.parents, r.households, r.views,
                   gettext("Yes") if r.none_held else "")

    return len(rows), stream()


def export_language(language: str | None = None) -> str:
    """A language the site speaks: the one given, else the active one, else the default."""
    known = {code for code, _name in settings.LANGUAGES}
    for candidate in (language, translation.get_language(), settings.LANGUAGE_CODE):
        if candidate and translation.get_supported_language_variant(candidate) in known:
            return translation.get_supported_language_variant(candidate)
    return settings.LANGUAGE_CODE


EXPORTS: dict[str, ExportKind] = {
    "teachers": ExportKind("teachers", "Teachers roster", TEACHER_COLUMNS, teachers_rows,
                           filters=("role",), label=_("Teachers roster")),
    "roster": ExportKind("roster", "Certificate roster", ROSTER_COLUMNS,
                         certificate_roster_rows, filters=("level", "status", "role", "expiring_before"),
                         label=_("Certificate roster")),
    "holding": ExportKind("holding", "Holding rate", holding_columns, holding_rows,
                          filters=("on",), more_sheets=holding_trend_sheet, label=_("Holding rate"),
                          key_columns=3),  # kind, district, school
    "hours": ExportKind("hours", "Training hours", hours_columns, hours_rows,
                        filters=("role", "on"), label=_("Training hours"),
                        key_columns=1),  # employee number
    "workload": ExportKind("workload", "Workload", workload_columns, workload_rows,
                           filters=("term",), label=_("Counsellor workload"),
                           key_columns=2),  # term, employee number
    "assignments": ExportKind("assignments", "Assignment completion",
                              ASSIGNMENT_COLUMNS, assignments_rows, filters=("on",),
                              label=_("Assignment completion"),
                              key_columns=3),  # district, school, school code
    "staffing": ExportKind("staffing", "Counsellor staffing", STAFFING_COLUMNS,
                           staffing_sheet_rows, filters=("on",), label=_("Counsellor staffing"),
                           key_columns=1),  # school
    "activation": ExportKind("activation", "Activation codes", ACTIVATION_COLUMNS,
                             activation_rows, attachment=_slips,
                             label=_("Activation slips (teachers who have never logged in; "
                                     "new codes void earlier ones)")),
    "parent_reach": ExportKind("parent_reach", "Parent-school reach",
                               REACH_COLUMNS, parent_reach_rows, filters=("term",),
                               label=_("Parent-school reach per school"),
                               key_columns=4),  # term, district, school, school code
}
