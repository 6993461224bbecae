"""The counsellor staffing rule: how many counsellors each school needs, and has.

Rules are data (`StaffingRule`, per subtree, the nearest applying); without any, DEFAULT_RULES
apply, in Nansha's words: "学生人数1000人以上的中学、1200人以上的小学100%配备专职心理教师"
(中学: 初中, 高中 and 中职). A school's stages come from its type (`SchoolType`, data):
九年一贯制 = 小学+初中, 完全中学 = 初中+高中, 十二年一贯制 = all three. A rule for "any stage" covers
小学, 初中, 高中, 中职 and 特殊教育; a kindergarten only meets the rules that name 幼儿园. A rule
counts full-time counsellors only, or full- or part-time ones. A school without a student count
cannot be judged: it shows 学生数缺失 and counts as a gap, never a pass. Pages, sheets and the
dashboard read `staffing_rows` and `staffing_totals`.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from .employment import in_post
from .models import TEACHING_STAGES, Organisation, SchoolType, StaffingRule, Stage, Teacher, flags_codes, flags_mask
from .nearest import ancestor_paths, nearest_rule
from .selectors import student_count_expression

FULL_TIME = StaffingRule.Counts.FULL_TIME
ANY = StaffingRule.Counts.ANY


@dataclass(frozen=True)
class Rule:
    stage: str  # "" for any stage but kindergarten
    min_students: int
    required: int
    per_stage: bool = False
    counts: str = FULL_TIME


DEFAULT_RULES = (
    Rule(Stage.JUNIOR, 1000, 1),
    Rule(Stage.SENIOR, 1000, 1),
    Rule(Stage.VOCATIONAL, 1000, 1),
    Rule(Stage.PRIMARY, 1200, 1),
)
# What a rule for "any stage" covers: 幼儿园 only where a rule names it.
ANY_STAGE = tuple(s for s in TEACHING_STAGES if s != Stage.KINDERGARTEN)


def school_type_stages() -> dict[str, list[str]]:
    """The stages of each school type, by its code and by its name."""
    out = {}
    for code, name, mask in SchoolType.objects.values_list("code", "name", "stages"):
        out[code] = out[name] = flags_codes(Stage, mask)
    return out


def teaching_stages(codes: list[str], types: dict[str, list[str]]) -> list[str]:
    """A school's stages, with the old type bits (九年一贯制, 完全中学) opened into their stages."""
    out = set()
    for code in codes:
        out.update(types.get(code, [code]) if code not in TEACHING_STAGES else [code])
    return [s for s in TEACHING_STAGES if s in out]


def required_counsellors(rules, *, stages: list[str], students: int | None) -> dict[str, int]:
    """How many counsellors a school of these stages and students needs, by what a rule counts
    (full-time only, or full- or part-time): the most any rule of each kind asks. Without a
    student count only the rules with no student minimum are known."""
    required = {FULL_TIME: 0, ANY: 0}
    for rule in rules:
        covered = [s for s in stages if s in (ANY_STAGE if not rule.stage else (rule.stage,))]
        if not covered:
            continue
        if rule.min_students and (students is None or students < rule.min_students):
            continue
        times = len(covered) if rule.per_stage else 1
        required[rule.counts] = max(required[rule.counts], rule.required * times)
    return required


@dataclass
class StaffingRow:
    school: Organisation
    stages: list[str]
    students: int | None  # None: no student count on the day (学生数缺失)
    full_time: int
    part_time: int
    required_full_time: int
    required_any: int = 0

    @property
    def students_missing(self) -> bool:
        return self.students is None

    @property
    def required(self) -> int:
        """Counsellors the rules require, full-time ones first."""
        return max(self.required_full_time, self.required_any)

    @property
    def gap(self) -> int:
        """Counsellors to add so that every rule is met (at least one while the student count is
        missing: such a school never passes)."""
        gap = max(self.required_full_time - self.full_time,
                  self.required_any - self.full_time - self.part_time, 0)
        return max(gap, 1) if self.students_missing else gap

    @property
    def meets(self) -> bool:
        return not self.gap

    @property
    def stage_display(self) -> str:
        labels = dict(Stage.choices)
        return "、".join(str(labels[s]) for s in self.stages)


