"""Courseware lessons (SCORM 1.2, SCORM 2004, H5P): uploading through the admin, refusing bad
packages with nothing stored, serving the files safely, and tracking commits to the ledger."""

import json
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from certification.models import TrainingEntry
from courses import demo_packages as samples
from courses import packages, services
from courses.models import (
    CourseCompletion,
    CoursewareAttempt,
    CoursewareLessonPage,
    CoursewarePackage,
    LessonPage,
    LessonProgress,
)
from courses.services import learning_publishing_setup
from people.models import StaffRole
from tests.factories import staff

from . import builders

T0 = datetime(2024, 5, 6, 9, 0).astimezone()


@pytest.fixture(autouse=True)
def private_root(tmp_path, settings):
    """Each test unpacks into a folder of its own."""
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None}}}
    return root


def stored_files(root) -> list:
    folder = root / packages.STORAGE_PREFIX
    return list(folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def setup(tree):
    sections = builders.sections()
    learning_publishing_setup()
    trainer = staff(StaffRole.Role.TRAINER, tree["city"])
    reviewer = staff(StaffRole.Role.REVIEWER, tree["city"])
    return sections, trainer, reviewer


def lesson_form(upload: bytes | None, *, name="课件.zip", title="第1讲 互动课件", passed=False):
    data = nested_form_data({"title": title, "slug": "lesson-1", "duration_seconds": "600",
                             "passed_required": "on" if passed else "",
                             "body": streamfield([]), "comments": inline_formset([])})
    data["action-submit"] = "1"
    if upload is not None:
        data["package_file"] = SimpleUploadedFile(name, upload, content_type="application/zip")
    return data


def add_url(course):
    return reverse("wagtailadmin_pages:add", args=("courses", "coursewarelessonpage", course.pk))


def courseware_lesson(course, content: bytes, *, name="课件.zip", passed=False, title="互动课件"):
    """A live courseware lesson of `course` with the package `content`, as the admin stores it."""
    checked = services.courseware_package_check(upload=SimpleUploadedFile(name, content))
    package = services.courseware_package_store(checked=checked)
    parent = course.specific
    parent.refresh_from_db()
    lesson = parent.add_child(instance=CoursewareLessonPage(
        title=title, package=package, passed_required=passed, duration_seconds=600))
    return lesson


# ---------------------------------------------------------------- reading good packages

@pytest.mark.parametrize(("content", "name", "kind", "version", "launch"), [
    (samples.scorm12(), "a.zip", "scorm12", "SCORM 1.2", "index.html"),
    (samples.scorm2004(), "b.zip", "scorm2004", "SCORM 2004 4th Edition", "index.html"),
    (samples.zipped(samples.scorm_files(version="2004 3rd Edition")), "c.zip", "scorm2004",
     "SCORM 2004 3rd Edition", "index.html"),
    (samples.h5p(), "c.h5p", "h5p", "H5P", ""),
])
def test_sample_packages_are_read(tmp_path, content, name, kind, version, launch):
    path = tmp_path / name
    path.write_bytes(content)
    package = packages.package_check(path, name=name)
    assert (package.kind, package.version, package.launch) == (kind, version, launch)
    assert package.title


def test_trainer_uploads_a_package_and_it_goes_to_review(client, setup, private_root):
    _, trainer, reviewer = setup
    course = builders.course(lessons=0, quiz=False)
    client.force_login(trainer)
    response = client.post(add_url(course), lesson_form(samples.scorm12()))
    assert response.status_code == 302, response.context["form"].errors
    lesson = CoursewareLessonPage.objects.get()
    assert not lesson.live
    assert lesson.current_workflow_state.status == "in_progress"
    package = lesson.package
    assert package.kind == "scorm12" and package.launch == "index.html"
    assert package.uploaded_by == trainer
    # Unpacked under its hash in private storage, never under MEDIA.
    folder = private_root / "courseware" / package.sha256
    assert (folder / "imsmanifest.xml").is_file() and (folder / "sco.js").is_file()

    # The reviewer's preview plays the package, and says nothing there counts.
    client.force_login(reviewer)
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=(lesson.pk,)))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'sandbox="allow-scripts allow-same-origin"' in html
    assert "预览" in html
    config = json.loads(html.split('id="courseware-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["commit_url"] == ""  # a preview commits nothing
    assert client.get(config["frame_url"]).status_code == 200  # a draft's files, for its reviewer


def test_the_same_package_twice_is_kept_once(setup, private_root):
    course = builders.course(lessons=0, quiz=False)
    courseware_lesson(course, samples.scorm12(), title="一")
    courseware_lesson(course, samples.scorm12(), title="二")
    assert CoursewarePackage.objects.count() == 1
    assert len(list((private_root / "courseware").iterdir())) == 1


# ---------------------------------------------------------------- bad packages

def bomb() -> bytes:
    return samples.zipped({**samples.scorm_files(), "media/blank.txt": b"\0" * (20 * 1024 * 1024)})


BAD_PACKAGES = [
    ("no-manifest", lambda: samples.zipped({"index.html": "<p>hi</p>"}), "没有 imsmanifest.xml"),
    ("missing-launch", lambda: samples.zipped(dict(samples.scorm_files(launch="start.html").items())),
     "启动文件 start.html 不在课件包中"),
    ("zip-bomb", bomb, "疑似“压缩炸弹”"),
    ("dot-dot", lambda: samples.zipped({**samples.scorm_files(), "../../evil.html": "<p>x</p>"}),
     "路径越出了课件包：../../evil.html"),
    ("absolute", lambda: samples.zipped({**samples.scorm_files(), "/etc/evil.html": "x"}),
     "路径越出了课件包：/etc/evil.html"),
    ("link", lambda: samples.zipped(samples.scorm_files(), links={"secret.html": "/etc/passwd"}),
     "链接"),
    ("exe", lambda: samples.zipped({**samples.scorm_files(), "setup.exe": b"MZ"}),
     "不允许的文件类型：setup.exe"),
    ("scorm-2004-2nd", lambda: samples.zipped(samples.scorm_files(version="CAM 1.3")),
     "不支持的 SCORM 版本“CAM 1.3”"),
    ("not-a-zip", lambda: b"this is not a zip file", "不是课件包"),
]


@pytest.mark.parametrize(("label", "make", "message"), BAD_PACKAGES, ids=[b[0] for b in BAD_PACKAGES])
def test_bad_package_is_refused_with_a_clear_message_and_nothing_stored(
        client, setup, private_root, label, make, message):
    _, trainer, _ = setup
    course = builders.course(lessons=0, quiz=False)
    client.force_login(trainer)
    response = client.post(add_url(course), lesson_form(make()))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html, html[html.find("error"):][:1500]
    assert not CoursewareLessonPage.objects.exists()
    assert not CoursewarePackage.objects.exists()
    assert stored_files(private_root) == []


def test_too_many_entries_is_a_zip_bomb(tmp_path, monkeypatch):
    monkeypatch.setattr(packages, "MAX_ENTRIES", 5)
    path = tmp_path / "many.zip"
    path.write_bytes(samples.zipped({**samples.scorm_files(), **{f"p{i}.html": "x" for i in range(5)}}))
    with pytest.raises(packages.PackageRefused, match="条目"):
        packages.package_check(path, name="many.zip")


def test_a_lesson_needs_a_package(client, setup):
    _, trainer, _ = setup
    course = builders.course(lessons=0, quiz=False)
    client.force_login(trainer)
    response = client.post(add_url(course), lesson_form(None))
    assert "请上传 SCORM 或 H5P 课件包" in response.content.decode()
    assert not CoursewareLessonPage.objects.exists()


# ---------------------------------------------------------------- serving

def test_package_files_are_served_sandboxed_to_signed_in_users_only(client, setup, teacher_a):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.scorm12())
    sha = lesson.package.sha256
    url = reverse("courses:courseware_file", args=[lesson.pk, sha, "sco.js"])
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(teacher_a.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox allow-scripts allow-same-origin" in policy
    assert "frame-ancestors 'self'" in policy and "connect-src 'self'" in policy
    assert "form-action 'none'" in policy
    # Outside the package, or another package's hash: nothing.
    for bad in ("../imsmanifest.xml", "nope.js"):
        assert client.get(reverse("courses:courseware_file", args=[lesson.pk, sha, bad])
                          ).status_code == 404
    assert client.get(reverse("courses:courseware_file", args=[lesson.pk, "0" * 64, "sco.js"])
                      ).status_code == 404


def test_a_draft_package_is_not_served_to_teachers(client, setup, teacher_a):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.scorm12())
    lesson.unpublish()
    client.force_login(teacher_a.user)
    url = reverse("courses:courseware_file", args=[lesson.pk, lesson.package.sha256, "index.html"])
    assert client.get(url).status_code == 404


def test_h5p_player_page_loads_the_vendored_player(client, setup, teacher_a):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.h5p(), name="check.h5p")
    client.force_login(teacher_a.user)
    services.enrolment_create(user=teacher_a.user, course=course)
    html = client.get(lesson.url).content.decode()
    config = json.loads(html.split('id="courseware-config" type="application/json">')[1]
                        .split("</script>")[0])
    response = client.get(config["frame_url"])
    assert response.status_code == 200
    assert "vendor/h5p-standalone/main.bundle.js" in response.content.decode()
    assert "sandbox" in response["Content-Security-Policy"]
    h5p_json = client.get(config["files_url"] + "h5p.json")
    assert json.loads(b"".join(h5p_json.streaming_content))["mainLibrary"] == "H5P.CrisisCheck"


