"""Wagtail admin screen for workload activity types: district and city HR edit them as data.

Importing this module registers the viewset; certification/wagtail_hooks.py (which Wagtail
autoloads) does so with `from .workload import viewsets as workload_viewsets  # noqa: F401`.
Permissions (add/change/view for the HR groups, view for school admins) come from
certification/workload/defaults.py: grant_activity_type_permissions().
"""

from django.utils.translation import gettext, gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from certification.models import WorkloadActivityType
from certification.viewsets import EmptyAsDashInspectView


class YesNoColumn(Column):
    """是 / 否 in the list, never True / False."""

    def get_value(self, instance):
        return gettext("Yes") if getattr(instance, self.name) else gettext("No")


class WorkloadActivityTypeViewSet(ModelViewSet):
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
