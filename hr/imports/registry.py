"""Every import the desk, the command line and the API run: its sheet, plan and commit."""

from collections.abc import Callable
from dataclasses import dataclass

from ..sheets.columns import (
    CALENDAR,
    CERTIFICATES,
    ORGANISATIONS,
    PARENT_SESSIONS,
    SPECS,
    TEACHERS,
    TRAINING,
    SheetSpec,
)
from .calendar import calendar_commit, calendar_plan
from .certificates import certificates_commit, certificates_plan
from .hours import training_commit, training_plan
from .organisations import organisations_commit, organisations_plan
from .parent_sessions import parent_sessions_commit, parent_sessions_plan
from .roster import teachers_commit, teachers_plan
from .rows import Plan


@dataclass(frozen=True)
class Importer:
    spec: SheetSpec
    plan: Callable[..., Plan]
    commit: Callable[..., dict]


IMPORTERS = {
    "organisations": Importer(ORGANISATIONS, organisations_plan, organisations_commit),
    "calendar": Importer(CALENDAR, calendar_plan, calendar_commit),
    "parent_sessions": Importer(PARENT_SESSIONS, parent_sessions_plan, parent_sessions_commit),
    "teachers": Importer(TEACHERS, teachers_plan, teachers_commit),
    "certificates": Importer(CERTIFICATES, certificates_plan, certificates_commit),
    "training": Importer(TRAINING, training_plan, training_commit),
}
assert set(IMPORTERS) == set(SPECS)
