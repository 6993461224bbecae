"""Take values as people write them in Excel and turn them into clean Python values."""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import get_language, gettext
from openpyxl.utils.datetime import from_excel

from people.models import Organisation, StaffRole, Stage, Teacher
from people.roles import ROLES

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


def level_codes() -> list[str]:
    """The certificate levels' codes as city HR keep them (certification.CertificateLevel),
    lowest first."""
    from certification.models import CertificateLevel

    return list(CertificateLevel.objects.order_by("rank").values_list("code", flat=True))


def one_of(words) -> str:
    """"A, B or C" in the active language (Chinese: "A、B 或 C")."""
    words = [str(word) for word in words]
    if len(words) < 2:
        return "".join(words)
    chinese = (get_language() or settings.LANGUAGE_CODE).startswith("zh")
    return gettext("%(first)s or %(last)s") % {
        "first": ("、" if chinese else ", ").join(words[:-1]), "last": words[-1]}


def parse_level(value, *, codes=None) -> str:
    """A certificate level code from "C", "c", "C证", "C级", "C 级证书", among `codes` (the
    levels in the database when not given)."""
    codes = level_codes() if codes is None else list(codes)
    text = clean_code(value).upper()
    for noise in ("证书", "证", "级", "LEVEL"):
        text = text.replace(noise, "")
    code = {c.upper(): c for c in codes}.get(text)
    if code is None:
        raise CellError(gettext("Level must be %(levels)s") % {"levels": one_of(codes[::-1])})
    return code


def level_reader():
    """parse_level over the levels as they are now, read once per sheet."""
    codes = level_codes()
    return lambda value: parse_level(value, codes=codes)


_FOLD = re.compile(r"[\s_\-]+")


def _fold(value) -> str:
    """A word as a vocabulary compares it: width, case, spaces, hyphens and underscores aside."""
    return _FOLD.sub("", clean_text(value)).upper()


class Vocabulary:
    """The words a sheet accepts for a model's choices, and the one it writes.

    Accepted: each choice's code, its label in Chinese and in English (the model's own, through
    the catalogue), and the other words schools write (`aliases`). Written: `sheet` where sheets
    keep a shorter form than the screens, else the model's Chinese label. Built on first use
    (the catalogue needs the apps loaded); a word that would name two choices is refused then.
    """

    def __init__(self, choices, *, sheet: dict | None = None, aliases: dict | None = None):
        self.choices, self.sheet, self.aliases = choices, sheet or {}, aliases or {}

    def _label(self, code, language: str) -> str:
        with translation.override(language):
            return str(self.choices(code).label)

    @cached_property
    def display(self) -> dict[str, str]:
        """code → the Chinese word sheets write."""
        return {code: self.sheet.get(code) or self._label(code, "zh-hans")
                for code in self.choices.values}

    @cached_property
    def words(self) -> dict[str, str]:
        """folded word → code."""
        words: dict[str, str] = {}
        for code in self.choices.values:
            for word in (code, self.display[code], self._label(code, "zh-hans"),
                         self._label(code, "en"), *self.aliases.get(code, ())):
                if words.setdefault(_fold(word), code) != code:
                    raise ImproperlyConfigured(f"{word!r} names both {words[_fold(word)]} and {code}")
        return words

    def parse(self, value) -> str | None:
        """The code a cell names, or None."""
        return self.words.get(_fold(value))

    def listed(self) -> str:
        """Every choice in the active language, for a message or a note: "在职、离职、调出 或
        退休" as sheets write them, or "in post, left, transferred out or retired"."""
        if (get_language() or settings.LANGUAGE_CODE).startswith("zh"):
            return one_of(self.display.values())
        words = [self._label(code, "en") for code in self.choices.values]
        # "Subject teacher" is written "subject teacher", "District HR" "district HR".
        return one_of(w[:1].lower() + w[1:] if w[1:2].islower() else w for w in words)


class _DisplayMap(Mapping):
    """A vocabulary's code → sheet word, as a read-only mapping built on first use."""

    def __init__(self, vocabulary: Vocabulary):
        self._vocabulary = vocabulary

    def __getitem__(self, code):
        return self._vocabulary.display[code]

    def __iter__(self):
        return iter(self._vocabulary.display)

    def __len__(self):
        return len(self._vocabulary.display)


_GENDERS = {"男": "M", "M": "M", "MALE": "M", "男性": "M",
            "女": "F", "F": "F", "FEMALE": "F", "女性": "F"}


