"""The status page in the Wagtail admin, for superusers (the bureau's IT office)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


class StatusMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_admin_urls")
def register_status_url():
    return [path("ops/status/", views.status, name="ops_status")]


@hooks.register("register_admin_menu_item")
def register_status_menu_item():
    return StatusMenuItem(_("System status"), reverse("ops_status"), icon_name="pick",
                          order=10000)
