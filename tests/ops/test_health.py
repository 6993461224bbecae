"""Health the IT office can see: readiness for monitors, the superuser's status page, metrics,
JSON logs with the request id, and error reports with personal data scrubbed."""

import gzip
import http.server
import json
import logging
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.backup import backup_create
from ops.logs import JsonFormatter, RequestIdFilter
from ops.models import NightlyRun
from ops.sentry import scrub
from tests.factories import district_hr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folders(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    return tmp_path


def _lines(response) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in response.content.decode().splitlines())


def _check(lines, name) -> str:
    return next(v for k, v in lines.items() if k.startswith(name))


def test_readiness_names_what_is_missing_then_passes_the_nights_work(client, transactional_db,
                                                                   folders):
    response = client.get("/readyz/", HTTP_ACCEPT="text/plain")
    assert response.status_code == 503
    lines = _lines(response)
    assert _check(lines, "Database") == "OK"
    assert _check(lines, "Cache") == "OK"
    assert _check(lines, "DiskSpace") == "OK"
    assert _check(lines, "LastBackup") == "Unavailable: 备份目录中没有备份"
    assert _check(lines, "NightlyJobs") == "Warning: 夜间统计数据尚未完成"
    assert _check(lines, "Ping").startswith("Unavailable")  # no worker runs in this test

    # The night's tasks succeed (eagerly here, through Celery's signals) and a backup exists.
    from certification.tasks import figures_rebuild, records_checkpoint, records_verify

    figures_rebuild.delay()
    records_verify.delay()
    lines = _lines(client.get("/readyz/", HTTP_ACCEPT="text/plain"))
    assert _check(lines, "NightlyJobs") == "Warning: 夜间记录检查点尚未完成"
    records_checkpoint.delay()
    assert set(NightlyRun.objects.values_list("task", flat=True)) == {
        "certification.figures_rebuild", "certification.records_verify",
        "certification.records_checkpoint"}
    backup_create(out_dir=folders / "backups")
    lines = _lines(client.get("/readyz/", HTTP_ACCEPT="text/plain"))
    assert _check(lines, "LastBackup") == "OK"
    assert _check(lines, "NightlyJobs") == "OK"

    # Two days without the nightly figures: failing, with the age.
    NightlyRun.objects.filter(task="certification.figures_rebuild").update(
        finished_at=timezone.now() - timedelta(hours=49))
    lines = _lines(client.get("/readyz/", HTTP_ACCEPT="text/plain"))
    assert _check(lines, "NightlyJobs") == (
        "Unavailable: 夜间统计数据上次完成于 49 小时前")


def test_readiness_and_metrics_answer_monitoring_addresses_only(client, db, folders):
    assert client.get("/readyz/", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_metrics_count_requests_database_time_and_queues(client, db):
    client.get("/verify/")
    body = client.get("/metrics").content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in body
    assert 'xinyu_view_database_seconds_count{view="' in body
    assert 'xinyu_celery_queue_length{queue="default"}' in body
    assert 'xinyu_celery_queue_length{queue="heavy"}' in body


def test_the_status_page_is_the_superusers_in_chinese(client, db, folders, tree,
                                                      django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    client.force_login(root)
    admin_home = client.get("/admin/").content.decode()
    assert reverse("ops_status") in admin_home  # the sidebar's menu item (JSON props)
    page = client.get(reverse("ops_status"))
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("数据库", "缓存", "消息队列与后台任务", "数据磁盘空间", "夜间统计与记录核验",
                  "最近备份"):
        assert label in text
    assert "备份目录中没有备份" in text
    assert "Database" not in text

    client.force_login(district_hr(tree["district_x"]))
    assert client.get(reverse("ops_status")).status_code in (302, 403)


def test_logs_carry_the_request_id_as_json(client, db):
    response = client.get("/healthz/", HTTP_X_REQUEST_ID="lb-7f3a")
    assert response["X-Request-ID"] == "lb-7f3a"
    made = client.get("/healthz/", HTTP_X_REQUEST_ID="bad id\nforged")["X-Request-ID"]
    assert len(made) == 32 and "\n" not in made

    record = logging.LogRecord("people", logging.WARNING, __file__, 1, "导入失败：%s", ("第3行",),
                               None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "导入失败：第3行"
    assert line["level"] == "WARNING" and line["request_id"] == "-"


def test_the_scrubber_removes_names_numbers_and_phones():
    event = {"request": {"data": {"工号": "D0001", "姓名": "张三", "学校": "一校"}},
             "extra": {"teacher": {"name": "李四", "employee_no": "T1"}},
             "message": "手机 13812345678，身份证 11010119900307123X 导入失败"}
    clean = scrub(event)
    assert clean["request"]["data"] == {"工号": "[scrubbed]", "姓名": "[scrubbed]", "学校": "一校"}
    assert clean["extra"]["teacher"] == {"name": "[scrubbed]", "employee_no": "[scrubbed]"}
    assert clean["message"] == "手机 [scrubbed]，身份证 [scrubbed] 导入失败"


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_error_report_reaches_sentry_without_personal_data(tmp_path):
    """A real sentry-sdk, in its own process, sends to a collector on loopback."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/1"
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='lms.settings.test'; "
        "django.setup()\n"
        "from ops.sentry import sentry_init; import sentry_sdk\n"
        f"sentry_init({dsn!r}, environment='test')\n"
        "def import_row(姓名='王五', phone='13912345678'):\n"
        "    raise ValueError('第3行 手机 13912345678 已存在')\n"
        "try:\n    import_row()\nexcept ValueError:\n"
        "    sentry_sdk.set_user({'username': 'D0001'}); sentry_sdk.capture_exception()\n"
        "sentry_sdk.flush(5)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    server.shutdown()
    assert done.returncode == 0, done.stderr
    # The envelope's lines are JSON with non-ASCII escaped: read them back to plain text.
    sent = "\n".join(json.dumps(json.loads(line), ensure_ascii=False)
                     for body in _Collector.received for line in body.splitlines() if line.strip())
    assert "ValueError" in sent and "第3行" in sent
    for personal in ("13912345678", "王五", "D0001"):
        assert personal not in sent