def parse_gender(value) -> str:
    """"M" or "F" from 男/女/M/F/male/female."""
    text = clean_code(value).upper()
    if text not in _GENDERS:
        raise CellError(gettext("Gender must be male or female (M or F)"))
    return _GENDERS[text]


# Posts (Teacher.Role): the model's codes and labels, and the other words schools write.
POSTS = Vocabulary(Teacher.Role, aliases={
    Teacher.Role.SUBJECT_TEACHER: ("学科教师", "教师", "任课老师", "老师"),
    Teacher.Role.HEAD_TEACHER: ("班主任老师",),
    Teacher.Role.FULL_TIME_COUNSELLOR: ("专职心理健康教师",),
    Teacher.Role.PART_TIME_COUNSELLOR: ("兼职心理健康教师",),
    Teacher.Role.SCHOOL_LEADER: ("分管校长", "校领导"),
})
ROLE_CODES = tuple(Teacher.Role.values)
# The label each post is written with in templates and exports.
ROLE_DISPLAY = _DisplayMap(POSTS)
GENDER_DISPLAY = {"M": "男", "F": "女", "": None}
ACTIVE_DISPLAY = {True: "在职", False: "离职"}


def parse_role(value) -> str:
    """A teacher role code from its Chinese label (任课教师, 班主任, …), English label or code."""
    role = POSTS.parse(value)
    if role is None:
        raise CellError(gettext("Post must be %(posts)s") % {"posts": POSTS.listed()})
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
            raise CellError(gettext("Unknown post '%(value)s': a post is %(posts)s") % {
                "value": part, "posts": POSTS.listed()}) from None
        if code not in codes:
            codes.append(code)
    if not codes:
        raise CellError(gettext("No post given"))
    return codes


def posts_display(codes, *, labels: dict | None = None) -> str:
    """Posts as the roster writes them: 班主任、兼职心理教师 (or in the labels given)."""
    labels = ROLE_DISPLAY if labels is None else labels
    return "、".join(labels.get(code, code) for code in codes)


# Employment status (Teacher.Status): 在职 / 离职 / 调出 / 退休, the English words or the codes.
STATUSES = Vocabulary(Teacher.Status)
EMPLOYMENT_DISPLAY = _DisplayMap(STATUSES)


def parse_status(value) -> str:
    """An employment status code from 在职 / 离职 / 调出 / 退休 (or the English words)."""
    status = STATUSES.parse(value)
    if status is None:
        raise CellError(gettext("Status must be %(statuses)s") % {"statuses": STATUSES.listed()})
    return status


# Organisation.Kind: sheets write 区县 and 镇街 where the screens say 区（县） and 镇街 / 学区.
ORG_KINDS = Vocabulary(
    Organisation.Kind,
    sheet={Organisation.Kind.DISTRICT: "区县", Organisation.Kind.TOWNSHIP: "镇街"},
    aliases={Organisation.Kind.PROVINCE: ("自治区",), Organisation.Kind.DISTRICT: ("区", "县"),
             Organisation.Kind.TOWNSHIP: ("镇", "街道", "学区")})
ORG_KIND_DISPLAY = _DisplayMap(ORG_KINDS)


def parse_org_kind(value) -> str:
    """An organisation kind from 省 / 市 / 区县 / 镇街 / 学区 / 学校."""
    kind = ORG_KINDS.parse(value)
    if kind is None:
        raise CellError(gettext("Kind must be %(kinds)s") % {"kinds": ORG_KINDS.listed()})
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


# School stages (people.Stage), as the organisation sheet writes them.
STAGES = Vocabulary(Stage)
STAGE_DISPLAY = _DisplayMap(STAGES)


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


# Staff roles (StaffRole.Role): the model's labels, and the other words the role registry
# (people/roles.py) lists for each, such as the short forms earlier templates wrote.
STAFF_ROLES = Vocabulary(StaffRole.Role, aliases={role: spec.aliases for role, spec in ROLES.items()})
STAFF_ROLE_DISPLAY = _DisplayMap(STAFF_ROLES)


def parse_staff_roles(value) -> list[str]:
    """Staff roles from a 管理角色 cell: 学校管理员, 培训者, 审核员, 区人事, 市人事 (several allowed)."""
    codes = []
    for part in _LIST_SEPARATORS.split(clean_text(value)):
        part = part.strip()
        if not part:
            continue
        code = STAFF_ROLES.parse(part)
        if code is None:
            raise CellError(gettext("Unknown staff role '%(value)s': %(roles)s") % {
                "value": part, "roles": STAFF_ROLES.listed()})
        if code not in codes:
            codes.append(code)
    return codes
