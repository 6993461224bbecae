"""Offline events (培训, 教研, 督导, 个案研讨, 讲座): Wagtail pages under the events section, so
trainers draft them and reviewers publish them through the same review workflow as courses.

Who may come is an audience rule (people.audiences), the same rule assignments use. Sign-ups,
attendance and the closing are records beside the page, never page fields, so publishing a new
revision of the page cannot undo them.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page
from wagtail.search import index

from people import purposes
from people.audiences import AudienceRule, posts_mask, stages_mask
from people.models import Stage, Teacher

from .pages import LoginRequiredMixin, category_field

__all__ = ["EventIndexPage", "EventPage", "EventSession", "EventSignup", "EventAttendance",
           "EventClosure", "EVENT_ORGANISER_ROLES",
           "EVENT_CREATOR_ROLES", "PresencePolicy", "DEFAULT_PRESENCE_PERCENT"]

# Without a policy, an offline event's full hours need presence for 80 % of its scheduled time.
DEFAULT_PRESENCE_PERCENT = 80

# The staff roles that organise events (sign-ups, attendance): within their subtree only.
EVENT_ORGANISER_ROLES = purposes.EVENT_ORGANISING
# The roles that create event pages: the organiser and audience they may choose are their scope.
EVENT_CREATOR_ROLES = purposes.EVENT_CREATING


class EventIndexPage(Page):
    """The events section (线下活动): upcoming events for the teachers they are meant for."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("events")

    def get_context(self, request, *args, **kwargs):
        from courses.event_services import event_add_url, event_list_for_user

        context = super().get_context(request, *args, **kwargs)
        context["events"] = event_list_for_user(user=request.user, index=self)
        context["add_url"] = event_add_url(user=request.user)
        return context


