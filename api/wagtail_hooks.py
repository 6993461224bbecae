"""Service accounts of the API in the admin, for HR (people.purposes.STAFF_ROLES)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from people.selectors import user_has_staff_role

from . import admin_views


class AccountsMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_staff_role(request.user, roles=admin_views.PURPOSE)


@hooks.register("register_admin_urls")
def register_api_urls():
    return [
        path("api-accounts/", admin_views.account_list, name="api_accounts"),
        path("api-accounts/<int:pk>/", admin_views.account_detail, name="api_account"),
        path("api-accounts/<int:pk>/<str:action>/", admin_views.account_action,
             name="api_account_action"),
    ]


@hooks.register("register_admin_menu_item")
def register_api_menu_item():
    return AccountsMenuItem(_("Service accounts"), reverse("api_accounts"), icon_name="key",
                            order=950)
