"""A database that is restarting or dropped its connection answers 503, not a crash page.

The request wrote nothing (its transaction died with the connection), so the client may send it
again: browsers are told when (Retry-After), and the lesson player retries its report. A broken
connection is closed at once, so the next request opens a fresh one."""

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _close_broken_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
        _close_broken_connections()
        message = _("The database is briefly unavailable; nothing was saved. Please try again "
                    "in a few seconds.")
        if request.content_type == "application/json" or "json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": message, "retry": True}, status=503)
        else:
            response = HttpResponse(render_to_string("ops/unavailable.html", {"message": message},
                                                     request=None), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