class EventPageForm(WagtailAdminPageForm):
    """Organiser and audience subtree are limited to the editor's event-creating scope (a
    trainer's, a school admin's, district or city HR's own subtree); posts and stages are ticked
    rather than typed as a bit mask."""

    post_codes = forms.MultipleChoiceField(
        choices=Teacher.Role.choices, required=False, label=_("Only these posts"),
        widget=forms.CheckboxSelectMultiple)
    stage_codes = forms.MultipleChoiceField(
        choices=Stage.choices, required=False, label=_("Only schools of these stages"),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from people.selectors import organisation_scope

        scope = organisation_scope(self.for_user, roles=EVENT_CREATOR_ROLES).order_by("path")
        for name in ("organiser", "organisation"):
            if name in self.fields:
                self.fields[name].queryset = scope
        page = self.instance
        if "organiser" in self.fields and not page.organiser_id:
            # One organisation in scope (a school admin's school) is the obvious organiser.
            roots = scope.order_by("depth", "path")[:2]
            if len(roots) == 1 or (roots and roots[0].depth < roots[1].depth):
                self.fields["organiser"].initial = roots[0].pk
        self.fields["post_codes"].initial = page.post_list if page.posts else []
        self.fields["stage_codes"].initial = page.stage_list if page.stages else []

    def clean(self):
        cleaned = super().clean()
        # The event's span and hours are its sessions': the first start, the last end, the sum.
        formset = self.formsets.get("sessions")
        if formset is not None and formset.is_valid():
            kept = [f.cleaned_data for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            for f in formset.forms:
                if f.cleaned_data.get("DELETE") and f.instance.pk and \
                        EventAttendance.objects.filter(session_id=f.instance.pk).exists():
                    self.add_error(None, _("A session with attendance recorded cannot be removed."))
            if not kept:
                self.add_error(None, _("Add at least one session (date, start and end)."))
            elif all(d.get("starts_at") and d.get("ends_at") for d in kept):
                days = sorted(timezone.localdate(d["starts_at"]) for d in kept)
                if len(set(days)) < len(days):
                    self.add_error(None, _("Two sessions are on the same day: one session a day."))
                self.instance.starts_at = min(d["starts_at"] for d in kept)
                self.instance.ends_at = max(d["ends_at"] for d in kept)
                self.instance.credit_hours = sum((d.get("credit_hours") or Decimal("0"))
                                                 for d in kept)
        return cleaned

    def save(self, commit=True):
        page = super().save(commit=False)
        page.posts = posts_mask(self.cleaned_data.get("post_codes") or [])
        page.stages = stages_mask(self.cleaned_data.get("stage_codes") or [])
        if commit:
            page.save()
        return page


class EventPage(LoginRequiredMixin, AudienceRule, Page):
    """One offline event: when, where, how many seats, who may come, and the hours it credits.
    It is held in sessions (one a day, each checked in and credited on its own date); its
    start, end and hours are its sessions' first start, last end and total."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        RESEARCH = "research", _("Teaching research")
        SUPERVISION = "supervision", _("Supervision")
        CASE = "case", _("Case consultation")
        LECTURE = "lecture", _("Lecture")

    class SignupMode(models.TextChoices):
        OPEN = "open", _("Open sign-up")
        INVITATION = "invitation", _("By invitation")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TRAINING)
    organiser = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, null=True,
                                  related_name="organised_events", verbose_name=_("organiser"))
    # The audience's subtree (AudienceRule reads `organisation`).
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, null=True,
                                     related_name="audience_events",
                                     verbose_name=_("for teachers of"))
    summary = models.TextField(_("summary"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    credit_hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1,
                                       default=Decimal("3.0"))
    category = category_field()
    capacity = models.PositiveIntegerField(_("capacity"), default=0,
                                           help_text=_("0: no limit."))
    signup_mode = models.CharField(_("sign-up"), max_length=16, choices=SignupMode.choices,
                                   default=SignupMode.OPEN)
    signup_deadline = models.DateTimeField(
        _("sign-up deadline"), null=True, blank=True,
        help_text=_("Sign-up and cancelling close then; empty: at the start."))

    content_panels = Page.content_panels + [
        FieldPanel("kind"), FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("place"), FieldPanel("category")],
                        heading=_("Place and hour category")),
        InlinePanel("sessions", min_num=1, label=_("Sessions (one a day)"),
                    heading=_("Sessions and hours")),
        MultiFieldPanel([FieldPanel("organiser"), FieldPanel("organisation"),
                         FieldPanel("post_codes"), FieldPanel("stage_codes"),
                         FieldPanel("hired_after"), FieldPanel("hired_before")],
                        heading=_("Organiser and audience")),
        MultiFieldPanel([FieldPanel("capacity"), FieldPanel("signup_mode"),
                         FieldPanel("signup_deadline")], heading=_("Sign-up")),
    ]
    base_form_class = EventPageForm
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("place")]
    parent_page_types = ["courses.EventIndexPage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("event")

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        if self.signup_deadline and self.starts_at and self.signup_deadline > self.starts_at:
            raise ValidationError({"signup_deadline": _("The deadline must not be after the start.")})
        if self.organiser_id is None:
            raise ValidationError({"organiser": _("Choose the organiser.")})
        if self.organisation_id is None:
            self.organisation_id = self.organiser_id

    def save(self, *args, **kwargs):
        sessions = list(self.sessions.all())
        if not sessions and self.starts_at and self.ends_at:
            # An event given only its times (older events, scripts) is held in one session.
            self.sessions = [EventSession(starts_at=self.starts_at, ends_at=self.ends_at,
                                          credit_hours=self.credit_hours)]
        elif sessions:
            self.starts_at = min(s.starts_at for s in sessions)
            self.ends_at = max(s.ends_at for s in sessions)
            self.credit_hours = sum((s.credit_hours for s in sessions), Decimal("0"))
        return super().save(*args, **kwargs)

    @property
    def deadline(self):
        return self.signup_deadline or self.starts_at

    def get_context(self, request, *args, **kwargs):
        from courses.event_services import event_context_for_user

        context = super().get_context(request, *args, **kwargs)
        context.update(event_context_for_user(event=self, user=request.user))
        return context


class EventSession(Orderable):
    """One day of an event: its start and end, and the hours it credits on its own date."""

    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="sessions",
                       verbose_name=_("event"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    credit_hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1,
                                       default=Decimal("3.0"),
                                       validators=[MinValueValidator(Decimal("0"))])

    panels = [FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("credit_hours")]

    class Meta(Orderable.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.day:%Y-%m-%d}"

    @property
    def day(self):
        """The session's date (Asia/Shanghai): its attendance is credited on it."""
        return timezone.localdate(self.starts_at)

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})


