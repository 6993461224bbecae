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
            from .tasks import outcome_report  # lti.tasks calls this module

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


# LTI Dynamic Registration 1.0: neither django-lti nor PyLTI1p3 implements it, so it is here.
DYNAMIC_REGISTRATION_SCOPES = (
    SCORE_SCOPE,
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
)


class RegistrationFailed(Exception):
    """The platform's configuration or its answer to our registration was not usable."""


def insecure_url_refusal(url: str) -> str | None:
    """Why a platform URL given for registration may not be used (None: it may): only https,
    since the platform's keys and tokens travel over it; http only while DEBUG (a platform on
    a developer's machine)."""
    from django.conf import settings

    if url.startswith("https://") or (settings.DEBUG and url.startswith("http://")):
        return None
    if url.startswith("http://"):
        return _("The platform's registration addresses must use https://.")
    return _("Please open this link from your platform's tool registration.")


def tool_configuration(*, base_url: str, client_name: str) -> dict:
    """What the tool asks a platform to register (the client registration request)."""
    from urllib.parse import urlsplit

    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": f"{base_url}/lti/login/",
        "redirect_uris": [f"{base_url}/lti/launch/"],
        "client_name": client_name,
        "jwks_uri": f"{base_url}/lti/jwks/",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(DYNAMIC_REGISTRATION_SCOPES),
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": urlsplit(base_url).netloc,
            "target_link_uri": f"{base_url}/lti/launch/",
            "custom_parameters": {EMPLOYEE_NO_CLAIM: "$Person.sourcedId"},
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiResourceLinkRequest"},
                         {"type": "LtiDeepLinkingRequest",
                          "target_link_uri": f"{base_url}/lti/launch/"}],
        },
    }


@transaction.atomic
def lti_platform_register(*, openid_configuration: str, registration_token: str,
                          base_url: str, client_name: str, session=None) -> LtiRegistration:
    """Register this tool with a platform that offers dynamic registration, and record the
    platform (its registration and deployment switched on: city HR issued the link)."""
    import requests

    refusal = insecure_url_refusal(openid_configuration)
    if refusal:
        raise RegistrationFailed(refusal)
    session = session or requests.Session()
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        config = session.get(openid_configuration, headers=headers, timeout=15).json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationFailed(_("The platform's configuration could not be read.")) from error
    issuer = str(config.get("issuer") or "")
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    if not issuer or not openid_configuration.startswith(issuer) or not all(
            config.get(k) for k in needed):
        raise RegistrationFailed(_("The platform's configuration is incomplete or names "
                                   "another issuer."))
    if any(insecure_url_refusal(str(config[k])) for k in needed):
        raise RegistrationFailed(_("The platform's registration addresses must use https://."))
    request_body = tool_configuration(base_url=base_url, client_name=client_name)
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        answer = session.post(config["registration_endpoint"], json=request_body,
                              headers=headers, timeout=15)
        answer.raise_for_status()
        registered = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationFailed(_("The platform refused the registration.")) from error
    client_id = str(registered.get("client_id") or "")
    if not client_id:
        raise RegistrationFailed(_("The platform refused the registration."))
    platform_name = (config.get("https://purl.imsglobal.org/spec/lti-platform-configuration")
                     or {}).get("product_family_code", "")
    registration, _created = LtiRegistration.objects.update_or_create(
        issuer=issuer, client_id=client_id, defaults={
            "name": f"{platform_name or issuer} ({client_id})"[:255],
            "auth_url": config["authorization_endpoint"], "token_url": config["token_endpoint"],
            "keyset_url": config["jwks_uri"], "is_active": True})
    deployment_id = (registered.get("https://purl.imsglobal.org/spec/lti-tool-configuration")
                     or {}).get("deployment_id")
    if deployment_id:
        from lti_tool.models import LtiDeployment

        LtiDeployment.objects.update_or_create(registration=registration,
                                               deployment_id=str(deployment_id),
                                               defaults={"is_active": True})
    return registration
