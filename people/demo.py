"""The demo city: organisations, teachers of every role and one account per staff role.

Built from the five bureau replies the product comes from (綦江, 信阳, 南沙, 慈溪, 普陀): each
becomes a district of one demonstration city. Deterministic and idempotent: a second run finds
everything by code or employee number and adds nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from .models import Employment, Organisation, StaffingRule, StaffRole, Stage, StudentCount, Teacher, flags_mask
from .services import organisation_create, staff_role_grant

User = get_user_model()

DEMO_PASSWORD = "xinyu-demo-2024"
CITY = ("SF", "心育示范市")
DISTRICTS = [
    ("QJ", "綦江区", ["古南街道", "文龙街道"]),
    ("XY", "信阳片区", ["浉河", "平桥"]),
    ("NS", "南沙区", ["南沙街道", "黄阁镇"]),
    ("CX", "慈溪片区", ["浒山街道", "观海卫镇"]),
    ("PT", "普陀区", ["长风街道", "真如镇"]),
]
SCHOOL_KINDS = [("中学", 1400), ("实验小学", 1100), ("第二小学", 800), ("初级中学", 1250),
                ("中心小学", 600), ("高级中学", 2100)]
SCHOOL_STAGES = {"中学": [Stage.JUNIOR, Stage.SENIOR], "实验小学": [Stage.PRIMARY],
                 "第二小学": [Stage.PRIMARY], "初级中学": [Stage.JUNIOR],
                 "中心小学": [Stage.PRIMARY], "高级中学": [Stage.SENIOR]}
# The day the demo's student counts were taken (the autumn term's census).
COUNTED_ON = date(2024, 9, 1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯俊峰晨欣怡佳琳雪梅丹婷慧颖倩蕾思睿哲博轩"
# Role mix of a school's staff, by weight; counsellors are few, as in the seeds.
ROLE_WEIGHTS = [
    (Teacher.Role.SUBJECT_TEACHER, 70),
    (Teacher.Role.HEAD_TEACHER, 22),
    (Teacher.Role.PART_TIME_COUNSELLOR, 4),
    (Teacher.Role.FULL_TIME_COUNSELLOR, 2),
    (Teacher.Role.SCHOOL_LEADER, 2),
]

DEMO_ACCOUNTS = [
    # key, username (= employee number for teachers), e-mail, display name, teacher role, staff role, where
    ("teacher", "D0001", "teacher@demo.xinyu.local", "林晓雨", Teacher.Role.HEAD_TEACHER, None, "school"),
    ("counsellor", "D0002", "counsellor@demo.xinyu.local", "周心怡", Teacher.Role.FULL_TIME_COUNSELLOR, None, "school"),
    ("school_admin", "D0003", "schooladmin@demo.xinyu.local", "陈建华", Teacher.Role.SCHOOL_LEADER, StaffRole.Role.SCHOOL_ADMIN, "school"),
    ("trainer", "trainer", "trainer@demo.xinyu.local", "", None, StaffRole.Role.TRAINER, "city"),
    ("reviewer", "reviewer", "reviewer@demo.xinyu.local", "", None, StaffRole.Role.REVIEWER, "city"),
    ("district_hr", "districthr", "districthr@demo.xinyu.local", "", None, StaffRole.Role.DISTRICT_HR, "district"),
    ("city_hr", "cityhr", "cityhr@demo.xinyu.local", "", None, StaffRole.Role.CITY_HR, "city"),
]


@dataclass
class DemoCity:
    """What the people demo built; each app's demo.seed() receives it."""

    city: Organisation
    districts: list[Organisation]
    schools: list[Organisation]
    demo_school: Organisation
    demo_district: Organisation
    accounts: dict = field(default_factory=dict)
    teachers_created: int = 0
    # (工号, 激活码) of generated teachers without e-mail who can activate at /accounts/activate/.
    activation_codes: list = field(default_factory=list)


