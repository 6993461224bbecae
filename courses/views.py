"""Teachers' learning endpoints and staff views of assignment completion."""

import json
import mimetypes
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from people import purposes
from people.access import staff_required
from people.storage import private_files

from . import packages, selectors, services
from .forms import AssignmentForm
from .models import (
    CourseIndexPage,
    CoursePage,
    CoursewareLessonPage,
    LessonPage,
    LiveSessionPage,
    QuizPage,
)


def catalogue(request):
    """The catalogue is the live CourseIndexPage; this name keeps a stable URL for menus."""
    index = CourseIndexPage.objects.live().first()
    if index is None:
        raise Http404
    return redirect(index.url)


@login_required
@require_POST
def course_enrol(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        services.enrolment_create(user=request.user, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(course.url)


@login_required
@require_POST
def lesson_progress(request, lesson_id: int):
    """The player reports its position; the answer tells it what has been credited."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        position = float(json.loads(request.body or b"{}")["position"])
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("position")
    try:
        progress = services.lesson_progress_report(user=request.user, lesson=lesson, position=position)
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    return JsonResponse({
        "credited_seconds": progress.credited_seconds,
        "required_seconds": lesson.required_seconds,
        "furthest_position": progress.furthest_position,
        "completed": progress.completed_at is not None,
    })


@login_required
@require_POST
def quiz_submit(request, quiz_id: int):
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    answers = {}
    for number in range(len(quiz.questions)):
        try:
            answers[number] = [int(v) for v in request.POST.getlist(f"q{number}")]
        except ValueError:
            return HttpResponseBadRequest("answers")
    try:
        attempt = services.quiz_attempt_submit(user=request.user, quiz=quiz, answers=answers)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(quiz.url)
    outline = selectors.course_outline(course=quiz.get_parent().specific, user=request.user)
    return render(request, "courses/quiz_result.html",
                  {"quiz": quiz, "attempt": attempt, "outline": outline})


@login_required
@require_POST
def live_check_in(request, session_id: int):
    session = get_object_or_404(LiveSessionPage.objects.live(), pk=session_id)
    try:
        services.live_attendance_check_in(user=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are checked in: keep this page open while you watch; "
                                    "the hours follow the time present."))
    return redirect(session.url)


@login_required
@require_POST
def live_beat(request, session_id: int):
    """The live page's heartbeat: the time since the last one counts as present."""
    session = get_object_or_404(LiveSessionPage.objects.live(), pk=session_id)
    try:
        presence = services.live_presence_beat(user=request.user, session=session)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"seconds_present": presence.seconds_present,
                         "minutes_present": presence.seconds_present // 60})


@login_required
def my_learning(request):
    return render(request, "courses/my_learning.html", selectors.my_learning(user=request.user))


@staff_required(purposes.ASSIGNMENTS)
def assignment_list(request):
    form = AssignmentForm(request.POST or None, user=request.user, scope_roles=purposes.ASSIGNMENTS)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(created_by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("%(count)s teachers assigned.") % {
                "count": assignment.enrolments.count()})
            return redirect("courses:assignment_detail", assignment.pk)
    return render(request, "courses/assignment_list.html", {
        "assignments": selectors.assignment_list_for_staff(user=request.user,
                                                           roles=purposes.ASSIGNMENTS),
        "rows": selectors.assignment_completion_by_school(user=request.user,
                                                          roles=purposes.ASSIGNMENTS),
        "form": form,
    })


@staff_required(purposes.ASSIGNMENTS)
def assignment_detail(request, assignment_id: int):
    # Out-of-scope assignments are 404, like every scoped object.
    scope = {"user": request.user, "roles": purposes.ASSIGNMENTS}
    assignment = get_object_or_404(selectors.assignment_list_for_staff(**scope), pk=assignment_id)
    return render(request, "courses/assignment_detail.html", {
        "assignment": assignment,
        "rows": selectors.assignment_completion_by_school(**scope, assignment=assignment),
        "outstanding": selectors.assignment_outstanding_list(**scope, assignment=assignment)[:500],
    })


# The policy of every package response: its scripts (inline and eval'd, as authoring tools
# write them) run, but reach nothing outside this site, post no forms, load no plugins, and are
# framed only by the site's own pages. The `sandbox` directive holds even when a file is opened
# directly, outside the lesson's frame. See docs/guide-trainer.md, "Why the frame is sandboxed".
COURSEWARE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
    "form-action 'none'; base-uri 'self'; object-src 'none'; sandbox allow-scripts allow-same-origin"
)
COURSEWARE_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
                    ".vtt": "text/vtt", ".woff2": "font/woff2", ".woff": "font/woff",
                    ".svg": "image/svg+xml", ".xml": "application/xml"}


def _courseware_headers(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = COURSEWARE_CSP
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _courseware_lesson(request, lesson_id: int, sha256: str) -> CoursewareLessonPage:
    lesson = CoursewareLessonPage.objects.filter(pk=lesson_id).select_related("package").first()
    if lesson is None or not selectors.courseware_viewable(user=request.user, lesson=lesson,
                                                            sha256=sha256):
        raise Http404
    return lesson


def courseware_file(request, lesson_id: int, sha256: str, path: str):
    """A file of a package, to the lesson's frame only, under the package's own policy."""
    _courseware_lesson(request, lesson_id, sha256)
    found = packages.package_file(Path(private_files().path("")), sha256, path)
    if found is None:
        raise Http404
    content_type = COURSEWARE_TYPES.get(found.suffix.lower()) or \
        mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    return _courseware_headers(FileResponse(found.open("rb"), content_type=content_type))


def courseware_h5p(request, lesson_id: int, sha256: str):
    """The H5P player page (h5p-standalone), framed by the lesson like a SCORM launch file."""
    lesson = _courseware_lesson(request, lesson_id, sha256)
    files_url = reverse("courses:courseware_file", args=[lesson.pk, sha256, "-"])[:-1]
    response = render(request, "courses/courseware_h5p.html",
                      {"lesson": lesson, "files_url": files_url.rstrip("/")})
    return _courseware_headers(response)


@csrf_exempt  # the session token in the query string stands in for it (see courseware_session_start)
@require_POST
def courseware_commit(request, lesson_id: int):
    """The run-time commits the learner's CMI data (SCORM LMSCommit/Commit/Terminate, H5P xAPI).

    Answers as scorm-again expects ({"result": true, "errorCode": 0}), with the lesson's
    credited time and completion for the page to show.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"result": False, "errorCode": 101}, status=403)
    lesson = get_object_or_404(CoursewareLessonPage.objects.live().select_related("package"),
                               pk=lesson_id)
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise TypeError("not an object")
    except (ValueError, TypeError, UnicodeDecodeError):
        return JsonResponse({"result": False, "errorCode": 101}, status=400)
    try:
        attempt = services.courseware_commit(user=request.user, lesson=lesson,
                                             session=request.GET.get("session", ""), data=data)
    except PermissionDenied as error:
        return JsonResponse({"result": False, "errorCode": 101, "error": str(error)}, status=403)
    progress = selectors.lesson_progress_get(user=request.user, lesson=lesson)
    return JsonResponse({"result": True, "errorCode": 0,
                         "credited_seconds": progress.credited_seconds,
                         "completed": progress.completed_at is not None,
                         "score": attempt.score_raw})
