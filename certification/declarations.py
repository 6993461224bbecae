"""Declared outside hours (学时申报): submit with evidence, school check, district HR approval
(crediting the ledger once) or return with a reason, resubmit. Every step is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.models import HourCategory
from people import purposes
from people.access import DecisionRefused, own_record_refuse
from people.models import AuditEntry, Notice, Teacher
from people.selectors import organisation_scope, staff_user_ids_over, user_is_staff_in_scope
from people.services import audit_record, notices_send_many

from .models import DeclarationEvidence, HourDeclaration, TrainingEntry
from .selectors import figures_teachers_changed
from .services import training_entry_record
from .signals import declaration_decided

Status = HourDeclaration.Status
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
# The roles of each step: the school checks, HR decides.
CHECK_ROLES = purposes.DECLARATION_CHECK
DECIDE_ROLES = purposes.DECLARATION_DECISION
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def evidence_type(head: bytes) -> str | None:
    """The type of a file judged by its first bytes (its name and the browser's word are not
    trusted): PDF, JPEG or PNG, else None."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _checked_files(files: Sequence) -> list[tuple[object, str]]:
    if not files:
        raise ValidationError(_("Attach at least one evidence file (PDF or photo)."))
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError(_("At most %(count)s evidence files.") % {"count": MAX_EVIDENCE_FILES})
    checked = []
    for upload in files:
        if upload.size > MAX_EVIDENCE_BYTES:
            raise ValidationError(_("“%(name)s” is larger than 10 MB.") % {"name": upload.name})
        upload.seek(0)
        content_type = evidence_type(upload.read(16))
        upload.seek(0)
        if content_type is None:
            raise ValidationError(_("“%(name)s” is not a PDF, JPEG or PNG file.") % {"name": upload.name})
        checked.append((upload, content_type))
    return checked


def _fields(*, title: str, organiser: str, started_on: date, ended_on: date, hours,
            category: str) -> dict:
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        raise ValidationError(_("Enter the hours as a number.")) from None
    if not title.strip() or not organiser.strip():
        raise ValidationError(_("Enter the title and the organiser."))
    if hours <= 0 or hours > 200:
        raise ValidationError(_("Hours must be more than 0 and at most 200."))
    if ended_on < started_on or ended_on > timezone.localdate():
        raise ValidationError(_("The dates must be in order and not in the future."))
    if not HourCategory.objects.active().filter(code=category).exists():
        raise ValidationError(_("Choose one of the hour categories."))
    return {"title": title.strip()[:200], "organiser": organiser.strip()[:200],
            "started_on": started_on, "ended_on": ended_on, "hours": hours,
            "category_id": category}


def _store(declaration: HourDeclaration, checked) -> None:
    stored = []
    try:
        for upload, content_type in checked:
            evidence = DeclarationEvidence(declaration=declaration, content_type=content_type,
                                           original_name=upload.name[:200], size=upload.size)
            evidence.file.save(upload.name, upload, save=False)
            stored.append(evidence.file.name)
            evidence.save()
    except Exception:
        # The rows roll back with the transaction; the files must go too.
        for name in stored:
            DeclarationEvidence._meta.get_field("file").storage.delete(name)
        raise


def _reviewers_notify(declaration: HourDeclaration, *, step_staff: list[int]) -> None:
    """Tell the staff of the step the declaration now waits at (the school's check, or HR's
    decision), whose scope covers the teacher's school, that it is in their queue."""
    teacher = declaration.teacher
    reviewers = [uid for uid in step_staff if uid != teacher.user_id]  # nobody reviews their own
    if not reviewers:
        return
    with translation.override(settings.LANGUAGE_CODE):
        notices_send_many(
            user_ids=reviewers, kind=Notice.Kind.DECLARATION_WAITING,
            title=_("Declared hours to review: %(name)s, %(hours)s hours") % {
                "name": teacher.name, "hours": f"{Decimal(declaration.hours).normalize():f}"},
            body=_("%(school)s · %(title)s") % {"school": teacher.school.name,
                                                 "title": declaration.title},
            url=reverse("certification:declaration_queue"))


