"""What an upload may be: an allow-list of extensions per kind, and the file's first bytes must
say the same. Nothing uploaded can become a page of the site (HTML, SVG, scripts).

Wagtail checks images itself (WAGTAILIMAGES_EXTENSIONS, and Willow reads the file); documents
and wagtailmedia's audio and video go through the form bases below (WAGTAILDOCS_DOCUMENT_FORM_BASE,
WAGTAILMEDIA["MEDIA_FORM_BASE"]).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm
from wagtailmedia.forms import BaseMediaForm

# Extension -> the container its first bytes must show. Which extensions each kind takes is
# set in settings (WAGTAILMEDIA's AUDIO_/VIDEO_EXTENSIONS, WAGTAILDOCS_EXTENSIONS,
# WAGTAILIMAGES_EXTENSIONS); one without a container here is refused.
CONTAINERS = {
    "mp4": "isobmff", "m4v": "isobmff", "mov": "isobmff", "m4a": "isobmff", "webm": "ebml",
    "ogv": "ogg", "ogg": "ogg", "oga": "ogg", "mp3": "mp3", "aac": "adts", "wav": "wav",
    "flac": "flac", "pdf": "pdf", "docx": "zip", "pptx": "zip", "xlsx": "zip", "txt": "text",
    "gif": "gif", "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp",
}


def allowed(kind: str) -> dict[str, str]:
    """The extensions an upload of this kind (video, audio, document, image) may have, each with
    the container it must be."""
    from wagtail.images.utils import get_allowed_image_extensions
    from wagtailmedia.settings import wagtailmedia_settings

    extensions = {
        "video": wagtailmedia_settings.VIDEO_EXTENSIONS,
        "audio": wagtailmedia_settings.AUDIO_EXTENSIONS,
        "document": settings.WAGTAILDOCS_EXTENSIONS or [],
        "image": get_allowed_image_extensions(),
    }[kind]
    return {ext: CONTAINERS.get(ext, "unknown") for ext in extensions}


SNIFF_BYTES = 4096
# Text that a browser would take for markup if it ever rendered it.
MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe",
          b"<object", b"<embed", b"<meta", b"<a ", b"<img", b"<style", b"<xml")


def sniff(head: bytes) -> str | None:
    """The container a file's first bytes show, or None when it is none we take."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "isobmff"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "ebml"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "adts"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if b"\x00" not in head and not any(tag in head.lower() for tag in MARKUP):
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError:
                continue
            return "text"
    return None


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def upload_check(upload, extensions: dict[str, str]) -> str:
    """Refuse an upload whose extension is not allowed or whose first bytes do not match it;
    returns the extension."""
    extension = _extension(getattr(upload, "name", "") or "")
    if extension not in extensions:
        raise ValidationError(
            _("Files of this type cannot be uploaded here. Allowed: %(types)s.")
            % {"types": ", ".join(sorted(extensions))}, code="extension")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(position)
    if isinstance(head, str):
        head = head.encode()
    found = sniff(head)
    # Text cut at SNIFF_BYTES may end inside a character: a last partial one is not refused.
    if found is None and extensions[extension] == "text" and len(head) == SNIFF_BYTES:
        found = sniff(head[:-3])
    if found != extensions[extension]:
        raise ValidationError(_("The file's contents are not a .%(ext)s file.") % {"ext": extension},
                              code="contents")
    return extension


def _new_upload(form, field: str):
    upload = form.cleaned_data.get(field)
    # An unchanged file on edit is the stored one, checked when it was uploaded.
    return upload if upload is not None and field in form.changed_data else None


class SafeMediaForm(BaseMediaForm):
    """wagtailmedia's form, taking only audio and video whose bytes match their extension; the
    duration is read from the file's container when it can be (cms.media_duration), so lessons
    are checked against what the video really lasts rather than a typed figure."""

    def clean_file(self):
        from .media_duration import media_duration

        upload = self.cleaned_data.get("file")
        if _new_upload(self, "file") is None:
            return upload
        kind = self.instance.type
        video, audio = allowed("video"), allowed("audio")
        extension = upload_check(upload, video if kind == "video" else audio if kind == "audio"
                                 else {**audio, **video})
        if kind not in ("audio", "video"):
            # wagtailmedia's generic "media" add view: the file says which it is.
            self.instance.type = "video" if extension in video else "audio"
        self.read_duration = media_duration(upload, {**audio, **video}[extension])
        return upload

    def clean(self):
        cleaned = super().clean()
        seconds = getattr(self, "read_duration", None)
        if seconds:
            # The file's own header wins over a figure typed beside it.
            cleaned["duration"] = seconds
            self.instance.duration = seconds
        return cleaned

    def clean_thumbnail(self):
        thumbnail = self.cleaned_data.get("thumbnail")
        if thumbnail and _new_upload(self, "thumbnail") is not None:
            upload_check(thumbnail, allowed("image"))
        return thumbnail


class SafeDocumentForm(BaseDocumentForm):
    """Wagtail's document form, taking only documents whose bytes match their extension."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if _new_upload(self, "file") is not None:
            upload_check(upload, allowed("document"))
        return upload
