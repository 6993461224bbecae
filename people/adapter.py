import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Account policy: accounts come from HR, so self-signup is closed unless a setting opens it."""

    def is_open_for_signup(self, request):
        return getattr(settings, "ACCOUNT_SIGNUP_OPEN", False)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Staff sent to set up two-step verification right after logging in are not asked for
        their password a second time: a log-in within the reauthentication timeout is as fresh
        as a reauthentication. Anything later (or deactivating) asks again, as allauth does."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = self.request
        if not required or app != "allauth.mfa" or request is None:
            return required
        if request.resolver_match is None or request.resolver_match.url_name != "mfa_activate_totp":
            return required
        from allauth.account.internal.flows.login import get_authentication_records

        records = get_authentication_records(request, request.user)
        fresh = records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
        return not fresh
