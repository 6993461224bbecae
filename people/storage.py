"""Private files (imports, exports, evidence, PDFs): never under MEDIA_URL, only streamed by
views that check scope. Every app that keeps such files stores them here."""

from django.core.files.storage import Storage, storages


class PrivateStorage(Storage):
    """STORAGES["private"], looked up at each call so that a changed setting is honoured."""

    def _target(self) -> Storage:
        return storages["private"]

    def _open(self, name, mode="rb"):
        return self._target()._open(name, mode)

    def _save(self, name, content):
        return self._target()._save(name, content)

    def get_available_name(self, name, max_length=None):
        return self._target().get_available_name(name, max_length=max_length)

    def delete(self, name):
        return self._target().delete(name)

    def exists(self, name):
        return self._target().exists(name)

    def path(self, name):
        return self._target().path(name)

    def size(self, name):
        return self._target().size(name)

    def listdir(self, path):
        return self._target().listdir(path)

    def url(self, name):
        raise ValueError("Private files have no URL: stream them through a scope-checking view.")


_private = PrivateStorage()


def private_files() -> Storage:
    """The one private storage."""
    return _private


# An upload never runs as a page of the site: no scripts, no plugins, no same-origin access,
# even if a browser is sent to it directly.
UPLOAD_CSP = "default-src 'none'; sandbox"
# What may show inline (a lesson's video, a page's image); anything else is a download.
INLINE_TYPES = ("video/", "audio/", "image/")


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
