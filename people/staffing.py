"""The counsellor staffing rule: how many full-time counsellors each school needs, and has.

Rules are data (`StaffingRule`, per subtree, the nearest applying); without any, DEFAULT_RULES
apply: secondary schools of 1,000 students or more and primary schools of 1,200 or more need at
least one full-time counsellor. Pages, sheets and the dashboard read `staffing_rows`.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import SECONDARY_STAGES, Organisation, StaffingRule, Stage, Teacher, flags_codes
from .employment import in_post
from .selectors import student_count_expression


@dataclass(frozen=True)
class Rule:
    stage: str  # "" for any stage
    min_students: int
    full_time_required: int
    per_stage: bool = False


DEFAULT_RULES = (
    *(Rule(stage, 1000, 1) for stage in SECONDARY_STAGES),
    Rule(Stage.PRIMARY, 1200, 1),
)


def required_full_time(rules, *, stages: list[str], students: int) -> int:
    """How many full-time counsellors a school of these stages and students needs: the most any
    rule asks."""
    required = 0
    for rule in rules:
        if students < rule.min_students or (rule.stage and rule.stage not in stages):
            continue
        times = (len(stages) if not rule.stage else 1) if rule.per_stage else 1
        required = max(required, rule.full_time_required * max(times, 1))
    return required


@dataclass
class StaffingRow:
    school: Organisation
    stages: list[str]
    students: int
    full_time: int
    required: int

    @property
    def gap(self) -> int:
        return max(self.required - self.full_time, 0)

    @property
    def stage_display(self) -> str:
        labels = dict(Stage.choices)
        return "、".join(str(labels[s]) for s in self.stages)


def _rules_by_path() -> dict[str, list[Rule]]:
    rules: dict[str, list[Rule]] = {}
    for path, stage, min_students, required, per_stage in StaffingRule.objects.values_list(
            "organisation__path", "stage", "min_students", "full_time_required", "per_stage"):
        rules.setdefault(path, []).append(Rule(stage, min_students, required, per_stage))
    return rules


def rules_for(path: str, rules_by_path: dict[str, list[Rule]]) -> list[Rule] | tuple[Rule, ...]:
    """The rules of the nearest organisation at or above `path` that has any; else the defaults."""
    step = Organisation.steplen
    for end in range(len(path), 0, -step):
        found = rules_by_path.get(path[:end])
        if found:
            return found
    return DEFAULT_RULES


def staffing_rows(organisation: Organisation, *, on: date) -> list[StaffingRow]:
    """Every school under `organisation`: stages, students on `on`, full-time counsellors in
    post there on `on` (people.employment), and how many the rules require. Two queries,
    whatever the number of schools."""
    rules_by_path = _rules_by_path()
    full_time = (in_post(on, posts=[Teacher.Role.FULL_TIME_COUNSELLOR])
                 .filter(organisation=OuterRef("pk")).order_by()
                 .values("organisation").annotate(n=Count("pk")).values("n"))
    schools = (Organisation.objects.filter(path__startswith=organisation.path,
                                           kind=Organisation.Kind.SCHOOL)
               .annotate(students_on=student_count_expression(on),
                         full_time=Coalesce(Subquery(full_time), Value(0)))
               .order_by("path"))
    rows = []
    for school in schools:
        stages = flags_codes(Stage, school.stages)
        students = school.students_on or 0
        rows.append(StaffingRow(
            school=school, stages=stages, students=students, full_time=school.full_time,
            required=required_full_time(rules_for(school.path, rules_by_path), stages=stages,
                                        students=students)))
    return rows


def schools_short_of_counsellors(organisation: Organisation, *, on: date) -> list[StaffingRow]:
    """The schools under `organisation` with fewer full-time counsellors than required."""
    return [row for row in staffing_rows(organisation, on=on) if row.gap]
