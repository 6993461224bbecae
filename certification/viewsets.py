"""Wagtail admin: the level rules (city HR edits them) and certificates with their history
(HR and school admins see those of their scope)."""

from django.forms import ClearableFileInput
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.models import InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.models import HourCategory
from people import purposes
from people.models import Teacher
from people.selectors import organisation_scope
from people.viewsets import (
    AuditedRuleViewSetMixin,
    HistoryViewSetMixin,
    PhoneColumnsMixin,
    RuleWriteScopeMixin,
    ScopedViewSetMixin,
    ServiceCreateView,
    ServiceEditView,
)

from .models import (
    Application,
    AuthorityValidityRule,
    CalendarPeriod,
    Certificate,
    CertificateEvent,
    CertificateLevel,
    CyclePolicy,
    HoldingTarget,
    LevelCategoryMinimum,
    NewTeacherPeriod,
    ParentSessionRecorder,
    RecognisedCredential,
    RoleRequirement,
    TeacherCredential,
)

# The rule viewsets rely on model permissions: the City HR group holds add/change/delete on
# them (granted by the defaults migration); other groups hold none, so they cannot edit.


class CertificateLevelForm(WagtailAdminModelForm):
    """The level's required courses and exam are picked among course pages only (not the
    root, sections or lessons)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from wagtail.models import Page

        from courses.models import CoursePage

        courses = Page.objects.type(CoursePage).order_by("path")
        for name in ("required_courses", "exam_course"):
            if name in self.fields:
                self.fields[name].queryset = courses


class FiguresReadRuleMixin:
    """A rule the stored per-school figures read (what posts require, the levels, the cycle
    policies, the new-teacher period): an add, edit or delete here drops every stored figure
    (`figures_forget`), as the services do after the writes they make."""

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, (generic.CreateView, generic.EditView, generic.DeleteView)):
            view_class = _forgetting_figures(view_class)
        return super().construct_view(view_class, **kwargs)


def _forgetting_figures(view_class):
    from .selectors.figures import figures_forget

    class ForgettingFigures(view_class):
        def save_instance(self):
            instance = super().save_instance()
            figures_forget()
            return instance

        def delete_action(self):
            super().delete_action()
            figures_forget()

    ForgettingFigures.__name__ = ForgettingFigures.__qualname__ = view_class.__name__
    return ForgettingFigures


class CertificateLevelViewSet(PhoneColumnsMixin, AuditedRuleViewSetMixin, FiguresReadRuleMixin, ModelViewSet):
    model = CertificateLevel
    icon = "tasks"
    menu_label = _("Certificate levels")
    list_display = ["code", "name", "rank", "prerequisite", "hours_required",
                    "hours_window_years", "validity_years", "renewal_hours"]
    phone_columns = ("code", "name", "hours_required", "validity_years")
    form_fields = ["code", "name", "rank", "prerequisite", "hours_required",
                   "hours_window_years", "required_courses", "exam_course", "validity_years",
                   "renewal_hours"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        from django.forms.models import modelform_factory

        return modelform_factory(self.model, form=CertificateLevelForm,
                                 formfield_callback=self.formfield_for_dbfield,
                                 fields=self.form_fields)


class LevelCategoryMinimumViewSet(AuditedRuleViewSetMixin, ModelViewSet):
    """Of a level's hours, a minimum per category (inside the level's window)."""

    model = LevelCategoryMinimum
    icon = "tag"
    menu_label = _("Level hours per category")
    list_display = ["level", "category", "hours"]
    list_filter = ["level"]
    form_fields = ["level", "category", "hours"]
    copy_view_enabled = False


class RoleRequirementViewSet(AuditedRuleViewSetMixin, FiguresReadRuleMixin, ModelViewSet):
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


class PrivateFileInput(ClearableFileInput):
    """A file input for private storage: the stored file is named, never linked (private files
    have no URL; they are streamed by scope-checking views)."""

    template_name = "certification/widgets/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))


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
        if "evidence" in self.fields:
            self.fields["evidence"].widget = PrivateFileInput()

    def clean_evidence(self):
        from django.core.exceptions import ValidationError

        from .declarations import _checked_files

        upload = self.cleaned_data.get("evidence")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                _checked_files([upload])
            except ValidationError as error:
                raise ValidationError(error.messages) from error
        return upload

    def _post_clean(self):
        # The record is written by the service in save(), not by the model form; only the
        # pair (teacher, credential) is checked here, so a clash shows on the form.
        data = self.cleaned_data
        teacher, credential = data.get("teacher"), data.get("credential")
        if teacher and credential and TeacherCredential.objects.filter(
                teacher=teacher, credential=credential).exclude(pk=self.instance.pk).exists():
            self.add_error("credential", gettext("This teacher already holds this credential."))

    def save(self, commit=True):
        """Recorded or corrected through certification's service (scope, checks, audit)."""
        from .declarations import teacher_credential_record, teacher_credential_update

        data = self.cleaned_data
        upload = data.get("evidence")
        new_file = upload if hasattr(upload, "content_type") else None
        if self.instance.pk:
            self.instance = teacher_credential_update(
                held=self.instance, teacher=data["teacher"], credential=data["credential"],
                issuer=data.get("issuer") or "", obtained_on=data["obtained_on"],
                expires_on=data.get("expires_on"),
                evidence=new_file or (False if upload is False else None),
                updated_by=self.for_user)
        else:
            self.instance = teacher_credential_record(
                teacher=data["teacher"], name=data["credential"].name,
                issuer=data.get("issuer") or "", obtained_on=data["obtained_on"],
                expires_on=data.get("expires_on"), recorded_by=self.for_user,
                evidence=new_file)
        return self.instance


