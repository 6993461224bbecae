"""Two-step verification required for the staff who see other people's records."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import purposes
from .selectors import user_has_staff_role

# Pages an account without an authenticator must still reach: log-in, log-out and the
# two-step set-up itself (all under /accounts/), the language switch, static files, the
# health check and public certificate verification.
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz/", "/verify/", "/favicon")


def needs_two_step(user) -> bool:
    """Whether this user's roles require an authenticator app: HR, school admins (the roles
    that see other people's records) and superusers."""
    return user.is_superuser or user_has_staff_role(user, roles=purposes.TWO_STEP)


class StaffTwoStepMiddleware:
    """Send HR, school admins and superusers to set up an authenticator app before anything else.

    allauth.mfa then asks for a code at every log-in; this only closes the gap before set-up.
    The role is checked first: a teacher's request costs one query, and only staff are looked
    up for an authenticator.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (settings.STAFF_MFA_REQUIRED and request.user.is_authenticated
                and not request.path.startswith(EXEMPT_PREFIXES)
                and needs_two_step(request.user)):
            from allauth.mfa.models import Authenticator
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(request.user, [Authenticator.Type.TOTP]):
                messages.info(request, _(
                    "Accounts of HR and school admins need two-step verification. Set up an "
                    "authenticator app to continue."))
                return redirect("mfa_activate_totp")
        return self.get_response(request)
