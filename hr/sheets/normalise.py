"""Take values as people write them in Excel and turn them into clean Python values."""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext
from openpyxl.utils.datetime import from_excel

from .errors import CellError

_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def clean_text(value) -> str:
    """Text with full-width characters folded (NFKC), outer spaces stripped, inner runs collapsed.

    A number typed into a text column (an employee number read as 1001.0) comes back as "1001".
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if not text.isascii():  # ASCII is already in NFKC form
        text = unicodedata.normalize("NFKC", text)
        # NFKC leaves the ideographic space alone in some inputs and never removes zero-width ones.
        text = text.replace("\u3000", " ")
    if text.isprintable():
        # No control or format character, and no space but " ": the common case, in C.
        return (_SPACES.sub(" ", text) if "  " in text else text).strip()
    # Control characters and invisible format characters (zero-width spaces, byte-order marks,
    # right-to-left overrides that make "gpj.exe" read as "exe.jpg") never belong in a name,
    # a title or a code: they are dropped, so what is stored is what everyone sees.
    text = "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf"))
    return _SPACES.sub(" ", text).strip()


def clean_code(value) -> str:
    """An identifier (employee number, school code, certificate number): no spaces at all."""
    return clean_text(value).replace(" ", "")


def parse_date(value) -> date:
    """A date from an Excel date cell, an Excel serial number, or 2023-06-19 / 2023/6/19 / 2023年6月19日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day count.
        if 1 <= value < 2958466:
            result = from_excel(value)
            return result.date() if isinstance(result, datetime) else result
        raise CellError(gettext("Date not recognised"))
    text = clean_code(value)
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise CellError(gettext("Date not recognised, write 2023-06-19"))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(gettext("No such date")) from None


LEVEL_CODES = ("C", "B", "A")


def parse_level(value) -> str:
    """A certificate level code from "C", "c", "C证", "C级", "C 级证书"."""
    text = clean_code(value).upper()
    for noise in ("证书", "证", "级", "LEVEL"):
        text = text.replace(noise, "")
    if text not in LEVEL_CODES:
        raise CellError(gettext("Level must be A, B or C"))
    return text


_GENDERS = {"男": "M", "M": "M", "MALE": "M", "男性": "M",
            "女": "F", "F": "F", "FEMALE": "F", "女性": "F"}


def parse_gender(value) -> str:
    """"M" or "F" from 男/女/M/F/male/female."""
    text = clean_code(value).upper()
    if text not in _GENDERS:
        raise CellError(gettext("Gender must be male or female (M or F)"))
    return _GENDERS[text]


# Role labels as schools write them, and the codes; the model's choices are the targets.
ROLE_LABELS = {
    "任课教师": "subject_teacher", "学科教师": "subject_teacher", "教师": "subject_teacher",
    "任课老师": "subject_teacher", "老师": "subject_teacher", "班主任老师": "head_teacher",
    "班主任": "head_teacher",
    "专职心理教师": "full_time_counsellor", "专职心理健康教师": "full_time_counsellor",
    "兼职心理教师": "part_time_counsellor", "兼职心理健康教师": "part_time_counsellor",
    "学校领导": "school_leader", "分管校长": "school_leader", "校领导": "school_leader",
    "SUBJECT TEACHER": "subject_teacher", "HEAD TEACHER": "head_teacher",
    "FULL-TIME COUNSELLOR": "full_time_counsellor", "PART-TIME COUNSELLOR": "part_time_counsellor",
    "SCHOOL LEADER": "school_leader",
}
ROLE_CODES = ("subject_teacher", "head_teacher", "full_time_counsellor",
              "part_time_counsellor", "school_leader")
# The label each role is written with in templates and exports.
GENDER_DISPLAY = {"M": "男", "F": "女", "": None}
ACTIVE_DISPLAY = {True: "在职", False: "离职"}
ROLE_DISPLAY = {"subject_teacher": "任课教师", "head_teacher": "班主任",
                "full_time_counsellor": "专职心理教师", "part_time_counsellor": "兼职心理教师",
                "school_leader": "学校领导"}


