"""Middleware of the host project."""

from csp.constants import UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) on every response; only under the
    Wagtail admin, whose choosers still use inline scripts and eval, is script-src widened (not
    on its log-in page, which is the site's own and where a password is typed)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        path = request.path_info
        if (path.startswith(settings.RELAXED_SCRIPT_PREFIXES)
                and not path.startswith(settings.STRICT_SCRIPT_PATHS) and parts.replace is None):
            parts.update = {**(parts.update or {}), "script-src": [UNSAFE_INLINE, UNSAFE_EVAL]}
        return parts


class PermissionsPolicyMiddleware:
    """The browser features no page of the site uses, switched off for it and for what it
    frames (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class AdminAccessMiddleware:
    """A signed-in user without access to the Wagtail admin who opens it lands on the site's home
    page, told why.

    Wagtail would send them to log in with `next=/admin/`, and the log-in page sends a signed-in
    user straight back to `next`: a loop that ends on the browser's "too many redirects". The
    admin's own log-in, log-out and password pages stay open.
    """

    OPEN = ("login/", "logout/", "password_reset/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin = reverse("wagtailadmin_home")
        path = request.path_info
        if (path.startswith(admin) and request.user.is_authenticated
                and not path[len(admin):].startswith(self.OPEN)
                and not request.user.has_perm("wagtailadmin.access_admin")):
            messages.error(request, _("You have no access to the admin. If your work needs it, "
                                      "ask your district HR."))
            return redirect("/")
        return self.get_response(request)