class EventSignup(models.Model):
    """A teacher's place at an event (or on its waiting list), and their attendance."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Signed up")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(EventPage, on_delete=models.PROTECT, related_name="signups",
                              verbose_name=_("event"))
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT,
                                related_name="event_signups", verbose_name=_("teacher"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    invited = models.BooleanField(_("invited"), default=False)
    # Order on the waiting list: set each time the teacher (re)joins.
    queued_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    # The device (a hash of its cookie) the teacher's first QR scan came from: a later scan for
    # her from any other device is refused (a code forwarded to a phone logged in as her).
    scan_device = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("event sign-up")
        verbose_name_plural = _("event sign-ups")
        constraints = [models.UniqueConstraint(fields=["event", "teacher"], name="eventsignup_once")]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]

    def __str__(self):
        return f"{self.event_id} {self.teacher_id} {self.status}"



class EventAttendance(models.Model):
    """A signed-up teacher's check-in and check-out at one session (by QR, by hand or by sheet)."""

    signup = models.ForeignKey(EventSignup, on_delete=models.CASCADE, related_name="attendances",
                               verbose_name=_("event sign-up"))
    session = models.ForeignKey(EventSession, on_delete=models.PROTECT, related_name="attendances",
                                verbose_name=_("session"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("attendance marked by"))

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        constraints = [models.UniqueConstraint(fields=["signup", "session"],
                                               name="eventattendance_once")]

    def __str__(self):
        return f"{self.signup_id} {self.session_id}"

    @property
    def attended(self) -> bool:
        """Present at the session: checked in and out."""
        return bool(self.checked_in_at and self.checked_out_at)

    def display(self) -> str:
        """Where the teacher stands at this session, as the organiser reads it."""
        if not self.checked_in_at:
            return _("Not checked in")
        if self.checked_out_at:
            return _("Checked in and out")
        return _("Checked in, not yet out")


class EventClosure(models.Model):
    """The organiser closed the event: attendance is final and hours were credited."""

    event = models.OneToOneField(EventPage, on_delete=models.PROTECT, related_name="closure",
                                 verbose_name=_("event"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    attended = models.PositiveIntegerField(_("teachers credited"), default=0)

    class Meta:
        verbose_name = _("event closure")
        verbose_name_plural = _("event closures")

    def __str__(self):
        return f"{self.event_id} · {self.closed_at:%Y-%m-%d}"

class PresencePolicy(models.Model):
    """How much of an offline event's scheduled time a teacher must be present for its full
    hours, per subtree (the organiser's nearest ancestor with a policy applies; none: 80 %).
    Below it the hours are for the time present (`event_services.event_credit`)."""

    organisation = models.OneToOneField("people.Organisation", on_delete=models.CASCADE,
                                        related_name="presence_policy",
                                        verbose_name=_("organisation"))
    percent = models.PositiveSmallIntegerField(
        _("presence required for full hours (%)"), default=DEFAULT_PRESENCE_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        verbose_name = _("presence rule for offline events")
        verbose_name_plural = _("presence rules for offline events")

    def __str__(self):
        return f"{self.organisation}: {self.percent}%"
