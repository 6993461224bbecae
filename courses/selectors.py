"""Reads of the learning side, shared by pages, staff screens, exports and dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from people.selectors import organisation_scope

from .models import (
    Assignment,
    CourseCompletion,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    QuizAttempt,
    QuizPage,
)


def course_catalogue(*, index: CourseIndexPage | None = None, category: str = "",
                     audience: str = "", query: str = "") -> QuerySet[CoursePage]:
    """Live courses of the catalogue, filtered by category and audience, optionally searched."""
    courses = CoursePage.objects.live().select_related("cover_image", "category")
    if index is not None:
        courses = courses.child_of(index)
    if category:
        courses = courses.filter(category_id=category)
    if audience:
        courses = courses.filter(audience=audience)
    if query:
        courses = courses.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return courses.order_by("path")


def enrolment_get(*, user, course: CoursePage) -> Enrolment | None:
    """The user's enrolment in a course, if any."""
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(user=user, course_id=course.pk).select_related("assignment").first()


def lesson_progress_get(*, user, lesson: LessonPage) -> LessonProgress | None:
    """The user's progress in one lesson, if any."""
    if not user.is_authenticated or lesson.pk is None:
        return None
    return LessonProgress.objects.filter(user=user, lesson=lesson).first()


def quiz_attempt_list(*, user, quiz: QuizPage) -> list[QuizAttempt]:
    """The user's attempts at a quiz, oldest first."""
    if not user.is_authenticated or quiz.pk is None:
        return []
    return list(QuizAttempt.objects.filter(user=user, quiz=quiz))


@dataclass
class LessonRow:
    lesson: LessonPage
    progress: LessonProgress | None

    @property
    def percent(self) -> int:
        if self.progress is None:
            return 0
        if self.progress.completed_at:
            return 100  # a courseware lesson completes when its package says so, not by time
        return min(100, round(100 * self.progress.credited_seconds / max(1, self.lesson.required_seconds)))

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)


@dataclass
class CourseOutline:
    course: CoursePage
    lessons: list[LessonRow]
    quiz: QuizPage | None
    quiz_passed: bool
    enrolment: Enrolment | None
    completion: CourseCompletion | None

    @property
    def lessons_done(self) -> int:
        return sum(1 for row in self.lessons if row.completed)


def course_structure(*, course: CoursePage) -> tuple[list[LessonPage], QuizPage | None]:
    """A course's live lessons and quiz, in order, read once per page object.

    The outline shows titles, durations and links: the bodies and questions are not loaded.
    Routing reads them with the course (CoursePage.route), so a route served from the page cache
    brings them along.
    """
    structure = getattr(course, "_structure", None)
    if structure is None:
        lessons = list(LessonPage.objects.child_of(course).live().order_by("path").defer_streamfields())
        quiz = QuizPage.objects.child_of(course).live().order_by("path").defer_streamfields().first()
        structure = course._structure = (lessons, quiz)
    return structure


def course_outline(*, course: CoursePage, user) -> CourseOutline:
    """A course's lessons with the user's progress, its quiz and the user's standing, in fixed queries."""
    progress, enrolment, completion, passed = {}, None, None, False
    if course.pk is None:  # a preview of a page not yet saved
        return CourseOutline(course, [], None, False, None, None)
    lessons, quiz = course_structure(course=course)
    if user.is_authenticated:
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(
            user=user, lesson_id__in=[lesson.pk for lesson in lessons])}
        enrolment = enrolment_get(user=user, course=course)
        completion = CourseCompletion.objects.filter(user=user, course_id=course.pk).first()
        passed = bool(quiz) and QuizAttempt.objects.filter(user=user, quiz=quiz, passed=True).exists()
    return CourseOutline(course=course, lessons=[LessonRow(lesson, progress.get(lesson.pk)) for lesson in lessons],
                         quiz=quiz, quiz_passed=passed, enrolment=enrolment, completion=completion)


@dataclass
class LearningRow:
    enrolment: Enrolment
    lessons_total: int = 0
    lessons_done: int = 0
    credited: int = 0
    required: int = 0
    lessons: list = field(default_factory=list)

    @property
    def course(self) -> CoursePage:
        return self.enrolment.course

    @property
    def percent(self) -> int:
        if self.enrolment.completed_at:
            return 100
        return min(100, round(100 * self.credited / self.required)) if self.required else 0

    @property
    def deadline(self):
        if not self.enrolment.assignment:
            return None
        return self.enrolment.due_on or self.enrolment.assignment.deadline

    @property
    def overdue(self) -> bool:
        return bool(self.deadline and not self.enrolment.completed_at
                    and self.deadline < timezone.localdate())


