"""Headers on user uploads served by the application (`make run`'s /media/, Wagtail's
/documents/): nginx adds the same ones in production (docs/deploy.md)."""

import re

from django.conf import settings

from people.storage import UPLOAD_CSP, upload_headers  # noqa: F401 - the rule lives there

# Wagtail's document serving (/documents/<id>/<file name>), not its password form beside it.
DOCUMENT_FILE = re.compile(r"^/documents/\d+/")


def is_upload(path: str) -> bool:
    return path.startswith(settings.MEDIA_URL) or bool(DOCUMENT_FILE.match(path))


class UploadHeadersMiddleware:
    """Apply `upload_headers` to every upload served (before the site's CSP middleware, which
    leaves a policy already set alone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_upload(request.path_info) and response.status_code in (200, 206):
            upload_headers(response)
        return response
