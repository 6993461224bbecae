"""Courseware packages (SCORM 1.2, SCORM 2004 3rd/4th edition, H5P): checked, read and unpacked.

Every check runs on the zip's directory and on bytes we inflate ourselves, before one file is
written: the number of entries, the total unpacked size and the compression ratio (a zip bomb),
paths that leave the package (`../`, absolute paths, drive letters) and links, and every file's
type against an allow-list. Then the manifest is read (imsmanifest.xml for SCORM, h5p.json for
H5P) and the launch file looked up. Only a package that passes all of them is unpacked, into the
private storage under its SHA-256 (`courseware/<sha256>/`), so the same package uploaded twice is
kept once. A refused package raises PackageRefused, whose message says in the user's language
what is wrong, and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_PACKAGE_BYTES = 300 * MB  # the upload itself
MAX_ENTRIES = 5000
MAX_UNPACKED_BYTES = 1024 * MB
MAX_RATIO = 100
# Small text files (a manifest, a script of blanks) compress very well without being bombs.
RATIO_FLOOR_BYTES = 1 * MB
MAX_MANIFEST_BYTES = 4 * MB

# What a package may hold: web pages and their scripts, styles, pictures, sound, video, fonts,
# data and subtitles. No executables, no archives, no Flash, no server-side pages.
ALLOWED_SUFFIXES = frozenset({
    "html", "htm", "xhtml", "js", "mjs", "css", "json", "xml", "xsd", "dtd", "txt", "md", "vtt",
    "srt", "csv",
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "avif",
    "mp3", "m4a", "wav", "ogg", "oga", "opus", "aac", "mp4", "m4v", "webm", "ogv",
    "woff", "woff2", "ttf", "otf", "eot",
    "pdf",
})
# Files without a suffix a package may carry (licence notes).
ALLOWED_PLAIN_NAMES = frozenset({"license", "licence", "readme", "notice", "copying"})

STORAGE_PREFIX = "courseware"


class PackageRefused(ValidationError):
    """A package that is not unpacked, with the reason in the user's language."""


class Kind:
    SCORM12 = "scorm12"
    SCORM2004 = "scorm2004"
    H5P = "h5p"


# schemaversion as packages write it (case and spaces vary) -> (kind, edition label)
SCORM_VERSIONS = {
    "1.2": (Kind.SCORM12, "SCORM 1.2"),
    "2004 3rd edition": (Kind.SCORM2004, "SCORM 2004 3rd Edition"),
    "2004 4th edition": (Kind.SCORM2004, "SCORM 2004 4th Edition"),
}


@dataclass
class Package:
    """What a checked package is: its kind, version, title, launch file and structure."""

    sha256: str
    kind: str
    version: str
    title: str
    launch: str  # path inside the package; for H5P, empty (the player reads h5p.json)
    items: list[dict] = field(default_factory=list)
    file_count: int = 0
    unpacked_bytes: int = 0


def _bomb(detail: str) -> PackageRefused:
    return PackageRefused(_("The package looks like a zip bomb (%(detail)s): it was not unpacked.")
                          % {"detail": detail})


def _safe_name(name: str) -> str:
    """The entry's path inside the package, or a refusal if it could leave the package."""
    if "\\" in name or "\0" in name:
        raise PackageRefused(_("The package holds a path that leaves its folder: %(name)s")
                             % {"name": name})
    path = PurePosixPath(name)
    if (name.startswith("/") or re.match(r"^[A-Za-z]:", name)
            or any(part == ".." for part in path.parts)):
        raise PackageRefused(_("The package holds a path that leaves its folder: %(name)s")
                             % {"name": name})
    return posixpath.normpath(name)


