"""The shared piece of every import: the plan, the row reader and the loop over a sheet's rows.

`hr` parses and validates; the owning app writes (people for teachers, certification for
certificates and training hours). A plan is computed afresh at commit time from the stored
file, so what is written is exactly what the file says now.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext

from people import purposes
from people.models import Organisation, Teacher, flags_codes
from people.selectors import organisation_scope

from ..sheets.columns import HEADERS, header_label
from ..sheets.errors import CellError, ErrorLog, RowError
from ..sheets.normalise import clean_text, posts_display
from ..sheets.reading import SheetLayout

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


def code_labels(key: str) -> dict:
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
            shown[_header("role")] = [posts_display(flags_codes(Teacher.Role, before), labels=code_labels("role")),
                                      posts_display(flags_codes(Teacher.Role, after), labels=code_labels("role"))]
            continue
        values = code_labels(key)
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


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def teachers_by_number(numbers: list[str]) -> dict[str, tuple]:
    """Existing teachers for these employee numbers: one query per 5,000 numbers, not per row."""
    found = {}
    for chunk in chunks(numbers):
        for row in Teacher.objects.filter(employee_no__in=chunk).values_list(
                "employee_no", "pk", "name", "gender", "school_id", "role", "posts", "hire_date",
                "is_active", "status", "school__code", "first_work_date"):
            found[row[0]] = row
    return found


def import_today() -> date:
    return timezone.localdate()


def not_future(value: date, today: date | None = None) -> date:
    if value > (today or import_today()):
        raise CellError(gettext("Date is in the future"))
    return value


def teacher_rows(parsed: list, plan: Plan, layout: SheetLayout, user) -> dict[str, tuple]:
    """Look up the teachers of parsed rows in one pass; rows of unknown or out-of-scope teachers fail."""
    existing = teachers_by_number(sorted({number for _row, number, _f in parsed}))
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
