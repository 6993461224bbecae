"""Wagtail admin screen for workload activity types: district and city HR edit them as data.

Importing this module registers the viewset; certification/wagtail_hooks.py (which Wagtail
autoloads) does so with `from .workload import viewsets as workload_viewsets  # noqa: F401`.
Permissions (add/change/view for city HR, view for district HR and school admins) come from
people/roles.py.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from certification.models import WorkloadActivityType, WorkloadCreditRate, WorkloadNorm
from certification.viewsets import EmptyAsDashInspectView
from people import purposes
from people.models import Organisation
from people.selectors import organisation_scope
from people.viewsets import PhoneColumnsMixin, ScopedViewSetMixin


class YesNoColumn(Column):
    """是 / 否 in the list, never True / False."""

    def get_value(self, instance):
        return gettext("Yes") if getattr(instance, self.name) else gettext("No")


class WorkloadActivityTypeViewSet(PhoneColumnsMixin, ModelViewSet):
    model = WorkloadActivityType
    icon = "list-ul"
    menu_label = _("Workload activity types")
    menu_order = 320
    add_to_admin_menu = True
    list_display = ["name", "code", "unit", "credit_per_unit",
                    YesNoColumn("is_room_duty", label=WorkloadActivityType._meta.get_field(
                        "is_room_duty").verbose_name),
                    YesNoColumn("active", label=WorkloadActivityType._meta.get_field(
                        "active").verbose_name), "order"]
    phone_columns = ("name", "unit", "credit_per_unit", "active")
    list_filter = ["unit", "active"]
    search_fields = ["name", "code"]
    ordering = ["order", "code"]
    form_fields = ["name", "code", "unit", "credit_per_unit", "uses_group_size",
                   "needs_evidence_note", "evidence_hint", "is_room_duty", "active", "order"]
    inspect_view_enabled = True
    inspect_view_class = EmptyAsDashInspectView
    copy_view_enabled = False


workload_activity_type_viewset = WorkloadActivityTypeViewSet("workload_activity_types")


@hooks.register("register_admin_viewset")
def register_workload_activity_type_viewset():
    return workload_activity_type_viewset


class _SubtreeRuleForm(WagtailAdminModelForm):
    """A rule of one organisation's subtree: HR choose among the non-school organisations
    of their own scope, so a district never writes another district's rule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].required = True
        self.fields["organisation"].queryset = organisation_scope(
            self.for_user, roles=purposes.WORKLOAD_RULES).exclude(
            kind=Organisation.Kind.SCHOOL).order_by("path")


class WorkloadCreditRateForm(_SubtreeRuleForm):
    class Meta:
        model = WorkloadCreditRate
        fields = ["organisation", "activity_type", "credit_per_unit"]


class WorkloadNormForm(_SubtreeRuleForm):
    class Meta:
        model = WorkloadNorm
        fields = ["organisation", "units"]


class WorkloadCreditRateViewSet(ScopedViewSetMixin, ModelViewSet):
    """Credit rates of a subtree, overriding the activity type's own (the nearest applies)."""

    model = WorkloadCreditRate
    scope_field = "organisation"
    scope_roles = purposes.WORKLOAD_RULES
    write_roles = purposes.WORKLOAD_RULES
    icon = "list-ol"
    menu_label = _("Workload credit rates")
    menu_order = 321
    add_to_admin_menu = True
    list_display = ["organisation", "activity_type", "credit_per_unit"]
    form_fields = WorkloadCreditRateForm.Meta.fields
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return WorkloadCreditRateForm


class WorkloadNormViewSet(ScopedViewSetMixin, ModelViewSet):
    """The head-teacher norm of a subtree (the nearest applies; the default row is everywhere's)."""

    model = WorkloadNorm
    scope_field = "organisation"
    scope_roles = purposes.WORKLOAD_RULES
    write_roles = purposes.WORKLOAD_RULES
    icon = "pick"
    menu_label = _("Head-teacher norms")
    menu_order = 322
    add_to_admin_menu = True
    list_display = ["organisation", "units"]
    form_fields = WorkloadNormForm.Meta.fields
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return WorkloadNormForm


workload_credit_rate_viewset = WorkloadCreditRateViewSet("workload_credit_rates")
workload_norm_viewset = WorkloadNormViewSet("workload_norms")


@hooks.register("register_admin_viewset")
def register_workload_rule_viewsets():
    return [workload_credit_rate_viewset, workload_norm_viewset]