def my_learning(*, user) -> dict:
    """A teacher's courses in progress (with progress and deadlines) and completed courses with hours.

    Runs a fixed number of queries whatever the number of courses and lessons.
    """
    enrolments = list(Enrolment.objects.filter(user=user)
                      .select_related("course", "assignment").order_by("completed_at", "-enrolled_at"))
    rows = {e.course.path: LearningRow(e) for e in enrolments}
    if rows:
        prefix = Q()
        for path in rows:
            prefix |= Q(path__startswith=path)
        lessons = list(LessonPage.objects.live().filter(prefix)
                       .only("pk", "path", "depth", "duration_seconds", "required_share"))
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(
            user=user, lesson_id__in=[lesson.pk for lesson in lessons])}
        for lesson in lessons:
            row = rows.get(lesson.path[:-LessonPage.steplen])
            if row is None:
                continue
            p = progress.get(lesson.pk)
            row.lessons_total += 1
            row.required += lesson.required_seconds
            # A completed lesson counts in full (a courseware lesson completes by its package's word).
            row.credited += (lesson.required_seconds if p and p.completed_at
                             else min(p.credited_seconds, lesson.required_seconds) if p else 0)
            row.lessons_done += 1 if p and p.completed_at else 0
    completions = list(CourseCompletion.objects.filter(user=user).select_related("course")
                       .order_by("-completed_at"))
    active = [row for row in rows.values() if not row.enrolment.completed_at]
    active.sort(key=lambda r: (r.deadline is None, r.deadline or timezone.localdate()))
    return {"active": active, "completions": completions,
            "hours": sum((c.hours for c in completions), Decimal(0))}


def assignment_list_for_staff(*, user, roles) -> QuerySet[Assignment]:
    """Assignments with at least one assigned teacher inside the user's scope for the purpose
    whose roles are given (people.purposes)."""
    scope = organisation_scope(user, roles=roles)
    in_scope = Enrolment.objects.filter(user__teacher__school__in=scope).values("assignment_id")
    return (Assignment.objects.filter(pk__in=in_scope)
            .select_related("course", "organisation").order_by("-deadline", "-pk"))


@dataclass
class SchoolCompletion:
    school: object
    assigned: int
    completed: int

    @property
    def rate(self) -> Decimal:
        """Completed share as a percentage with one decimal."""
        if not self.assigned:
            return Decimal("0.0")
        return (Decimal(100 * self.completed) / self.assigned).quantize(Decimal("0.1"))

    @property
    def outstanding(self) -> int:
        return self.assigned - self.completed


def _assigned_enrolments(*, user, roles, assignment: Assignment | None = None,
                         on: date | None = None):
    """The enrolments assigned training counts on the day `on` (default today), each annotated
    with `school_on`, the school its teacher was in post at that day: enrolled by then, of
    teachers in post that day (people.employment: a leaver keeps her past, one hired later is
    not counted) at schools of the user's scope for the purpose of `roles`, of assignments made
    by then."""
    from people.employment import in_post_join

    on = on or timezone.localdate()
    scope = organisation_scope(user, roles=roles)
    # A leaver's unfinished enrolment was released from its assignment (`released_from`): it
    # still counts on the days she was in post.
    assigned = (Q(assignment__isnull=False, assignment__created_at__date__lte=on)
                | Q(released_from__isnull=False, released_from__created_at__date__lte=on))
    enrolments = in_post_join(Enrolment.objects.filter(assigned, enrolled_at__date__lte=on), on,
                              scope, teacher_path="user__teacher")
    if assignment is not None:
        enrolments = enrolments.filter(Q(assignment=assignment) | Q(released_from=assignment))
    return enrolments


def _completed_by(on: date | None) -> Q:
    return Q(completed_at__isnull=False, completed_at__date__lte=on or timezone.localdate())


def assignment_completion_by_branch(organisation, *, user, roles, width: int,
                                    on: date | None = None) -> dict[str, tuple[int, int]]:
    """`assignment_completion_by_school` summed in the database per branch under
    `organisation`, a branch being the first `width` characters of a school's path (its
    children's paths' width: districts of a city, schools of a township…):
    {branch path: (assigned, completed)}."""
    counts = (_assigned_enrolments(user=user, roles=roles, on=on)
              .filter(school_path_on__startswith=organisation.path)
              .annotate(branch=Substr("school_path_on", 1, width))
              .values("branch")
              .annotate(assigned=Count("pk"), completed=Count("pk", filter=_completed_by(on)))
              .order_by())
    return {c["branch"]: (c["assigned"], c["completed"]) for c in counts}


