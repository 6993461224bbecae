"""A link to the HR desk in the Wagtail admin menu, for the staff who may use it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from people.selectors import user_has_staff_role

from .selectors import DESK_ROLES


class DeskMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_staff_role(request.user, roles=DESK_ROLES)


@hooks.register("register_admin_menu_item")
def register_desk_menu_item():
    return DeskMenuItem(_("HR desk"), reverse("hr:desk"), icon_name="table", order=900)
