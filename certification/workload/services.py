"""Writes of the workload module: log, submit, withdraw, approve and return entries.

Every state change goes through one function here, runs in one transaction and writes its
WorkloadDecision row. Approved entries are locked: these functions refuse them, and the model's
save guard refuses whatever slips past.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import (
    WorkloadActivityType,
    WorkloadDecision,
    WorkloadEntry,
    WorkloadEntryLocked,
)
from people import purposes
from people.models import AuditEntry, Notice, Teacher
from people.selectors import organisation_scope, teacher_for_user, user_is_subject
from people.services import audit_record, notice_send

from ..reach import parent_sessions_from_workload
from .selectors import workload_credit_per_unit, workload_credit_rates

# --- The privacy rule for notes ---------------------------------------------------------------

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# A name list: three or more items of 2-4 CJK characters, each starting with a common surname,
# separated by 、，, or spaces. Topic lists ("学业压力、人际关系、情绪困扰") and class lists
# ("高一、高二、高三") pass: their items do not look like names.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧肖田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤欧阳司马诸葛上官"
)
_NOT_IN_NAMES = "一二三四五六七八九十年级班组届初高"
_CJK_ITEM = re.compile(r"[\u4e00-\u9fff]{2,4}")
_SEPARATORS = re.compile(r"[、，,\s]+")


def _looks_like_name(item: str) -> bool:
    return (
        _CJK_ITEM.fullmatch(item) is not None
        and item[0] in _SURNAMES
        and not any(ch in _NOT_IN_NAMES for ch in item[1:])
    )


def _has_name_list(text: str) -> bool:
    run = 0
    for item in _SEPARATORS.split(text):
        run = run + 1 if _looks_like_name(item) else 0
        if run >= 3:
            return True
    return False


def workload_note_validate(note: str) -> None:
    """Refuse a note that looks like it holds a phone number, an ID number or a list of names."""
    text = note or ""
    compact = re.sub(r"[\s-]", "", text)
    if _ID_NUMBER.search(text) or _ID_NUMBER.search(compact):
        raise ValidationError(
            _("The note looks like it contains an ID card number. Record counts and categories "
              "only, never a student's identifying details."),
            code="id_number",
        )
    if _MOBILE.search(text) or _MOBILE.search(compact):
        raise ValidationError(
            _("The note looks like it contains a mobile phone number. Record counts and "
              "categories only, never a student's identifying details."),
            code="phone",
        )
    if _has_name_list(text):
        raise ValidationError(
            _("The note looks like a list of people's names. Record counts and categories only, "
              "never students' names."),
            code="names",
        )


# --- The rules of one entry -------------------------------------------------------------------


def workload_entry_clean(*, activity_type: WorkloadActivityType | None, day: date | None,
                         quantity, group_size=None, note: str = "", start_time=None,
                         today: date | None = None) -> dict:
    """Check one entry's fields against its activity type; return cleaned values or raise
    ValidationError with a dict of field errors."""
    errors: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    if activity_type is None:
        errors.setdefault("activity_type", []).append(_("Choose an activity type."))
    elif not activity_type.active:
        errors.setdefault("activity_type", []).append(_("This activity type is no longer in use."))
    if day is None:
        errors.setdefault("date", []).append(_("Enter the date."))
    elif day > today:
        errors.setdefault("date", []).append(_("Work cannot be logged for a future date."))
    try:
        qty = Decimal(str(quantity)) if quantity not in (None, "") else None
    except InvalidOperation:
        qty = None
    if qty is None or qty <= 0:
        errors.setdefault("quantity", []).append(_("Enter a quantity greater than zero."))
    elif qty > Decimal("24") and activity_type is not None and activity_type.is_hourly:
        errors.setdefault("quantity", []).append(_("No more than 24 hours in one entry."))
    elif activity_type is not None and not activity_type.is_hourly and qty != qty.to_integral_value():
        errors.setdefault("quantity", []).append(_("This activity is counted in whole occurrences."))
    elif qty > Decimal("100"):
        errors.setdefault("quantity", []).append(_("No more than 100 in one entry."))
    if group_size in ("",):
        group_size = None
    if activity_type is not None and not activity_type.uses_group_size:
        group_size = None
    elif group_size is not None and int(group_size) < 1:
        errors.setdefault("group_size", []).append(_("The class or group size must be at least 1."))
    if activity_type is None or not activity_type.is_room_duty:
        start_time = None
    elif start_time is not None and qty is not None and qty > 0 and (
            start_time.hour * 60 + start_time.minute + qty * 60 > 24 * 60):
        errors.setdefault("quantity", []).append(_("The duty would run past midnight."))
    note = (note or "").strip()
    if activity_type is not None and activity_type.needs_evidence_note and not note:
        errors.setdefault("note", []).append(_("This activity needs a short note as evidence."))
    try:
        workload_note_validate(note)
    except ValidationError as exc:
        errors.setdefault("note", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return {"activity_type": activity_type, "date": day, "quantity": qty,
            "group_size": int(group_size) if group_size is not None else None, "note": note,
            "start_time": start_time}


def workload_credit(*, activity_type: WorkloadActivityType, quantity: Decimal, school,
                    rates: dict | None = None) -> Decimal:
    """Credit units an entry earns: quantity (occurrences or hours) times the rate that applies
    at the counsellor's school (the nearest organisation's, else the type's own)."""
    rate = workload_credit_per_unit(activity_type, school, rates)
    return (Decimal(quantity) * rate).quantize(Decimal("0.01"))


