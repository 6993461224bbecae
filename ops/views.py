"""Readiness for monitors (/readyz/), metrics (/metrics) and the superuser's status page."""

import asyncio

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from health_check.views import HealthCheckView

from people.access import client_ip

from .health import CHECKS, LABELS
from .metrics import metrics_view  # noqa: F401  (routed in lms.urls)


class ReadinessView(HealthCheckView):
    """django-health-check's view over CHECKS, for the monitoring addresses only."""

    checks = CHECKS

    async def dispatch(self, request, *args, **kwargs):
        if client_ip(request) not in settings.METRICS_ALLOWED_IPS:
            return HttpResponseForbidden("readiness is served to the monitoring addresses only\n",
                                         content_type="text/plain")
        return await super().dispatch(request, *args, **kwargs)


def health_results() -> list:
    """Every readiness check's result, run together as /readyz/ runs them."""
    checks = list(HealthCheckView(checks=CHECKS).get_checks())

    async def run():
        return await asyncio.gather(*(check.get_result(None) for check in checks))

    return async_to_sync(run)()


def status(request):
    """The readiness checks in words, for superusers (the admin's 系统状态)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    rows = [{"label": LABELS.get(type(r.check).__name__, type(r.check).__name__),
             "ok": r.error is None,
             "warning": r.error is not None and r.error.message_type == "Warning",
             "message": "" if r.error is None else r.error.message,
             "ms": round(r.time_taken * 1000)} for r in health_results()]
    return render(request, "ops/status.html", {
        "rows": rows, "healthy": all(row["ok"] for row in rows),
        "title": _("System status"),
    })
