"""Wagtail admin listings of learning records, each filtered to the requester's scope."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from people import purposes
from people.viewsets import (
    HistoryViewSetMixin,
    PhoneColumnsMixin,
    RuleWriteScopeMixin,
    ScopedViewSetMixin,
)

from .models import CourseCompletion, Enrolment, PresencePolicy


class EnrolmentViewSet(PhoneColumnsMixin, ScopedViewSetMixin, ModelViewSet):
    model = Enrolment
    scope_field = "user__teacher__school"
    scope_roles = purposes.LEARNING_RECORDS
    icon = "list-ul"
    menu_label = _("Enrolments")
    add_to_admin_menu = False
    list_display = ["user", "course", "assignment", "enrolled_at", "completed_at"]
    phone_columns = ("user", "course", "completed_at")
    list_filter = ["course", "enrolled_at", "completed_at"]
    search_fields = ["user__username", "user__teacher__name"]
    list_export = ["user", "course", "assignment", "enrolled_at", "completed_at"]
    form_fields = ["assignment"]
    inspect_view_enabled = True
    copy_view_enabled = False

    def get_queryset(self, request):
        return Enrolment.objects.select_related("user", "course", "assignment__course",
                                                "assignment__organisation")


class CourseCompletionViewSet(HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = CourseCompletion
    scope_field = "user__teacher__school"
    scope_roles = purposes.LEARNING_RECORDS
    icon = "tick"
    menu_label = _("Course completions")
    add_to_admin_menu = False
    list_display = ["user", "course", "hours", "completed_at"]
    list_filter = ["course", "completed_at"]
    search_fields = ["user__username", "user__teacher__name"]
    list_export = ["user", "course", "hours", "completed_at"]
    # A completion credited the ledger; its hours change only by a ledger correction.

    def get_queryset(self, request):
        return CourseCompletion.objects.select_related("user", "course")


class PresencePolicyViewSet(RuleWriteScopeMixin, ModelViewSet):
    """The share of an offline event's time a teacher must be present for its full hours, per
    subtree; city HR write it."""

    model = PresencePolicy
    write_roles = purposes.HOLDING_RULES_EDIT
    icon = "time"
    menu_label = _("Presence for event hours")
    list_display = ["organisation", "percent"]
    form_fields = ["organisation", "percent"]
    copy_view_enabled = False


class LearningViewSetGroup(ModelViewSetGroup):
    menu_label = _("Learning records")
    menu_icon = "list-ul"
    menu_order = 210
    items = (EnrolmentViewSet("enrolments"), CourseCompletionViewSet("course_completions"),
             PresencePolicyViewSet("presence_policies"))
