"""Backups a bureau can restore: one dated archive holding the database (SQLite's online backup
or pg_dump's custom format, through django-dbbackup's connectors), media, private files and the
signing key's fingerprint, with a manifest of checksums; a restore that refuses a damaged,
mismatched or non-empty target and checks the records and figures afterwards.

Archive layout (a plain tar: the dumps and videos inside are compressed already):

    database.sqlite3 | database.pgdump   the database
    media/...                            uploaded media (FileSystemStorage only)
    private/...                          exports, imports, PDFs, checkpoints
    manifest.json                        written last: every member's size and SHA-256
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.signing import installed_fingerprint

FORMAT = 1
PREFIX = "xinyu-backup-"
NAME_PATTERN = re.compile(rf"^{PREFIX}(\d{{8}})-(\d{{6}})\.tar$")
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass
class RestoreReport:
    archive: Path
    created_at: str
    files: int
    records_checked: int = 0
    records_problems: list[str] = field(default_factory=list)
    figures_on: str = ""
    figures_differ: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.records_problems and not self.figures_differ


# --- What a backup holds ---------------------------------------------------------------------

def _connector():
    """django-dbbackup's connector for the default database: SQLite's online backup API (safe
    while the site and the worker write), or pg_dump/pg_restore in the custom format."""
    if connection.vendor == "sqlite":
        from dbbackup.db.sqlite import SqliteBackupConnector

        return SqliteBackupConnector("default")
    if connection.vendor == "postgresql":
        from dbbackup.db.postgresql import PgDumpBinaryConnector

        return PgDumpBinaryConnector("default")
    raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.")
                      % {"vendor": connection.vendor})


def _database_member() -> str:
    return "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"


def _file_roots() -> dict[str, Path]:
    """The folders whose files a backup holds, by their prefix in the archive."""
    roots = {"private": Path(settings.PRIVATE_ROOT)}
    if isinstance(default_storage, FileSystemStorage):
        roots["media"] = Path(settings.MEDIA_ROOT)
    return roots


def _files_under(root: Path, skip: Path | None) -> list[Path]:
    if not root.is_dir():
        return []
    out = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        if skip is not None:
            dirs[:] = [d for d in dirs if (here / d).resolve() != skip]
        dirs.sort()
        out.extend(here / n for n in sorted(names) if (here / n).is_file()
                   and not (here / n).is_symlink())
    return out


def _applied_migrations() -> list[list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def figures_digest(on: date) -> dict:
    """Each top organisation's holding rows on `on`, computed from the records: a restore
    recomputes them for the same day and must find the same numbers."""
    from certification.selectors import holding_rates
    from people.models import Organisation

    rows = {}
    for top in Organisation.get_root_nodes():
        for row in holding_rates(top, on=on):
            rows[row.organisation.code] = [row.teachers, row.new_teachers,
                                           dict(sorted((row.holders or {}).items()))]
    return {"on": on.isoformat(), "rows": rows}


class _Hashing(io.RawIOBase):
    """A file read through, hashing what tarfile copies into the archive."""

    def __init__(self, raw):
        self.raw, self.sha = raw, hashlib.sha256()

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.sha.update(data)
        buffer[:len(data)] = data
        return len(data)


def _add(tar: tarfile.TarFile, name: str, fileobj, size: int, mtime: float, files: dict) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    reader = _Hashing(fileobj)
    tar.addfile(info, io.BufferedReader(reader, CHUNK))
    files[name] = {"size": size, "sha256": reader.sha.hexdigest()}


def backup_create(*, out_dir: Path, now: datetime | None = None) -> Path:
    """Write one dated archive of the installation into `out_dir` and return its path; a
    failure (a full disk, a dump that fails) leaves no partial archive behind."""
    if connection.in_atomic_block:
        # SQLite's online backup would wait forever for this very transaction to end.
        raise BackupError(_("A backup cannot run inside a database transaction."))
    now = timezone.localtime(now or timezone.now())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{PREFIX}{now:%Y%m%d-%H%M%S}.tar"
    partial = out_dir / f".{final.name}.partial"
    files: dict[str, dict] = {}
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            dump = _connector().create_dump()
            try:
                dump.seek(0, os.SEEK_END)
                size = dump.tell()
                dump.seek(0)
                _add(tar, _database_member(), dump, size, now.timestamp(), files)
            finally:
                dump.close()
            skip = out_dir.resolve()
            for prefix, root in _file_roots().items():
                for path in _files_under(root, skip):
                    stat = path.stat()
                    with path.open("rb") as f:
                        _add(tar, f"{prefix}/{path.relative_to(root).as_posix()}", f,
                             stat.st_size, stat.st_mtime, files)
            manifest = {
                "format": FORMAT,
                "product": "xinyu",
                "created_at": now.isoformat(),
                "database": {"vendor": connection.vendor, "member": _database_member()},
                "migrations": _applied_migrations(),
                "signing_fingerprint": installed_fingerprint(),
                "figures": figures_digest(now.date()),
                "files": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, final)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, (BackupError, KeyboardInterrupt, SystemExit)):
            raise
        # A full disk surfaces as OSError from the archive or as the database driver's I/O
        # error from the dump; either way the operator reads one message.
        raise BackupError(_("The backup failed and nothing was kept: %(error)s")
                          % {"error": exc}) from exc
    return final


# --- Retention -------------------------------------------------------------------------------

def archive_day(path: Path) -> date | None:
    match = NAME_PATTERN.match(path.name)
    return datetime.strptime(match.group(1), "%Y%m%d").date() if match else None


def backups_list(directory: Path) -> list[Path]:
    """The archives in `directory`, newest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if NAME_PATTERN.match(p.name)),
                  key=lambda p: p.name, reverse=True)


