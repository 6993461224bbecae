"""The default levels, role requirements and recognised credentials (docs/certification.md
says where each figure comes from). Seeding is idempotent: existing rows are left as HR set them.
"""

from decimal import Decimal

# code, name, rank, prerequisite, hours required, window years, validity years, renewal hours
LEVELS = [
    ("C", "C级（基础级）心理健康教育教师证书", 1, None, Decimal("24"), 5, 5, Decimal("24")),
    ("B", "B级（中级）心理健康教育教师证书", 2, "C", Decimal("120"), 5, 5, Decimal("72")),
    ("A", "A级（高级）心理健康教育教师证书", 3, "B", Decimal("240"), 5, 5, Decimal("120")),
]

# Guangdong practice: C for every teacher, B for part-time counsellors, A for full-time
# counsellors and the school leader in charge of mental-health work.
ROLE_LEVELS = {
    "subject_teacher": "C",
    "head_teacher": "C",
    "part_time_counsellor": "B",
    "full_time_counsellor": "A",
    "school_leader": "A",
}

CREDENTIALS = [
    ("国家二级心理咨询师", "B"),
    ("国家三级心理咨询师", "C"),
]


def seed_defaults(apps=None) -> None:
    """Create the default levels, role requirements and credentials once (who edits them in
    the admin: people/roles.py)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Level = apps.get_model("certification", "CertificateLevel")
    RoleRequirement = apps.get_model("certification", "RoleRequirement")
    Credential = apps.get_model("certification", "RecognisedCredential")
    levels = {}
    for code, name, rank, prereq, hours, window, validity, renewal in LEVELS:
        level, _ = Level.objects.get_or_create(code=code, defaults={
            "name": name, "rank": rank, "prerequisite": levels.get(prereq),
            "hours_required": hours, "hours_window_years": window,
            "validity_years": validity, "renewal_hours": renewal,
        })
        levels[code] = level
    for role, code in ROLE_LEVELS.items():
        RoleRequirement.objects.get_or_create(role=role, defaults={"level": levels[code]})
    for name, code in CREDENTIALS:
        Credential.objects.get_or_create(name=name, defaults={"level": levels[code]})
    # The hour categories the ledger files lines under (courses owns them).
    from courses.defaults import seed_hour_categories

    seed_hour_categories(apps)


# The seeds' "C证持证率达到80%", and a year as the new-teacher period.
HOLDING_TARGETS = {"C": Decimal("80")}
NEW_TEACHER_MONTHS = 12


def seed_holding_defaults(apps) -> None:
    """Create the targets and new-teacher period that apply everywhere, once."""
    from django.conf import settings

    Level = apps.get_model("certification", "CertificateLevel")
    Target = apps.get_model("certification", "HoldingTarget")
    Period = apps.get_model("certification", "NewTeacherPeriod")
    for code, percent in HOLDING_TARGETS.items():
        level = Level.objects.filter(code=code).first()
        if level and not Target.objects.filter(organisation=None, level=level).exists():
            Target.objects.create(organisation=None, level=level, percent=percent)
    if not Period.objects.filter(organisation=None).exists():
        # A deployment that set the old setting keeps its value.
        months = getattr(settings, "HOLDING_RATE_NEW_TEACHER_MONTHS", NEW_TEACHER_MONTHS)
        Period.objects.create(organisation=None, months=months)
