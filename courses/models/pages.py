"""Wagtail page types of the learning sections.

Courses, lessons, quizzes and live sessions need a logged-in user; micro-lectures and
parent-school lessons are public.
"""

import math
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

from .blocks import BodyBlock, QuestionBlock

__all__ = [
    "CategoryForeignKey", "category_field", "Audience", "CourseIndexPage", "CoursePage", "LessonPage", "QuizPage",
    "MicroLectureIndexPage", "MicroLecturePage", "MicroLectureTag", "ParentSchoolIndexPage",
    "ParentLessonPage", "LiveSessionIndexPage", "LiveSessionPage", "LEARNING_SECTION_MODELS",
]


class CategoryForeignKey(models.ForeignKey):
    """A foreign key to an hour category whose form offers active categories only; the model
    still accepts a category made inactive later, so old pages publish as they are."""

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.queryset = field.queryset.filter(active=True)
        return field


def category_field(**kwargs):
    """The hour category a page credits its hours under (courses.HourCategory, by its code: the
    column keeps the code, so pages' revisions and sheets read the same value)."""
    from .categories import COURSE_DEFAULT_CATEGORY

    kwargs.setdefault("default", COURSE_DEFAULT_CATEGORY)
    return CategoryForeignKey("courses.HourCategory", to_field="code", db_column="category",
                              on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("category"), **kwargs)


class Audience(models.TextChoices):
    ALL_TEACHERS = "all_teachers", _("All teachers")
    HEAD_TEACHERS = "head_teachers", _("Head teachers")
    COUNSELLORS = "counsellors", _("Counsellors")
    PARENTS = "parents", _("Parents")


class LoginRequiredMixin:
    """Pages whose content is for logged-in users only."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)


def _video_panels():
    return [
        MultiFieldPanel([
            MediaChooserPanel("video", media_type="video"),
            FieldPanel("embed_url"),
        ], heading=_("Video")),
    ]


class VideoFields(models.Model):
    """A video uploaded through wagtailmedia, or a link to an embeddable player."""

    video = models.ForeignKey(
        "wagtailmedia.Media", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("video"),
    )
    embed_url = models.URLField(
        _("embedded player link"), blank=True,
        help_text=_("Used when no video file is uploaded, e.g. a live platform's player page. "
                    "An embedded player cannot report its position, so in a lesson the time "
                    "the page stays open counts as watching."),
    )

    class Meta:
        abstract = True


class CourseIndexPage(Page):
    """The course catalogue: every course, filtered by category and audience, searchable."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import course_catalogue
        from .categories import HourCategory

        context = super().get_context(request, *args, **kwargs)
        category = request.GET.get("category", "")
        audience = request.GET.get("audience", "")
        query = request.GET.get("q", "").strip()
        context.update(
            courses=course_catalogue(index=self, category=category, audience=audience, query=query),
            categories=[(c.code, c.label) for c in HourCategory.objects.active()],
            audiences=Audience.choices,
            category=category, audience=audience, query=query,
        )
        return context

    def route(self, request, path_components):
        """Every child is a course: fetch it as one directly, in one query instead of Wagtail's
        generic page followed by its specific page."""
        if not path_components:
            return super().route(request, path_components)
        course = CoursePage.objects.child_of(self).filter(slug=path_components[0]).first()
        if course is None:
            raise Http404
        course._cached_parent_obj = self
        return course.route(request, path_components[1:])


class LearningPageForm(WagtailAdminPageForm):
    """A new page whose slug (made from a Chinese title, 第3讲-…) is taken under its parent
    gets the next free one (第3讲-…-2) instead of an error on a tab the trainer is not on."""

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if not slug or self.instance.pk or self.parent_page is None:
            return slug
        taken = set(self.parent_page.get_children().filter(slug__startswith=slug)
                    .values_list("slug", flat=True))
        free, n = slug, 1
        while free in taken:
            n += 1
            free = f"{slug}-{n}"
        return free


