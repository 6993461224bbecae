"""One teacher's personal data (PIPL): everything held about them as one file, and erasure.

Erasure removes what identifies the person and keeps what the bureau must still count: the
certificate history (numbers, levels, dates, events) and the hours ledger stay, attached to an
anonymised profile, so past holding rates and issued numbers do not change. Certificates still
active are revoked, since no one can present them any more.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certification.models import (
    Application,
    Certificate,
    CertificateEvent,
    TeacherCredential,
    TrainingEntry,
    WorkloadEntry,
)
from certification.services import (
    application_reasons_erase,
    certificate_revoke,
    teacher_credentials_erase,
)
from certification.workload.services import workload_notes_erase
from courses.models import (
    CourseCompletion,
    Enrolment,
    LessonProgress,
    LiveAttendance,
    LivePresence,
    QuizAttempt,
)
from courses.services import learning_traces_erase
from people import purposes
from people.models import AuditEntry, LoginPhone, Teacher
from people.selectors import user_is_staff_in_scope
from people.services import audit_record, teacher_anonymise


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(queryset, *fields) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in queryset.values(*fields)]


def _check_scope(teacher: Teacher, user) -> None:
    if not user_is_staff_in_scope(user, teacher.school, roles=purposes.PRIVACY):
        raise PermissionDenied(_("This teacher is outside your scope."))


def personal_data_export(*, teacher: Teacher, by) -> dict:
    """Everything the platform holds about one teacher, for a request under PIPL art. 45."""
    _check_scope(teacher, by)
    user = teacher.user
    data = {
        "exported_at": _plain(datetime.now().astimezone()),
        "profile": {
            "employee_no": teacher.employee_no, "name": teacher.name,
            "gender": teacher.get_gender_display(), "school": teacher.school.name,
            "school_code": teacher.school.code, "role": teacher.get_role_display(),
            "hire_date": _plain(teacher.hire_date), "active": teacher.is_active,
            "email": user.email, "username": user.username,
            "login_phone": LoginPhone.objects.filter(user=user).values_list("number", flat=True).first(),
            "last_login": _plain(user.last_login), "date_joined": _plain(user.date_joined),
        },
        "training_hours": _rows(TrainingEntry.objects.filter(teacher=teacher).order_by("date", "pk"),
                                "date", "hours", "title", "source", "category", "reference", "reason"),
        "certificates": _rows(Certificate.objects.filter(teacher=teacher).order_by("issued_on"),
                              "number", "level__code", "issued_on", "expires_on", "status",
                              "authority", "source"),
        "certificate_events": _rows(CertificateEvent.objects.filter(certificate__teacher=teacher)
                                    .order_by("at"), "certificate__number", "kind", "at", "note"),
        "applications": _rows(Application.objects.filter(teacher=teacher).order_by("created_at"),
                              "level__code", "status", "created_at", "decided_at", "reason"),
        "credentials": _rows(TeacherCredential.objects.filter(teacher=teacher),
                             "credential__name", "number", "obtained_on"),
        "courses": {
            "enrolments": _rows(Enrolment.objects.filter(user=user), "course__title",
                                "enrolled_at", "completed_at"),
            "lessons": _rows(LessonProgress.objects.filter(user=user), "lesson__title",
                             "credited_seconds", "last_position", "completed_at"),
            "quiz_attempts": _rows(QuizAttempt.objects.filter(user=user), "quiz__title",
                                   "score", "passed", "submitted_at"),
            "completions": _rows(CourseCompletion.objects.filter(user=user), "course__title",
                                 "hours", "completed_at"),
            "live_attendance": _rows(LiveAttendance.objects.filter(user=user), "session__title",
                                     "attended_at"),
            "live_presence": _rows(LivePresence.objects.filter(user=user), "session__title",
                                   "checked_in_at", "seconds_present"),
        },
        "workload": _rows(WorkloadEntry.objects.filter(teacher=teacher).order_by("date"),
                          "date", "activity_type__name", "quantity", "group_size", "note",
                          "status", "credit"),
    }
    audit_record(actor=by, action=AuditEntry.Action.DATA_EXPORT, organisation=teacher.school,
                 target=teacher.employee_no)
    return data


@transaction.atomic
def personal_data_erase(*, teacher: Teacher, by, reason: str, today=None) -> Teacher:
    """Erase what identifies one teacher; keep certificate history, hours and employment
    history, anonymised (her period closes on the erasure day: past figures stay)."""
    if not (reason or "").strip():
        raise ValidationError(_("Say why the data is erased (e.g. the request's reference)."))
    teacher = Teacher.objects.select_for_update().select_related("user", "school").get(pk=teacher.pk)
    _check_scope(teacher, by)
    if teacher.is_erased:
        raise ValidationError(_("This teacher's personal data has already been erased."))
    user = teacher.user

    # Through certification's services, so each revocation and blanking writes its event and
    # audit row like any other.
    for cert in Certificate.objects.filter(teacher=teacher, status=Certificate.Status.ACTIVE):
        certificate_revoke(certificate=cert, revoked_by=by,
                           reason="个人信息已删除 (personal data erased)")
    # Learning traces and free text that could identify the person go; counts stay. Each
    # owning app erases its own rows.
    learning_traces_erase(user=user)
    teacher_credentials_erase(teacher=teacher)
    teacher = teacher_anonymise(teacher=teacher, today=today)
    # After the number is anonymised, so that their audit rows name the anonymised one.
    workload_notes_erase(teacher=teacher, by=by)
    application_reasons_erase(teacher=teacher, by=by)

    audit_record(actor=by, action=AuditEntry.Action.DATA_ERASE, organisation=teacher.school,
                 target=teacher.employee_no, detail=reason.strip())
    return teacher
