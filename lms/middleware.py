"""Middleware of the host project."""

from csp.constants import UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) on every response; only under the
    Wagtail admin, whose choosers still use inline scripts and eval, is script-src widened."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(settings.RELAXED_SCRIPT_PREFIXES) and parts.replace is None:
            parts.update = {**(parts.update or {}), "script-src": [UNSAFE_INLINE, UNSAFE_EVAL]}
        return parts
