"""Authentication, purposes and rate limits of the API: a bearer key names a service account,
each view names the purpose it serves, and the account's own rate applies."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from .services import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>`: request.user is the account's staff identity, request.auth
    the ServiceAccount (and request.api_key its key)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, raw = header.partition(" ")
        if keyword != self.keyword or not raw.strip():
            raise exceptions.AuthenticationFailed(_("Send the key as 'Authorization: Bearer <key>'."))
        found = api_key_authenticate(raw.strip())
        if found is None:
            raise exceptions.AuthenticationFailed(_("Unknown, revoked or inactive API key."))
        account, key = found
        request._request.api_key = key
        return account.user, account

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


class PurposeGranted(permissions.BasePermission):
    """The view's purpose is one the account was given (and its identity's role grants)."""

    message = _("This service account was not given the purpose this endpoint serves.")

    def has_permission(self, request, view):
        account = request.auth
        if account is None:
            return False
        wanted = getattr(view, "purposes_any", None) or [getattr(view, "purpose", None)]
        return any(p is not None and p.key in account.purposes for p in wanted)


class AccountRate(throttling.SimpleRateThrottle):
    """Each account's own calls per minute (ServiceAccount.rate_per_minute)."""

    scope = "api"

    def get_rate(self):
        return "600/min"  # replaced per account in allow_request

    def allow_request(self, request, view):
        account = request.auth
        if account is None:
            return True
        self.num_requests, self.duration = account.rate_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"api-rate:{request.auth.pk}" if request.auth is not None else None