def _counsellor_of(user) -> Teacher:
    teacher = teacher_for_user(user)
    if teacher is None or not teacher.is_active or not teacher.is_counsellor:
        raise PermissionDenied(_("Only full-time and part-time counsellors log workload."))
    return teacher


def _own_entry(entry: WorkloadEntry, by) -> None:
    if entry.teacher.user_id != by.pk:
        raise PermissionDenied(_("Only the counsellor who logged an entry may change it."))


def _refuse_locked(entry: WorkloadEntry) -> None:
    if entry.status == WorkloadEntry.Status.APPROVED:
        raise WorkloadEntryLocked(_("This entry is approved and locked; log a correction as a new entry."))


def _record(entry: WorkloadEntry, action: str, by, reason: str = "") -> WorkloadDecision:
    return WorkloadDecision.objects.create(entry=entry, action=action, by=by, reason=reason)


# --- Logging ----------------------------------------------------------------------------------


@transaction.atomic
def workload_entry_create(*, by, activity_type: WorkloadActivityType, date: date, quantity,
                          group_size: int | None = None, note: str = "", start_time=None,
                          submit: bool = False) -> WorkloadEntry:
    """Log one entry for the counsellor `by`, as a draft or submitted straight away."""
    teacher = _counsellor_of(by)
    data = workload_entry_clean(activity_type=activity_type, day=date, quantity=quantity,
                                group_size=group_size, note=note, start_time=start_time)
    entry = WorkloadEntry.objects.create(
        teacher=teacher, **data,
        credit=workload_credit(activity_type=activity_type, quantity=data["quantity"],
                               school=teacher.school),
        status=WorkloadEntry.Status.SUBMITTED if submit else WorkloadEntry.Status.DRAFT,
    )
    if submit:
        _record(entry, WorkloadDecision.Action.SUBMITTED, by)
    return entry


@transaction.atomic
def workload_entry_update(*, entry: WorkloadEntry, by, activity_type: WorkloadActivityType,
                          date: date, quantity, group_size: int | None = None,
                          note: str = "", start_time=None) -> WorkloadEntry:
    """Change a draft, returned or withdrawn entry of one's own; approved entries are refused."""
    entry = WorkloadEntry.objects.select_for_update().select_related("teacher").get(pk=entry.pk)
    _refuse_locked(entry)
    _own_entry(entry, by)
    if not entry.is_editable:
        raise ValidationError(_("Withdraw the entry before changing it."))
    data = workload_entry_clean(activity_type=activity_type, day=date, quantity=quantity,
                                group_size=group_size, note=note, start_time=start_time)
    for field, value in data.items():
        setattr(entry, field, value)
    entry.credit = workload_credit(activity_type=activity_type, quantity=data["quantity"],
                                   school=entry.teacher.school)
    entry.save()
    return entry


@transaction.atomic
def workload_entry_delete(*, entry: WorkloadEntry, by) -> None:
    """Delete one's own draft or withdrawn entry (never one that was decided on)."""
    entry = WorkloadEntry.objects.select_for_update().select_related("teacher").get(pk=entry.pk)
    _refuse_locked(entry)
    _own_entry(entry, by)
    if entry.status not in (WorkloadEntry.Status.DRAFT, WorkloadEntry.Status.WITHDRAWN):
        raise ValidationError(_("Only drafts and withdrawn entries can be deleted."))
    entry.delete()


