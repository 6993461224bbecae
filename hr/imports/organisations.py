"""The organisation tree from a sheet: 上级代码, 机构代码, 机构名称, 类型, 学段, 学生数, 寄宿制, 统计日期.

Parents may come after their children. The file describes the subtrees under its top rows (the
rows whose parent is not in the file): organisations there that the file leaves out are removed,
unless they have teachers or records, which refuses the file naming them. A row whose parent
changed moves the organisation (treebeard's move: its teachers and history go with it).
Preview reads the whole tree in a fixed number of queries; commit writes through people.services.
"""

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext

from courses.models import Assignment
from people import purposes
from people.models import AuditEntry, Organisation, Stage, StudentCount, Teacher, flags_codes, flags_mask
from people.selectors import organisation_scope
from people.services import (
    organisation_create,
    organisation_update,
    organisations_bulk_add,
    organisations_remove,
    student_count_record,
)
from people.text import fold

from ..sheets.columns import ORGANISATIONS
from ..sheets.errors import RowError, SheetRefused
from ..sheets.normalise import (
    ORG_KIND_DISPLAY,
    STAGE_DISPLAY,
    clean_code,
    clean_text,
    parse_count,
    parse_date,
    parse_org_kind,
    parse_yes_no,
    school_type_reader,
)
from ..sheets.reading import open_sheet
from .rows import CHUNK, PREVIEW_SAMPLE, ImportHasErrors, Plan, chunks, import_today, not_future, row_readers

FIELDS = ("name", "kind", "stages", "is_boarding")


def _existing() -> dict[str, dict]:
    """Every organisation by code, with its parent's code: one query for the whole tree."""
    rows = list(Organisation.objects.values_list("pk", "code", "name", "kind", "stages",
                                                 "is_boarding", "path"))
    by_path = {path: code for _pk, code, *_rest, path in rows}
    step = Organisation.steplen
    return {code: {"pk": pk, "code": code, "name": name, "kind": kind, "stages": stages,
                   "is_boarding": boarding, "path": path, "parent": by_path.get(path[:-step])}
            for pk, code, name, kind, stages, boarding, path in rows}