def _school_count(teachers: int) -> int:
    # About 60 teachers a school for the default demo; larger cities get more schools.
    return max(40, teachers // 60) if teachers > 2400 else 40


def _organisations(school_total: int) -> tuple[Organisation, list[Organisation], list[Organisation]]:
    existing = {o.code: o for o in Organisation.objects.all()}

    def get_or_add(code, name, kind, parent, student_count=None, **fields):
        if code in existing:
            return existing[code]
        if parent is not None:
            parent.refresh_from_db()
        node = organisation_create(code=code, name=name, kind=kind, parent=parent, **fields)
        if student_count is not None:
            StudentCount.objects.create(organisation=node, on=COUNTED_ON, count=student_count)
        existing[code] = node
        return node

    city = get_or_add(CITY[0], CITY[1], Organisation.Kind.CITY, None)
    districts, schools = [], []
    per_township = max(1, school_total // (len(DISTRICTS) * 2))
    for d_code, d_name, townships in DISTRICTS:
        district = get_or_add(f"{CITY[0]}-{d_code}", d_name, Organisation.Kind.DISTRICT, city)
        districts.append(district)
        for t_index, t_name in enumerate(townships, start=1):
            township = get_or_add(f"{district.code}-{t_index:02d}", t_name,
                                  Organisation.Kind.TOWNSHIP, district)
            for s_index in range(1, per_township + 1):
                kind_name, students = SCHOOL_KINDS[(s_index - 1) % len(SCHOOL_KINDS)]
                number = (s_index - 1) // len(SCHOOL_KINDS) + 1
                name = f"{t_name.removesuffix('街道').removesuffix('镇')}第{number}{kind_name}"
                schools.append(get_or_add(
                    f"{township.code}-{s_index:03d}", name, Organisation.Kind.SCHOOL, township,
                    student_count=students + 37 * s_index % 300,
                    is_boarding=kind_name == "高级中学",
                    stages=flags_mask(Stage, SCHOOL_STAGES[kind_name]),
                ))
    return city, districts, schools


def _bulk_teachers(schools: list[Organisation], total: int, today: date) -> int:
    """Create the generated teachers T000001… that do not exist yet, in bulk."""
    rng = random.Random(20230619)
    wanted = [f"T{n:06d}" for n in range(1, total + 1)]
    existing = set(Teacher.objects.filter(employee_no__in=wanted).values_list("employee_no", flat=True)) \
        if total <= 50_000 else set(Teacher.objects.filter(employee_no__startswith="T")
                                    .values_list("employee_no", flat=True))
    roles, weights = zip(*ROLE_WEIGHTS, strict=True)
    # An unusable password: generated accounts log in only after HR sends an invitation.
    unusable = make_password(None)
    created = 0
    batch = 5000
    for start in range(0, total, batch):
        numbers = [n for n in wanted[start:start + batch] if n not in existing]
        # Draw for every number, created or not, so the city is the same whatever ran before.
        draws = {}
        for n in wanted[start:start + batch]:
            draws[n] = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else ""),
                rng.choice("FFFM"),
                rng.choices(roles, weights)[0],
                today - timedelta(days=int(rng.triangular(30, 365 * 32, 365 * 8))),
            )
        if not numbers:
            continue
        with transaction.atomic():
            User.objects.bulk_create(
                [User(username=n, password=unusable) for n in numbers], batch_size=2000
            )
            user_ids = dict(User.objects.filter(username__in=numbers).values_list("username", "id"))
            teachers = []
            for n in numbers:
                name, gender, role, hire_date = draws[n]
                index = int(n[1:]) - 1
                teachers.append(Teacher(
                    user_id=user_ids[n], employee_no=n, name=name, gender=gender, role=role,
                    posts=flags_mask(Teacher.Role, [role]),
                    hire_date=hire_date, school=schools[index % len(schools)],
                ))
            Teacher.objects.bulk_create(teachers, batch_size=2000)
            # Each in post at their school since their hire date (bulk_create saves no history).
            Employment.objects.bulk_create([
                Employment(teacher_id=pk, organisation_id=school_id, posts=posts, start=hired)
                for pk, school_id, posts, hired in Teacher.objects.filter(employee_no__in=numbers)
                .values_list("pk", "school_id", "posts", "hire_date")], batch_size=2000)
        created += len(numbers)
    return created


