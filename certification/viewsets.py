"""Wagtail admin: the level rules (city HR edits them) and certificates with their history
(HR and school admins see those of their scope)."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.views.generic.models import InspectView

from people import purposes
from people.viewsets import HistoryViewSetMixin, ScopedViewSetMixin

from .models import (
    Application, Certificate, CertificateEvent, CertificateLevel, CyclePolicy, HoldingTarget,
    NewTeacherPeriod, RecognisedCredential, RoleRequirement, TeacherCredential,
)

# The rule viewsets rely on model permissions: the City HR group holds add/change/delete on
# them (granted by the defaults migration); other groups hold none, so they cannot edit.


class CertificateLevelViewSet(ModelViewSet):
    model = CertificateLevel
    icon = "tasks"
    menu_label = _("Certificate levels")
    list_display = ["code", "name", "rank", "prerequisite", "hours_required",
                    "hours_window_years", "validity_years", "renewal_hours"]
    form_fields = ["code", "name", "rank", "prerequisite", "hours_required",
                   "hours_window_years", "required_courses", "exam_course", "validity_years",
                   "renewal_hours"]
    copy_view_enabled = False


class RoleRequirementViewSet(ModelViewSet):
    model = RoleRequirement
    icon = "user"
    menu_label = _("Required level per role")
    list_display = ["role", "level"]
    form_fields = ["role", "level"]
    copy_view_enabled = False


class RecognisedCredentialViewSet(ModelViewSet):
    model = RecognisedCredential
    icon = "doc-full"
    menu_label = _("Recognised credentials")
    list_display = ["name", "level"]
    form_fields = ["name", "level"]
    copy_view_enabled = False


class TeacherCredentialForm(WagtailAdminModelForm):
    """Teachers only from the editor's HR scope; evidence judged by its content (PDF/JPEG/PNG,
    at most 10 MB), as declared hours' evidence is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from people import purposes
        from people.selectors import teacher_list_in_scope

        if "teacher" in self.fields:
            self.fields["teacher"].queryset = teacher_list_in_scope(
                self.for_user, roles=purposes.OUTSIDE_CREDENTIALS).order_by("employee_no")

    def clean_evidence(self):
        from django.core.exceptions import ValidationError

        from .declarations import _checked_files

        upload = self.cleaned_data.get("evidence")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                _checked_files([upload])
            except ValidationError as error:
                raise ValidationError(error.messages)
        return upload


class TeacherCredentialViewSet(ScopedViewSetMixin, ModelViewSet):
    model = TeacherCredential
    scope_field = "teacher__school"
    scope_roles = purposes.OUTSIDE_CREDENTIALS
    icon = "doc-full"
    menu_label = _("Outside credentials")
    list_display = ["teacher", "credential", "issuer", "obtained_on", "expires_on"]
    search_fields = ["teacher__name", "teacher__employee_no", "credential__name"]
    form_fields = ["teacher", "credential", "issuer", "obtained_on", "expires_on", "evidence"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        return modelform_factory(self.model, form=TeacherCredentialForm, fields=self.form_fields)


class CyclePolicyViewSet(ModelViewSet):
    model = CyclePolicy
    icon = "date"
    menu_label = _("Continuing-education cycles")
    list_display = ["organisation", "years", "hours", "yearly_minimum", "start_year"]
    form_fields = ["organisation", "years", "hours", "yearly_minimum", "start_year"]
    copy_view_enabled = False


class HoldingTargetViewSet(ModelViewSet):
    model = HoldingTarget
    icon = "pick"
    menu_label = _("Holding targets")
    list_display = ["organisation", "level", "percent"]
    list_filter = ["level"]
    form_fields = ["organisation", "level", "percent"]
    copy_view_enabled = False


class NewTeacherPeriodViewSet(ModelViewSet):
    model = NewTeacherPeriod
    icon = "time"
    menu_label = _("New-teacher periods")
    list_display = ["organisation", "months"]
    form_fields = ["organisation", "months"]
    copy_view_enabled = False


class CertificateInspectView(InspectView):
    """The certificate's fields and, below them, its history (issued, renewed, revoked …)."""

    def get_field_label(self, field_name, field):
        if field_name == "history":
            return _("History")
        return super().get_field_label(field_name, field)

    def get_history_display_value(self):
        events = self.object.events.select_related("actor")
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} · {} · {} {}</li>",
            ((e.at.strftime("%Y-%m-%d %H:%M"), e.get_kind_display(), e.actor or "—", e.note)
             for e in events))) if events else "—"


class CertificateViewSet(HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Certificate
    scope_field = "teacher__school"
    scope_roles = purposes.CERTIFICATE_ROSTER
    icon = "doc-full-inverse"
    menu_label = _("Certificates")
    list_display = ["number", "teacher", "level", "issued_on", "expires_on", "status", "source"]
    list_filter = ["level", "status", "source"]
    search_fields = ["number", "teacher__name", "teacher__employee_no"]
    inspect_view_enabled = True
    inspect_view_class = CertificateInspectView
    inspect_view_fields = ["number", "teacher", "level", "issued_on", "expires_on",
                           "renewed_on", "ended_on", "status", "source", "authority", "history"]
    # Certificates change only through services (issue, renew, revoke, expire).


class CertificateEventViewSet(HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = CertificateEvent
    scope_field = "certificate__teacher__school"
    scope_roles = purposes.CERTIFICATE_ROSTER
    icon = "history"
    menu_label = _("Certificate history")
    list_display = ["certificate", "kind", "actor", "at", "note"]
    list_filter = ["kind"]
    search_fields = ["certificate__number", "note"]
    # An event is history: a correction is a new event written by a service.


class ApplicationViewSet(HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Application
    scope_field = "teacher__school"
    scope_roles = purposes.CERTIFICATE_ROSTER
    icon = "form"
    menu_label = _("Applications")
    list_display = ["teacher", "level", "status", "created_at", "decided_by"]
    list_filter = ["status", "level"]
    search_fields = ["teacher__name", "teacher__employee_no"]
    # Decided through the HR desk (application_approve / application_reject).


class CertificationViewSetGroup(ModelViewSetGroup):
    menu_label = _("Certification")
    menu_icon = "success"
    menu_order = 210
    items = (
        CertificateViewSet("certificates"),
        CertificateEventViewSet("certificate_events"),
        ApplicationViewSet("certificate_applications"),
        CertificateLevelViewSet("certificate_levels"),
        RoleRequirementViewSet("role_requirements"),
        RecognisedCredentialViewSet("recognised_credentials"),
        TeacherCredentialViewSet("teacher_credentials"),
        CyclePolicyViewSet("cycle_policies"),
        HoldingTargetViewSet("holding_targets"),
        NewTeacherPeriodViewSet("new_teacher_periods"),
    )