def backups_prune(*, directory: Path, daily: int = 7, weekly: int = 4,
                  monthly: int = 12) -> list[Path]:
    """Keep the newest archive of each of the last `daily` days, `weekly` ISO weeks and
    `monthly` months that have one; delete the others and return them."""
    archives = backups_list(directory)
    keep: set[Path] = set()
    for size, bucket in ((daily, lambda d: d), (weekly, lambda d: d.isocalendar()[:2]),
                         (monthly, lambda d: (d.year, d.month))):
        seen = []
        for path in archives:
            key = bucket(archive_day(path))
            if key not in seen:
                seen.append(key)
                if len(seen) > size:
                    break
                keep.add(path)
    removed = [p for p in archives if p not in keep]
    for path in removed:
        path.unlink()
    return removed


# --- Restore ---------------------------------------------------------------------------------

def _safe_member(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts


def backup_read(archive: Path) -> dict:
    """The archive's manifest, after checking that every member is present, listed and
    matches its checksum; a damaged or foreign archive raises BackupError."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("No backup archive at %(path)s.") % {"path": archive})
    try:
        with tarfile.open(archive, "r:") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupError(_("%(path)s is not a backup of this product: it has no "
                                    "manifest.") % {"path": archive.name})
            manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
            if manifest.get("product") != "xinyu" or manifest.get("format") != FORMAT:
                raise BackupError(_("%(path)s is not a backup this version can read.")
                                  % {"path": archive.name})
            listed = manifest["files"]
            extra = sorted(set(members) - set(listed) - {MANIFEST})
            missing = sorted(set(listed) - set(members))
            if extra or missing:
                raise BackupError(_("The archive is damaged: %(n)s file(s) missing or not "
                                    "listed, first %(name)s.")
                                  % {"n": len(extra) + len(missing), "name": (missing + extra)[0]})
            for name, expected in listed.items():
                member = members[name]
                if not member.isfile() or not _safe_member(name):
                    raise BackupError(_("The archive is damaged: %(name)s is not a plain file.")
                                      % {"name": name})
                sha = hashlib.sha256()
                f = tar.extractfile(member)
                while chunk := f.read(CHUNK):
                    sha.update(chunk)
                if sha.hexdigest() != expected["sha256"] or member.size != expected["size"]:
                    raise BackupError(_("The archive is damaged: %(name)s does not match its "
                                        "checksum.") % {"name": name})
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(_("The archive is damaged or not a backup: %(error)s")
                          % {"error": exc}) from exc
    return manifest


def installation_empty() -> tuple[bool, str]:
    """(True, "") for an empty database and data folders, else (False, what holds data)."""
    tables = [t for t in connection.introspection.table_names()
              if t not in {"django_migrations", "sqlite_sequence"}]
    if tables:
        return False, _("the database has %(n)s tables") % {"n": len(tables)}
    for root in _file_roots().values():
        if _files_under(root, None):
            return False, _("%(folder)s holds files") % {"folder": root}
    return True, ""


def _check_compatible(manifest: dict) -> list[str]:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(_("The archive holds a %(theirs)s database; this installation uses "
                            "%(ours)s.") % {"theirs": vendor, "ours": connection.vendor})
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{a}.{n}" for a, n in manifest["migrations"] if (a, n) not in known
               and a in {app for app, _name in known}]
    if unknown:
        raise BackupError(_("The archive was made by a newer version (migration %(name)s is "
                            "unknown here): upgrade the code first.") % {"name": unknown[0]})
    warnings = []
    ours = installed_fingerprint()
    theirs = manifest.get("signing_fingerprint")
    if theirs and ours and theirs != ours:
        warnings.append(_("The certificate signing key differs from the one in force when the "
                          "backup was made: PDFs issued before stay verifiable only with the "
                          "old key's certificate installed as trusted (docs/deploy.md)."))
    return warnings


def _restore_database(tar: tarfile.TarFile, manifest: dict) -> None:
    member = tar.getmember(manifest["database"]["member"])
    with tempfile.SpooledTemporaryFile(max_size=64 * CHUNK) as dump:
        shutil.copyfileobj(tar.extractfile(member), dump, CHUNK)
        dump.seek(0)
        if connection.vendor == "sqlite":
            name = Path(connection.settings_dict["NAME"])
            connection.close()
            for suffix in ("-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
            partial = name.with_name(f".{name.name}.restoring")
            with partial.open("wb") as out:
                shutil.copyfileobj(dump, out, CHUNK)
            os.replace(partial, name)
        else:
            connection.close()
            _connector().restore_dump(dump)


def _restore_files(tar: tarfile.TarFile, manifest: dict, replace: bool) -> int:
    roots = _file_roots()
    count = 0
    for root in roots.values():
        if replace and root.is_dir():
            for child in root.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        root.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        prefix, _sep, rest = name.partition("/")
        if prefix not in roots:
            continue
        member = tar.getmember(name)
        target = roots[prefix] / rest
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        os.utime(target, (member.mtime, member.mtime))
        count += 1
    return count


def backup_restore(*, archive: Path, replace: bool = False) -> RestoreReport:
    """Restore an archive into this installation (empty, unless `replace`), migrate it to the
    code's migrations, then check every record chain and the figures the archive recorded."""
    from django.core.management import call_command

    archive = Path(archive)
    manifest = backup_read(archive)
    warnings = _check_compatible(manifest)
    if not replace:
        empty, what = installation_empty()
        if not empty:
            raise BackupError(_("This installation is not empty (%(what)s): restore into an "
                                "empty database and data folder, or add --replace to "
                                "overwrite it.") % {"what": what})
    with tarfile.open(archive, "r:") as tar:
        _restore_database(tar, manifest)
        files = _restore_files(tar, manifest, replace)
    call_command("migrate", interactive=False, verbosity=0)
    report = RestoreReport(archive=archive, created_at=manifest["created_at"], files=files,
                           warnings=warnings)
    _check_restored(report, manifest)
    return report


def _check_restored(report: RestoreReport, manifest: dict) -> None:
    from certification.records import records_verify

    report.records_checked, findings = records_verify()
    report.records_problems = [f"{f.problem} {f.stream} {f.chain}: {f.detail}" for f in findings]
    recorded = manifest.get("figures") or {}
    if recorded.get("on"):
        report.figures_on = recorded["on"]
        now = figures_digest(date.fromisoformat(recorded["on"]))["rows"]
        for code in sorted(set(recorded["rows"]) | set(now)):
            theirs, ours = recorded["rows"].get(code), now.get(code)
            if theirs != ours:
                report.figures_differ.append(f"{code}: {theirs} → {ours}")
