"""Two-step verification required for the staff who see other people's records."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import StaffRole

# Pages an account without an authenticator must still reach: log-in, log-out and the
# two-step set-up itself (all under /accounts/), the language switch, static files, the
# health check and public certificate verification.
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz/", "/verify/", "/favicon")


def needs_two_step(user) -> bool:
    """Whether this user's roles require an authenticator app (superusers count as HR)."""
    if not getattr(settings, "STAFF_MFA_REQUIRED", False) or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(user=user, role__in=settings.STAFF_MFA_ROLES).exists()


class StaffTwoStepMiddleware:
    """Send HR, school admins and superusers to set up an authenticator app before anything else.

    allauth.mfa then asks for a code at every log-in; this only closes the gap before set-up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (getattr(settings, "STAFF_MFA_REQUIRED", False) and request.user.is_authenticated
                and not request.path.startswith(EXEMPT_PREFIXES)):
            from allauth.mfa.models import Authenticator

            if (not Authenticator.objects.filter(user=request.user,
                                                 type=Authenticator.Type.TOTP).exists()
                    and needs_two_step(request.user)):
                messages.info(request, _(
                    "Accounts of HR and school admins need two-step verification. Set up an "
                    "authenticator app to continue."))
                return redirect("mfa_activate_totp")
        return self.get_response(request)