class TeacherCredentialDeleteView(generic.DeleteView):
    """Delete through certification's service (scope, audit, the stored figures)."""

    def delete_action(self):
        from .declarations import teacher_credential_delete

        teacher_credential_delete(held=self.object, deleted_by=self.request.user)


class TeacherCredentialViewSet(PhoneColumnsMixin, ScopedViewSetMixin, ModelViewSet):
    model = TeacherCredential
    scope_field = "teacher__school"
    scope_roles = purposes.OUTSIDE_CREDENTIALS
    icon = "doc-full"
    menu_label = _("Outside credentials")
    list_display = ["teacher", "credential", "issuer", "obtained_on", "expires_on"]
    phone_columns = ("teacher", "credential", "expires_on")
    search_fields = ["teacher__name", "teacher__employee_no", "credential__name"]
    form_fields = ["teacher", "credential", "issuer", "obtained_on", "expires_on", "evidence"]
    copy_view_enabled = False
    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    delete_view_class = TeacherCredentialDeleteView

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        return modelform_factory(self.model, form=TeacherCredentialForm, fields=self.form_fields)


class CategoryMinimumsColumn(Column):
    """The policy's minimum per category, e.g. "心理危机识别与干预 12"; "—" when none."""

    def get_value(self, instance):
        minimums = instance.category_minimums.select_related("category")
        return "; ".join(f"{m.category} {m.hours.normalize():f}" for m in minimums) or "—"


class CyclePolicyViewSet(PhoneColumnsMixin, AuditedRuleViewSetMixin, FiguresReadRuleMixin, RuleWriteScopeMixin, ModelViewSet):
    model = CyclePolicy
    write_roles = purposes.HOLDING_RULES_EDIT
    icon = "date"
    menu_label = _("Continuing-education cycles")
    list_display = ["organisation", "years", "hours", "yearly_minimum", "start_year",
                    "pace_rule", "grace_days",
                    CategoryMinimumsColumn("category_minimums",
                                           label=_("minimum hours per category"))]
    phone_columns = ("organisation", "years", "hours")
    panels = [FieldPanel("organisation"), FieldPanel("years"), FieldPanel("hours"),
              FieldPanel("yearly_minimum"), FieldPanel("start_year"),
              FieldPanel("pace_rule"), FieldPanel("grace_days"),
              InlinePanel("category_minimums", heading=_("Minimum hours per category"),
                          label=_("minimum hours of a category"))]
    copy_view_enabled = False


class YesNoColumn(Column):
    """A yes-or-no field read as 是/否 (Yes/No), never True or False."""

    def get_value(self, instance):
        return gettext("Yes") if getattr(instance, self.name) else gettext("No")