class CoursePage(LoginRequiredMixin, Page):
    """A course: lessons and an optional quiz; completing it earns its credit hours."""

    class CompletionRule(models.TextChoices):
        LESSONS_AND_QUIZ = "lessons_and_quiz", _("All lessons watched and the quiz passed")
        LESSONS_ONLY = "lessons_only", _("All lessons watched (quiz optional)")

    summary = models.TextField(_("summary"), blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("cover image"),
    )
    category = category_field()
    audience = models.CharField(pgettext_lazy("learning content", "audience"), max_length=20, choices=Audience.choices,
                                default=Audience.ALL_TEACHERS)
    credit_hours = models.DecimalField(
        _("credit hours"), max_digits=5, decimal_places=1, default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    completion_rule = models.CharField(
        _("completion rule"), max_length=20, choices=CompletionRule.choices,
        default=CompletionRule.LESSONS_AND_QUIZ,
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"), FieldPanel("cover_image"),
        MultiFieldPanel([
            FieldPanel("category"), FieldPanel("audience"), FieldPanel("credit_hours"),
            FieldPanel("completion_rule"),
        ], heading=_("Training settings")),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"),
                                         index.FilterField("category"),
                                         index.FilterField("audience")]
    parent_page_types = ["courses.CourseIndexPage"]
    base_form_class = LearningPageForm
    subpage_types = ["courses.LessonPage", "courses.CoursewareLessonPage", "courses.QuizPage"]

    class Meta:
        verbose_name = _("course")

    def route(self, request, path_components):
        if not path_components:
            # Read with the page, so that a route kept in the page cache (cms.page_cache) holds
            # the course's lessons and quiz too.
            from ..selectors import course_structure

            course_structure(course=self)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from ..selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = course_outline(course=self, user=request.user)
        return context


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class LessonPageForm(LearningPageForm):
    """A lesson's duration comes from its video when the trainer leaves the field as it is."""

    def clean(self):
        cleaned = super().clean()
        video = cleaned.get("video")
        if video is not None and video.duration and "duration_seconds" not in self.changed_data:
            cleaned["duration_seconds"] = max(1, round(video.duration))
        return cleaned


class LessonPage(LoginRequiredMixin, VideoFields, Page):
    """One video lesson of a course; completed once its required share has been watched."""

    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), validators=[MinValueValidator(1)], default=60,
    )
    required_share = models.DecimalField(
        _("share to watch"), max_digits=3, decimal_places=2, default=Decimal("0.90"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("Share of the video that must really be watched, e.g. 0.90 for 90%."),
    )

    content_panels = Page.content_panels + _video_panels() + [
        FieldPanel("duration_seconds",
                   help_text=_("Taken from the uploaded video when left as it is.")),
        FieldPanel("required_share"), FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list = []
    base_form_class = LessonPageForm

    class Meta:
        verbose_name = _("lesson")

    def clean(self):
        super().clean()
        if not self.video_id and not self.embed_url:
            raise ValidationError({"embed_url": _("Upload a video or give an embedded player link.")})
        video_seconds = self.video.duration if self.video_id else 0
        if video_seconds and self.duration_seconds and self.required_share and \
                self.required_seconds > math.ceil(video_seconds):
            # Nobody could finish it: the player stops at the video's end.
            raise ValidationError({"duration_seconds": _(
                "The time to watch (%(required)s) is longer than the video itself (%(video)s): "
                "set the duration to the video's length or lower the share to watch.") % {
                    "required": _clock(self.required_seconds), "video": _clock(video_seconds)}})

    @property
    def duration_display(self) -> str:
        return _clock(self.duration_seconds)

    @property
    def required_seconds(self) -> int:
        return int((Decimal(self.duration_seconds) * self.required_share).to_integral_value())

    def get_context(self, request, *args, **kwargs):
        from ..selectors import enrolment_get, lesson_progress_get

        context = super().get_context(request, *args, **kwargs)
        course = self.get_parent().specific
        context.update(
            course=course,
            enrolment=enrolment_get(user=request.user, course=course),
            progress=lesson_progress_get(user=request.user, lesson=self),
            next_page=self.get_next_siblings().live().first() if self.pk else None,
        )
        return context


class QuizPage(LoginRequiredMixin, Page):
    """A course's quiz, scored on the server; the correct options never reach the browser."""

    introduction = models.TextField(_("introduction"), blank=True)
    # Shut in the editor, each headed by its question (a trainer opens the one to change): a
    # quiz's questions with their options open would run past 5,000 px on a phone.
    questions = StreamField([("question", QuestionBlock())], verbose_name=_("questions"),
                            collapsed=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    attempt_limit = models.PositiveSmallIntegerField(
        _("attempt limit"), default=3, validators=[MinValueValidator(1)],
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"), FieldPanel("pass_mark"), FieldPanel("attempt_limit"),
        FieldPanel("questions"),
    ]
    base_form_class = LearningPageForm
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("quiz")

    def public_questions(self) -> list[dict]:
        """The questions as the browser may see them: text and option texts, no answers."""
        return [
            {"number": i, "text": q.value["text"], "multiple": bool(q.value["multiple"]),
             "options": [{"number": j, "text": o["text"]} for j, o in enumerate(q.value["options"])]}
            for i, q in enumerate(self.questions)
        ]

    def answer_key(self) -> list[set[int]]:
        """For each question, the set of correct option numbers (server side only)."""
        return [{j for j, o in enumerate(q.value["options"]) if o["correct"]} for q in self.questions]

    def get_context(self, request, *args, **kwargs):
        from ..selectors import quiz_attempt_list

        context = super().get_context(request, *args, **kwargs)
        from ..selectors import enrolment_get

        attempts = quiz_attempt_list(user=request.user, quiz=self)
        course = self.get_parent().specific
        context.update(
            course=course, questions=self.public_questions(),
            enrolment=enrolment_get(user=request.user, course=course),
            attempts=attempts, attempts_left=max(0, self.attempt_limit - len(attempts)),
            passed=any(a.passed for a in attempts),
        )
        return context


class MicroLectureIndexPage(Page):
    """The public micro-lecture (公益微课) shelf, filterable by tag."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.MicroLecturePage"]
    max_count = 1

    class Meta:
        verbose_name = _("micro-lecture shelf")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag", "")
        lectures = MicroLecturePage.objects.child_of(self).live().order_by("-first_published_at")
        if tag:
            lectures = lectures.filter(tags__name=tag)
        context.update(lectures=lectures.prefetch_related("tags"), tag=tag)
        return context


class MicroLectureTag(TaggedItemBase):
    content_object = ParentalKey("courses.MicroLecturePage", on_delete=models.CASCADE,
                                 related_name="tagged_items")


class MicroLecturePage(VideoFields, Page):
    """A short public video lecture with tags."""

    summary = models.TextField(_("summary"), blank=True)
    speaker = models.CharField(_("speaker"), max_length=120, blank=True)
    tags = ClusterTaggableManager(through=MicroLectureTag, blank=True, verbose_name=_("tags"))

    content_panels = Page.content_panels + _video_panels() + [
        FieldPanel("summary"), FieldPanel("speaker"), FieldPanel("tags"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["courses.MicroLectureIndexPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("micro-lecture")


def _parent_school(request):
    """The school of a parent's link: ?school=<code>, or the one their link named before."""
    from people.models import Organisation

    from .reach import SCHOOL_COOKIE

    code = (request.GET.get("school") or request.COOKIES.get(SCHOOL_COOKIE) or "").strip()[:32]
    if not code:
        return None
    return Organisation.objects.filter(code=code, kind=Organisation.Kind.SCHOOL).first()


def _remember_parent_school(request, response):
    from .reach import SCHOOL_COOKIE

    code = (request.GET.get("school") or "").strip()[:32]
    if code:
        response.set_cookie(SCHOOL_COOKIE, code, max_age=180 * 86400, samesite="Lax",
                            httponly=True)
    return response


class ParentSchoolIndexPage(Page):
    """The parent school (家长学校): lessons open to everyone, no account needed."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.ParentLessonPage"]
    max_count = 1

    class Meta:
        verbose_name = _("parent school")

    def serve(self, request, *args, **kwargs):
        # A school's link or QR code lands here: remember the school for the lessons opened next.
        return _remember_parent_school(request, super().serve(request, *args, **kwargs))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = (ParentLessonPage.objects.child_of(self).live()
                              .order_by("-first_published_at"))
        return context


class ParentLessonPage(VideoFields, Page):
    """A public parent-school lesson; every view is counted."""

    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)

    content_panels = Page.content_panels + _video_panels() + [
        FieldPanel("summary"), FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["courses.ParentSchoolIndexPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("parent-school lesson")

    def serve(self, request, *args, **kwargs):
        # One UPDATE ... SET view_count = view_count + 1: concurrent views never lose a count.
        # The count shown is read back: this page object may come from the page cache.
        # Editors' previews are not views.
        if not getattr(request, "is_preview", False):
            views = ParentLessonPage.objects.filter(pk=self.pk)
            views.update(view_count=F("view_count") + 1)
            self.view_count = views.values_list("view_count", flat=True).get()
            school = _parent_school(request)
            if school is not None:
                from .reach import parent_school_view_count

                parent_school_view_count(lesson=self, school=school)
        response = super().serve(request, *args, **kwargs)
        return _remember_parent_school(request, response)


class LiveSessionIndexPage(Page):
    """Upcoming and past live sessions (专题直播)."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.LiveSessionPage"]
    max_count = 1

    class Meta:
        verbose_name = _("live sessions")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = LiveSessionPage.objects.child_of(self).live().order_by("-starts_at")
        return context


class LiveSessionPage(LoginRequiredMixin, Page):
    """A scheduled live session; teachers check in while it runs and earn its hours.

    Attendance rule: a teacher checks in on this page from CHECK_IN_EARLY before the start
    until the end; one check-in per teacher. After the end the replay is shown instead.
    """

    CHECK_IN_EARLY = timedelta(minutes=15)

    summary = models.TextField(_("summary"), blank=True)
    speaker = models.CharField(_("speaker"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    stream_url = models.URLField(_("stream link"), blank=True)
    replay = models.ForeignKey(
        "wagtailmedia.Media", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("replay video"),
    )
    credit_hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1,
                                       default=Decimal("1.5"))
    category = category_field()

    content_panels = Page.content_panels + [
        FieldPanel("summary"), FieldPanel("speaker"),
        MultiFieldPanel([FieldPanel("starts_at"), FieldPanel("duration_minutes"),
                         FieldPanel("stream_url"), FieldPanel("credit_hours"),
                         FieldPanel("category")],
                        heading=_("Schedule")),
        MediaChooserPanel("replay", media_type="video"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["courses.LiveSessionIndexPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("live session")

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def check_in_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at - self.CHECK_IN_EARLY <= now <= self.ends_at

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) > self.ends_at

    def get_context(self, request, *args, **kwargs):
        from courses.services import live_presence_percent

        from .records import LiveAttendance, LivePresence

        context = super().get_context(request, *args, **kwargs)
        signed_in = request.user.is_authenticated
        context.update(
            check_in_open=self.check_in_open(), has_ended=self.has_ended(),
            attendance=LiveAttendance.objects.filter(user=request.user, session=self).first()
            if signed_in else None,
            presence=LivePresence.objects.filter(user=request.user, session=self).first()
            if signed_in else None,
            presence_percent=live_presence_percent(request.user) if signed_in else None,
        )
        return context


# The top-level sections trainers work in and the review workflow covers.
LEARNING_SECTION_MODELS = (CourseIndexPage, MicroLectureIndexPage, ParentSchoolIndexPage,
                           LiveSessionIndexPage)