def _check_entries(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The package's files by path, once its directory has passed every check."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise _bomb(_("%(count)s entries, more than %(limit)s") % {
            "count": len(entries), "limit": MAX_ENTRIES})
    files: dict[str, zipfile.ZipInfo] = {}
    total = compressed = 0
    for info in entries:
        name = _safe_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise PackageRefused(_("The package holds a link, which is not allowed: %(name)s")
                                 % {"name": info.filename})
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise PackageRefused(_("The package is password-protected: %(name)s") % {"name": name})
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageRefused(_("The package uses an unsupported compression method: %(name)s")
                                 % {"name": name})
        base = PurePosixPath(name).name.lower()
        suffix = base.rpartition(".")[2] if "." in base else ""
        if suffix not in ALLOWED_SUFFIXES and not (not suffix and base in ALLOWED_PLAIN_NAMES):
            raise PackageRefused(_("The package holds a file type that is not allowed: %(name)s")
                                 % {"name": name})
        if name.lower() in {n.lower() for n in files}:
            raise PackageRefused(_("The package holds two files with the same name: %(name)s")
                                 % {"name": name})
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb(_("%(name)s inflates more than %(ratio)s times") % {
                "name": name, "ratio": MAX_RATIO})
        total += info.file_size
        compressed += info.compress_size
        files[name] = info
    if total > MAX_UNPACKED_BYTES:
        raise _bomb(_("%(size)s MB once unpacked, more than %(limit)s MB") % {
            "size": total // MB, "limit": MAX_UNPACKED_BYTES // MB})
    if total > RATIO_FLOOR_BYTES and total > MAX_RATIO * max(compressed, 1):
        raise _bomb(_("it inflates more than %(ratio)s times") % {"ratio": MAX_RATIO})
    return files


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _bomb(_("%(name)s is larger than %(limit)s MB") % {
            "name": info.filename, "limit": MAX_MANIFEST_BYTES // MB})
    with archive.open(info) as handle:
        data = handle.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise _bomb(_("%(name)s is larger than declared") % {"name": info.filename})
    return data


def _local(tag) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _text(element, name: str) -> str:
    found = next((child for child in element.iter() if _local(child.tag) == name), None)
    return (found.text or "").strip() if found is not None else ""


def _read_scorm(archive: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo]) -> tuple:
    manifest = files.get("imsmanifest.xml")
    if manifest is None:
        raise PackageRefused(_("The package has no imsmanifest.xml at its top level: it is not a "
                               "SCORM package (or it was zipped inside an extra folder)."))
    try:
        root = SafeET.fromstring(_read_small(archive, manifest))
    except PackageRefused:
        raise
    except Exception:  # noqa: BLE001 - defusedxml's refusals (DTDs, entities) and syntax errors alike
        raise PackageRefused(_("The package's imsmanifest.xml is not valid XML.")) from None
    metadata = next(iter(_children(root, "metadata")), None)
    schema_version = _text(metadata, "schemaversion") if metadata is not None else ""
    known = SCORM_VERSIONS.get(re.sub(r"\s+", " ", schema_version.lower()).strip())
    if known is None:
        raise PackageRefused(_("Unsupported SCORM version “%(version)s”: upload a SCORM 1.2 or "
                               "SCORM 2004 (3rd or 4th edition) package.")
                             % {"version": schema_version or _("none given")})
    kind, version = known
    resources = {}
    for block in _children(root, "resources"):
        base = block.get("{http://www.w3.org/XML/1998/namespace}base", "")
        for resource in _children(block, "resource"):
            href = resource.get("href") or ""
            own = resource.get("{http://www.w3.org/XML/1998/namespace}base", "")
            resources[resource.get("identifier")] = (base + own + href) if href else ""
    organisations = next(iter(_children(root, "organizations")), None)
    if organisations is None or not _children(organisations, "organization"):
        raise PackageRefused(_("The package's imsmanifest.xml has no organisation of lessons."))
    chosen = organisations.get("default")
    organisation = next((o for o in _children(organisations, "organization")
                         if o.get("identifier") == chosen), _children(organisations, "organization")[0])
    title = _text(organisation, "title")
    items = []
    for item in organisation.iter():
        if _local(item.tag) != "item":
            continue
        href = resources.get(item.get("identifierref"), "")
        items.append({"identifier": item.get("identifier") or "",
                      "title": next((c.text or "").strip() for c in item if _local(c.tag) == "title")
                      if any(_local(c.tag) == "title" for c in item) else "",
                      "href": href})
    launch = next((i["href"] for i in items if i["href"]), "")
    if not launch:
        raise PackageRefused(_("The package's imsmanifest.xml names no launch file."))
    path = launch.split("?", 1)[0].split("#", 1)[0]
    if _safe_name(path) not in files:
        raise PackageRefused(_("The launch file %(href)s named in imsmanifest.xml is not in the "
                               "package.") % {"href": path})
    return kind, version, title, launch, items


def _read_h5p(archive: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo]) -> tuple:
    info = files.get("h5p.json")
    if info is None:
        raise PackageRefused(_("The .h5p package has no h5p.json at its top level."))
    try:
        meta = json.loads(_read_small(archive, info))
    except (ValueError, UnicodeDecodeError):
        raise PackageRefused(_("The package's h5p.json is not valid JSON.")) from None
    if "content/content.json" not in files:
        raise PackageRefused(_("The .h5p package has no content/content.json."))
    main = meta.get("mainLibrary") or ""
    dependency = next((d for d in meta.get("preloadedDependencies") or []
                       if d.get("machineName") == main), None)
    if not main or dependency is None:
        raise PackageRefused(_("The package's h5p.json names no main library."))
    folder = f"{main}-{dependency.get('majorVersion')}.{dependency.get('minorVersion')}"
    if f"{folder}/library.json" not in files:
        raise PackageRefused(_("The H5P library %(library)s is not in the package: export the "
                               "content with its libraries.") % {"library": folder})
    title = str(meta.get("title") or "")
    return Kind.H5P, "H5P", title, "", [{"identifier": main, "title": title, "href": ""}]


def package_check(path: Path, *, name: str = "") -> Package:
    """Check and read the package at `path` (uploaded as `name`) without writing anything."""
    size = path.stat().st_size
    if size == 0:
        raise PackageRefused(_("The package is empty."))
    if size > MAX_PACKAGE_BYTES:
        raise PackageRefused(_("The package is larger than the %(mb)s MB limit.") % {
            "mb": MAX_PACKAGE_BYTES // MB})
    if not zipfile.is_zipfile(path):
        raise PackageRefused(_("Not a package: upload a SCORM .zip or an H5P .h5p file."))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    try:
        with zipfile.ZipFile(path) as archive:
            files = _check_entries(archive)
            is_h5p = name.lower().endswith(".h5p") or ("h5p.json" in files and "imsmanifest.xml" not in files)
            reader = _read_h5p if is_h5p else _read_scorm
            kind, version, title, launch, items = reader(archive, files)
    except zipfile.BadZipFile:
        raise PackageRefused(_("The package is damaged (not a readable zip file).")) from None
    return Package(sha256=digest.hexdigest(), kind=kind, version=version, title=title,
                   launch=launch, items=items, file_count=len(files),
                   unpacked_bytes=sum(i.file_size for i in files.values()))


def package_folder(root: Path, sha256: str) -> Path:
    return root / STORAGE_PREFIX / sha256


def package_unpack(path: Path, package: Package, *, root: Path) -> Path:
    """Unpack a checked package under `root`/courseware/<sha256>/ (kept as it is if already there).

    Unpacks into a temporary folder beside it and renames it into place, so a failure half way
    leaves nothing, and two uploads of one package at once leave one copy.
    """
    target = package_folder(root, package.sha256)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        written = 0
        with zipfile.ZipFile(path) as archive:
            for name, info in _check_entries(archive).items():
                destination = staging.joinpath(*PurePosixPath(name).parts)
                if staging not in destination.resolve().parents:
                    raise PackageRefused(_("The package holds a path that leaves its folder: %(name)s")
                                         % {"name": name})
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, destination.open("wb") as out:
                    # zipfile stops at the declared size and checks the CRC: a lying entry fails.
                    while chunk := source.read(MB):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:
                            raise _bomb(_("more than %(limit)s MB once unpacked") % {
                                "limit": MAX_UNPACKED_BYTES // MB})
                        out.write(chunk)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another upload put it there first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def package_file(root: Path, sha256: str, name: str) -> Path | None:
    """The unpacked file `name` of a package, or None if the path is not a file inside it."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        return None
    folder = package_folder(root, sha256).resolve()
    try:
        clean = _safe_name(name)
    except PackageRefused:
        return None
    candidate = (folder / clean).resolve()
    if folder not in candidate.parents or not candidate.is_file():
        return None
    return candidate