def organisations_plan(*, path, user, progress=None, **_options) -> Plan:
    """Read an organisation sheet and work out what it would add, change, move, remove or refuse."""
    plan = Plan(kind="organisations")
    rows: dict[str, dict] = {}
    first_seen: dict[str, int] = {}
    read_stages = school_type_reader()
    with open_sheet(path, ORGANISATIONS) as (layout, sheet_rows):
        plan.header_row = layout.header_row
        code_key = "org_code" if "org_code" in layout.index else "school_code"
        name_key = "org_name" if "org_name" in layout.index else "school"
        if code_key not in layout.index or name_key not in layout.index:
            raise SheetRefused(gettext("Missing required columns: org_code, org_name"))
        for r in row_readers(sheet_rows, layout, plan):
            code = r.get(code_key, clean_code, required=True, max_length=32)
            name = r.get(name_key, clean_text, required=True, max_length=120)
            kind = r.get("org_kind", parse_org_kind, required=True)
            parent = r.get("parent_code", clean_code, max_length=32)
            stages = r.get("stages", read_stages)
            students = r.get("students", parse_count)
            boarding = r.get("boarding", parse_yes_no)
            counted_on = r.get("counted_on", lambda v: not_future(parse_date(v)))
            if code and fold(code) in first_seen:
                r.fail(code_key, code, gettext("Same code as row %(row)s") % {
                    "row": first_seen[fold(code)]})
            elif code:
                first_seen[fold(code)] = r.number
            if code and parent and code == parent:
                r.fail("parent_code", parent, gettext("An organisation cannot be its own parent"))
            if r.ok:
                rows[code] = {"row": r.number, "code": code, "name": name, "kind": kind,
                              "parent": parent or None, "stages": stages, "students": students,
                              "boarding": boarding, "counted_on": counted_on}
            if progress and plan.rows % CHUNK == 0:
                progress(plan.rows)
    existing = _existing()
    folded = {fold(code): code for code in existing}
    scope = set(organisation_scope(user, roles=purposes.ORGANISATION_TREE).values_list("pk", flat=True))
    column = {key: layout.column_name(key) for key in layout.index}

    def fail(row: dict, key: str, value, reason: str) -> None:
        plan.errors.append(RowError(row["row"], column.get(key, key), "" if value is None else str(value),
                                    reason))
        row["bad"] = True

    for row in rows.values():
        parent = row["parent"]
        if parent is None:
            if not user.is_superuser and not (row["code"] in existing and existing[row["code"]]["parent"] is None):
                fail(row, "parent_code", "", gettext("No parent: only the province or city at the top may have none"))
        elif parent not in rows and parent not in existing:
            fail(row, "parent_code", parent,
                 gettext("Unknown parent '%(code)s' (neither in the file nor here)") % {"code": parent})
        elif (rows.get(parent) or existing[parent])["kind"] == Organisation.Kind.SCHOOL:
            fail(row, "parent_code", parent, gettext("A school cannot be a parent"))
        current = existing.get(row["code"])
        if current is not None and current["pk"] not in scope:
            fail(row, code_key, row["code"], gettext("Organisation outside your scope"))
        elif current is None and fold(row["code"]) in folded:
            fail(row, code_key, row["code"], gettext(
                "Same code as %(code)s, which is already here (codes differing only in upper "
                "and lower case or full and half width are the same code)") % {
                    "code": folded[fold(row["code"])]})
    _refuse_cycles(rows, fail)
    # Where each row lands must lie in the user's scope: under a row of the file or an
    # organisation of their scope. (An unchanged top row may name a parent above the scope.)
    for row in rows.values():
        parent = row["parent"]
        if row.get("bad") or parent is None or parent in rows:
            continue
        current = existing.get(row["code"])
        unchanged_parent = current is not None and current["parent"] == parent
        if existing[parent]["pk"] not in scope and not unchanged_parent:
            fail(row, "parent_code", parent, gettext("Parent outside your scope"))
    _plan_removals(plan, rows, existing, scope)
    if plan.errors:
        plan.errors.sort(key=lambda e: e.row)
        return plan
    latest = _latest_counts([existing[c]["pk"] for c in rows if c in existing])
    today = import_today()
    for code in _top_down(rows):
        row = rows[code]
        new = {"name": row["name"], "kind": row["kind"],
               "stages": flags_mask(Stage, row["stages"]) if row["stages"] is not None else None,
               "is_boarding": row["boarding"]}
        count = None
        if row["students"] is not None:
            count = (row["counted_on"] or today, row["students"])
        current = existing.get(code)
        if current is None:
            create = {**row, **new, "stages": new["stages"] or 0,
                      "is_boarding": bool(new["is_boarding"]), "count": count}
            if len(plan.creates) < PREVIEW_SAMPLE:  # only the sample is shown; keep memory flat
                create["display"] = _display(row)
            plan.creates.append(create)
            continue
        changes = {}
        for key in FIELDS:
            if new[key] is not None and new[key] != current[key]:
                changes[key] = [_shown(key, current[key]), _shown(key, new[key])]
        if row["parent"] is not None and row["parent"] != current["parent"]:
            changes["parent_code"] = [current["parent"], row["parent"]]
        if count is not None and latest.get(current["pk"]) != count:
            changes["students"] = [_count_shown(latest.get(current["pk"])), _count_shown(count)]
        if changes:
            plan.updates.append({"row": row["row"], "pk": current["pk"], "employee_no": code,
                                 "name": row["name"], "changes": changes,
                                 **{k: v for k, v in new.items() if v is not None},
                                 "parent": row["parent"], "count": count})
        else:
            plan.unchanged += 1
    return plan