def _rules_by_path() -> dict[str, list[Rule]]:
    rules: dict[str, list[Rule]] = {}
    for path, stage, min_students, required, per_stage, counts in StaffingRule.objects.values_list(
            "organisation__path", "stage", "min_students", "full_time_required", "per_stage", "counts"):
        rules.setdefault(path, []).append(Rule(stage, min_students, required, per_stage, counts))
    return rules


def rules_for(path: str, rules_by_path: dict[str, list[Rule]]) -> list[Rule] | tuple[Rule, ...]:
    """The rules of the nearest organisation at or above `path` that has any; else the defaults."""
    return nearest_rule(rules_by_path, path, DEFAULT_RULES)


def _counsellors(organisation: Organisation, on: date) -> dict[int, tuple[int, int]]:
    """(full-time, part-time) counsellors in post on `on` at each school under `organisation`
    that has any: one grouped query over that day's periods."""
    full, part = Teacher.Role.FULL_TIME_COUNSELLOR, Teacher.Role.PART_TIME_COUNSELLOR
    rows = (in_post(on, organisation, posts=[full, part]).order_by().values("organisation")
            .annotate(full=Count("pk", filter=Q(posts__hasany=flags_mask(Teacher.Role, [full]))),
                      part=Count("pk", filter=Q(posts__hasany=flags_mask(Teacher.Role, [part]))))
            .values_list("organisation", "full", "part"))
    return {school: (n_full, n_part) for school, n_full, n_part in rows}


def staffing_rows(organisation: Organisation, *, on: date) -> list[StaffingRow]:
    """Every school under `organisation`: stages, students on `on`, full- and part-time
    counsellors in post there on `on` (people.employment), and how many the rules require.
    Four queries, whatever the number of schools."""
    rules_by_path = _rules_by_path()
    types = school_type_stages()
    counsellors = _counsellors(organisation, on)
    schools = (Organisation.objects.filter(path__startswith=organisation.path,
                                           kind=Organisation.Kind.SCHOOL)
               .annotate(students_on=student_count_expression(on))
               .order_by("path"))
    rows = []
    for school in schools:
        school.full_time, school.part_time = counsellors.get(school.pk, (0, 0))
        stages = teaching_stages(flags_codes(Stage, school.stages), types)
        required = required_counsellors(rules_for(school.path, rules_by_path), stages=stages,
                                        students=school.students_on)
        rows.append(StaffingRow(
            school=school, stages=stages, students=school.students_on, full_time=school.full_time,
            part_time=school.part_time,
            required_full_time=required[FULL_TIME], required_any=required[ANY]))
    return rows


def schools_short_of_counsellors(organisation: Organisation, *, on: date) -> list[StaffingRow]:
    """The schools under `organisation` that do not meet the staffing rules."""
    return [row for row in staffing_rows(organisation, on=on) if row.gap]


@dataclass
class StaffingTotal:
    organisation: Organisation
    schools: int = 0
    meeting: int = 0
    full_time: int = 0
    part_time: int = 0
    students_missing: int = 0

    @property
    def rate(self) -> float | None:
        """配备率: schools meeting the rules / schools."""
        return self.meeting / self.schools if self.schools else None


def staffing_totals(organisation: Organisation, rows: list[StaffingRow]) -> list[StaffingTotal]:
    """专职, 兼职 and 配备率 for each district under `organisation`, then for `organisation`
    itself, from its `staffing_rows`."""
    totals = {d.path: StaffingTotal(d) for d in Organisation.objects.filter(
        path__startswith=organisation.path, kind=Organisation.Kind.DISTRICT).exclude(
        pk=organisation.pk).order_by("path")}
    whole = StaffingTotal(organisation)
    for row in rows:
        targets = [whole] + [totals[p] for p in ancestor_paths(row.school.path) if p in totals]
        for total in targets:
            total.schools += 1
            total.meeting += row.meets
            total.full_time += row.full_time
            total.part_time += row.part_time
            total.students_missing += row.students_missing
    return [*(t for t in totals.values() if t.schools), whole]
