"""Blank templates HR download and fill in: headers, an example row, drop-down lists, instructions."""

from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from courses.models import HourCategory
from people import purposes
from people.models import Organisation, Stage, StudentCount, flags_codes
from people.selectors import organisation_scope

from .columns import SPECS, header_label
from .normalise import (
    CALENDAR_KIND_DISPLAY,
    EMPLOYMENT_DISPLAY,
    ORG_KIND_DISPLAY,
    ORG_KINDS,
    POSTS,
    SESSION_FORM_DISPLAY,
    STAFF_ROLES,
    STAGE_DISPLAY,
    STATUSES,
    level_codes,
    one_of,
)

EXAMPLES = {
    "employee_no": "E2024001", "name": "李梅", "gender": "女", "school_code": "S0101",
    "school": "示范市第一中学", "role": "班主任", "hire_date": "2019-09-01",
    "first_work_date": "2012-09-01", "left_on": "", "moved_on": "",
    "email": "limei@example.com", "phone": "13800138000", "level": "C",
    "cert_no": "XY-2023-C-0001", "issued_on": "2023-06-19", "expires_on": "2028-06-18",
    "authority": "示范市教育局", "hours": 6, "date": "2024-03-02",
    "title": "心理危机识别与干预专题培训", "reference": "",
    "status": "在职", "staff_role": "", "category": "心理危机识别与干预",
    # School calendar (the organisation sheet's template is a sample file: 类型 is only read here)
    "org_code": "D01", "term": "2024学年第一学期", "start_date": "2024-08-28",
    "end_date": "2025-01-17", "org_kind": "教学日",
    "session_date": "2024-10-12", "topic": "青春期亲子沟通", "form": "家长会", "speaker": "王老师",
    "parents": 320, "households": 300,
}
SAMPLE_ORGANISATIONS = Path(__file__).resolve().parent / "samples" / "organisations.xlsx"
# The example row's words and the drop-down lists, as a template in English writes them (the
# importer reads both).
EXAMPLES_EN = {"gender": "F", "role": "head teacher", "status": "active", "category": "crisis",
               "term": "2024-25 first term", "org_kind": "teaching", "form": "meeting",
               "topic": "Talking with teenagers", "speaker": "Ms Wang"}
LISTS = {
    "gender": ["男", "女"],
    "status": list(EMPLOYMENT_DISPLAY.values()),
    "org_kind": list(CALENDAR_KIND_DISPLAY.values()),
    "form": list(SESSION_FORM_DISPLAY.values()),
}
LISTS_EN = {"gender": ["M", "F"], "status": list(EMPLOYMENT_DISPLAY),
            "org_kind": ["teaching", "holiday", "makeup"],
            "form": ["meeting", "lecture", "online", "other"]}
