"""Outside credentials by sheet: 工号, 证书名称, 等级对应, 发证机构, 发证日期, 有效期至. Every row is
checked first; nothing is recorded if one is wrong. Rows are written by certification's service."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from certification.declarations import teacher_credential_record
from certification.models import CertificateLevel, RecognisedCredential
from people import purposes
from people.selectors import teacher_list_in_scope

from .sheets.columns import CREDENTIALS
from .sheets.errors import CellError, RowError
from .sheets.normalise import clean_code, clean_text, parse_date
from .sheets.reading import open_sheet


def credentials_upload(*, path: str | Path, user) -> tuple[int, list[RowError]]:
    """Record the sheet's credentials for teachers in the user's HR scope; (rows, errors)."""
    in_scope = teacher_list_in_scope(user, roles=purposes.OUTSIDE_CREDENTIALS)
    known = set(RecognisedCredential.objects.values_list("name", flat=True))
    levels = set(CertificateLevel.objects.values_list("code", flat=True))
    errors: list[RowError] = []
    rows: list[dict] = []
    with open_sheet(path, CREDENTIALS) as (layout, data):
        numbers = []
        parsed = []
        for row in data:
            errors.extend(row.formula_errors)
            parsed.append(row)
            numbers.append(clean_code(row.values.get("employee_no")))
        teachers = {t.employee_no: t for t in in_scope.filter(employee_no__in=numbers)
                    .select_related("school")}
        for row, number in zip(parsed, numbers, strict=True):
            def fail(key, reason, value=None, row=row):
                errors.append(RowError(row.number, layout.column_name(key) if key in layout.index
                                       else key, str(value if value is not None else
                                                     row.values.get(key) or "")[:60], reason))
            teacher = teachers.get(number)
            if teacher is None:
                fail("employee_no", gettext("No teacher in your scope has this employee number"))
                continue
            name = clean_text(row.values.get("credential_name"))
            level = clean_code(row.values.get("equivalent_level")).upper()
            if name not in known and level not in levels:
                fail("equivalent_level", gettext("A new credential name needs its equivalent level (C/B/A)"))
                continue
            try:
                issued = parse_date(row.values.get("issued_on"))
                expires = (parse_date(row.values["expires_on"])
                           if row.values.get("expires_on") is not None else None)
            except CellError as bad:
                errors.append(RowError(row.number, layout.column_name("issued_on"),
                                       str(row.values.get("issued_on"))[:60], bad.reason))
                continue
            rows.append({"teacher": teacher, "name": name, "level_code": level,
                         "issuer": clean_text(row.values.get("issuer")),
                         "obtained_on": issued, "expires_on": expires})
    if errors:
        return 0, errors
    try:
        with transaction.atomic():
            for fields in rows:
                teacher_credential_record(recorded_by=user, **fields)
    except (ValidationError, PermissionDenied) as error:
        return 0, [RowError(0, "", "", " ".join(getattr(error, "messages", [str(error)])))]
    return len(rows), []