def _account(key, username, email, name, teacher_role, staff_role, where, *, school, district, city):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, email=email, password=DEMO_PASSWORD)
        if not teacher_role:
            user.first_name = {"trainer": "培训者", "reviewer": "审核员", "district_hr": "区人事",
                               "city_hr": "市人事"}.get(key, "")
            user.save(update_fields=["first_name"])
    if teacher_role and not Teacher.objects.filter(user=user).exists():
        Teacher.objects.create(user=user, employee_no=username, name=name, gender="F",
                               school=school, role=teacher_role, hire_date=date(2016, 9, 1))
    if staff_role:
        org = {"school": school, "district": district, "city": city}[where]
        staff_role_grant(user=user, role=staff_role, organisation=org)
    return user


def demo_superuser():
    """The demo's superuser `admin` (created once)."""
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@demo.xinyu.local", DEMO_PASSWORD)
    return admin


def seed(*, teachers: int = 600, stdout=None, today: date | None = None) -> DemoCity:
    """Build (or find) the demo city with `teachers` generated teachers and the demo accounts."""
    today = today or timezone.localdate()
    city, districts, schools = _organisations(_school_count(teachers))
    demo_district = next(d for d in districts if d.code.endswith("-NS"))
    demo_school = next(s for s in schools if s.path.startswith(demo_district.path))
    created = _bulk_teachers(schools, teachers, today)
    accounts = {
        spec[0]: _account(*spec, school=demo_school, district=demo_district, city=city)
        for spec in DEMO_ACCOUNTS
    }
    accounts["admin"] = demo_superuser()
    # Xinyang's rule beside the defaults: at least one full-time counsellor per stage.
    xinyang = next((d for d in districts if d.code.endswith("-XY")), None)
    if xinyang is not None:
        StaffingRule.objects.get_or_create(organisation=xinyang, stage="", min_students=0,
                                           defaults={"full_time_required": 1, "per_stage": True})
    codes = _activation_codes(demo_school, issued_by=accounts["district_hr"])
    return DemoCity(city=city, districts=districts, schools=schools, demo_school=demo_school,
                    demo_district=demo_district, accounts=accounts, teachers_created=created,
                    activation_codes=codes)


DEMO_SLIPS = 6


def _activation_codes(school: Organisation, *, issued_by) -> list[tuple[str, str]]:
    """Codes for a few generated teachers of the demo school (no e-mail, never logged in), fixed
    per 工号 so every run prints the same ones; issued again only when none is valid."""
    import hashlib

    from .models import ActivationCode
    from .services import ACTIVATION_ALPHABET, activation_code_display, activation_codes_issue

    def code_for(teacher) -> str:
        digest = hashlib.sha256(f"xinyu-demo:{teacher.employee_no}".encode()).digest()
        return "".join(ACTIVATION_ALPHABET[b % len(ACTIVATION_ALPHABET)] for b in digest[:8])

    teachers = list(Teacher.objects.filter(school=school, employee_no__startswith="T",
                                           user__email="", user__last_login__isnull=True)
                    .order_by("employee_no")[:DEMO_SLIPS])
    valid = set(ActivationCode.objects.filter(
        teacher__in=teachers, used_at__isnull=True, voided_at__isnull=True,
        expires_at__gt=timezone.now()).values_list("teacher_id", flat=True))
    missing = [t for t in teachers if t.pk not in valid]
    if missing:
        activation_codes_issue(teachers=missing, issued_by=issued_by, organisation=school,
                               code_for=code_for)
    return [(t.employee_no, activation_code_display(code_for(t))) for t in teachers]