# ---------------------------------------------------------------- tracking

def cmi12(status="incomplete", location="1", session="00:00:00", suspend="seen=1"):
    return {"cmi": {"core": {"lesson_status": status, "lesson_location": location,
                             "session_time": session, "score": {"raw": "90"}},
                    "suspend_data": suspend}}


def cmi2004(completion="incomplete", success="unknown", session="PT0S", location="1"):
    return {"cmi": {"completion_status": completion, "success_status": success,
                    "session_time": session, "location": location, "suspend_data": "seen=" + location,
                    "score": {"scaled": "0.9", "raw": "90"}}}


def test_completing_a_scorm_lesson_completes_the_course_and_credits_the_ledger_once(
        teacher_a, django_capture_on_commit_callbacks):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.scorm12())
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    session = services.courseware_session_start(user=user, lesson=lesson, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=5),
                                   data=cmi12(session="00:05:00"))
        assert not CourseCompletion.objects.exists()
        services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=9),
                                   data=cmi12("completed", "3", "00:09:00", "seen=3"))
        # Committed again after completion (LMSFinish): nothing more.
        services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=10),
                                   data=cmi12("completed", "3", "00:10:00", "seen=3"))
    completion = CourseCompletion.objects.get(user=user, course=course)
    assert completion.hours == Decimal("6.0")
    assert TrainingEntry.objects.filter(teacher=teacher_a).count() == 1
    assert TrainingEntry.objects.get(teacher=teacher_a).hours == Decimal("6.0")
    progress = LessonProgress.objects.get(user=user, lesson=lesson)
    assert progress.completed_at == T0 + timedelta(minutes=9)
    assert progress.credited_seconds == 600


