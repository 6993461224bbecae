"""Readiness for monitors (/readyz/), metrics (/metrics) and the superuser's status page."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from health_check.views import HealthCheckView

from people.access import client_ip

from .health import CHECKS, LABELS, OWN_CHECKS
from .metrics import metrics_view  # noqa: F401  (routed in lms.urls)


class ReadinessView(HealthCheckView):
    """django-health-check's view over CHECKS, for the monitoring addresses only."""

    checks = CHECKS

    async def dispatch(self, request, *args, **kwargs):
        if client_ip(request) not in settings.METRICS_ALLOWED_IPS:
            return HttpResponseForbidden("readiness is served to the monitoring addresses only\n",
                                         content_type="text/plain")
        response = await super().dispatch(request, *args, **kwargs)
        if response.status_code == 500:
            # A failing check is the service being unavailable, not the view crashing.
            response.status_code = 503
        return response

    def get_executor(self):
        return _executor_in_language()

    def render_to_response(self, context, **response_kwargs):
        """A monitor's endpoint: plain text where the library would render its HTML page."""
        return self.render_to_response_text(response_kwargs.get("status", 200))


def _executor_in_language():
    """Threads for the synchronous checks, speaking the request's language (a check's message
    is translated in the thread that runs it)."""
    language = translation.get_language()
    return ThreadPoolExecutor(max_workers=len(CHECKS), initializer=translation.activate,
                              initargs=(language,))


def health_results() -> list:
    """Every readiness check's result, run together as /readyz/ runs them."""
    checks = list(HealthCheckView(checks=CHECKS).get_checks())

    async def run():
        with _executor_in_language() as executor:
            return await asyncio.gather(*(check.get_result(executor) for check in checks))

    return async_to_sync(run)()


def _message(result) -> str:
    """The check's own words for the project's checks; the library's checks (database, cache,
    broker) speak English, so their failure is named in the page's language and logged."""
    if result.error is None:
        return ""
    if type(result.check).__name__ in OWN_CHECKS:
        return result.error.message
    return _("not reachable (details in the log)")


def status(request):
    """The readiness checks in words, for superusers (the admin's 系统状态)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    rows = [{"label": LABELS.get(type(r.check).__name__, type(r.check).__name__),
             "ok": r.error is None,
             "warning": r.error is not None and r.error.message_type == "Warning",
             "message": _message(r),
             "ms": round(r.time_taken * 1000)} for r in health_results()]
    return render(request, "ops/status.html", {
        "rows": rows, "healthy": all(row["ok"] for row in rows),
        "title": _("System status"),
    })
