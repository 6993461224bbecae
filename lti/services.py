"""Launches from other learning platforms: who the teacher is, her enrolment, and her result
sent back to the platform's gradebook (LTI Assignment and Grade Services)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lti_tool.models import LtiRegistration, LtiUser
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from courses.models import CourseCompletion, CoursePage
from courses.services import enrolment_create
from people import purposes
from people.models import Teacher
from people.selectors import teacher_for_user, user_has_staff_role
from people.text import fold

from .models import LtiOutcome

# The platform sends the teacher's 工号 as a custom parameter of the tool or the link:
# `employee_no=$Person.sourcedId` (Moodle, Canvas) arrives in this claim's `employee_no`.
EMPLOYEE_NO_CLAIM = "employee_no"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class LaunchRefused(Exception):
    """A launch that verified but may not log anyone in; the message is the teacher's to read."""


def _employee_no(value) -> str:
    # Full-width digits typed on a Chinese keyboard read as the same 工号 (as activation does).
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def teacher_for_launch(*, registration: LtiRegistration, sub: str,
                       employee_no: str | None) -> Teacher | None:
    """The teacher a platform's identity (issuer + sub) names: the one it was linked to at an
    earlier launch, else the active teacher with the 工号 it sends; never found by name.
    None when the person is unknown here; LaunchRefused when the link would be wrong."""
    typed = _employee_no(employee_no)
    linked = (LtiUser.objects.filter(registration=registration, sub=sub, auth_user__isnull=False)
              .select_related("auth_user").first())
    if linked is not None:
        teacher = teacher_for_user(linked.auth_user)
        if teacher is None or not teacher.is_active or not linked.auth_user.is_active:
            raise LaunchRefused(_("Your account here is no longer active. Please ask your "
                                  "school's HR."))
        if typed and fold(teacher.employee_no) != fold(typed):
            raise LaunchRefused(_("The platform sent another employee number for you than at "
                                  "your first launch. Please ask your school's HR."))
        return teacher
    if not typed:
        return None
    teacher = (Teacher.objects.select_related("user", "school")
               .filter(employee_no__iexact=typed, is_active=True, user__is_active=True).first())
    if teacher is None:
        return None
    if LtiUser.objects.filter(registration=registration, auth_user=teacher.user).exclude(
            sub=sub).exists():
        raise LaunchRefused(_("This employee number is already linked to another account of "
                              "the platform. Please ask your school's HR."))
    return teacher


@transaction.atomic
def lti_launch_accept(*, registration: LtiRegistration, sub: str, employee_no: str | None,
                      course: CoursePage, ags: dict | None = None,
                      now: datetime | None = None) -> Teacher:
    """Accept a verified resource launch: link the platform's identity to the teacher, enrol her
    in the course and remember the gradebook column her completion goes back to."""
    now = now or timezone.now()
    teacher = teacher_for_launch(registration=registration, sub=sub, employee_no=employee_no)
    if teacher is None:
        raise LaunchRefused(_(
            "This platform did not tell us your employee number (工号), or no teacher here has it. "
            "Teachers come from the roster: please ask your school's HR to add you, then launch "
            "the course again."))
    user = teacher.user
    # Staff sign in with two steps here; another platform's launch must not be a way round it.
    if user.is_staff or user_has_staff_role(user, roles=purposes.TWO_STEP):
        raise LaunchRefused(_("Staff accounts cannot be opened from another platform. Please "
                              "log in here directly."))
    LtiUser.objects.update_or_create(registration=registration, sub=sub,
                                     defaults={"auth_user": user})
    enrolment_create(user=user, course=course, now=now)
    lineitem = (ags or {}).get("lineitem")
    scopes = list((ags or {}).get("scope") or [])
    if lineitem and SCORE_SCOPE in scopes:
        outcome, _created = LtiOutcome.objects.update_or_create(
            registration=registration, lineitem=lineitem, sub=sub,
            defaults={"user": user, "course": course, "scopes": scopes, "launched_at": now})
        # Completed here before this launch: the column learns it now.
        if outcome.reported_at is None and CourseCompletion.objects.filter(
                user=user, course=course).exists():
            from .tasks import outcome_report

            transaction.on_commit(lambda pk=outcome.pk: outcome_report.delay(pk))
    return teacher


def lti_outcomes_to_report(*, user, course: CoursePage) -> list[int]:
    """The ids of the gradebook columns still waiting for this teacher's completion."""
    return list(LtiOutcome.objects.filter(user=user, course=course, reported_at__isnull=True)
                .values_list("pk", flat=True))


def lti_outcome_report(*, outcome: LtiOutcome, now: datetime | None = None) -> None:
    """Post the completion to the platform's line item: 1.0 of 1.0, Completed, FullyGraded."""
    if outcome.reported_at is not None:
        return
    now = now or timezone.now()
    completion = CourseCompletion.objects.filter(user=outcome.user, course=outcome.course).first()
    if completion is None:
        return
    connector = ServiceConnector(outcome.registration.to_registration())
    ags = AssignmentsGradesService(connector, {"scope": outcome.scopes,
                                               "lineitem": outcome.lineitem})
    grade = (Grade().set_score_given(1.0).set_score_maximum(1.0)
             .set_activity_progress("Completed").set_grading_progress("FullyGraded")
             .set_timestamp(completion.completed_at.isoformat()).set_user_id(outcome.sub))
    ags.put_grade(grade)
    LtiOutcome.objects.filter(pk=outcome.pk, reported_at__isnull=True).update(reported_at=now)