# Each column's note, in the template's one language (the active one when it is downloaded).
# Notes that differ by sheet where two sheets share a column key.
SHEET_NOTES = {
    ("calendar", "org_code"): _("Code of the organisation (city, district or school) whose "
                                "calendar this is, inside your scope; its schools follow it "
                                "unless a nearer one has its own"),
    ("calendar", "org_kind"): _("Type: 教学日 (the term's span: its weekdays are teaching days), 假期 "
                                "(holiday inside the term) or 调休上课 (make-up school days)"),
}
NOTES = {
    "employee_no": _("Employee number, unique; the login name"),
    "name": _("Teacher's name"),
    "gender": _("Male or female (M or F)"),
    "school_code": _("School code, inside your scope"),
    "school": _("School name, for checking only"),
    # %(choices)s: the model's choices as the sheets write them (normalise.Vocabulary).
    "role": _("Posts: one or several of %(choices)s, separated by commas or slashes; the first "
              "is the main post"),
    "status": _("Status: %(choices)s (empty: in post); teachers not in post cannot log in and "
                "leave every rate"),
    "staff_role": _("Staff role (optional): %(choices)s, as you may grant"),
    "hire_date": _("Hire date, e.g. 2019-09-01"),
    "first_work_date": _("First work date (first year in the profession, optional): decides who is a new teacher"),
    "left_on": _("Leaving date (optional): the first day no longer in post; empty: the import's effective date"),
    "moved_on": _("Transfer date (optional): the first day at the new school or in the new posts; empty: the import's effective date"),
    "email": _("E-mail (optional); a new teacher with one is e-mailed an invitation to set a password"),
    "phone": _("Mobile (optional); a mainland number, used only to log in by text message"),
    # The levels are data: listed as city HR keep them when the template is downloaded.
    "level": _("Certificate level: %(levels)s (may be written C证)"),
    "cert_no": _("Certificate number, unique; importing twice records once"),
    "issued_on": _("Date of issue"),
    "expires_on": _("Valid until (may be empty)"),
    "authority": _("Issuing authority"),
    "hours": _("Hours, above 0 and at most 200"),
    "date": _("Date of the training"),
    "title": _("Training title"),
    "category": _("Hour category (optional: other), from the list, or its code"),
    "session_date": _("Date the session was held, not in the future"),
    "topic": _("Topic of the session"),
    "form": _("Form: 家长会, 讲座, 线上 or 其他 (empty: 家长会)"),
    "speaker": _("Speaker (optional)"),
    "parents": _("Parents reached (person-times), 0 or more"),
    "households": _("Households reached (optional), no more than the parents reached"),
    "term": _("Term name; the rows of a term in the file replace that term's calendar"),
    "start_date": _("First day, e.g. 2024-08-28"),
    "end_date": _("Last day (inclusive)"),
    "reference": _("Record reference (optional; without it a row is known by number, date, title and hours)"),
    "parent_code": _("Parent code: the parent's code (empty for the city); parents may come after "
                     "children"),
    "org_code": _("Code (or school code): unique"),
    "org_name": _("Name (or school name)"),
    "org_kind": _("Kind: %(choices)s"),
    "stages": _("Stages: primary, junior, senior, nine-year, complete secondary, vocational, special, "
                "kindergarten; several allowed, separated by 、"),
    "students": _("Students on the counting date (empty date: the day of the import)"),
    "boarding": _("Boarding school: yes or no"),
    "counted_on": _("Date the students were counted"),
}
ORGANISATION_KEYS = ("parent_code", "org_code", "org_name", "org_kind", "stages", "students",
                     "boarding", "counted_on")


def organisation_template_rows(*, user, on) -> list[tuple]:
    """The organisations of the user's scope for the organisation tree (people.purposes), as the
    template lists them: parent first, students as counted on or before `on`. Only the user's
    own subtree: other districts' codes, names and counts are not theirs to see."""
    latest = StudentCount.objects.filter(organisation=OuterRef("pk"), on__lte=on).order_by("-on")
    scope = (organisation_scope(user, roles=purposes.ORGANISATION_TREE).order_by("path")
             .annotate(students=Subquery(latest.values("count")[:1]),
                       counted_on=Subquery(latest.values("on")[:1])))
    chinese = (get_language() or settings.LANGUAGE_CODE).startswith("zh")
    step = Organisation.steplen
    organisations = list(scope)
    parents = dict(Organisation.objects.filter(
        path__in={o.path[:-step] for o in organisations if o.depth > 1}).values_list("path", "code"))
    rows = []
    for o in organisations:
        school = o.kind == Organisation.Kind.SCHOOL
        stages = flags_codes(Stage, o.stages) if o.stages else []
        rows.append((
            parents.get(o.path[:-step], ""), o.code, o.name,
            ORG_KIND_DISPLAY[o.kind] if chinese else o.kind,
            ("、" if chinese else ", ").join(STAGE_DISPLAY[c] if chinese else c for c in stages),
            o.students, (("是" if o.is_boarding else "否") if chinese else
                         ("yes" if o.is_boarding else "no")) if school else "",
            o.counted_on))
    return rows


