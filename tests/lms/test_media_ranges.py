"""Media under `make run` answers byte ranges as nginx does in production, so videos seek."""

import importlib

from django.test import RequestFactory, override_settings

from lms.media import serve_ranges


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_range_gets_206_with_those_bytes_only(tmp_path):
    (tmp_path / "v.mp4").write_bytes(bytes(range(256)) * 4)  # 1024 bytes
    rf = RequestFactory()
    whole = serve_ranges(rf.get("/media/v.mp4"), "v.mp4", document_root=tmp_path)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert len(_body(whole)) == 1024
    part = serve_ranges(rf.get("/media/v.mp4", HTTP_RANGE="bytes=100-199"), "v.mp4",
                        document_root=tmp_path)
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 100-199/1024" and part["Content-Length"] == "100"
    assert part["Content-Type"] == "video/mp4"
    assert _body(part) == bytes(range(100, 200))
    tail = serve_ranges(rf.get("/media/v.mp4", HTTP_RANGE="bytes=1000-"), "v.mp4",
                        document_root=tmp_path)
    assert tail["Content-Range"] == "bytes 1000-1023/1024" and len(_body(tail)) == 24
    suffix = serve_ranges(rf.get("/media/v.mp4", HTTP_RANGE="bytes=-10"), "v.mp4",
                          document_root=tmp_path)
    assert suffix["Content-Range"] == "bytes 1014-1023/1024" and len(_body(suffix)) == 10
    past = serve_ranges(rf.get("/media/v.mp4", HTTP_RANGE="bytes=5000-"), "v.mp4",
                        document_root=tmp_path)
    assert past.status_code == 416 and past["Content-Range"] == "bytes */1024"


def test_make_run_serves_media_through_it_without_debug_pages(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    monkeypatch.delenv("DJANGO_SERVE_MEDIA", raising=False)
    dev = importlib.import_module("lms.settings.dev")
    dev = importlib.reload(dev)
    # make run shows the site's own 404 and 500 pages, never Django's debug pages.
    assert dev.DEBUG is False and dev.SERVE_MEDIA is True
    with override_settings(DEBUG=False, SERVE_MEDIA=True, MEDIA_ROOT=tmp_path,
                           ROOT_URLCONF="lms.urls"):
        import lms.urls

        urls = importlib.reload(lms.urls)
        try:
            media = [p for p in urls.urlpatterns if "media" in str(getattr(p, "pattern", ""))]
            assert media and all(p.callback is serve_ranges for p in media)
        finally:
            with override_settings(DEBUG=False, SERVE_MEDIA=False):
                importlib.reload(lms.urls)


def test_an_out_of_scope_record_gets_the_sites_404_page(client, tree, teacher_b):
    from certification.models import CertificateLevel
    from certification.services import application_submit
    from tests.factories import district_hr

    app = application_submit(teacher=teacher_b, level=CertificateLevel.objects.get(code="C"),
                             submitted_by=teacher_b.user)
    client.force_login(district_hr(tree["district_x"]))
    response = client.get(f"/certificates/applications/{app.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "site-header" in body and "URLconf" not in body
