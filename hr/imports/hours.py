"""Offline training hours, recorded in the ledger through certification.services."""

import hashlib
import unicodedata
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from certification.models import TrainingEntry
from certification.selectors import figures_deferred
from certification.services import training_entry_record
from courses.models import DEFAULT_CATEGORY, HourCategory
from people.models import Teacher

from ..sheets.columns import TRAINING
from ..sheets.errors import CellError
from ..sheets.normalise import clean_code, clean_text, parse_date, parse_hours
from ..sheets.reading import open_sheet
from .rows import CHUNK, ImportHasErrors, Plan, chunks, import_today, not_future, row_readers, teacher_rows


def training_reference(employee_no: str, when: date, title: str, hours) -> str:
    """A stable reference for a training row without one, so importing it twice records it once."""
    digest = hashlib.sha1(f"{employee_no}|{when.isoformat()}|{title}|{hours}".encode()).hexdigest()
    return f"sheet:{digest[:20]}"


def category_reader() -> Callable[[object], str]:
    """A cell -> the code of an active hour category written as its code, Chinese or English
    name (any case, full- or half-width); the categories are read once per sheet."""
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
    plan = Plan(kind="training")
    today = import_today()  # one moment for the whole file
    parsed, first_seen = [], {}
    read_category = category_reader()
    with open_sheet(path, TRAINING) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True, max_length=32)
            name = r.get("name", clean_text)
            hours = r.get("hours", parse_hours, required=True)
            when = r.get("date", lambda v: not_future(parse_date(v), today), required=True)
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
    for chunk in chunks([fields["reference"] for _row, _no, fields in parsed]):
        recorded.update(TrainingEntry.objects.filter(source=TrainingEntry.Source.IMPORT, reference__in=chunk)
                        .values_list("reference", flat=True))
    teachers = teacher_rows(parsed, plan, layout, user)
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