def parse_role(value) -> str:
    """A teacher role code from its Chinese label (任课教师, 班主任, …), English label or code."""
    text = clean_text(value)
    if text.lower().replace(" ", "_").replace("-", "_") in ROLE_CODES:
        return text.lower().replace(" ", "_").replace("-", "_")
    role = ROLE_LABELS.get(text.replace(" ", "")) or ROLE_LABELS.get(text.upper())
    if role is None:
        raise CellError(gettext("Post must be subject teacher, head teacher, full-time counsellor, part-time counsellor or school leader"))
    return role


MAX_HOURS = Decimal("200")


def parse_hours(value) -> Decimal:
    """Training hours: a positive number up to 200, kept to one decimal place."""
    text = clean_code(value).replace("学时", "").replace("小时", "")
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise CellError(gettext("Hours must be a number")) from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise CellError(gettext("Hours must be above 0 and at most 200"))
    return hours.quantize(Decimal("0.1"))


# ---------------------------------------------------------------- posts, status, organisations

_LIST_SEPARATORS = re.compile(r"[、/,，;；]+")


def parse_posts(value) -> list[str]:
    """A teacher's posts from a 岗位 cell: one or several labels separated by 、 / or a comma,
    first the primary post. An unknown label refuses the cell, naming it."""
    codes = []
    for part in _LIST_SEPARATORS.split(clean_text(value)):
        part = part.strip()
        if not part:
            continue
        try:
            code = parse_role(part)
        except CellError:
            raise CellError(gettext("Unknown post '%(value)s': a post is subject teacher, head teacher, full-time counsellor, part-time counsellor or school leader") % {
                "value": part}) from None
        if code not in codes:
            codes.append(code)
    if not codes:
        raise CellError(gettext("No post given"))
    return codes


def posts_display(codes, *, labels: dict | None = None) -> str:
    """Posts as the roster writes them: 班主任、兼职心理教师 (or in the labels given)."""
    labels = ROLE_DISPLAY if labels is None else labels
    return "、".join(labels.get(code, code) for code in codes)


STATUS_LABELS = {"在职": "active", "离职": "left", "调出": "transferred", "退休": "retired",
                 "ACTIVE": "active", "LEFT": "left", "TRANSFERRED": "transferred",
                 "RETIRED": "retired", "IN POST": "active"}
EMPLOYMENT_DISPLAY = {"active": "在职", "left": "离职", "transferred": "调出", "retired": "退休"}


def parse_status(value) -> str:
    """An employment status code from 在职 / 离职 / 调出 / 退休 (or the English words)."""
    text = clean_text(value).replace(" ", "")
    status = STATUS_LABELS.get(text) or STATUS_LABELS.get(clean_text(value).upper())
    if status is None:
        raise CellError(gettext("Status must be active, left, transferred or retired"))
    return status


ORG_KIND_LABELS = {"省": "province", "自治区": "province", "PROVINCE": "province", "市": "city", "区县": "district", "区": "district", "县": "district",
                   "镇街": "township", "镇": "township", "街道": "township", "学区": "township",
                   "学校": "school", "CITY": "city", "DISTRICT": "district",
                   "TOWNSHIP": "township", "SCHOOL": "school"}
ORG_KIND_DISPLAY = {"province": "省", "city": "市", "district": "区县", "township": "镇街", "school": "学校"}


def parse_org_kind(value) -> str:
    """An organisation kind from 省 / 市 / 区县 / 镇街 / 学区 / 学校."""
    text = clean_text(value)
    kind = ORG_KIND_LABELS.get(text) or ORG_KIND_LABELS.get(text.upper())
    if kind is None:
        raise CellError(gettext("Kind must be province, city, district, township or school"))
    return kind


CALENDAR_KIND_LABELS = {"教学日": "term", "假期": "holiday", "调休上课": "makeup",
                        "TEACHING": "term", "TEACHINGDAYS": "term", "HOLIDAY": "holiday",
                        "MAKEUP": "makeup", "MAKE-UP": "makeup"}
CALENDAR_KIND_DISPLAY = {"term": "教学日", "holiday": "假期", "makeup": "调休上课"}


SESSION_FORM_LABELS = {"家长会": "meeting", "讲座": "lecture", "线上": "online", "其他": "other",
                       "MEETING": "meeting", "LECTURE": "lecture", "ONLINE": "online",
                       "OTHER": "other"}
SESSION_FORM_DISPLAY = {"meeting": "家长会", "lecture": "讲座", "online": "线上", "other": "其他"}


