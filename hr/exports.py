"""Exports: each kind names its columns and streams its rows from a scoped query.

The roster of teachers works now. The certification and course exports are declared with
their columns and call the selectors those apps expose (`certificate_roster_rows`, …); until
those apps land on this branch they report themselves unavailable.
"""

import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from people.models import Organisation, Teacher
from people.selectors import organisation_scope

from .selectors import DESK_ROLES
from .sheets.errors import bilingual
from .sheets.normalise import ROLE_DISPLAY
from .sheets.writing import Column

GENDER_DISPLAY = {"M": "男", "F": "女", "": None}


class ExportNotAvailable(Exception):
    """The app that owns this export's data is not installed yet."""


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its sheet title, columns, and a function giving (total, rows)."""

    key: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    rows: Callable[..., tuple[int, Iterator[tuple]]]
    filters: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"{self.title_zh} {self.title_en}"


def _district_names(scope: list[Organisation]) -> Callable[[str], str | None]:
    """school path -> name of its district, from the organisations already loaded."""
    by_path = {o.path: o for o in scope}
    cache: dict[str, str | None] = {}
    steplen = Organisation.steplen

    def district(path: str) -> str | None:
        if path not in cache:
            cache[path] = None
            for end in range(steplen, len(path) + 1, steplen):
                node = by_path.get(path[:end])
                if node is not None and node.kind == Organisation.Kind.DISTRICT:
                    cache[path] = node.name
                    break
        return cache[path]

    return district


def teachers_rows(*, user, organisation: Organisation | None = None, **_filters):
    """The teachers roster of the requester's scope (or one organisation inside it), streamed."""
    scope = organisation_scope(user, roles=DESK_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    # Districts lie above the scope too (a school admin's school still has a district).
    orgs = list(Organisation.objects.filter(kind=Organisation.Kind.DISTRICT).only("path", "name", "kind"))
    district = _district_names(orgs)
    teachers = (Teacher.objects.filter(school__in=scope)
                .order_by("school__path", "employee_no")
                .values_list("employee_no", "name", "gender", "school__name", "school__code",
                             "school__path", "role", "hire_date", "is_active"))
    total = teachers.count()

    def rows():
        for number, name, gender, school, code, path, role, hired, active in teachers.iterator(chunk_size=2000):
            yield (number, name, GENDER_DISPLAY.get(gender), school, code, district(path),
                   ROLE_DISPLAY.get(role, role), hired, "是" if active else "否")

    return total, rows()


TEACHER_COLUMNS = (
    Column("工号/employee_no", 14), Column("姓名/name", 12), Column("性别/gender", 8),
    Column("学校/school", 24), Column("学校代码/school_code", 14), Column("区县/district", 14),
    Column("岗位/role", 14), Column("入职日期/hire_date", 14, "date"), Column("在职/active", 8),
)


def certificate_roster_rows(*, user, organisation: Organisation | None = None, level=None,
                            status=None, role=None, expiring_before=None, **_ignored):
    """The certificate roster from certification's selector, in the roster's column order."""
    try:
        from certification.selectors import certificate_roster_rows as selector
    except ImportError:
        raise ExportNotAvailable(bilingual("持证名册导出尚未开放",
                                           "the certificate roster export is not available yet")) from None
    kwargs = {"user": user, "level": level, "status": status, "role": role,
              "expiring_before": expiring_before}
    if organisation is not None:
        if "organisation" not in inspect.signature(selector).parameters:
            raise ExportNotAvailable(bilingual("该导出暂不支持按单位筛选",
                                               "this export cannot be narrowed to one organisation yet"))
        kwargs["organisation"] = organisation
    return 0, iter(selector(**kwargs))


certificate_roster_rows.needs = ("certification.selectors", "certificate_roster_rows")


def _pending(kind: str):
    def rows(**_kwargs):
        raise ExportNotAvailable(bilingual("该导出尚未开放", f"the {kind} export is not available yet"))
    rows.pending = True
    return rows


EXPORTS: dict[str, ExportKind] = {
    "teachers": ExportKind("teachers", "教师名册", "Teachers roster", TEACHER_COLUMNS, teachers_rows),
    # Declared for certification and courses: columns fixed here, rows from their selectors.
    "roster": ExportKind(
        "roster", "持证名册", "Certificate roster",
        (Column("姓名/name", 12), Column("工号/employee_no", 14), Column("学校/school", 24),
         Column("区县/district", 14), Column("岗位/role", 14), Column("证书等级/level", 10),
         Column("证书编号/cert_no", 20), Column("发证日期/issued_on", 14, "date"),
         Column("有效期至/expires_on", 14, "date"), Column("状态/status", 10),
         Column("本周期学时/hours_this_cycle", 14, "number")),
        certificate_roster_rows, filters=("level", "status", "role", "expiring_before")),
    "holding": ExportKind("holding", "持证率", "Holding rate", (), _pending("holding")),
    "hours": ExportKind("hours", "培训学时", "Training hours", (), _pending("hours")),
    "workload": ExportKind("workload", "工作量", "Workload", (), _pending("workload")),
    "assignments": ExportKind("assignments", "培训完成率", "Assignment completion", (),
                              _pending("assignments")),
}


def export_available(key: str) -> bool:
    """Whether an export kind exists and its data's app is installed."""
    kind = EXPORTS.get(key)
    if kind is None or getattr(kind.rows, "pending", False):
        return False
    needs = getattr(kind.rows, "needs", None)
    if needs:
        try:
            module = importlib.import_module(needs[0])
        except ImportError:
            return False
        return hasattr(module, needs[1])
    return True


def register_export(kind: ExportKind) -> None:
    """Add (or replace) an export kind; certification and courses exports plug in here."""
    EXPORTS[kind.key] = kind
