"""Teachers' learning endpoints and staff views of assignment completion."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people.access import staff_required
from people import purposes

from . import selectors, services
from .forms import AssignmentForm
from .models import CourseIndexPage, CoursePage, LessonPage, LiveSessionPage, QuizPage


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