def assignment_completion_by_school(*, user, roles, assignment: Assignment | None = None,
                                    on: date | None = None) -> list[SchoolCompletion]:
    """Per school in the user's scope for a purpose (its `roles`): teachers assigned, completed,
    and the completion rate, as they stood on `on` (default today): teachers in post that day,
    at that day's school, and completions dated on or before it.

    With no assignment, every assignment counts (a teacher assigned twice counts twice).
    Rows have .school (Organisation), .assigned, .completed, .rate (percent) and .outstanding.
    """
    from people.models import Organisation

    counts = (_assigned_enrolments(user=user, roles=roles, assignment=assignment, on=on)
              .values("school_on")
              .annotate(assigned=Count("pk"), completed=Count("pk", filter=_completed_by(on)))
              .order_by())
    schools = Organisation.objects.in_bulk([c["school_on"] for c in counts])
    rows = [SchoolCompletion(schools[c["school_on"]], c["assigned"], c["completed"])
            for c in counts]
    return sorted(rows, key=lambda r: r.school.path)


def assignment_outstanding_list(*, user, roles, assignment: Assignment) -> QuerySet[Enrolment]:
    """The assigned teachers in the user's scope (for the purpose of `roles`) who have not
    finished the course."""
    return (Enrolment.objects.filter(assignment=assignment, completed_at__isnull=True,
                                     user__teacher__is_active=True,
                                     user__teacher__school__in=organisation_scope(user, roles=roles))
            .select_related("user__teacher__school")
            .order_by("user__teacher__school__path", "user__teacher__employee_no"))


def courseware_launch(*, lesson, user, enrolment, preview: bool = False) -> dict | None:
    """What the lesson page needs to play a package: the frame's address, the run-time's kind,
    where to commit (none in a preview or before enrolling: then nothing counts) and the
    learner's saved state to resume from."""
    from django.urls import reverse

    from . import services
    from .models import CoursewareAttempt, CoursewarePackage

    package = lesson.package if lesson.package_id else None
    if package is None or lesson.pk is None:
        return None
    args = [lesson.pk, package.sha256]
    if package.kind == CoursewarePackage.Kind.H5P:
        frame_url = reverse("courses:courseware_h5p", args=args)
    else:
        frame_url = reverse("courses:courseware_file", args=[*args, package.launch])
    config = {"kind": package.kind, "frame_url": frame_url, "commit_url": "",
              "files_url": reverse("courses:courseware_file", args=[*args, "-"])[:-1],
              "state": {}}
    if enrolment is None or preview or not user.is_authenticated:
        return config
    session = services.courseware_session_start(user=user, lesson=lesson)
    config["commit_url"] = reverse("courses:courseware_commit", args=[lesson.pk]) + f"?session={session}"
    attempt = CoursewareAttempt.objects.filter(user=user, lesson=lesson, package=package).first()
    name = getattr(getattr(user, "teacher", None), "name", "") or user.get_full_name() or user.get_username()
    config["state"] = courseware_resume_state(kind=package.kind, attempt=attempt,
                                              learner_id=str(user.pk), learner_name=name)
    return config


def courseware_resume_state(*, kind: str, attempt, learner_id: str, learner_name: str) -> dict:
    """The CMI values loaded into the run-time before the package starts (scorm-again's
    loadFromJSON): who the learner is and, when she has been here before, where she was."""
    from .models import CoursewarePackage

    if kind == CoursewarePackage.Kind.SCORM12:
        core = {"student_id": learner_id, "student_name": learner_name}
        state = {"core": core}
        if attempt is not None:
            core["lesson_location"] = attempt.location
            if attempt.lesson_status:
                core["lesson_status"] = attempt.lesson_status
            if attempt.score_raw is not None:
                core["score"] = {"raw": f"{attempt.score_raw:g}"}
            if attempt.location or attempt.suspend_data:
                core["entry"] = "resume"
            state["suspend_data"] = attempt.suspend_data
        return state
    state = {"learner_id": learner_id, "learner_name": learner_name}
    if attempt is not None:
        state.update(location=attempt.location, suspend_data=attempt.suspend_data)
        if attempt.completion_status:
            state["completion_status"] = attempt.completion_status
        if attempt.success_status:
            state["success_status"] = attempt.success_status
        if attempt.location or attempt.suspend_data:
            state["entry"] = "resume"
    return state


def courseware_viewable(*, user, lesson, sha256: str) -> bool:
    """Whether `user` may load a file of the package `sha256` in `lesson`: any signed-in user
    when it is the live lesson's package (as for a video lesson); its editors and reviewers
    for any package uploaded (their previews of drafts)."""
    from .models import CoursewarePackage

    if not user.is_authenticated:
        return False
    if lesson.live and lesson.package_id and lesson.package.sha256 == sha256:
        return True
    permissions = lesson.permissions_for_user(user)
    return ((permissions.can_edit() or permissions.can_publish())
            and CoursewarePackage.objects.filter(sha256=sha256).exists())
