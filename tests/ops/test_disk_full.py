"""A disk that fills while an export is written (a real 32 KiB filesystem): the job ends failed
with a reason HR can act on, no partial file is kept or offered, and the site goes on."""

import os
import subprocess

import pytest

from hr import services as hr_services
from hr.models import Job
from tests.factories import TeacherFactory, district_hr

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root (CI and the dev machines run as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def _private_at(settings, root) -> None:
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None}}}


def test_an_export_on_a_full_disk_fails_clearly_and_keeps_nothing(client, tree, tmp_path,
                                                                  settings, small_disk):
    TeacherFactory.create_batch(400, school=tree["school_a"])
    hr = district_hr(tree["district_x"])

    _private_at(settings, small_disk)
    job = hr_services.job_export_create(requester=hr, sheet="teachers")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("服务器磁盘已满：未写入任何内容")
    assert not job.has_download
    assert [p for p in small_disk.rglob("*") if p.is_file()] == []
    assert client.get("/healthz/").status_code == 200

    # With room again, the same export is written whole.
    _private_at(settings, tmp_path / "private")
    again = hr_services.job_export_create(requester=hr, sheet="teachers")
    again.refresh_from_db()
    assert again.status == Job.Status.DONE and again.has_download
