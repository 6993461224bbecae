"""Parent-school sessions from a sheet: 学校代码, 日期, 主题, 形式, 主讲人, 参与家长人次, 家庭数.

Each row records one session for a school of the importer's scope, through certification's
own checks (no future date, no negative count, no more households than parents); a row seen
before (same school, date and topic) is unchanged. A file with any error writes nothing.
"""

from django.db import transaction
from django.utils.translation import gettext

from certification.models import ParentSession
from certification.reach import parent_session_clean
from people.models import Organisation
from people.selectors import organisation_scope

from ..sheets.columns import PARENT_SESSIONS
from ..sheets.errors import CellError
from ..sheets.normalise import SESSION_FORM_DISPLAY, clean_code, clean_text, parse_count, parse_date, parse_session_form
from ..sheets.reading import open_sheet
from .rows import IMPORT_ROLES, ImportHasErrors, Plan, import_today, row_readers

_COLUMN_OF = {"date": "session_date", "topic": "topic", "parents_reached": "parents",
              "households": "households"}


def parent_sessions_plan(*, path, user, progress=None, **_options) -> Plan:
    """Read a sheet of parent-school sessions and check each row."""
    plan = Plan(kind="parent_sessions")
    today = import_today()
    scope = dict(organisation_scope(user, roles=IMPORT_ROLES).filter(
        kind=Organisation.Kind.SCHOOL).values_list("code", "pk"))
    seen: dict[tuple, int] = {}
    parsed = []
    with open_sheet(path, PARENT_SESSIONS) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):

            def school(value):
                code = clean_code(value)
                if code not in scope:
                    raise CellError(gettext("No such school in your scope"))
                return code

            code = r.get("school_code", school, required=True, max_length=32)
            day = r.get("session_date", parse_date, required=True)
            topic = r.get("topic", clean_text, required=True, max_length=120)
            form = r.get("form", parse_session_form) or ParentSession.Form.MEETING
            speaker = r.get("speaker", clean_text, max_length=60) or ""
            parents = r.get("parents", parse_count, required=True)
            households = r.get("households", parse_count)
            if r.ok:
                for field, message in parent_session_clean(
                        day=day, topic=topic, parents_reached=parents, households=households,
                        today=today).items():
                    key = _COLUMN_OF[field]
                    r.fail(key, r.values.get(key), message)
            if r.ok:
                key = (code, day, topic)
                if key in seen:
                    r.fail("topic", topic, gettext("Same session as row %(row)s") % {"row": seen[key]})
                    continue
                seen[key] = r.number
                parsed.append({"row": r.number, "school_id": scope[code], "code": code,
                               "date": day, "topic": topic, "form": form, "speaker": speaker,
                               "parents_reached": parents, "households": households})
    stored = set(ParentSession.objects.filter(school_id__in={p["school_id"] for p in parsed})
                 .values_list("school_id", "date", "topic"))
    for row in parsed:
        if (row["school_id"], row["date"], row["topic"]) in stored:
            plan.unchanged += 1
            continue
        plan.creates.append({**row, "display": {
            "row": row["row"], "school_code": row["code"], "session_date": row["date"],
            "topic": row["topic"], "form": SESSION_FORM_DISPLAY[row["form"]],
            "speaker": row["speaker"], "parents": row["parents_reached"],
            "households": row["households"]}})
    plan.errors.sort(key=lambda e: e.row)
    return plan


def parent_sessions_commit(*, path, user, progress=None, plan: Plan | None = None, **_options) -> dict:
    """Write the sessions, all or nothing."""
    plan = plan or parent_sessions_plan(path=path, user=user, progress=progress)
    if plan.errors:
        raise ImportHasErrors(plan)
    with transaction.atomic():
        ParentSession.objects.bulk_create([ParentSession(
            school_id=row["school_id"], date=row["date"], topic=row["topic"], form=row["form"],
            speaker=row["speaker"], parents_reached=row["parents_reached"],
            households=row["households"], recorded_by=user) for row in plan.creates])
    return {"created": len(plan.creates), "unchanged": plan.unchanged, "rows": plan.rows}