def test_session_time_is_capped_by_the_wall_clock(teacher_a):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.scorm12())
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    session = services.courseware_session_start(user=user, lesson=lesson, now=T0)
    # Ten hours claimed ten minutes after opening: ten minutes (and the tolerance) credited.
    services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=10),
                               data=cmi12(session="10:00:00"))
    attempt = CoursewareAttempt.objects.get()
    assert attempt.time_credited == pytest.approx(600 + services.COURSEWARE_TOLERANCE)
    # The claim is not carried forward: the next honest minute earns one minute.
    services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=11),
                               data=cmi12(session="10:01:00"))
    attempt.refresh_from_db()
    assert attempt.time_credited == pytest.approx(660 + services.COURSEWARE_TOLERANCE)
    assert LessonProgress.objects.get().credited_seconds == 665


def test_passed_required_needs_passed_not_completed(teacher_a, django_capture_on_commit_callbacks):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.scorm2004(), passed=True)
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    session = services.courseware_session_start(user=user, lesson=lesson, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=3),
                                   data=cmi2004("completed", "failed", "PT3M"))
        assert not CourseCompletion.objects.exists()
        services.courseware_commit(user=user, lesson=lesson, session=session, now=T0 + timedelta(minutes=6),
                                   data=cmi2004("completed", "passed", "PT6M"))
    assert CourseCompletion.objects.filter(user=user, course=course).count() == 1
    attempt = CoursewareAttempt.objects.get()
    assert (attempt.success_status, attempt.score_scaled) == ("passed", 0.9)


