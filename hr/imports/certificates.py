"""Certificates held from elsewhere, recorded through certification.services."""


from django.db import transaction
from django.utils.translation import gettext

from certification.models import Certificate, CertificateLevel
from certification.selectors import figures_deferred
from certification.services import certificate_record_imported
from people.models import Teacher

from ..sheets.columns import CERTIFICATES
from ..sheets.errors import RowError
from ..sheets.normalise import clean_code, clean_text, level_reader, parse_date
from ..sheets.reading import open_sheet
from .rows import CHUNK, ImportHasErrors, Plan, chunks, import_today, not_future, row_readers, teacher_rows


def certificates_plan(*, path, user, progress=None, **_options) -> Plan:
    """Read a sheet of certificates held from elsewhere and check each row."""
    plan = Plan(kind="certificates")
    today = import_today()  # one moment for the whole file
    parsed, first_seen = [], {}
    read_level = level_reader()  # the levels city HR keep, read once
    with open_sheet(path, CERTIFICATES) as (layout, rows):
        plan.header_row = layout.header_row
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True, max_length=32)
            name = r.get("name", clean_text)
            level = r.get("level", read_level, required=True)
            cert_no = r.get("cert_no", clean_code, required=True, max_length=64)
            issued_on = r.get("issued_on", lambda v: not_future(parse_date(v), today), required=True)
            expires_on = r.get("expires_on", parse_date)
            authority = r.get("authority", clean_text, max_length=120)
            if issued_on and expires_on and expires_on <= issued_on:
                r.fail("expires_on", expires_on, gettext("Expiry must be after the issue date"))
            if cert_no and cert_no in first_seen:
                r.fail("cert_no", cert_no,
                    gettext("Same certificate number as row %(row)s") % {"row": first_seen[cert_no]})
            elif cert_no:
                first_seen[cert_no] = r.number
            if r.ok:
                parsed.append((r.number, number, {
                    "name": name, "level_code": level, "number": cert_no, "issued_on": issued_on,
                    "expires_on": expires_on, "authority": authority or ""}))
            if progress and plan.rows % CHUNK == 0:
                progress(plan.rows)
    levels = set(CertificateLevel.objects.values_list("code", flat=True))
    known = {}  # certificate number -> teacher id, for numbers already recorded
    for chunk in chunks([fields["number"] for _row, _no, fields in parsed]):
        known.update(Certificate.objects.filter(number__in=chunk).values_list("number", "teacher_id"))
    teachers = teacher_rows(parsed, plan, layout, user)
    for row, employee_no, fields in parsed:
        if row not in teachers:
            continue
        if fields["level_code"] not in levels:
            plan.errors.append(RowError(row, layout.column_name("level"), fields["level_code"],
                gettext("No such certificate level here")))
            continue
        holder = known.get(fields["number"])
        if holder is not None:
            if holder == teachers[row][1]:
                plan.unchanged += 1  # recorded by an earlier import: importing again is a no-op
            else:
                plan.errors.append(RowError(row, layout.column_name("cert_no"), fields["number"],
                    gettext("This certificate number belongs to another teacher")))
            continue
        plan.creates.append({"row": row, "employee_no": employee_no, "teacher_id": teachers[row][1],
                             **{k: v for k, v in fields.items() if k != "name"},
                             "display": {"row": row, "employee_no": employee_no,
                                         "name": teachers[row][2], "level": fields["level_code"],
                                         "cert_no": fields["number"],
                                         "issued_on": fields["issued_on"],
                                         "expires_on": fields["expires_on"]}})
    plan.errors.sort(key=lambda e: e.row)
    return plan


def certificates_commit(*, path, user, progress=None, plan: Plan | None = None, **_options) -> dict:
    """Record imported certificates through certification.services, all or nothing."""
    # A plan made moments ago in the same process (the command line) is reused; a job
    # re-reads the stored file, since the database may have moved on since its preview.
    plan = plan or certificates_plan(path=path, user=user, progress=progress)
    if plan.errors:
        raise ImportHasErrors(plan)
    created = 0
    teachers = Teacher.objects.in_bulk([row["teacher_id"] for row in plan.creates])
    with transaction.atomic(), figures_deferred():
        for row in plan.creates:
            _cert, is_new = certificate_record_imported(
                teacher=teachers[row["teacher_id"]], level_code=row["level_code"], number=row["number"],
                issued_on=row["issued_on"], expires_on=row["expires_on"], authority=row["authority"],
                recorded_by=user)
            created += is_new
    return {"created": created, "unchanged": plan.unchanged + len(plan.creates) - created,
            "rows": plan.rows}
