"""Platform registrations in the Wagtail admin, for city HR (people.purposes.LTI_PLATFORMS).

The models are django-lti's: a registration (issuer, client ID, the platform's endpoints) and
its deployments, which start switched off until HR switches them on.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from lti_tool.models import LtiDeployment, LtiRegistration
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from people import purposes
from people.selectors import user_has_staff_role

from . import views
from .models import LtiOutcome


class PlatformPermissionPolicy(ModelPermissionPolicy):
    """Whoever holds the purpose's role may do everything here; nobody else anything."""

    def user_has_permission(self, user, action):
        return user_has_staff_role(user, roles=purposes.LTI_PLATFORMS)

    def user_has_any_permission(self, user, actions):
        return user_has_staff_role(user, roles=purposes.LTI_PLATFORMS)


class PlatformViewSet(ModelViewSet):
    def on_register(self):
        register_permission_policy(self.model, PlatformPermissionPolicy(self.model),
                                   exact_class=True)
        super().on_register()


class RegistrationViewSet(PlatformViewSet):
    model = LtiRegistration
    icon = "link"
    menu_label = _("Platforms")
    url_prefix = "lti/platforms"
    list_display = ("name", "issuer", "client_id", "uuid", "is_active")
    form_fields = ("name", "issuer", "client_id", "audience", "auth_url", "token_url",
                   "keyset_url", "is_active")
    inspect_view_enabled = True


class DeploymentViewSet(PlatformViewSet):
    model = LtiDeployment
    icon = "site"
    menu_label = _("Deployments")
    url_prefix = "lti/deployments"
    list_display = ("registration", "deployment_id", "is_active")
    list_filter = ("registration", "is_active")
    form_fields = ("registration", "deployment_id", "is_active")



class OutcomeViewSet(PlatformViewSet):
    model = LtiOutcome
    icon = "tasks"
    menu_label = _("Results sent back")
    url_prefix = "lti/results"
    list_display = ("course", "user", "registration", "launched_at", "reported_at")
    list_filter = ("registration",)
    form_fields = ("reported_at",)
    add_view_enabled = False
    copy_view_enabled = False
    inspect_view_enabled = True


class LtiViewSetGroup(ModelViewSetGroup):
    menu_label = _("LTI")
    menu_icon = "link"
    menu_order = 960
    items = (RegistrationViewSet, DeploymentViewSet, OutcomeViewSet)


@hooks.register("register_admin_viewset")
def register_lti_viewsets():
    return LtiViewSetGroup()


class RegistrationLinkMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_staff_role(request.user, roles=purposes.LTI_PLATFORMS)


@hooks.register("register_admin_urls")
def register_lti_urls():
    return [path("lti/register/", views.registration_link, name="lti_registration_link")]


@hooks.register("register_admin_menu_item")
def register_lti_registration_menu_item():
    return RegistrationLinkMenuItem(_("Register an LTI platform"),
                                    reverse("lti_registration_link"), icon_name="link",
                                    order=961)