@transaction.atomic
def declaration_submit(*, teacher: Teacher, files: Sequence, title: str, organiser: str,
                       started_on: date, ended_on: date, hours, category: str) -> HourDeclaration:
    """A teacher declares outside hours; every file is checked before anything is stored."""
    fields = _fields(title=title, organiser=organiser, started_on=started_on, ended_on=ended_on,
                     hours=hours, category=category)
    checked = _checked_files(files)
    declaration = HourDeclaration.objects.create(teacher=teacher, **fields)
    _store(declaration, checked)
    _reviewers_notify(declaration, step_staff=staff_user_ids_over(teacher.school, roles=CHECK_ROLES))
    return declaration


@transaction.atomic
def declaration_resubmit(*, declaration: HourDeclaration, teacher: Teacher, files: Sequence = (),
                         **fields) -> HourDeclaration:
    """The teacher corrects a returned declaration (and may add files); it goes back to the school."""
    declaration = HourDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.teacher_id != teacher.pk:
        raise PermissionDenied
    if declaration.status != Status.RETURNED:
        raise ValidationError(_("Only a returned declaration can be submitted again."))
    checked = _checked_files(files) if files else []
    for name, value in _fields(**fields).items():
        setattr(declaration, name, value)
    declaration.status, declaration.submitted_at = Status.SUBMITTED, timezone.now()
    declaration.save()
    _store(declaration, checked)
    _reviewers_notify(declaration, step_staff=staff_user_ids_over(teacher.school, roles=CHECK_ROLES))
    return declaration


def _locked(declaration: HourDeclaration, user, roles, status: str) -> HourDeclaration:
    declaration = (HourDeclaration.objects.select_for_update().select_related("teacher__school")
                   .get(pk=declaration.pk))
    if not user_is_staff_in_scope(user, declaration.teacher.school, roles=roles):
        raise PermissionDenied
    own_record_refuse(user, declaration.teacher)
    if declaration.status != status:
        raise ValidationError(_("This declaration is no longer waiting for you."))
    return declaration


@transaction.atomic
def declaration_school_check(*, declaration: HourDeclaration, checked_by) -> HourDeclaration:
    """The school admin confirms the declaration; it goes on to district HR."""
    declaration = _locked(declaration, checked_by, CHECK_ROLES, Status.SUBMITTED)
    declaration.status, declaration.school_checked_by = Status.SCHOOL_CHECKED, checked_by
    declaration.save(update_fields=["status", "school_checked_by"])
    audit_record(actor=checked_by, action=AuditEntry.Action.DECLARATION_CHECK,
                 organisation=declaration.teacher.school, target=declaration.teacher.employee_no,
                 detail=f"{declaration.pk} · {declaration.hours}")
    _reviewers_notify(declaration, step_staff=staff_user_ids_over(
        declaration.teacher.school, roles=DECIDE_ROLES))
    return declaration


@transaction.atomic
def declaration_approve(*, declaration: HourDeclaration, decided_by) -> HourDeclaration:
    """District HR approves: the hours land on the ledger once, keyed on the declaration."""
    declaration = _locked(declaration, decided_by, DECIDE_ROLES, Status.SCHOOL_CHECKED)
    if declaration.school_checked_by_id == decided_by.pk:
        raise DecisionRefused(_("Whoever checked the declaration at the school cannot also "
                                 "approve it: the two steps need two people."))
    entry, _created = training_entry_record(
        teacher=declaration.teacher, hours=declaration.hours, date=declaration.ended_on,
        title=declaration.title, source=TrainingEntry.Source.DECLARED,
        reference=f"declaration:{declaration.pk}", recorded_by=decided_by,
        category=declaration.category_id)
    declaration.status, declaration.decided_by = Status.APPROVED, decided_by
    declaration.decided_at, declaration.training_entry = timezone.now(), entry
    declaration.save(update_fields=["status", "decided_by", "decided_at", "training_entry"])
    audit_record(actor=decided_by, action=AuditEntry.Action.DECLARATION_APPROVE,
                 organisation=declaration.teacher.school, target=declaration.teacher.employee_no,
                 detail=f"{declaration.pk} · {declaration.hours}")
    declaration_decided.send(sender=HourDeclaration, declaration=declaration)
    return declaration