def organisation_template_workbook(*, user, on) -> bytes:
    """The organisation template: the user's own subtree as it stands (so a file sent back
    unchanged changes nothing), headers and notes in the active language."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext(SPECS["organisations"].title_en)
    sheet.append([header_label(key) for key in ORGANISATION_KEYS])
    for row in organisation_template_rows(user=user, on=on):
        sheet.append(list(row))
    for position, key in enumerate(ORGANISATION_KEYS, start=1):
        cell = sheet.cell(1, position)
        cell.font = Font(bold=True, color="C00000" if key in ("org_code", "org_name", "org_kind")
                         else "000000")
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        sheet.column_dimensions[get_column_letter(position)].width = 24 if key == "org_name" else 14
    for cell in sheet["H"][1:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(gettext("Instructions"))
    notes.append([gettext("Column"), pgettext("import template", "Required"), gettext("Notes")])
    for key in ORGANISATION_KEYS:
        notes.append([header_label(key),
                      gettext("Yes") if key in ("org_code", "org_name", "org_kind") else gettext("No"),
                      _note("organisations", key)])
    notes.append([])
    for line in (
        gettext("Organisations under the file's top rows that the file leaves out are removed; one "
                "with teachers refuses the file."),
        gettext("A changed parent moves the organisation with its teachers and records."),
        gettext("An upload is previewed first; nothing is written until you confirm, and a file with "
                "errors writes nothing."),
    ):
        notes.append([line])
    for letter, width in zip("ABC", (22, 14, 70), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The columns whose note lists a model's choices.
NOTE_CHOICES = {"role": POSTS, "status": STATUSES, "staff_role": STAFF_ROLES, "org_kind": ORG_KINDS}


def _note(kind: str, key: str, *, levels=None) -> str:
    """A column's note in the active language, with the levels or choices it lists filled in."""
    note = SHEET_NOTES.get((kind, key))
    if note is not None:
        return str(note)
    if key == "level":
        return str(NOTES[key]) % {"levels": one_of(levels[::-1])}
    if key in NOTE_CHOICES:
        return str(NOTES[key]) % {"choices": NOTE_CHOICES[key].listed()}
    return str(NOTES[key])


def template_workbook(kind: str, *, user=None, on=None) -> bytes:
    """The .xlsx template of one import kind, as bytes; the organisation template lists the
    user's own subtree as of `on`."""
    if kind == "organisations":
        return organisation_template_workbook(user=user, on=on)
    spec = SPECS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext(spec.title_en)
    sheet.append([header_label(key) for key in spec.keys])
    chinese = (get_language() or settings.LANGUAGE_CODE).startswith("zh")
    examples, lists = (EXAMPLES, dict(LISTS)) if chinese else (EXAMPLES | EXAMPLES_EN, LISTS | LISTS_EN)
    if "level" in spec.keys:
        lists["level"] = levels = level_codes()
    if "category" in spec.keys:
        # The categories as city HR keep them now: by name in Chinese, by code in English.
        lists["category"] = list(HourCategory.objects.active().values_list(
            "name" if chinese else "code", flat=True))
    sheet.append([examples[key] for key in spec.keys])
    fill = PatternFill("solid", fgColor="E8EEF4")
    for position, key in enumerate(spec.keys, start=1):
        cell = sheet.cell(1, position)
        cell.font = Font(bold=True, color="C00000" if key in spec.required else "000000")
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(position)].width = 18 if key != "title" else 30
        if key in lists:
            letter = get_column_letter(position)
            validation = DataValidation(type="list", formula1='"' + ",".join(lists[key]) + '"',
                                        allow_blank=True, showErrorMessage=True,
                                        errorTitle=gettext("Choose from the list"),
                                        error=gettext("Choose a value from the list."))
            validation.add(f"{letter}2:{letter}20000")
            sheet.add_data_validation(validation)
        if key in ("employee_no", "school_code", "cert_no", "org_code"):
            # Codes stay text so Excel does not drop leading zeros.
            letter = get_column_letter(position)
            for row in range(2, 3):
                sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(gettext("Instructions"))
    notes.append([gettext("Column"), pgettext("import template", "Required"), gettext("Notes")])
    for key in spec.keys:
        notes.append([header_label(key), gettext("Yes") if key in spec.required else gettext("No"),
                      _note(kind, key, levels=levels if "level" in spec.keys else None)])
    notes.append([])
    for line in (
        gettext("Headers may sit anywhere in the first 10 rows, in any order, in Chinese or English."),
        gettext("An upload is previewed first; nothing is written until you confirm, and a file with "
                "errors writes nothing."),
        gettext("Delete the example row; do not use formulas (paste values only)."),
    ):
        notes.append([line])
    for letter, width in zip("ABC", (22, 14, 70), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