def _shown(key: str, value):
    if key == "kind":
        return ORG_KIND_DISPLAY.get(value, value)
    if key == "stages":
        return "、".join(STAGE_DISPLAY[c] for c in flags_codes(Stage, value)) or "—"
    if key == "is_boarding":
        return "是" if value else "否"
    return value


def _count_shown(count):
    return f"{count[1]}（{count[0].isoformat()}）" if count else None


def _display(row: dict) -> dict:
    return {"row": row["row"], "parent_code": row["parent"], "org_code": row["code"],
            "org_name": row["name"], "org_kind": ORG_KIND_DISPLAY[row["kind"]],
            "stages": "、".join(STAGE_DISPLAY[c] for c in row["stages"] or []),
            "students": row["students"]}


def _parents_first(rows: list[dict]) -> list[dict]:
    """Rows ordered so that a row's parent, when it is also a row, comes before it."""
    by_code = {row["code"]: row for row in rows}
    return [by_code[code] for code in _top_down(by_code)]


def _refuse_cycles(rows: dict[str, dict], fail) -> None:
    """Rows whose chain of parents inside the file comes back to themselves."""
    state: dict[str, int] = {}  # 1: on the current chain, 2: known to reach outside the file
    for start in rows:
        chain = []
        code = start
        while code in rows and state.get(code) is None:
            state[code] = 1
            chain.append(code)
            code = rows[code]["parent"]
        if code in rows and state.get(code) == 1:
            loop = chain[chain.index(code):]
            numbers = "、".join(str(rows[c]["row"]) for c in loop)
            for c in loop:
                fail(rows[c], "parent_code", rows[c]["parent"],
                     gettext("The parents form a cycle (rows %(rows)s)") % {"rows": numbers})
        for c in chain:
            state[c] = 2


def _top_down(rows: dict[str, dict]) -> list[str]:
    """The file's codes with every parent before its children."""
    children = defaultdict(list)
    for code, row in rows.items():
        children[row["parent"] if row["parent"] in rows else None].append(code)
    order, stack = [], list(reversed(children[None]))
    while stack:
        code = stack.pop()
        order.append(code)
        stack.extend(reversed(children[code]))
    return order


def _plan_removals(plan: Plan, rows: dict, existing: dict, scope: set[int]) -> None:
    """Organisations under the file's top rows that the file leaves out: removed, unless they
    have teachers or records (which refuses the file, naming them)."""
    tops = [existing[code] for code, row in rows.items()
            if code in existing and row["parent"] not in rows and not row.get("bad")]
    if not tops:
        return
    omitted = [o for o in existing.values() if o["code"] not in rows and o["pk"] in scope
               and any(o["path"].startswith(t["path"]) and o["path"] != t["path"] for t in tops)]
    if not omitted:
        return
    ids = [o["pk"] for o in omitted]
    teachers, records = {}, set()

    for chunk in chunks(ids):
        teachers.update(Teacher.objects.filter(school_id__in=chunk).values("school_id")
                        .annotate(n=Count("pk")).values_list("school_id", "n"))
        records.update(Assignment.objects.filter(organisation_id__in=chunk).values_list("organisation_id", flat=True))
        records.update(AuditEntry.objects.filter(organisation_id__in=chunk).values_list("organisation_id", flat=True))
    # Teachers anywhere under an omitted organisation keep it too.
    for org in omitted:
        top = next(t for t in tops if org["path"].startswith(t["path"]))
        row = rows[top["code"]]
        under = [o for o in omitted if o["path"].startswith(org["path"])]
        count = sum(teachers.get(o["pk"], 0) for o in under)
        if count:
            plan.errors.append(RowError(row["row"], "机构代码 org_code", org["code"],
                gettext("'%(name)s' (%(code)s) is not in the file but has %(count)s teachers: it cannot be removed") % {
                    "name": org['name'], "code": org['code'], "count": count}))
        elif any(o["pk"] in records for o in under):
            plan.errors.append(RowError(row["row"], "机构代码 org_code", org["code"],
                gettext("'%(name)s' (%(code)s) is not in the file but has assignments or audit records") % {
                    "name": org['name'], "code": org['code']}))
        else:
            plan.removals.append({"pk": org["pk"], "code": org["code"], "name": org["name"],
                                  "path": org["path"]})


