"""Writes of certification: the ledger, applications, issuing, importing, renewing, revoking,
expiring and reminding. Each is one transaction and writes its history row."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.models import DEFAULT_CATEGORY, HourCategory
from people import employment, purposes
from people.access import own_record_refuse
from people.models import AuditEntry, Notice, Organisation, Teacher
from people.selectors import organisation_scope
from people.services import audit_record, notice_send

from .eligibility import LevelRule, eligibility, years_after
from .models import (
    NO_STATED_EXPIRY,
    Application,
    AuthorityValidityRule,
    Certificate,
    CertificateEvent,
    CertificateLevel,
    CertificateNumberCounter,
    ExamPass,
    Reminder,
    TeacherCredential,
    TrainingEntry,
)
from .records import certificate_events_append, training_entries_append
from .selectors import eligibility_records, expiry_date_for, figures_teachers_changed
from .selectors.cycle import pace_filters, with_cycle

# --- Ledger -------------------------------------------------------------------------------


def _category_code(category) -> str:
    """An hour category's code from a code, a category or nothing (the default category)."""
    code = getattr(category, "code", category) or DEFAULT_CATEGORY
    if not HourCategory.objects.filter(code=code).exists():
        raise ValidationError(_("Unknown hour category."))
    return code


def training_entry_record(*, teacher: Teacher, hours: Decimal, date: date, title: str,
                          source: str, reference: str, recorded_by=None,
                          course=None, category=None) -> tuple[TrainingEntry, bool]:
    """Credit hours once per (source, reference) under their category (a code or a category;
    the default category when none); a repeat returns the existing entry."""
    hours = Decimal(str(hours))
    if source == TrainingEntry.Source.CORRECTION:
        raise ValidationError(_("Use training_entry_correct for corrections."))
    if source not in TrainingEntry.Source.values:
        raise ValidationError(_("Unknown source."))
    if hours < 0:
        raise ValidationError(_("Only a correction may have negative hours."))
    if not reference:
        raise ValidationError(_("A reference is required."))
    existing = TrainingEntry.objects.filter(source=source, reference=reference).first()
    if existing:
        return existing, False
    code = _category_code(category)
    try:
        with transaction.atomic():
            entry = TrainingEntry(
                teacher=teacher, hours=hours, date=date, title=title[:200], source=source,
                reference=reference, recorded_by=recorded_by, course=course, category_id=code)
            training_entries_append([entry])
    except IntegrityError:
        # Another process credited the same reference a moment ago.
        return TrainingEntry.objects.get(source=source, reference=reference), False
    return entry, True


@transaction.atomic
def training_entry_correct(*, teacher: Teacher, hours: Decimal, date: date, reason: str,
                           recorded_by, title: str = "", category=None) -> TrainingEntry:
    """Add a correction (positive or negative hours) with its reason, under the category it
    corrects (the default category when none); nothing is edited."""
    own_record_refuse(recorded_by, teacher)
    if not reason or not reason.strip():
        raise ValidationError(_("A correction needs a reason."))
    entry = TrainingEntry(
        teacher=teacher, hours=Decimal(str(hours)), date=date, reason=reason.strip(),
        title=(title or _("Correction"))[:200], source=TrainingEntry.Source.CORRECTION,
        reference=f"correction:{uuid.uuid4().hex}", recorded_by=recorded_by,
        category_id=_category_code(category))
    training_entries_append([entry])
    audit_record(actor=recorded_by, action=AuditEntry.Action.HOURS_CORRECT,
                 organisation=teacher.school, target=teacher.employee_no,
                 detail=f"{entry.hours:+} · {entry.reason}")
    return entry


def exam_pass_record(*, teacher: Teacher, course, passed_on: date,
                     score: int = 0) -> tuple[ExamPass, bool]:
    """Record a passed course quiz once per teacher and course (the first pass is kept)."""
    try:
        with transaction.atomic():
            return ExamPass.objects.get_or_create(
                teacher=teacher, course=course,
                defaults={"passed_on": passed_on, "score": score})
    except IntegrityError:
        return ExamPass.objects.get(teacher=teacher, course=course), False


def certificate_event_record(*, certificate: Certificate, kind: str, actor=None,
                             note: str = "") -> CertificateEvent:
    """Append one event to a certificate's history, sealed onto its holder's chain."""
    event = CertificateEvent(certificate=certificate, kind=kind, actor=actor, note=note)
    certificate_events_append([event])
    return event


