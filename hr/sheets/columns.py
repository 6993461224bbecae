"""Which columns each sheet has, and the names (Chinese or English) their headers go by."""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language

# key -> (Chinese header used in templates, English header, other spellings seen in the wild)
HEADERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "employee_no": ("工号", "employee_no", ("教师工号", "职工号", "employee no", "employee number")),
    "name": ("姓名", "name", ("教师姓名",)),
    "gender": ("性别", "gender", ("sex",)),
    "school_code": ("学校代码", "school_code", ("学校编码", "单位代码", "school code")),
    "school": ("学校", "school", ("学校名称", "单位", "单位名称", "school name")),
    "role": ("岗位", "role", ("职务", "岗位类别")),
    # 入职日期 is joining this school; 参加工作日期 the first year in the profession (new teachers).
    "hire_date": ("入职日期", "hire_date", ("入职时间", "入校日期", "hire date")),
    "first_work_date": ("参加工作日期", "first_work_date", ("参加工作时间", "first work date")),
    "left_on": ("离职日期", "left_on", ("离职时间", "leaving date", "left on")),
    "moved_on": ("调动日期", "moved_on", ("调动时间", "调入日期", "transfer date", "moved on")),
    "email": ("邮箱", "email", ("电子邮箱", "电子邮件", "e-mail", "email address")),
    "phone": ("手机号", "phone", ("手机", "手机号码", "移动电话", "mobile", "mobile phone")),
    "level": ("证书等级", "level", ("等级", "certificate level")),
    "cert_no": ("证书编号", "cert_no", ("证书号", "certificate number", "certificate no")),
    "issued_on": ("发证日期", "issued_on", ("发证时间", "issued", "issued on")),
    "expires_on": ("有效期至", "expires_on", ("有效期", "到期日期", "expires", "expires on")),
    "authority": ("发证机关", "authority", ("发证单位", "issuing authority")),
    "hours": ("学时", "hours", ("培训学时", "training hours")),
    "date": ("培训日期", "date", ("培训时间", "training date")),
    "title": ("培训名称", "title", ("培训项目", "培训内容", "training title")),
    "reference": ("记录编号", "reference", ("编号", "ref")),
    "category": ("学时类别", "category", ("类别", "培训类别", "hour category")),
    "status": ("在职状态", "status", ("任职状态", "employment status")),
    "staff_role": ("管理角色", "staff_role", ("管理权限", "staff role")),
    # Organisation tree
    "parent_code": ("上级代码", "parent_code", ("上级机构代码", "上级单位代码", "parent code")),
    "org_code": ("机构代码", "org_code", ("代码", "organisation code")),
    "org_name": ("机构名称", "org_name", ("名称", "organisation name")),
    "org_kind": ("类型", "org_kind", ("机构类型", "kind")),
    "stages": ("学段", "stages", ("stage",)),
    "students": ("学生数", "students", ("在校生数", "学生人数", "student count")),
    "boarding": ("寄宿制", "boarding", ("是否寄宿", "寄宿")),
    "counted_on": ("统计日期", "counted_on", ("统计时间", "counted on")),
    # Outside credentials
    "credential_name": ("证书名称", "credential_name", ("资格证书名称", "证书", "credential")),
    "equivalent_level": ("等级对应", "equivalent_level", ("对应等级", "equivalent level")),
    "issuer": ("发证机构", "issuer", ("颁证机构", "issued by")),
    # Event attendance
    "check_in": ("签到", "check_in", ("签到时间", "check in", "check-in")),
    "check_out": ("签退", "check_out", ("签退时间", "check out", "check-out")),
    # A multi-day event's session: its number (1, 2, …) or its date (session_date, 日期)
    "event_session": ("场次", "session", ("第几场", "场次编号", "session no")),
    # School calendar (its 类型 column is org_kind's header: read there as 教学日/假期/调休上课)
    "term": ("学期", "term", ("学期名称",)),
    "start_date": ("开始日期", "start_date", ("起始日期", "start date", "start")),
    "end_date": ("结束日期", "end_date", ("截止日期", "end date", "end")),
    # Parent-school sessions
    "session_date": ("日期", "session_date", ("活动日期", "讲座日期", "session date")),
    "topic": ("主题", "topic", ("活动主题", "讲座主题")),
    "form": ("形式", "form", ("活动形式",)),
    "speaker": ("主讲人", "speaker", ("主讲",)),
    "parents": ("参与家长人次", "parents", ("家长人次", "参与人次", "parents reached")),
    "households": ("家庭数", "households", ("覆盖家庭数", "家庭")),
}