@transaction.atomic
def declaration_return(*, declaration: HourDeclaration, returned_by, reason: str) -> HourDeclaration:
    """The school (before its check) or HR (after it) returns the declaration with a reason."""
    if not reason or not reason.strip():
        raise ValidationError(_("Give the teacher a reason."))
    current = HourDeclaration.objects.get(pk=declaration.pk)
    roles = CHECK_ROLES if current.status == Status.SUBMITTED else DECIDE_ROLES
    declaration = _locked(declaration, returned_by, roles,
                          Status.SUBMITTED if roles == CHECK_ROLES else Status.SCHOOL_CHECKED)
    declaration.status, declaration.return_reason = Status.RETURNED, reason.strip()
    declaration.decided_by, declaration.decided_at = returned_by, timezone.now()
    declaration.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    audit_record(actor=returned_by, action=AuditEntry.Action.DECLARATION_RETURN,
                 organisation=declaration.teacher.school, target=declaration.teacher.employee_no,
                 detail=f"{declaration.pk} · {reason.strip()}")
    declaration_decided.send(sender=HourDeclaration, declaration=declaration)
    return declaration


def declaration_queue(*, user) -> QuerySet[HourDeclaration]:
    """Declarations waiting for this user: the school's check or HR's decision, in scope."""
    checks = organisation_scope(user, roles=CHECK_ROLES)
    decides = organisation_scope(user, roles=DECIDE_ROLES)
    from django.db.models import Q

    return (HourDeclaration.objects
            .filter(Q(status=Status.SUBMITTED, teacher__school__in=checks)
                    | Q(status=Status.SCHOOL_CHECKED, teacher__school__in=decides))
            .select_related("teacher", "teacher__school", "category").prefetch_related("evidence")
            .order_by("submitted_at"))


def declaration_visible_to_staff(*, user, declaration: HourDeclaration) -> bool:
    """Staff who check or decide for the teacher's school may see the declaration's evidence."""
    return user_is_staff_in_scope(user, declaration.teacher.school,
                                  roles=purposes.DECLARATION_REVIEW)


# --- Outside credentials recorded by HR ----------------------------------------------------


@transaction.atomic
def teacher_credential_record(*, teacher: Teacher, name: str, level_code: str = "", issuer: str = "",
                              obtained_on: date, expires_on: date | None = None, recorded_by,
                              evidence=None):
    """HR records a teacher's outside qualification. A recognised credential counts toward
    holding rates as its level (the existing TeacherCredential rule); an unknown name needs
    its equivalent level (等级对应), which makes it recognised. Recording again updates it."""
    from .models import CertificateLevel, RecognisedCredential, TeacherCredential

    if not user_is_staff_in_scope(recorded_by, teacher.school, roles=purposes.OUTSIDE_CREDENTIALS):
        raise PermissionDenied
    own_record_refuse(recorded_by, teacher)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Enter the credential's name."))
    if expires_on and expires_on < obtained_on:
        raise ValidationError(_("The expiry date is before the issue date."))
    credential = RecognisedCredential.objects.filter(name=name).first()
    if credential is None:
        level = CertificateLevel.objects.filter(code=(level_code or "").strip().upper()).first()
        if level is None:
            raise ValidationError(_("“%(name)s” is not a recognised credential: give its equivalent level.")
                                  % {"name": name})
        credential = RecognisedCredential.objects.create(name=name[:120], level=level)
    checked = _checked_files([evidence]) if evidence else []
    before = (TeacherCredential.objects.filter(teacher=teacher, credential=credential)
              .values_list("obtained_on", flat=True).first())
    held, _created = TeacherCredential.objects.update_or_create(
        teacher=teacher, credential=credential,
        defaults={"issuer": issuer.strip()[:200], "obtained_on": obtained_on,
                  "expires_on": expires_on, "recorded_by": recorded_by})
    # Held as its level from the day it was obtained (or was, before this record).
    figures_teachers_changed([(teacher.pk, min(obtained_on, before or obtained_on))])
    if checked:
        upload, _type = checked[0]
        held.evidence.save(upload.name, upload, save=True)
    audit_record(actor=recorded_by, action=AuditEntry.Action.TEACHER_CHANGE,
                 organisation=teacher.school, target=teacher.employee_no,
                 detail=f"credential · {credential.name}")
    return held


