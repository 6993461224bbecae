"""The default workload activity types, from the bureau replies' own wording.

Called by the data migration and by the demo; idempotent: existing types (found by code) are
left exactly as HR has edited them, only missing ones are added.
"""

from decimal import Decimal

# code, name, unit, credit per unit, uses group size, needs evidence note, evidence hint,
# counts as counselling-room duty, order.
DEFAULT_ACTIVITY_TYPES = [
    ("psychology_class", "心理健康教育课", "occurrence", "1.00", True, False, "", False, 10),
    ("individual_counselling", "个体心理辅导", "occurrence", "1.00", False, True,
     "只写辅导主题类别（如学业压力、人际关系），不写学生姓名", False, 20),
    ("group_counselling", "团体心理辅导", "occurrence", "1.50", True, True,
     "写团辅主题与对象年级，不写学生姓名", False, 30),
    ("parent_session", "家长心理健康讲座/家长会指导", "occurrence", "1.50", True, False, "", False, 40),
    ("lecture_training", "专题讲座或教师培训（主讲）", "occurrence", "2.00", True, True,
     "写讲座或培训题目", False, 50),
    ("crisis_case", "心理危机干预个案（含跟踪随访）", "occurrence", "3.00", False, True,
     "写处置环节（首次干预/跟踪随访/转介），不写学生身份信息", False, 60),
    ("room_duty", "心理辅导室值班", "hour", "0.50", False, False, "", True, 70),
    ("screening", "心理健康筛查与建档工作", "occurrence", "1.00", True, True,
     "写筛查范围（年级/人数）", False, 80),
]

# Who may edit activity types in the Wagtail admin (the groups people/ creates per staff role).
# The types and their own rates are city-wide; a district sets its rates as overrides
# (WorkloadCreditRate), so district HR only view the shared table.
EDITOR_GROUPS = ("City HR",)
VIEWER_GROUPS = ("School admins", "District HR")
# Overrides per subtree (credit rates, the head-teacher norm): HR edit their own subtree's.
RULE_MODELS = ("workloadcreditrate", "workloadnorm")
RULE_GROUPS = ("District HR", "City HR")


def ensure_default_activity_types(apps=None) -> int:
    """Add any missing default activity type (by code) and return how many were added."""
    if apps is None:
        from certification.models import WorkloadActivityType
    else:
        WorkloadActivityType = apps.get_model("certification", "WorkloadActivityType")
    existing = set(WorkloadActivityType.objects.values_list("code", flat=True))
    missing = [
        WorkloadActivityType(
            code=code, name=name, unit=unit, credit_per_unit=Decimal(credit),
            uses_group_size=group, needs_evidence_note=evidence, evidence_hint=hint,
            is_room_duty=duty, order=order, active=True,
        )
        for code, name, unit, credit, group, evidence, hint, duty, order in DEFAULT_ACTIVITY_TYPES
        if code not in existing
    ]
    WorkloadActivityType.objects.bulk_create(missing)
    return len(missing)


def grant_activity_type_permissions(apps=None) -> None:
    """Let district and city HR edit activity types in the admin, and school admins view them."""
    if apps is None:
        from django.contrib.auth.models import Group, Permission
        from django.contrib.contenttypes.models import ContentType
    else:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        ContentType = apps.get_model("contenttypes", "ContentType")
    ct, _ = ContentType.objects.get_or_create(app_label="certification",
                                              model="workloadactivitytype")

    def perm(action):
        permission, _ = Permission.objects.get_or_create(
            content_type=ct, codename=f"{action}_workloadactivitytype",
            defaults={"name": f"Can {action} workload activity type"},
        )
        return permission

    for name in EDITOR_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(perm("add"), perm("change"), perm("view"))
    for name in VIEWER_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(perm("view"))
        if name not in EDITOR_GROUPS:
            group.permissions.remove(perm("add"), perm("change"))
    for model in RULE_MODELS:
        rule_ct, _ = ContentType.objects.get_or_create(app_label="certification", model=model)
        for name in RULE_GROUPS:
            group, _ = Group.objects.get_or_create(name=name)
            for action in ("add", "change", "delete", "view"):
                permission, _ = Permission.objects.get_or_create(
                    content_type=rule_ct, codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"})
                group.permissions.add(permission)
