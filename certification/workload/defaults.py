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