class HourCategoryForm(WagtailAdminModelForm):
    """A category's code is fixed once saved: ledger lines, pages and sheets keep it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "code" in self.fields:
            self.fields["code"].disabled = True


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Model permissions without delete, for anyone (superusers too)."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)


class HourCategoryViewSet(PhoneColumnsMixin, ModelViewSet):
    """Hour categories: city HR add, rename, reorder and deactivate them (never delete: lines
    keep their category)."""

    def on_register(self):
        register_permission_policy(self.model, NoDeletePermissionPolicy(self.model),
                                   exact_class=True)
        super().on_register()

    model = HourCategory
    icon = "tag"
    menu_label = _("Hour categories")
    list_display = ["name", "name_en", "code", "order",
                    YesNoColumn("active", label=_("active"))]
    phone_columns = ("name", "code", "active")
    form_fields = ["code", "name", "name_en", "order", "active"]
    ordering = ["order", "pk"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        return modelform_factory(self.model, form=HourCategoryForm,
                                 formfield_callback=self.formfield_for_dbfield,
                                 fields=self.form_fields)


class HoldingTargetViewSet(AuditedRuleViewSetMixin, RuleWriteScopeMixin, ModelViewSet):
    model = HoldingTarget
    write_roles = purposes.HOLDING_RULES_EDIT
    icon = "pick"
    menu_label = _("Holding targets")
    list_display = ["organisation", "level", "percent"]
    list_filter = ["level"]
    form_fields = ["organisation", "level", "percent"]
    copy_view_enabled = False


class NewTeacherPeriodViewSet(AuditedRuleViewSetMixin, FiguresReadRuleMixin, RuleWriteScopeMixin, ModelViewSet):
    model = NewTeacherPeriod
    write_roles = purposes.HOLDING_RULES_EDIT
    icon = "time"
    menu_label = _("New-teacher periods")
    list_display = ["organisation", "months"]
    form_fields = ["organisation", "months"]
    copy_view_enabled = False


class CalendarPeriodForm(WagtailAdminModelForm):
    class Meta:
        model = CalendarPeriod
        fields = ["organisation", "term", "kind", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # HR keep the calendars of their own subtree: a district's HR never edit another's.
        self.fields["organisation"].queryset = organisation_scope(
            self.for_user, roles=purposes.SCHOOL_CALENDAR).order_by("path")


class CalendarPeriodViewSet(PhoneColumnsMixin, ScopedViewSetMixin, ModelViewSet):
    """The school calendar per subtree (the nearest applies); HR edit their own subtree's."""

    model = CalendarPeriod
    scope_field = "organisation"
    scope_roles = purposes.SCHOOL_CALENDAR
    write_roles = purposes.SCHOOL_CALENDAR
    icon = "date"
    menu_label = _("School calendar")
    list_display = ["organisation", "term", "kind", "start", "end"]
    phone_columns = ("organisation", "term", "kind")
    list_filter = ["kind"]
    search_fields = ["term"]
    form_fields = CalendarPeriodForm.Meta.fields
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return CalendarPeriodForm


class ParentSessionRecorderForm(WagtailAdminModelForm):
    class Meta:
        model = ParentSessionRecorder
        fields = ["school", "teacher"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schools = organisation_scope(self.for_user, roles=purposes.PARENT_SESSION_RECORDERS).filter(
            kind="school")
        self.fields["school"].queryset = schools.order_by("path")
        self.fields["teacher"].queryset = Teacher.objects.filter(
            school__in=schools, is_active=True).order_by("school__path", "name")

    def clean(self):
        cleaned = super().clean()
        school, teacher = cleaned.get("school"), cleaned.get("teacher")
        if school and teacher and teacher.school_id != school.pk:
            self.add_error("teacher", _("The teacher must be of this school."))
        return cleaned


class ParentSessionRecorderViewSet(ScopedViewSetMixin, ModelViewSet):
    """Teachers a school names to record its parent-school sessions (its admins name them)."""

    model = ParentSessionRecorder
    scope_field = "school"
    # Only school admins hold the permission, so only their bindings give the scope.
    scope_roles = purposes.PARENT_SESSION_RECORDERS
    write_roles = purposes.PARENT_SESSION_RECORDERS
    icon = "user"
    menu_label = _("Parent-session recorders")
    list_display = ["school", "teacher"]
    form_fields = ParentSessionRecorderForm.Meta.fields
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return ParentSessionRecorderForm


class AuthorityValidityRuleViewSet(AuditedRuleViewSetMixin, ModelViewSet):
    model = AuthorityValidityRule
    icon = "date"
    menu_label = _("Outside authorities' validity")
    list_display = ["authority", "validity_years"]
    form_fields = ["authority", "validity_years"]
    copy_view_enabled = False


def _local(moment) -> str:
    """A stored instant as the site's local time (Asia/Shanghai), to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


class EmptyAsDashInspectView(InspectView):
    """Empty fields read "—", never "None"; instants read in local time."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "—"
        if hasattr(value, "tzinfo") and hasattr(value, "hour"):
            return _local(value)
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        return value


class CertificateInspectView(EmptyAsDashInspectView):
    """The certificate's fields and, below them, its history (issued, renewed, revoked …)."""

    def get_field_label(self, field_name, field):
        if field_name == "history":
            return _("History")
        return super().get_field_label(field_name, field)

    def get_history_display_value(self):
        events = self.object.events.select_related("actor")
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} · {} · {} {}</li>",
            ((_local(e.at), e.get_kind_display(), e.actor or "—", e.note)
             for e in events))) if events else "—"