# --- Applications ---------------------------------------------------------------------------


@transaction.atomic
def application_submit(*, teacher: Teacher, level: CertificateLevel, submitted_by) -> Application:
    """A teacher applies for a level for themselves; one pending application per level.

    The lower certificate the level builds on must be held; hours and courses may still be
    missing (the snapshot shows what) and approval requires eligibility on the day of decision.
    """
    if teacher.user_id != submitted_by.pk:
        raise PermissionDenied(_("Teachers apply only for themselves."))
    if Application.objects.filter(teacher=teacher, level=level,
                                  status=Application.Status.PENDING).exists():
        raise ValidationError(_("An application for this level is already pending."))
    result = eligibility(eligibility_records(teacher), LevelRule.of(level), timezone.localdate())
    if result.already_held:
        raise ValidationError(_("You already hold this level or a higher one."))
    if not result.prerequisite_met:
        raise ValidationError(_("Level %(code)s needs level %(prerequisite)s first.") % {
            "code": level.code, "prerequisite": level.prerequisite.code})
    try:
        with transaction.atomic():
            return Application.objects.create(teacher=teacher, level=level,
                                              eligibility=result.as_json())
    except IntegrityError:
        # A double submit raced past the check above; the constraint keeps one pending.
        raise ValidationError(_("An application for this level is already pending.")) from None


def _reviewable(application: Application, user) -> None:
    if not organisation_scope(user, roles=purposes.CERTIFICATE_REVIEW).filter(
            pk=application.teacher.school_id).exists():
        raise PermissionDenied(_("This application is outside your scope."))
    own_record_refuse(user, application.teacher)


@transaction.atomic
def application_approve(*, application: Application, decided_by,
                        on: date | None = None) -> Certificate:
    """Approve an application: snapshot eligibility and issue the certificate, exactly once."""
    app = (Application.objects.select_for_update().select_related("teacher", "level")
           .get(pk=application.pk))
    _reviewable(app, decided_by)
    if app.status == Application.Status.APPROVED and app.certificate_id:
        return app.certificate
    if app.status != Application.Status.PENDING:
        raise ValidationError(_("This application has already been decided."))
    on = on or timezone.localdate()
    level = (CertificateLevel.objects.select_related("prerequisite", "exam_course")
             .prefetch_related("required_courses").get(pk=app.level_id))
    result = eligibility(eligibility_records(app.teacher), LevelRule.of(level), on)
    if not result.eligible:
        raise ValidationError(_("The teacher does not meet every requirement yet."))
    cert = certificate_issue(teacher=app.teacher, level=level, issued_on=on,
                             issued_by=decided_by)
    app.status = Application.Status.APPROVED
    app.eligibility = result.as_json()
    app.certificate = cert
    app.decided_by = decided_by
    app.decided_at = timezone.now()
    app.save()
    audit_record(actor=decided_by, action=AuditEntry.Action.CERTIFICATE_ISSUE,
                 organisation=app.teacher.school, target=cert.number,
                 detail=f"{app.teacher.employee_no} · {level.code}")
    with translation.override(settings.LANGUAGE_CODE):
        notice_send(user=app.teacher.user, kind=Notice.Kind.APPLICATION_DECIDED,
                    title=_("Your application for %(level)s was approved") % {"level": level.name},
                    body=_("Certificate %(number)s was issued on %(date)s.") % {
                        "number": cert.number, "date": on.isoformat()},
                    url=reverse("certification:my_certificates"))
    return cert


