"""Outside credentials by sheet: 工号, 证书名称, 等级对应, 发证机构, 发证日期, 有效期至. Every row is
checked first, through the plan and row reader every import uses (hr.imports.rows), so an error
names its own row and column; nothing is recorded if one is wrong. Rows are written by
certification's service."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from certification.declarations import teacher_credential_record
from certification.models import CertificateLevel, RecognisedCredential
from people import purposes
from people.selectors import teacher_list_in_scope

from .imports.rows import Plan, chunks, row_readers
from .sheets.columns import CREDENTIALS
from .sheets.errors import RowError
from .sheets.normalise import clean_code, clean_text, parse_date
from .sheets.reading import open_sheet


def credentials_plan(*, path: str | Path, user) -> Plan:
    """Read a credentials sheet and check each row for teachers in the user's HR scope; the
    plan's creates are the fields `teacher_credential_record` takes."""
    plan = Plan(kind="credentials")
    known = set(RecognisedCredential.objects.values_list("name", flat=True))
    levels = set(CertificateLevel.objects.values_list("code", flat=True))
    parsed = []  # (the row's reader, employee number, fields) of rows that read cleanly
    with open_sheet(path, CREDENTIALS) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True, max_length=32)
            name = r.get("credential_name", clean_text, required=True)
            level = (r.get("equivalent_level", clean_code) or "").upper()
            issuer = r.get("issuer", clean_text)
            issued = r.get("issued_on", parse_date, required=True)
            expires = r.get("expires_on", parse_date)
            if r.ok and name not in known and level not in levels:
                r.fail("equivalent_level", level,
                       gettext("A new credential name needs its equivalent level (C/B/A)"))
            if r.ok:
                parsed.append((r, number, {"name": name, "level_code": level, "issuer": issuer or "",
                                           "obtained_on": issued, "expires_on": expires}))
    in_scope = teacher_list_in_scope(user, roles=purposes.OUTSIDE_CREDENTIALS)
    teachers = {}
    for chunk in chunks(sorted({number for _r, number, _f in parsed})):
        teachers.update((t.employee_no, t) for t in in_scope.filter(employee_no__in=chunk)
                        .select_related("school"))
    for r, number, fields in parsed:
        teacher = teachers.get(number)
        if teacher is None:
            r.fail("employee_no", number, gettext("No teacher in your scope has this employee number"))
            continue
        plan.creates.append({"teacher": teacher, **fields})
    plan.errors.sort(key=lambda e: e.row)
    return plan


def credentials_upload(*, path: str | Path, user) -> tuple[int, list[RowError]]:
    """Record the sheet's credentials for teachers in the user's HR scope, all or nothing;
    (rows recorded, errors)."""
    plan = credentials_plan(path=path, user=user)
    if plan.errors:
        return 0, list(plan.errors)
    try:
        with transaction.atomic():
            for fields in plan.creates:
                teacher_credential_record(recorded_by=user, **fields)
    except (ValidationError, PermissionDenied) as error:
        return 0, [RowError(0, "", "", " ".join(getattr(error, "messages", [str(error)])))]
    return len(plan.creates), []