def parse_session_form(value) -> str:
    """A parent-school session's form: 家长会 / 讲座 / 线上 / 其他."""
    text = clean_text(value)
    form = SESSION_FORM_LABELS.get(text) or SESSION_FORM_LABELS.get(text.upper())
    if form is None:
        raise CellError(gettext("Form must be 家长会, 讲座, 线上 or 其他"))
    return form


def parse_calendar_kind(value) -> str:
    """A calendar period's type: 教学日 / 假期 / 调休上课."""
    text = clean_text(value)
    kind = CALENDAR_KIND_LABELS.get(text) or CALENDAR_KIND_LABELS.get(text.upper().replace(" ", ""))
    if kind is None:
        raise CellError(gettext("Type must be 教学日, 假期 or 调休上课"))
    return kind


STAGE_LABELS = {"小学": "primary", "初中": "junior", "高中": "senior", "九年一贯制": "nine_year",
                "完全中学": "complete", "中职": "vocational", "特殊教育": "special",
                "幼儿园": "kindergarten"}
STAGE_DISPLAY = {code: label for label, code in STAGE_LABELS.items()}


def school_type_reader():
    """A cell of school types or stages -> the school's stages, from the school types as city HR
    keep them (people.SchoolType: 九年一贯制 = 小学+初中, 完全中学 = 初中+高中, …), read once
    per sheet; an unknown type is refused."""
    from people.staffing import school_type_stages

    types = {name.lower(): stages for name, stages in school_type_stages().items()}

    def read(value) -> list[str]:
        codes = []
        for part in _LIST_SEPARATORS.split(clean_text(value)):
            part = part.strip()
            if not part:
                continue
            stages = types.get(part.lower())
            if stages is None:
                raise CellError(gettext("Unknown school type '%(value)s'") % {"value": part})
            codes.extend(code for code in stages if code not in codes)
        return codes

    return read


def parse_yes_no(value) -> bool:
    """是 / 否 (also Y/N, yes/no, 1/0)."""
    text = clean_text(value).upper()
    if text in ("是", "Y", "YES", "1", "TRUE"):
        return True
    if text in ("否", "N", "NO", "0", "FALSE"):
        return False
    raise CellError(gettext("Must be yes or no"))


_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def parse_count(value) -> int:
    """A whole number of students, 0 to 100,000: also written 1,250 or １２５０ or 1250人."""
    if isinstance(value, bool):
        raise CellError(gettext("Must be a whole number"))
    # NFKC makes full-width digits and commas plain; a unit after the number is no part of it.
    text = unicodedata.normalize("NFKC", clean_code(value)).removesuffix("人").removesuffix("名")
    if _GROUPED.match(text):
        text = text.replace(",", "")
    try:
        number = int(float(text))
    except ValueError:
        raise CellError(gettext("Must be a whole number")) from None
    if number < 0 or number > 100_000 or float(text) != number:
        raise CellError(gettext("Must be a whole number from 0 to 100000"))
    return number


STAFF_ROLE_LABELS = {"培训者": "trainer", "培训师": "trainer", "审核员": "reviewer",
                     "学校管理员": "school_admin", "区人事": "district_hr", "区县人事": "district_hr",
                     "市人事": "city_hr", "TRAINER": "trainer", "REVIEWER": "reviewer",
                     "SCHOOL ADMIN": "school_admin", "DISTRICT HR": "district_hr", "CITY HR": "city_hr",
                     "省人事": "province_hr", "PROVINCE HR": "province_hr"}
STAFF_ROLE_DISPLAY = {"trainer": "培训者", "reviewer": "审核员", "school_admin": "学校管理员",
                      "district_hr": "区人事", "city_hr": "市人事", "province_hr": "省人事"}


def parse_staff_roles(value) -> list[str]:
    """Staff roles from a 管理角色 cell: 学校管理员, 培训者, 审核员, 区人事, 市人事 (several allowed)."""
    codes = []
    for part in _LIST_SEPARATORS.split(clean_text(value)):
        part = part.strip()
        if not part:
            continue
        code = STAFF_ROLE_LABELS.get(part) or STAFF_ROLE_LABELS.get(part.upper()) or (
            part.lower() if part.lower() in STAFF_ROLE_DISPLAY else None)
        if code is None:
            raise CellError(gettext("Unknown staff role '%(value)s': school admin, trainer, reviewer, district HR or city HR") % {
                "value": part})
        if code not in codes:
            codes.append(code)
    return codes