@transaction.atomic
def application_reject(*, application: Application, decided_by, reason: str) -> Application:
    """Reject a pending application with a reason the teacher will see."""
    app = Application.objects.select_for_update().select_related("teacher").get(pk=application.pk)
    _reviewable(app, decided_by)
    if app.status != Application.Status.PENDING:
        raise ValidationError(_("This application has already been decided."))
    if not reason or not reason.strip():
        raise ValidationError(_("A rejection needs a reason."))
    result = eligibility(eligibility_records(app.teacher), LevelRule.of(app.level),
                         timezone.localdate())
    app.status = Application.Status.REJECTED
    app.reason = reason.strip()
    app.eligibility = result.as_json()
    app.decided_by = decided_by
    app.decided_at = timezone.now()
    app.save()
    audit_record(actor=decided_by, action=AuditEntry.Action.APPLICATION_REJECT,
                 organisation=app.teacher.school, target=app.teacher.employee_no,
                 detail=f"{app.level.code} · {app.reason}")
    with translation.override(settings.LANGUAGE_CODE):
        notice_send(user=app.teacher.user, kind=Notice.Kind.APPLICATION_DECIDED,
                    title=_("Your application for %(level)s was not approved") % {
                        "level": app.level.name},
                    body=_("Reason: %(reason)s") % {"reason": app.reason},
                    url=reverse("certification:my_certificates"))
    return app


@transaction.atomic
def application_reasons_erase(*, teacher: Teacher, by) -> int:
    """Blank the free text of a teacher's applications (personal-data erasure), audited."""
    count = Application.objects.filter(teacher=teacher).exclude(reason="").update(reason="")
    if count:
        audit_record(actor=by, action=AuditEntry.Action.TEXT_ERASE,
                     organisation=teacher.school, target=teacher.employee_no,
                     detail=f"application reasons: {count}")
    return count


@transaction.atomic
def teacher_credentials_erase(*, teacher: Teacher) -> int:
    """Remove the outside credentials recorded for a teacher (personal-data erasure)."""
    held = TeacherCredential.objects.filter(teacher=teacher)
    first = held.order_by("obtained_on").values_list("obtained_on", flat=True).first()
    removed = held.delete()[0]
    if removed:
        figures_teachers_changed([(teacher.pk, first)])
    return removed


# --- Certificates ------------------------------------------------------------------------------


def certificate_region(teacher: Teacher) -> str:
    """The region part of a number: CERTIFICATE_REGION, else the code of the teacher's city."""
    region = settings.CERTIFICATE_REGION
    if region:
        return region
    school = teacher.school
    return Organisation.objects.get(path=school.path[:school.steplen]).code


def certificate_authority(teacher: Teacher) -> str:
    """The issuing authority: CERTIFICATE_AUTHORITY, else the city's education bureau."""
    authority = settings.CERTIFICATE_AUTHORITY
    if authority:
        return authority
    school = teacher.school
    city = Organisation.objects.get(path=school.path[:school.steplen])
    return _("%(city)s Education Bureau") % {"city": city.name}


@transaction.atomic
def certificate_number_next(*, region: str, level_code: str, year: int) -> str:
    """The next number for (region, level, year); the counter row stays locked until the
    outermost transaction (the issuing one) commits, so racing approvals wait in turn."""
    counter, _created = CertificateNumberCounter.objects.get_or_create(
        region=region, level_code=level_code, year=year)
    counter = CertificateNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return certificate_number_format(region=region, level_code=level_code, year=year,
                                     seq=counter.last)


def certificate_number_format(*, region: str, level_code: str, year: int, seq: int) -> str:
    """A certificate number in the one scheme (CERTIFICATE_NUMBER_FORMAT): SF-C-2026-00001."""
    fmt = settings.CERTIFICATE_NUMBER_FORMAT
    return fmt.format(region=region, level=level_code, year=year, seq=seq)


@transaction.atomic
def certificate_issue(*, teacher: Teacher, level: CertificateLevel, issued_on: date,
                      issued_by) -> Certificate:
    """Issue a numbered certificate; an active one of the same level is superseded by it."""
    number = certificate_number_next(region=certificate_region(teacher), level_code=level.code,
                                     year=issued_on.year)
    cert = Certificate.objects.create(
        number=number, level=level, teacher=teacher, issued_on=issued_on,
        expires_on=expiry_date_for(level, issued_on), authority=certificate_authority(teacher),
        source=Certificate.Source.ISSUED)
    certificate_event_record(certificate=cert, kind=CertificateEvent.Kind.ISSUED,
                                    actor=issued_by)
    for old in (Certificate.objects.select_for_update()
                .filter(teacher=teacher, level=level, status=Certificate.Status.ACTIVE)
                .exclude(pk=cert.pk)):
        old.status = Certificate.Status.SUPERSEDED
        old.ended_on = min(old.ended_on or issued_on, issued_on)
        old.save(update_fields=["status", "ended_on"])
        certificate_event_record(certificate=old, kind=CertificateEvent.Kind.SUPERSEDED,
                                        actor=issued_by, note=cert.number)
    # Held from its issue day on (and any it supersedes, no longer from that day).
    figures_teachers_changed([(teacher.pk, issued_on)])
    return cert


