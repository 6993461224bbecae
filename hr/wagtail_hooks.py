"""A link to the HR desk in the Wagtail admin menu, for the staff who may use it, and hr's links on the
pages of the apps below it (people.links)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from certification.records import RECORDS_VERIFIERS
from people.links import PAGE_LINKS, Link
from people.selectors import user_has_staff_role

from .models import ReportSnapshot
from .selectors import DESK_ROLES
from .snapshots import snapshots_verify


class DeskMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_staff_role(request.user, roles=DESK_ROLES)


@hooks.register("register_admin_menu_item")
def register_desk_menu_item():
    return DeskMenuItem(_("HR desk"), reverse("hr:desk"), icon_name="table", order=900)


@hooks.register(PAGE_LINKS)
def hr_page_links(slot: str, *, request=None, **context) -> list[Link]:
    """hr's links on the pages of the apps below it (people.links): the desk, a teacher's personal
    data, an event's attendance sheet."""
    if slot in ("header", "audit_log"):
        return [Link(reverse("hr:desk"), _("HR desk"))]
    if slot == "teacher_record":
        teacher = context["teacher"]
        links = [Link(reverse("hr:teacher_data_export", args=[teacher.pk]), _("Download personal data (JSON)"))]
        if not teacher.is_erased:
            links.append(Link(reverse("hr:teacher_erase", args=[teacher.pk]), _("Erase personal data")))
        return links
    if slot == "event_attendance":
        event = context["event"]
        links = [Link(reverse("hr:event_attendance_export", args=[event.pk]),
                      _("Download the attendance sheet (Excel)"))]
        if not context.get("closed"):
            links.append(Link(reverse("hr:event_attendance_import", args=[event.pk]), _("Upload an attendance sheet")))
        return links
    return []


@hooks.register(RECORDS_VERIFIERS)
def report_snapshots_verify() -> tuple[int, list]:
    """Report snapshots are walked with the platform's records (manage.py verify_records)."""
    return ReportSnapshot._base_manager.count(), list(snapshots_verify())
