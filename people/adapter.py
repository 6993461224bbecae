import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Account policy: accounts come from HR, so self-signup is closed unless a setting opens it."""

    def is_open_for_signup(self, request):
        return settings.ACCOUNT_SIGNUP_OPEN

    def get_client_ip(self, request) -> str:
        """The client's address: forwarded headers are read only on a request that comes from
        one of our proxies (TRUSTED_PROXIES); one that reaches the application directly is its
        own REMOTE_ADDR, whatever X-Forwarded-For it sends."""
        from .access import proxy_trusted

        remote = request.META.get("REMOTE_ADDR", "")
        if remote and not proxy_trusted(remote):
            return remote
        return super().get_client_ip(request)

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
        records = get_authentication_records(request, request.user)
        fresh = records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
        return not fresh

    # --- Phone log-in (allauth's phone support), where a text-message backend is configured.

    def phone_form_field(self, **kwargs):
        from .phones import MainlandPhoneField

        return MainlandPhoneField(**kwargs)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        from django.utils.translation import gettext as _

        from .sms import sms_send

        sms_send(phone=phone, code=code,
                 text=_("Your Xinyu Training code is %(code)s. Do not share it.") % {"code": code})

    def get_phone(self, user):
        from .models import LoginPhone

        found = LoginPhone.objects.filter(user=user).values_list("number", "verified").first()
        return tuple(found) if found else None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        from .services import login_phone_set

        login_phone_set(user=user, number=phone, verified=verified)

    def set_phone_verified(self, user, phone: str) -> None:
        """The owner confirmed a code sent to the number (allauth's phone change, while logged
        in): from now on it logs in."""
        from .services import login_phone_set

        login_phone_set(user=user, number=phone, verified=True)

    def get_user_by_phone(self, phone: str):
        from django.contrib.auth import get_user_model

        from .phones import phone_normalise

        # The password log-in form passes the number as typed (13800138000), not as stored.
        number = phone_normalise(phone) or phone
        # Only a number its owner has confirmed logs in: one HR typed into a roster does not.
        return get_user_model().objects.filter(login_phone__number=number,
                                               login_phone__verified=True,
                                               is_active=True).first()