@transaction.atomic
def workload_entry_submit(*, entry: WorkloadEntry, by) -> WorkloadEntry:
    """Send one's own draft, returned or withdrawn entry to the school admin."""
    entry = WorkloadEntry.objects.select_for_update().select_related(
        "teacher", "activity_type").get(pk=entry.pk)
    _refuse_locked(entry)
    _own_entry(entry, by)
    if not entry.is_editable:
        raise ValidationError(_("This entry is already waiting for approval."))
    # The rules may have changed since the draft was saved (type deactivated, note rule).
    workload_entry_clean(activity_type=entry.activity_type, day=entry.date,
                         quantity=entry.quantity, group_size=entry.group_size, note=entry.note)
    entry.status = WorkloadEntry.Status.SUBMITTED
    entry.return_reason = ""
    entry.save(update_fields=["status", "return_reason", "updated_at"])
    _record(entry, WorkloadDecision.Action.SUBMITTED, by)
    return entry


@transaction.atomic
def workload_entry_withdraw(*, entry: WorkloadEntry, by) -> WorkloadEntry:
    """Take one's own pending entry back before the school admin decides."""
    entry = WorkloadEntry.objects.select_for_update().select_related("teacher").get(pk=entry.pk)
    _refuse_locked(entry)
    _own_entry(entry, by)
    if entry.status != WorkloadEntry.Status.SUBMITTED:
        raise ValidationError(_("Only entries waiting for approval can be withdrawn."))
    entry.status = WorkloadEntry.Status.WITHDRAWN
    entry.save(update_fields=["status", "updated_at"])
    _record(entry, WorkloadDecision.Action.WITHDRAWN, by)
    return entry


def workload_row_error(row: int, message: str) -> str:
    """The message naming a bad row of the week grid ("第 7 行：…")."""
    return _("Row %(row)s: %(error)s") % {"row": row, "error": message}


@transaction.atomic
def workload_entry_bulk_create(*, by, rows: Sequence[Mapping], submit: bool = False) -> list[WorkloadEntry]:
    """Log many entries at once (the week grid): all are saved, or none and the bad row is named.

    Each row maps activity_type, date, quantity, group_size, note and optionally "row" (the
    number the user saw; else its position from 1).
    """
    teacher = _counsellor_of(by)
    cleaned = []
    for position, row in enumerate(rows, start=1):
        number = row.get("row", position)
        try:
            data = workload_entry_clean(
                activity_type=row.get("activity_type"), day=row.get("date"),
                quantity=row.get("quantity"), group_size=row.get("group_size"),
                note=row.get("note", ""), start_time=row.get("start_time"),
            )
        except ValidationError as exc:
            raise ValidationError(workload_row_error(number, "；".join(exc.messages))) from exc
        cleaned.append(data)
    if not cleaned:
        raise ValidationError(_("Fill in at least one row."))
    status = WorkloadEntry.Status.SUBMITTED if submit else WorkloadEntry.Status.DRAFT
    rates = workload_credit_rates()
    entries = WorkloadEntry.objects.bulk_create([
        WorkloadEntry(teacher=teacher, status=status,
                      credit=workload_credit(activity_type=d["activity_type"], quantity=d["quantity"],
                                             school=teacher.school, rates=rates),
                      **d)
        for d in cleaned
    ])
    if submit:
        WorkloadDecision.objects.bulk_create([
            WorkloadDecision(entry=e, action=WorkloadDecision.Action.SUBMITTED, by=by) for e in entries
        ])
    return entries


# --- Approval ---------------------------------------------------------------------------------


@transaction.atomic
def workload_notes_erase(*, teacher: Teacher, by) -> int:
    """Blank a counsellor's notes, approved ones included (personal-data erasure), audited.

    The one change an approved entry accepts: the law requires the text to go, and the counts
    and credit it was approved for stay.
    """
    count = (WorkloadEntry.objects.filter(teacher=teacher).exclude(note="")
             .update(note=""))
    if count:
        audit_record(actor=by, action=AuditEntry.Action.TEXT_ERASE,
                     organisation=teacher.school, target=teacher.employee_no,
                     detail=f"workload notes: {count}")
    return count


def workload_user_may_approve(*, user, teacher: Teacher) -> bool:
    """Whether `user` is a school admin over the counsellor's school (never for their own work)."""
    if user_is_subject(user, teacher):
        return False
    return organisation_scope(user, roles=purposes.WORKLOAD_APPROVAL).filter(
        pk=teacher.school_id).exists()