_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]")


def header_key(text) -> str:
    """How a header cell is compared: NFKC, lower case, no spaces, no "*" or bracketed hints."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = _BRACKETS.sub("", text)
    return re.sub(r"[\s*:：_]", "", text)


ALIASES: dict[str, str] = {}
for _key, (_zh, _en, _others) in HEADERS.items():
    for _name in (_zh, _en, *_others):
        ALIASES[header_key(_name)] = _key


@dataclass(frozen=True)
class SheetSpec:
    """The columns of one kind of import: those it needs and those it reads when present."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    title_en: str

    @property
    def keys(self) -> tuple[str, ...]:
        return self.required + self.optional


TEACHERS = SheetSpec(
    kind="teachers",
    required=("employee_no", "name", "school_code"),
    optional=("gender", "school", "role", "hire_date", "first_work_date", "email", "phone", "status",
              "left_on", "moved_on", "staff_role"),
    title_en="Teachers roster",
)
CERTIFICATES = SheetSpec(
    kind="certificates",
    required=("employee_no", "level", "cert_no", "issued_on"),
    optional=("name", "expires_on", "authority"),
    title_en="Certificates held",
)
TRAINING = SheetSpec(
    kind="training",
    required=("employee_no", "hours", "date", "title"),
    optional=("name", "reference", "category"),
    title_en="Offline training hours",
)
ORGANISATIONS = SheetSpec(
    kind="organisations",
    # 学校代码 and 学校名称 also name a school's code and name here (they are the roster's
    # school_code and school columns); the importer takes whichever the file has.
    required=("org_kind",),
    optional=("parent_code", "org_code", "school_code", "org_name", "school", "stages",
              "students", "boarding", "counted_on"),
    title_en="Organisations",
)
# Outside credentials HR records (工号, 证书名称, 等级对应, 发证机构, 发证日期, 有效期至).
CREDENTIALS = SheetSpec(
    kind="credentials",
    required=("employee_no", "credential_name", "issued_on"),
    optional=("name", "equivalent_level", "issuer", "expires_on"),
    title_en="Outside credentials",
)
# One event's attendance, uploaded on the event's own page (not a desk import: it needs the event).
EVENT_ATTENDANCE = SheetSpec(
    kind="event_attendance",
    required=("employee_no", "check_in", "check_out"),
    optional=("name", "event_session", "session_date"),
    title_en="Event attendance",
)
# The school calendar: terms, holidays and make-up days per organisation (机构代码, 学期, 开始日期,
# 结束日期, 类型). "类型" is the organisation sheet's header too, so the key is shared.
CALENDAR = SheetSpec(
    kind="calendar",
    required=("org_code", "term", "start_date", "end_date", "org_kind"),
    optional=(),
    title_en="School calendar",
)
# Parent-school sessions a school held (学校代码, 日期, 主题, 形式, 主讲人, 参与家长人次, 家庭数).
PARENT_SESSIONS = SheetSpec(
    kind="parent_sessions",
    required=("school_code", "session_date", "topic", "parents"),
    optional=("form", "speaker", "households"),
    title_en="Parent-school sessions",
)
SPECS = {spec.kind: spec for spec in (TEACHERS, CERTIFICATES, TRAINING, ORGANISATIONS, CALENDAR,
                                      PARENT_SESSIONS)}


def header_label(key: str) -> str:
    """The header a sheet writes for a column, in the active language: "工号" or "employee_no".

    Both spellings are read back (ALIASES), so a template filled in under either language imports.
    """
    zh, en, _others = HEADERS[key]
    return zh if (get_language() or settings.LANGUAGE_CODE).startswith("zh") else en
