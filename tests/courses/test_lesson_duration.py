"""A lesson can always be finished: a video's duration is read from the uploaded file, a lesson
takes it unless the trainer types another, and one whose required watch time is longer than
its video is refused with both lengths named."""

import html
import struct
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield
from wagtailmedia.models import Media

from cms.media_duration import media_duration
from courses.models import LessonPage
from courses.services import learning_publishing_setup
from people.models import StaffRole
from tests.factories import staff

from . import builders

pytestmark = pytest.mark.django_db
DEMO_VIDEO = Path(__file__).parents[2] / "courses" / "demo_media" / "lesson.mp4"  # 0:30


@pytest.fixture
def trainer(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    builders.sections()
    learning_publishing_setup()
    return staff(StaffRole.Role.TRAINER, tree["city"])


def test_an_uploaded_video_gets_its_duration_from_the_file(client, trainer):
    client.force_login(trainer)
    response = client.post(reverse("wagtailmedia:add", args=("video",)), {
        "title": "危机识别第1讲", "collection": Collection.get_first_root_node().pk,
        "duration": "0", "file": SimpleUploadedFile("lesson.mp4", DEMO_VIDEO.read_bytes())})
    assert response.status_code == 302
    assert Media.objects.get(title="危机识别第1讲").duration == 30.0


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _ebml(element: int, payload: bytes) -> bytes:
    ident = element.to_bytes((element.bit_length() + 7) // 8, "big")
    return ident + bytes([0x80 | len(payload)]) + payload if len(payload) < 127 else \
        ident + b"\x01" + len(payload).to_bytes(7, "big") + payload


def test_the_container_headers_are_read_where_they_are():
    # MP4 with its header after the media (a camera's file) and a 64-bit movie header.
    mvhd = _box(b"mvhd", bytes([1, 0, 0, 0]) + struct.pack(">QQIQ", 0, 0, 600, 600 * 95) + b"\x00" * 80)
    mp4 = _box(b"ftyp", b"isom\x00\x00\x02\x00isom") + _box(b"mdat", b"\x00" * 5000) + _box(b"moov", mvhd)
    assert media_duration(BytesIO(mp4), "isobmff") == 95.0
    # WebM: Duration in units of TimecodeScale (1 ms), after a SeekHead.
    info = _ebml(0x1549A966, _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
                 + _ebml(0x4489, struct.pack(">d", 12_500.0)))
    webm = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm")) + _ebml(0x18538067, _ebml(0x114D9B74, b"\x00" * 10) + info)
    assert media_duration(BytesIO(webm), "ebml") == 12.5
    # Something else, or a damaged header: no figure rather than a wrong one.
    assert media_duration(BytesIO(mp4[:40]), "isobmff") is None
    assert media_duration(BytesIO(b"ID3" + b"\x00" * 100), "mp3") is None


def lesson_form(video, duration, share="0.90", title="第1讲 认识学生心理危机", slug="lesson-1"):
    return nested_form_data({
        "title": title, "slug": slug, "embed_url": "", "video": video.pk,
        "duration_seconds": duration, "required_share": share, "body": streamfield([]),
        "comments": inline_formset([]), "action-submit": "1"})


def test_a_lesson_longer_than_its_video_is_refused_and_one_left_alone_takes_the_videos(client, trainer):
    course = builders.course(lessons=0, quiz=False)
    with DEMO_VIDEO.open("rb") as handle:
        video = Media(title="0:30 的视频", type="video", duration=30)
        video.file.save("lesson.mp4", handle)
    client.force_login(trainer)
    url = reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", course.pk))

    refused = client.post(url, lesson_form(video, "45"))
    assert refused.status_code == 200
    # On the field, in the tab the trainer is on (the editor shows its tabs by script).
    field = refused.content.decode().split('data-contentpath="duration_seconds"')[1]
    assert "要求观看的时长（0:40）超过视频本身的长度（0:30）" in html.unescape(field.split("</section>")[0])
    assert not LessonPage.objects.exists()

    # 60 is the field's initial value: untouched, the lesson takes the video's 0:30.
    assert client.post(url, lesson_form(video, "60")).status_code == 302
    assert LessonPage.objects.get().duration_seconds == 30
    # A little longer than the video, within what can be watched (90 % of 0:32 is 0:29): taken.
    assert client.post(url, lesson_form(video, "32", title="第2讲", slug="lesson-2")).status_code == 302
    assert LessonPage.objects.get(title="第2讲").duration_seconds == 32