class CertificateViewSet(PhoneColumnsMixin, HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Certificate
    scope_field = "teacher__school"
    scope_roles = purposes.CERTIFICATE_ROSTER
    icon = "doc-full-inverse"
    menu_label = _("Certificates")
    list_display = ["number", "teacher", "level", "issued_on", "expires_on", "status", "source"]
    # On a phone: the number (which names the level), the holder and whether it is valid.
    phone_columns = ("number", "teacher", "expires_on", "status")
    list_filter = ["level", "status", "source"]
    search_fields = ["number", "teacher__name", "teacher__employee_no"]
    inspect_view_enabled = True
    inspect_view_class = CertificateInspectView
    inspect_view_fields = ["number", "teacher", "level", "issued_on", "expires_on",
                           "renewed_on", "ended_on", "status", "source", "authority", "history"]
    # Certificates change only through services (issue, renew, revoke, expire).


class CertificateEventViewSet(PhoneColumnsMixin, HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = CertificateEvent
    scope_field = "certificate__teacher__school"
    scope_roles = purposes.CERTIFICATE_ROSTER
    icon = "history"
    menu_label = _("Certificate history")
    list_display = ["certificate", "kind", "actor", "at", "note"]
    phone_columns = ("certificate", "kind", "at")
    list_filter = ["kind"]
    search_fields = ["certificate__number", "note"]
    # The chain's seal (position and digests) is for verify_records, not for reading.
    inspect_view_fields = ["certificate", "kind", "actor", "at", "note"]
    # An event is history: a correction is a new event written by a service.


class ApplicationInspectView(EmptyAsDashInspectView):
    """The application with its eligibility snapshot as the review page's requirement list, and
    a link to the review page where HR decides."""

    def get_field_label(self, field_name, field):
        if field_name == "eligibility":
            return _("Eligibility at the last decision")
        return super().get_field_label(field_name, field)

    def get_eligibility_display_value(self):
        from .evidence import requirement_rows

        snapshot = self.object.eligibility or {}
        if not snapshot.get("requirements"):
            return "—"
        return render_to_string("certification/includes/requirement_list.html",
                                {"requirement_rows": requirement_rows(snapshot)})

    def get_decided_by_display_value(self):
        user = self.object.decided_by
        return (user.get_full_name() or user.get_username()) if user else "—"

    @cached_property
    def header_buttons(self):
        return [Button(_("Review and decide") if self.object.status == "pending"
                       else _("Review page"),
                       url=reverse("certification:application_review", args=[self.object.pk]),
                       icon_name="view", priority=5, attrs={"class": "button"})]


class ApplicationViewSet(PhoneColumnsMixin, HistoryViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Application
    scope_field = "teacher__school"
    scope_roles = purposes.CERTIFICATE_ROSTER
    icon = "form"
    menu_label = _("Applications")
    list_display = ["teacher", "level", "status", "created_at", "decided_by"]
    phone_columns = ("teacher", "level", "status")
    list_filter = ["status", "level"]
    search_fields = ["teacher__name", "teacher__employee_no"]
    # Decided through the HR desk (application_approve / application_reject).
    inspect_view_class = ApplicationInspectView
    inspect_view_fields = ["teacher", "level", "status", "created_at", "decided_by",
                           "decided_at", "reason", "certificate", "eligibility"]


class CertificationViewSetGroup(ModelViewSetGroup):
    menu_label = _("Certification")
    menu_icon = "success"
    menu_order = 210
    items = (
        CertificateViewSet("certificates"),
        CertificateEventViewSet("certificate_events"),
        ApplicationViewSet("certificate_applications"),
        CertificateLevelViewSet("certificate_levels"),
        LevelCategoryMinimumViewSet("level_category_minimums"),
        RoleRequirementViewSet("role_requirements"),
        RecognisedCredentialViewSet("recognised_credentials"),
        TeacherCredentialViewSet("teacher_credentials"),
        CyclePolicyViewSet("cycle_policies"),
        HourCategoryViewSet("hour_categories"),
        HoldingTargetViewSet("holding_targets"),
        NewTeacherPeriodViewSet("new_teacher_periods"),
        CalendarPeriodViewSet("school_calendar"),
        ParentSessionRecorderViewSet("parent_session_recorders"),
        AuthorityValidityRuleViewSet("authority_validity_rules"),
    )