@transaction.atomic
def teacher_credential_update(*, held, teacher: Teacher, credential, issuer: str = "",
                              obtained_on: date, expires_on: date | None = None,
                              evidence=None, updated_by):
    """HR corrects a recorded outside credential: the teacher (before and after) must be in
    their scope; `evidence` is a new file to keep, False to remove the stored one, None to
    leave it. Audited like recording."""
    from .models import TeacherCredential

    held = (TeacherCredential.objects.select_for_update().select_related("teacher__school")
            .get(pk=held.pk))
    for who in (held.teacher, teacher):
        if not user_is_staff_in_scope(updated_by, who.school, roles=purposes.OUTSIDE_CREDENTIALS):
            raise PermissionDenied
        own_record_refuse(updated_by, who)
    if expires_on and expires_on < obtained_on:
        raise ValidationError(_("The expiry date is before the issue date."))
    if TeacherCredential.objects.filter(teacher=teacher, credential=credential).exclude(
            pk=held.pk).exists():
        raise ValidationError(_("This teacher already holds this credential."))
    checked = _checked_files([evidence]) if evidence else []
    old_file = held.evidence.name if (checked or evidence is False) else ""
    # The holder before and after, each from the earlier of the days it was obtained.
    figures_teachers_changed([(held.teacher_id, min(held.obtained_on, obtained_on)),
                              (teacher.pk, min(held.obtained_on, obtained_on))])
    held.teacher, held.credential = teacher, credential
    held.issuer, held.obtained_on, held.expires_on = issuer.strip()[:200], obtained_on, expires_on
    held.recorded_by = updated_by
    if evidence is False:
        held.evidence = None
    held.save()
    if checked:
        upload, _type = checked[0]
        held.evidence.save(upload.name, upload, save=True)
    if old_file:
        storage = held.evidence.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    audit_record(actor=updated_by, action=AuditEntry.Action.TEACHER_CHANGE,
                 organisation=teacher.school, target=teacher.employee_no,
                 detail=f"credential edit · {credential.name}")
    return held


@transaction.atomic
def teacher_credential_delete(*, held, deleted_by) -> None:
    """HR remove a recorded outside credential (the teacher in their scope), audited; it no
    longer counts as its level on any day."""
    from .models import TeacherCredential

    held = (TeacherCredential.objects.select_for_update().select_related("teacher__school", "credential")
            .get(pk=held.pk))
    if not user_is_staff_in_scope(deleted_by, held.teacher.school, roles=purposes.OUTSIDE_CREDENTIALS):
        raise PermissionDenied
    own_record_refuse(deleted_by, held.teacher)
    old_file = held.evidence.name
    held.delete()
    figures_teachers_changed([(held.teacher_id, held.obtained_on)])
    if old_file:
        storage = held.evidence.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    audit_record(actor=deleted_by, action=AuditEntry.Action.TEACHER_CHANGE,
                 organisation=held.teacher.school, target=held.teacher.employee_no,
                 detail=f"credential removed · {held.credential.name}")
