"""The school calendar from a sheet: 机构代码, 学期, 开始日期, 结束日期, 类型 (教学日/假期/调休上课).

Each term the file names (by organisation) replaces that term's stored periods; other terms stay.
A 教学日 row is the term's span, 假期 and 调休上课 rows lie inside it. The checks are the calendar's
own (certification.calendar.period_problem); a file with any error writes nothing.
"""

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext

from certification.calendar import calendar_terms_replace, period_problem
from certification.models import CalendarPeriod
from people.models import Organisation
from people.selectors import organisation_scope

from ..sheets.columns import CALENDAR
from ..sheets.errors import CellError
from ..sheets.normalise import CALENDAR_KIND_DISPLAY, clean_code, clean_text, parse_calendar_kind, parse_date
from ..sheets.reading import open_sheet
from .rows import IMPORT_ROLES, ImportHasErrors, Plan, RowReader, row_readers

# The calendar's field names -> the sheet's columns, for naming the cell an error is in.
_COLUMN_OF = {"term": "term", "start": "start_date", "end": "end_date", "kind": "org_kind"}


def calendar_plan(*, path, user, progress=None, **_options) -> Plan:
    """Read a calendar sheet and check each row against the organisation's calendar."""
    plan = Plan(kind="calendar")
    scope = dict(organisation_scope(user, roles=IMPORT_ROLES).values_list("code", "pk"))
    readers: dict[int, RowReader] = {}
    parsed = []
    with open_sheet(path, CALENDAR) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):

            def in_scope(value):
                code = clean_code(value)
                if code not in scope:
                    raise CellError(gettext("No such organisation in your scope"))
                return code

            code = r.get("org_code", in_scope, required=True, max_length=32)
            term = r.get("term", clean_text, required=True, max_length=40)
            start = r.get("start_date", parse_date, required=True)
            end = r.get("end_date", parse_date, required=True)
            kind = r.get("org_kind", parse_calendar_kind, required=True)
            readers[r.number] = r
            if r.ok:
                parsed.append({"row": r.number, "code": code, "organisation_id": scope[code],
                               "term": term, "kind": kind, "start": start, "end": end})
    # The stored terms the file leaves as they are, per organisation.
    named = defaultdict(set)
    for row in parsed:
        named[row["organisation_id"]].add(row["term"])
    kept: dict[int, dict] = defaultdict(dict)
    for org_id, name, start, end in CalendarPeriod.objects.filter(
            organisation_id__in=list(named), kind=CalendarPeriod.Kind.TERM).values_list(
            "organisation_id", "term", "start", "end"):
        if name not in named[org_id]:
            kept[org_id][name] = (start, end)
    # Terms first (each against those kept and those earlier in the file), then what lies in them.
    in_file: dict[int, dict] = defaultdict(dict)
    ordered = sorted(parsed, key=lambda row: (row["kind"] != CalendarPeriod.Kind.TERM, row["row"]))
    for row in ordered:
        org = row["organisation_id"]
        if row["kind"] == CalendarPeriod.Kind.TERM:
            terms = {**kept[org], **in_file[org]}
        else:
            terms = in_file[org]
        problem = period_problem(kind=row["kind"], term=row["term"], start=row["start"],
                                 end=row["end"], terms=terms)
        if problem:
            field, message = problem
            key = _COLUMN_OF[field]
            readers[row["row"]].fail(key, readers[row["row"]].values.get(key), message)
            continue
        if row["kind"] == CalendarPeriod.Kind.TERM:
            in_file[org][row["term"]] = (row["start"], row["end"])
        plan.creates.append({**row, "display": {
            "row": row["row"], "org_code": row["code"], "term": row["term"],
            "start_date": row["start"], "end_date": row["end"],
            "org_kind": CALENDAR_KIND_DISPLAY[row["kind"]]}})
    plan.creates.sort(key=lambda row: row["row"])
    plan.errors.sort(key=lambda e: e.row)
    return plan


def calendar_commit(*, path, user, progress=None, plan: Plan | None = None, **_options) -> dict:
    """Write the file's terms through certification.calendar, all or nothing."""
    plan = plan or calendar_plan(path=path, user=user, progress=progress)
    if plan.errors:
        raise ImportHasErrors(plan)
    by_org: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for row in plan.creates:
        by_org[row["organisation_id"]][row["term"]].append((row["kind"], row["start"], row["end"]))
    organisations = Organisation.objects.in_bulk(list(by_org))
    written = 0
    with transaction.atomic():
        for org_id, terms in by_org.items():
            written += calendar_terms_replace(organisation=organisations[org_id], terms=dict(terms))
    return {"created": written, "rows": plan.rows}
