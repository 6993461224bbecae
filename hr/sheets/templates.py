"""Blank templates HR download and fill in: headers, an example row, drop-down lists, instructions."""

from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import SPECS, header_label
from .normalise import LEVEL_CODES, EMPLOYMENT_DISPLAY

EXAMPLES = {
    "employee_no": "E2024001", "name": "李梅", "gender": "女", "school_code": "S0101",
    "school": "示范市第一中学", "role": "班主任", "hire_date": "2019-09-01",
    "email": "limei@example.com", "phone": "13800138000", "level": "C",
    "cert_no": "XY-2023-C-0001", "issued_on": "2023-06-19", "expires_on": "2028-06-18",
    "authority": "示范市教育局", "hours": 6, "date": "2024-03-02",
    "title": "心理危机识别与干预专题培训", "reference": "",
    "status": "在职", "staff_role": "", "category": "心理危机识别与干预",
}
SAMPLE_ORGANISATIONS = Path(__file__).resolve().parent / "samples" / "organisations.xlsx"
LISTS = {
    "gender": ["男", "女"],
    "status": list(EMPLOYMENT_DISPLAY.values()),
    "level": list(LEVEL_CODES),
}
NOTES = {
    "employee_no": ("工号，唯一，用作登录账号", "employee number, unique; the login name"),
    "name": ("教师姓名", "teacher's name"),
    "gender": ("男 或 女", "男 (male) or 女 (female)"),
    "school_code": ("学校代码，须在您的管理范围内", "school code, inside your scope"),
    "school": ("学校名称，仅供核对", "school name, for checking only"),
    "role": ("岗位：任课教师、班主任、专职心理教师、兼职心理教师、学校领导；可填多个，用 、 / 或逗号分隔，第一个为主岗位",
             "posts: one or several of the five, separated by 、 / or a comma; the first is the main post"),
    "status": ("在职状态：在职、离职、调出 或 退休（可空：在职）；离职、调出、退休的教师不能登录，不计入各项比率",
               "在职/离职/调出/退休 (empty: in post); teachers not in post cannot log in and leave every rate"),
    "staff_role": ("管理角色（可空）：学校管理员、培训者、审核员、区人事、市人事；只能授予您有权授予的角色",
                   "staff role (optional): school admin, trainer, reviewer, district HR, city HR, as you may grant"),
    "hire_date": ("入职日期，如 2019-09-01、2019/9/1 或 2019年9月1日", "hire date, e.g. 2019-09-01"),
    "email": ("邮箱（可空）；新教师有邮箱时，导入后收到设置密码的邀请邮件",
              "e-mail (optional); a new teacher with one is e-mailed an invitation to set a password"),
    "phone": ("手机号（可空）；11位中国大陆手机号，仅用于登录（短信验证码），不对他人显示",
              "mobile (optional); a mainland number, used only to log in by text message"),
    "level": ("证书等级 A、B、C（可写 C证）", "certificate level A, B or C"),
    "cert_no": ("证书编号，唯一；重复导入不会重复记录", "certificate number, unique; importing twice records once"),
    "issued_on": ("发证日期", "date of issue"),
    "expires_on": ("有效期至（可空，按等级规则计算）", "valid until (may be empty)"),
    "authority": ("发证机关", "issuing authority"),
    "hours": ("学时，大于 0 且不超过 200", "hours, above 0 and at most 200"),
    "date": ("培训日期", "date of the training"),
    "title": ("培训名称", "training title"),
    "category": ("学时类别（可空：其他），从列表中选择；也可填类别代码",
                 "hour category (optional: other), from the list, or its code"),
    "reference": ("记录编号（可空；为空时按 工号+日期+名称+学时 识别，重复导入不会重复记录）",
                  "record reference (optional; without it a row is known by number, date, title and hours)"),
}


def template_workbook(kind: str) -> bytes:
    """The .xlsx template of one import kind, as bytes."""
    if kind == "organisations":
        # The organisation template is the sample city the demo itself is built from.
        return SAMPLE_ORGANISATIONS.read_bytes()
    spec = SPECS[kind]
    lists = dict(LISTS)
    if "category" in spec.keys:
        from courses.models import HourCategory

        # The categories as city HR keep them now.
        lists["category"] = list(HourCategory.objects.active().values_list("name", flat=True))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.title_zh
    sheet.append([header_label(key) for key in spec.keys])
    sheet.append([EXAMPLES[key] for key in spec.keys])
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
                                        errorTitle="请从列表中选择", error="Choose from the list")
            validation.add(f"{letter}2:{letter}20000")
            sheet.add_data_validation(validation)
        if key in ("employee_no", "school_code", "cert_no"):
            # Codes stay text so Excel does not drop leading zeros.
            letter = get_column_letter(position)
            for row in range(2, 3):
                sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明 Instructions")
    notes.append(["列 Column", "必填 Required", "说明", "Notes"])
    for key in spec.keys:
        zh, en = NOTES[key]
        notes.append([header_label(key), "是 yes" if key in spec.required else "否 no", zh, en])
    notes.append([])
    for line in (
        "表头可在前 10 行内任意位置，列的顺序不限，中文或英文表头均可。",
        "Headers may sit anywhere in the first 10 rows, in any order, in Chinese or English.",
        "上传后先预览，确认后才写入；有错误的文件不会写入任何数据。",
        "An upload is previewed first; nothing is written until you confirm, and a file with errors writes nothing.",
        "请删除示例行后再填写；不要使用公式，单元格请粘贴为数值。",
        "Delete the example row; do not use formulas (paste values only).",
    ):
        notes.append([line])
    for letter, width in zip("ABCD", (22, 14, 50, 60), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
