"""Backups that have been restored: an archive made here restores into an empty installation in
another process (`manage.py restore`), every row, file and chain as backed up; damaged,
mismatched or non-empty targets are refused; a full disk keeps nothing partial."""

import hashlib
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tarfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection

from certification.checkpoints import records_checkpoint_write
from certification.services import certificate_revoke, training_entry_correct
from ops.backup import (
    MANIFEST,
    BackupError,
    backup_create,
    backup_read,
    backup_restore,
    backups_list,
    backups_prune,
)
from tests.certification.builders import certificate, hours
from tests.factories import TeacherFactory, district_hr

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db(transaction=True)


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names()
                  if t not in {"sqlite_sequence", "django_session"})


def db_digest(cursor) -> dict[str, str]:
    """Each table's rows, hashed in a stable order (the same vendor on both sides)."""
    out = {}
    for table in _tables():
        cursor.execute(f'SELECT * FROM "{table}"')
        rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
        out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def files_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def roots(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "a" / "media"
    settings.PRIVATE_ROOT = tmp_path / "a" / "private"
    (settings.MEDIA_ROOT / "media").mkdir(parents=True)
    (settings.MEDIA_ROOT / "media" / "第1讲.mp4").write_bytes(os.urandom(300_000))
    (settings.PRIVATE_ROOT / "exports").mkdir(parents=True)
    (settings.PRIVATE_ROOT / "exports" / "持证率.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(5000))
    return settings.MEDIA_ROOT, settings.PRIVATE_ROOT


@pytest.fixture
def records(tree):
    """Ledger lines, a correction, a certificate and its revocation: every chain has rows."""
    teacher = TeacherFactory(school=tree["school_a"])
    hr = district_hr(tree["district_x"])
    for n in range(1, 4):
        hours(teacher, 10 * n, date(2026, 3, n))
    training_entry_correct(teacher=teacher, hours=Decimal("-5"), date=date(2026, 4, 1),
                           reason="重复登记", recorded_by=hr)
    certificate(teacher, "C", issued_on=date(2025, 6, 1))
    certificate_revoke(certificate=certificate(TeacherFactory(school=tree["school_a"]), "C"),
                       revoked_by=hr, reason="测试")
    return teacher


def _raw_cursor(name: str):
    """A cursor of the database driver itself on database `name` (the same kind of cursor on
    both sides of a comparison; Django's converts SQLite's values)."""
    if connection.vendor == "sqlite":
        return sqlite3.connect(name).cursor()
    import psycopg

    params = connection.get_connection_params()
    return psycopg.connect(host=params.get("host"), port=params.get("port"),
                           user=params.get("user"), password=params.get("password"),
                           dbname=name, autocommit=True).cursor()


def _target(tmp_path) -> tuple[dict, object]:
    """Environment for a second installation with an empty database, and a function that
    opens a cursor on that database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DJANGO_DATA_DIR": str(tmp_path / "b"),
        "DJANGO_CERTIFICATE_SIGNING_KEY": django_settings.CERTIFICATE_SIGNING_KEY,
        "DJANGO_CERTIFICATE_SIGNING_CERT": django_settings.CERTIFICATE_SIGNING_CERT,
    })
    (tmp_path / "b").mkdir(exist_ok=True)
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        return env, lambda: _raw_cursor(str(tmp_path / "b" / "db.sqlite3"))
    name = f"lms_restore_{os.getpid()}"
    params = connection.get_connection_params()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = (f"postgres://{params.get('user', '')}@{params.get('host', '')}:"
           f"{params.get('port', 5432)}/{name}")
    env["DATABASE_URL"] = url
    return env, lambda: _raw_cursor(name)


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_backup_restores_into_an_empty_installation_as_it_was(tmp_path, roots, records):
    media, private = roots
    # The night's signed checkpoint of the chain heads travels in the backup with the rows.
    records_checkpoint_write(now=NOW)
    archive = backup_create(out_dir=tmp_path / "backups", now=NOW)
    assert archive.name == "xinyu-backup-20261201-233000.tar"
    rows_then = db_digest(_raw_cursor(connection.settings_dict["NAME"]))
    media_then, private_then = files_digest(media), files_digest(private)

    # Life goes on after the backup: a line is deleted behind the services' back, a file changes.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM certification_trainingentry WHERE id = "
                       "(SELECT MAX(id) FROM certification_trainingentry)")
    (media / "media" / "第1讲.mp4").write_bytes(b"changed")

    env, cursor_b = _target(tmp_path)
    done = _manage(env, "restore", str(archive))
    assert done.returncode == 0, done.stderr + done.stdout
    assert "已恢复 xinyu-backup-20261201-233000.tar" in done.stdout
    assert "条记录均与其哈希链一致" in done.stdout
    assert "2026-12-01 的统计数字与备份时记录的一致。" in done.stdout

    cursor = cursor_b()
    assert db_digest(cursor) == rows_then
    cursor.execute("SELECT COUNT(*) FROM certification_trainingentry")
    assert cursor.fetchone()[0] == 4
    assert files_digest(tmp_path / "b" / "media") == media_then
    assert files_digest(tmp_path / "b" / "private") == private_then
    assert "records/checkpoints/2026-12-01.json" in private_then

    # A second restore over it is refused unless asked to replace.
    again = _manage(env, "restore", str(archive))
    assert again.returncode != 0
    assert "不是空的" in again.stderr
    if connection.vendor == "postgresql":
        cursor.connection.close()
        with connection.cursor() as c:
            c.execute(f'DROP DATABASE IF EXISTS "lms_restore_{os.getpid()}"')


def _rewrite_manifest(archive: Path, change) -> Path:
    out = archive.with_name("altered.tar")
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_damaged_mismatched_and_occupied_targets_are_refused(tmp_path, roots, records):
    archive = backup_create(out_dir=tmp_path / "backups", now=NOW)
    assert backup_read(archive)["database"]["vendor"] == connection.vendor

    damaged = tmp_path / "damaged.tar"
    data = bytearray(archive.read_bytes())
    data[2048] ^= 0xFF  # inside the database member, past the first header
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="与其校验和不符"):
        backup_read(damaged)

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[:4096])
    with pytest.raises(BackupError, match="已损坏|没有清单"):
        backup_read(truncated)

    newer = _rewrite_manifest(archive, lambda m: m["migrations"].append(["people", "9999_later"]))
    with pytest.raises(BackupError, match="更新的版本"):
        backup_restore(archive=newer)

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = _rewrite_manifest(archive, lambda m: m["database"].update(vendor=other))
    with pytest.raises(BackupError, match=f"备份中是 {other} 数据库"):
        backup_restore(archive=foreign)

    with pytest.raises(BackupError, match="不是空的"):
        backup_restore(archive=archive)
    assert records.training_entries.count() == 4


def test_a_full_disk_keeps_no_partial_archive(tmp_path, roots, records):
    out = tmp_path / "backups"
    out.mkdir()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # Any file written past 64 KiB fails as on a full disk (EFBIG instead of ENOSPC).
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    try:
        with pytest.raises(BackupError, match="未留下任何文件"):
            backup_create(out_dir=out, now=NOW)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert list(out.iterdir()) == []


def test_retention_keeps_seven_daily_four_weekly_twelve_monthly(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    day = date(2026, 12, 1)
    for n in range(400):
        d = day - timedelta(days=n)
        (folder / f"xinyu-backup-{d:%Y%m%d}-031000.tar").write_bytes(b"")
    (folder / "notes.txt").write_text("kept: not an archive")
    removed = backups_prune(directory=folder)
    kept = sorted(p.name[13:21] for p in backups_list(folder))
    assert len(removed) == 400 - len(kept)
    # The last 7 days; the newest of the ISO weeks before (Sundays 11-22 and 11-15); the newest
    # of each month back to January (month ends), and nothing older.
    assert kept == ["20260131", "20260228", "20260331", "20260430", "20260531", "20260630",
                    "20260731", "20260831", "20260930", "20261031", "20261115", "20261122",
                    "20261125", "20261126", "20261127", "20261128", "20261129", "20261130",
                    "20261201"]
    assert (folder / "notes.txt").exists()