def _decidable(entry_pk: int, by) -> WorkloadEntry:
    entry = WorkloadEntry.objects.select_for_update().select_related(
        "teacher__school", "activity_type").get(pk=entry_pk)
    _refuse_locked(entry)
    if not workload_user_may_approve(user=by, teacher=entry.teacher):
        raise PermissionDenied(_("Only the school admin of the counsellor's school decides on this entry."))
    if entry.status != WorkloadEntry.Status.SUBMITTED:
        raise ValidationError(_("Only entries waiting for approval can be decided on."))
    return entry


@transaction.atomic
def workload_entry_approve(*, entry: WorkloadEntry, by) -> WorkloadEntry:
    """Approve a submitted entry: its credit is fixed at the rate that applies now at the
    counsellor's school, and it locks."""
    entry = _decidable(entry.pk, by)
    entry.credit = workload_credit(activity_type=entry.activity_type, quantity=entry.quantity,
                                   school=entry.teacher.school)
    entry.status = WorkloadEntry.Status.APPROVED
    entry.return_reason = ""
    entry.save(update_fields=["credit", "status", "return_reason", "updated_at"])
    _record(entry, WorkloadDecision.Action.APPROVED, by)
    parent_sessions_from_workload([entry])
    audit_record(actor=by, action=AuditEntry.Action.WORKLOAD_APPROVE,
                 organisation=entry.teacher.school, target=entry.teacher.employee_no,
                 detail=f"{entry.date:%Y-%m-%d} · {entry.activity_type.name} × {entry.quantity:g}")
    return entry


@transaction.atomic
def workload_entry_return(*, entry: WorkloadEntry, by, reason: str) -> WorkloadEntry:
    """Send a submitted entry back to the counsellor with the reason, for editing and resubmitting."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the entry is returned."))
    workload_note_validate(reason)
    entry = _decidable(entry.pk, by)
    entry.status = WorkloadEntry.Status.RETURNED
    entry.return_reason = reason[:200]
    entry.save(update_fields=["status", "return_reason", "updated_at"])
    _record(entry, WorkloadDecision.Action.RETURNED, by, reason[:200])
    audit_record(actor=by, action=AuditEntry.Action.WORKLOAD_RETURN,
                 organisation=entry.teacher.school, target=entry.teacher.employee_no,
                 detail=f"{entry.date:%Y-%m-%d} · {reason[:200]}")
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        notice_send(user=entry.teacher.user, kind=Notice.Kind.WORKLOAD_RETURNED,
                    title=_("Your workload entry of %(date)s was returned") % {
                        "date": entry.date.isoformat()},
                    body=_("Reason: %(reason)s") % {"reason": reason[:200]},
                    url=reverse("certification:workload_my_entries"))
    return entry


def workload_week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


@transaction.atomic
def workload_week_approve(*, teacher: Teacher, week_start: date, by) -> int:
    """Approve every submitted entry of one counsellor's week at once; returns how many."""
    if not workload_user_may_approve(user=by, teacher=teacher):
        raise PermissionDenied(_("Only the school admin of the counsellor's school decides on this entry."))
    week_start = workload_week_start(week_start)
    pending = list(
        WorkloadEntry.objects.select_for_update().select_related("activity_type").filter(
            teacher=teacher, status=WorkloadEntry.Status.SUBMITTED,
            date__gte=week_start, date__lt=week_start + timedelta(days=7),
        )
    )
    now = timezone.now()
    rates = workload_credit_rates()
    for entry in pending:
        entry.credit = workload_credit(activity_type=entry.activity_type, quantity=entry.quantity,
                                       school=teacher.school, rates=rates)
        entry.status = WorkloadEntry.Status.APPROVED
        entry.return_reason = ""
        entry.updated_at = now
    # bulk_update skips save(); the rows were locked above and are all still "submitted".
    WorkloadEntry.objects.bulk_update(pending, ["credit", "status", "return_reason", "updated_at"])
    for entry in pending:
        entry.teacher = teacher
    parent_sessions_from_workload(pending)
    WorkloadDecision.objects.bulk_create([
        WorkloadDecision(entry=e, action=WorkloadDecision.Action.APPROVED, by=by) for e in pending
    ])
    if pending:
        audit_record(actor=by, action=AuditEntry.Action.WORKLOAD_APPROVE,
                     organisation=teacher.school, target=teacher.employee_no,
                     detail=_("Week of %(week)s: %(count)s entries") % {
                         "week": f"{week_start:%Y-%m-%d}", "count": len(pending)})
    return len(pending)
