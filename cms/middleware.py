"""Headers on user uploads served by the application (`make run`'s /media/, Wagtail's
/documents/): nginx adds the same ones in production (docs/deploy.md)."""

import re

from django.conf import settings

# An upload never runs as a page of the site: no scripts, no plugins, no same-origin access,
# even if a browser is sent to it directly.
UPLOAD_CSP = "default-src 'none'; sandbox"
# What may show inline (a lesson's video, a page's image); anything else is a download.
INLINE_TYPES = ("video/", "audio/", "image/")


# Wagtail's document serving (/documents/<id>/<file name>), not its password form beside it.
DOCUMENT_FILE = re.compile(r"^/documents/\d+/")


def is_upload(path: str) -> bool:
    return path.startswith(settings.MEDIA_URL) or bool(DOCUMENT_FILE.match(path))


def upload_headers(response) -> None:
    """Mark a served upload: nosniff, a restrictive CSP, and a download unless it is a video,
    an audio or an image (SVG, whose type is image/svg+xml but which runs scripts, is a download
    too)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = UPLOAD_CSP
    kind = response.get("Content-Type", "").split(";")[0].strip().lower()
    inline = kind.startswith(INLINE_TYPES) and kind != "image/svg+xml"
    if not inline:
        disposition = response.get("Content-Disposition", "")
        if not disposition.startswith("attachment"):
            rest = disposition.partition(";")[2]
            response["Content-Disposition"] = "attachment" + (f";{rest}" if rest else "")


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