def _latest_counts(ids: list[int]) -> dict[int, tuple[date, int]]:
    latest: dict[int, tuple[date, int]] = {}
    for chunk in chunks(ids):
        for org, on, count in (StudentCount.objects.filter(organisation_id__in=chunk)
                               .order_by("organisation_id", "on").values_list("organisation_id", "on", "count")):
            latest[org] = (on, count)
    return latest


def organisations_commit(*, path, user, progress=None, plan: Plan | None = None, **options) -> dict:
    """Write an organisation sheet: all or nothing, parents before children, moves by treebeard."""
    plan = plan or organisations_plan(path=path, user=user, progress=progress, **options)
    if plan.errors:
        raise ImportHasErrors(plan)
    created = moved = 0
    with transaction.atomic():
        nodes: dict[str, Organisation] = {}

        def node(code: str) -> Organisation:
            if code not in nodes:
                nodes[code] = Organisation.objects.get(code=code)
            return nodes[code]

        pending = {row["code"]: row for row in plan.creates}
        updates = {row["employee_no"]: row for row in plan.updates}
        # One pass in the file's top-down order: each parent exists before its children.
        order = [row["code"] for row in plan.creates] + list(updates)
        order.sort(key=lambda code: (pending.get(code) or updates[code])["row"])
        done: set[str] = set()

        def place(code: str) -> None:
            if code in done:
                return
            row = pending.get(code) or updates[code]
            parent = row.get("parent")
            if parent and (parent in pending or parent in updates):
                place(parent)
            if code in pending:
                nodes[code] = organisation_create(
                    code=code, name=row["name"], kind=row["kind"], stages=row["stages"],
                    is_boarding=row["is_boarding"], parent=node(parent) if parent else None)
                nonlocal_counts["created"] += 1
            else:
                fields = {k: row[k] for k in ("name", "kind", "stages", "is_boarding") if k in row}
                target = node(parent) if parent else None
                current = Organisation.objects.get(pk=row["pk"])
                was = current.path
                nodes[code] = organisation_update(organisation=current, parent=target, **fields)
                if nodes[code].path != was:
                    nonlocal_counts["moved"] += 1
                    nodes.clear()  # paths under the moved node changed: read them again
            if row.get("count"):
                on, count = row["count"]
                if code in pending:  # a new school's first count: written in bulk below
                    new_counts.append(StudentCount(organisation=nodes[code], on=on, count=count))
                else:
                    student_count_record(organisation=node(code), on=on, count=count,
                                         actor=user)
            done.add(code)

        nonlocal_counts = {"created": 0, "moved": 0}
        new_counts: list[StudentCount] = []
        moves = any("parent_code" in row["changes"] for row in plan.updates)
        if not moves and plan.creates:
            # Nothing moves, so new nodes' paths can be worked out at once: in bulk.
            nodes.update(organisations_bulk_add(rows=_parents_first(plan.creates)))
            for row in plan.creates:
                if row.get("count"):
                    new_counts.append(StudentCount(organisation=nodes[row["code"]], on=row["count"][0],
                                                   count=row["count"][1]))
                done.add(row["code"])
            nonlocal_counts["created"] = len(plan.creates)
        for code in order:
            place(code)
        StudentCount.objects.bulk_create(new_counts, batch_size=2000)
        removed = organisations_remove(organisation_ids=[o["pk"] for o in plan.removals])
        created, moved = nonlocal_counts["created"], nonlocal_counts["moved"]
    return {"created": created, "updated": len(plan.updates), "moved": moved, "removed": removed,
            "unchanged": plan.unchanged, "rows": plan.rows}