@transaction.atomic
def certificate_record_imported(*, teacher: Teacher, level_code: str, number: str,
                                issued_on: date, expires_on: date | None, authority: str,
                                recorded_by) -> tuple[Certificate, bool]:
    """Record a certificate held from elsewhere, once per number (source: imported). It keeps
    its authority's dates: a blank expiry is "no stated expiry" (valid), unless city HR set a
    validity for that authority (`AuthorityValidityRule`); this installation's jobs never renew
    or expire it."""
    number = (number or "").strip()
    if not number:
        raise ValidationError(_("A certificate number is required."))
    existing = Certificate.objects.filter(number=number).first()
    if existing:
        if existing.teacher_id != teacher.pk:
            raise ValidationError(_("This certificate number belongs to another teacher."))
        return existing, False
    try:
        level = CertificateLevel.objects.get(code=level_code)
    except CertificateLevel.DoesNotExist:
        raise ValidationError(_("Unknown level %(code)s.") % {"code": level_code}) from None
    authority = authority or certificate_authority(teacher)
    expires_on = expires_on or imported_expiry_for(authority, issued_on)
    if expires_on < issued_on:
        raise ValidationError(_("The expiry date is before the issue date."))
    status = (Certificate.Status.ACTIVE if expires_on >= timezone.localdate()
              else Certificate.Status.EXPIRED)
    cert = Certificate.objects.create(
        number=number, level=level, teacher=teacher, issued_on=issued_on,
        expires_on=expires_on, authority=authority,
        status=status, source=Certificate.Source.IMPORTED)
    certificate_event_record(certificate=cert, kind=CertificateEvent.Kind.IMPORTED,
                                    actor=recorded_by)
    figures_teachers_changed([(teacher.pk, issued_on)])
    return cert, True


def imported_expiry_for(authority: str, issued_on: date) -> date:
    """The expiry of an imported certificate whose sheet leaves 有效期至 blank: the authority's
    validity where city HR set one, else none stated."""
    years = (AuthorityValidityRule.objects.filter(authority=(authority or "").strip())
             .values_list("validity_years", flat=True).first())
    return years_after(issued_on, years) - timedelta(days=1) if years else NO_STATED_EXPIRY


@transaction.atomic
def imported_certificates_restore(*, today: date) -> int:
    """Give imported certificates back their authority's dates where this installation's jobs
    changed them (renewed: the expiry before the first renewal; expired by the nightly job:
    the status the dates give), each with an audit line. Returns how many were restored."""
    touched = (CertificateEvent.objects.filter(
        certificate__source=Certificate.Source.IMPORTED,
        kind__in=[CertificateEvent.Kind.RENEWED, CertificateEvent.Kind.EXPIRED])
        .order_by("at", "pk").select_related("certificate__teacher__school"))
    first_renewal: dict[int, str] = {}
    certs: dict[int, Certificate] = {}
    for event in touched:
        certs[event.certificate_id] = event.certificate
        if event.kind == CertificateEvent.Kind.RENEWED:
            first_renewal.setdefault(event.certificate_id, event.note)
    restored = 0
    for pk, cert in certs.items():
        before = (cert.expires_on, cert.status)
        note = first_renewal.get(pk, "")
        if "→" in note:
            cert.expires_on = date.fromisoformat(note.split("→")[0].strip())
            cert.renewed_on = None
        if cert.status in (Certificate.Status.ACTIVE, Certificate.Status.EXPIRED):
            cert.status = (Certificate.Status.ACTIVE if cert.expires_on >= today
                           else Certificate.Status.EXPIRED)
        if (cert.expires_on, cert.status) == before and not note:
            continue
        cert.save(update_fields=["expires_on", "renewed_on", "status"])
        figures_teachers_changed([(cert.teacher_id, min(before[0], cert.expires_on))])
        audit_record(actor=None, action=AuditEntry.Action.CERTIFICATE_RESTORE,
                     organisation=cert.teacher.school, target=cert.number,
                     detail=f"expires {before[0].isoformat()} → {cert.expires_on.isoformat()}, "
                            f"{before[1]} → {cert.status} (imported: the authority's dates)")
        restored += 1
    return restored


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, revoked_by, reason: str,
                       on: date | None = None) -> Certificate:
    """Revoke a certificate with a reason from `on` (today by default); HR in scope only."""
    if not reason or not reason.strip():
        raise ValidationError(_("A revocation needs a reason."))
    cert = Certificate.objects.select_for_update().select_related("teacher").get(
        pk=certificate.pk)
    if not organisation_scope(revoked_by, roles=purposes.CERTIFICATE_REVIEW).filter(
            pk=cert.teacher.school_id).exists():
        raise PermissionDenied(_("This certificate is outside your scope."))
    own_record_refuse(revoked_by, cert.teacher)
    if cert.status == Certificate.Status.REVOKED:
        return cert
    on = on or timezone.localdate()
    cert.status = Certificate.Status.REVOKED
    cert.ended_on = min(cert.ended_on or on, on)
    cert.save(update_fields=["status", "ended_on"])
    figures_teachers_changed([(cert.teacher_id, cert.ended_on)])
    certificate_event_record(certificate=cert, kind=CertificateEvent.Kind.REVOKED,
                                    actor=revoked_by, note=reason.strip())
    audit_record(actor=revoked_by, action=AuditEntry.Action.CERTIFICATE_REVOKE,
                 organisation=cert.teacher.school, target=cert.number, detail=reason.strip())
    return cert


