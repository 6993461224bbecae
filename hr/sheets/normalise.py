"""Take values as people write them in Excel and turn them into clean Python values."""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

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
    text = unicodedata.normalize("NFKC", str(value))
    # NFKC leaves the ideographic space alone in some inputs and never removes zero-width ones.
    text = text.replace("\u3000", " ")
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
        raise CellError("日期无法识别", "date not recognised")
    text = clean_code(value)
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise CellError("日期无法识别，请写成 2023-06-19", "date not recognised, write 2023-06-19")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("日期不存在", "no such date") from None


LEVEL_CODES = ("C", "B", "A")


def parse_level(value) -> str:
    """A certificate level code from "C", "c", "C证", "C级", "C 级证书"."""
    text = clean_code(value).upper()
    for noise in ("证书", "证", "级", "LEVEL"):
        text = text.replace(noise, "")
    if text not in LEVEL_CODES:
        raise CellError("证书等级应为 A、B 或 C", "level must be A, B or C")
    return text


_GENDERS = {"男": "M", "M": "M", "MALE": "M", "男性": "M",
            "女": "F", "F": "F", "FEMALE": "F", "女性": "F"}


def parse_gender(value) -> str:
    """"M" or "F" from 男/女/M/F/male/female."""
    text = clean_code(value).upper()
    if text not in _GENDERS:
        raise CellError("性别应为 男 或 女", "gender must be 男/M or 女/F")
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
        raise CellError("岗位应为 任课教师、班主任、专职心理教师、兼职心理教师 或 学校领导",
                        "role must be one of the five roles")
    return role


MAX_HOURS = Decimal("200")


def parse_hours(value) -> Decimal:
    """Training hours: a positive number up to 200, kept to one decimal place."""
    text = clean_code(value).replace("学时", "").replace("小时", "")
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise CellError("学时应为数字", "hours must be a number") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise CellError("学时应大于 0 且不超过 200", "hours must be above 0 and at most 200")
    return hours.quantize(Decimal("0.1"))