def test_h5p_completion_from_xapi_counts(client, teacher_a):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.h5p(), name="check.h5p")
    client.force_login(teacher_a.user)
    services.enrolment_create(user=teacher_a.user, course=course)
    html = client.get(lesson.url).content.decode()
    config = json.loads(html.split('id="courseware-config" type="application/json">')[1]
                        .split("</script>")[0])
    # What courseware.js commits for an xAPI "completed" statement with a full score.
    response = client.post(config["commit_url"], {"cmi": {
        "completion_status": "completed", "success_status": "unknown",
        "score": {"raw": 1, "scaled": 1}, "session_time": "PT2S"}}, content_type="application/json")
    assert response.json()["completed"] is True
    assert CourseCompletion.objects.filter(user=teacher_a.user, course=course).exists()


def test_teacher_resumes_on_another_device_and_a_preview_or_forgery_counts_nothing(
        client, teacher_a, teacher_b):
    course = builders.course(lessons=0, quiz=False)
    lesson = courseware_lesson(course, samples.scorm12())
    client.force_login(teacher_a.user)
    client.post(reverse("courses:enrol", args=[course.pk]))

    def config_of(c):
        html = c.get(lesson.url).content.decode()
        return json.loads(html.split('id="courseware-config" type="application/json">')[1]
                          .split("</script>")[0])

    first = config_of(client)
    assert first["state"]["core"]["student_id"] == str(teacher_a.user.pk)
    assert "entry" not in first["state"]["core"]
    # LMSCommit sends the CMI as JSON with the CSRF header; Terminate's beacon sends text/plain.
    response = client.post(first["commit_url"], cmi12("incomplete", "2", "00:00:05", "seen=2"),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["result"] is True
    response = client.post(first["commit_url"], json.dumps(cmi12("incomplete", "2", "00:00:06", "seen=2")),
                           content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200

    # On a phone: a new session, where she left off.
    from django.test import Client
    phone = Client()
    phone.force_login(teacher_a.user)
    again = config_of(phone)
    assert again["commit_url"] != first["commit_url"]
    assert again["state"]["core"]["lesson_location"] == "2"
    assert again["state"]["suspend_data"] == "seen=2"
    assert again["state"]["core"]["entry"] == "resume"

    # Another teacher cannot commit with her session, nor can a page without one.
    other = Client()
    other.force_login(teacher_b.user)
    assert other.post(first["commit_url"], cmi12("completed"), content_type="application/json"
                      ).status_code == 403
    bare = reverse("courses:courseware_commit", args=[lesson.pk])
    assert client.post(bare, cmi12("completed"), content_type="application/json").status_code == 403
    # Nor can the video endpoint complete a courseware lesson by positions.
    progress = reverse("courses:lesson_progress", args=[lesson.pk])
    assert client.post(progress, {"position": 600}, content_type="application/json").status_code == 403
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_a_courseware_lesson_is_a_lesson_of_the_course(teacher_a):
    """The course outline and completion rule count it with the video lessons."""
    course = builders.course(lessons=1, quiz=False)
    lesson = courseware_lesson(course, samples.scorm12())
    assert {p.pk for p in LessonPage.objects.child_of(course).live()} >= {lesson.pk}
    from courses.selectors import course_outline

    outline = course_outline(course=course, user=teacher_a.user)
    assert [row.lesson.title for row in outline.lessons][-1] == "互动课件"


def test_package_zip_written_by_the_samples_is_a_real_zip():
    with zipfile.ZipFile(__import__("io").BytesIO(samples.scorm2004())) as archive:
        assert "imsmanifest.xml" in archive.namelist()