def renewal_hours_earned(certificate: Certificate, *, on: date) -> Decimal:
    """Hours earned since the certificate was issued or last renewed, up to `on`."""
    start = certificate.renewed_on or certificate.issued_on
    return (TrainingEntry.objects.filter(teacher=certificate.teacher_id, date__gte=start,
                                         date__lte=on)
            .aggregate(total=Sum("hours"))["total"]) or Decimal("0")


@transaction.atomic
def certificate_renew(*, certificate: Certificate, on: date, renewed_by=None) -> bool:
    """Extend an active certificate issued here by its validity when the renewal hours are met
    (an imported certificate is its authority's to renew)."""
    cert = Certificate.objects.select_for_update().select_related("level").get(pk=certificate.pk)
    if cert.source != Certificate.Source.ISSUED or not cert.is_valid_on(on):
        return False
    if renewal_hours_earned(cert, on=on) < cert.level.renewal_hours:
        return False
    old = cert.expires_on
    cert.expires_on = years_after(old, cert.level.validity_years)
    cert.renewed_on = on
    cert.save(update_fields=["expires_on", "renewed_on"])
    # Valid again after the old expiry day.
    figures_teachers_changed([(cert.teacher_id, old)])
    certificate_event_record(certificate=cert, kind=CertificateEvent.Kind.RENEWED,
                                    actor=renewed_by,
                                    note=f"{old.isoformat()} → {cert.expires_on.isoformat()}")
    return True


def certificates_renew_due(*, on: date, within_days: int = 90) -> int:
    """Renew every certificate issued here, valid and expiring within `within_days`, whose hours
    are met (an imported one keeps its authority's dates)."""
    due = Certificate.objects.valid_on(on).filter(expires_on__lte=on + timedelta(days=within_days),
                                                  source=Certificate.Source.ISSUED)
    return sum(certificate_renew(certificate=c, on=on) for c in due.only("pk"))


@transaction.atomic
def certificates_expire(*, on: date) -> int:
    """Mark active certificates issued here past their expiry date as expired, with a history
    row each (an imported certificate's dates are its authority's; validity reads them)."""
    cert_ids = list(Certificate.objects.select_for_update()
                    .filter(status=Certificate.Status.ACTIVE, expires_on__lt=on,
                            source=Certificate.Source.ISSUED)
                    .values_list("pk", flat=True))
    if not cert_ids:
        return 0
    Certificate.objects.filter(pk__in=cert_ids).update(status=Certificate.Status.EXPIRED)
    holders = dict(Certificate.objects.filter(pk__in=cert_ids).values_list("pk", "teacher_id"))
    events = []
    for pk in cert_ids:
        event = CertificateEvent(certificate_id=pk, kind=CertificateEvent.Kind.EXPIRED)
        event.chain_teacher_id = holders[pk]
        events.append(event)
    certificate_events_append(events)
    return len(cert_ids)


def _remind_once(*, key: str, teacher: Teacher, kind: str, subject: str, body: str) -> bool:
    """A reminder as a notice (and e-mail where the kind's channels say so), once per key."""
    try:
        with transaction.atomic():
            Reminder.objects.create(key=key, teacher=teacher)
    except IntegrityError:
        return False
    notice_send(user=teacher.user, kind=kind, title=subject, body=body,
                url=reverse("certification:my_certificates"))
    return True


def expiry_reminders_send(*, on: date) -> int:
    """Remind holders 90 and 30 days before expiry, once each (recorded in Reminder)."""
    sent = 0
    # Two windows, (30, 90] and (0, 30] days ahead; the key carries the expiry date so a
    # renewed certificate is reminded again before its new expiry.
    for days, after in ((90, 30), (30, 0)):
        for cert in (Certificate.objects.valid_on(on).filter(
                                                expires_on__gt=on + timedelta(days=after),
                                                expires_on__lte=on + timedelta(days=days))
                     .select_related("teacher__user", "level")):
            sent += _remind_once(
                key=f"expiry{days}:{cert.pk}:{cert.expires_on.isoformat()}",
                teacher=cert.teacher, kind=Notice.Kind.CERTIFICATE_EXPIRING,
                subject=_("Your certificate %(number)s expires on %(date)s") % {
                    "number": cert.number, "date": cert.expires_on.isoformat()},
                body=_("Your %(level)s certificate %(number)s expires on %(date)s. Earn "
                       "%(hours)s hours while it is valid to have it renewed.") % {
                    "level": cert.level.name, "number": cert.number,
                    "date": cert.expires_on.isoformat(), "hours": cert.level.renewal_hours})
    return sent


def pace_reminders_send(*, on: date) -> int:
    """Remind teachers in post on `on` behind their cycle pace, at most once a month each."""
    sent = 0
    on_pace = pace_filters()["on_pace"]
    teachers = (with_cycle(Teacher.objects.filter(employment.in_post_q(on)), on=on)
                .exclude(on_pace).select_related("user", "school"))
    for teacher in teachers.iterator(chunk_size=500):
        sent += _remind_once(
            key=f"pace:{teacher.pk}:{on:%Y-%m}", teacher=teacher, kind=Notice.Kind.PACE_BEHIND,
            subject=_("You are behind on your training hours"),
            body=_pace_reminder_body(teacher)
            + ((" " + _("Some hour categories are behind their minimum: see My certificates."))
               if teacher.cat_unmet else ""))
    return sent


def _pace_reminder_body(teacher) -> str:
    """What the reminder says under the teacher's pace rule (`with_cycle` annotations): the
    years short of the yearly minimum, or the cycle's hours against what is due by now."""
    if getattr(teacher, "pace_yearly", 0):
        short = [getattr(teacher, f"year_start_{k}").year for k in range(_judged_columns(teacher))
                 if getattr(teacher, f"year_start_{k}") is not None
                 and getattr(teacher, f"year_hours_{k}") < teacher.year_minimum]
        if short:
            return _("Each calendar year needs %(minimum)s hours; %(years)s fell short. "
                     "You have %(earned)s of %(target)s hours in the cycle ending %(end)s.") % {
                "minimum": _hours_text(teacher.year_minimum),
                "years": "、".join(str(y) for y in short),
                "earned": _hours_text(teacher.cycle_hours),
                "target": _hours_text(teacher.cycle_target),
                "end": teacher.cycle_end.isoformat()}
    return _("You have %(earned)s of %(target)s hours in the cycle ending %(end)s; "
             "by now %(expected)s were expected.") % {
        "earned": _hours_text(teacher.cycle_hours), "target": _hours_text(teacher.cycle_target),
        "end": teacher.cycle_end.isoformat(), "expected": _hours_text(teacher.cycle_due)}


def _hours_text(value) -> str:
    """Hours as people write them: 179.61, 72, 12.5 (SQLite hands back 179.610000000000)."""
    return f"{Decimal(value).quantize(Decimal('0.01')).normalize():f}"


def _judged_columns(row) -> int:
    k = 0
    while hasattr(row, f"year_start_{k}"):
        k += 1
    return k
