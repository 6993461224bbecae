"""Certificates that prove themselves offline: PAdES signatures (pyHanko) with the issuing
authority's key, and the check of an uploaded PDF's signature and data.

The key and certificate come from CERTIFICATE_SIGNING_KEY / CERTIFICATE_SIGNING_CERT (paths,
DJANGO_CERTIFICATE_SIGNING_KEY / _CERT). Without them, and where CERTIFICATE_SIGNING_SELF_SIGNED
allows it (the demo, tests), a self-signed pair is made once in the private data folder.
Certificates of earlier keys (CERTIFICATE_SIGNING_PREVIOUS_CERTS) still verify PDFs they signed.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, pgettext, pgettext_lazy

_lock = threading.Lock()
# The PDF's Subject carries the record it was made from, for the check of an upload.
SUBJECT_PREFIX = "xinyu-certificate:"
# The document-information key a certificate PDF states its record under (pdf_sign).
RECORD_KEY = "/XinyuRecord"


def _paths() -> tuple[Path, Path, bool]:
    key = settings.CERTIFICATE_SIGNING_KEY
    cert = settings.CERTIFICATE_SIGNING_CERT
    if key and cert:
        return Path(key), Path(cert), False
    if key or cert:
        raise ImproperlyConfigured("Set both CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT.")
    if not settings.CERTIFICATE_SIGNING_SELF_SIGNED:
        raise ImproperlyConfigured(
            "Certificate PDFs are signed with the authority's key: set "
            "DJANGO_CERTIFICATE_SIGNING_KEY and DJANGO_CERTIFICATE_SIGNING_CERT (docs/deploy.md).")
    folder = Path(settings.PRIVATE_ROOT) / "signing"
    return folder / "authority-key.pem", folder / "authority-cert.pem", True


def self_signed_pair_make(*, key_path: Path, cert_path: Path, common_name: str,
                          years: int = 10) -> None:
    """Write a new RSA key and a self-signed signing certificate (demo and tests only)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def signing_files() -> tuple[Path, Path]:
    """The key and certificate paths in force, making the self-signed pair on first use."""
    key_path, cert_path, self_signed = _paths()
    if self_signed and not (key_path.exists() and cert_path.exists()):
        with _lock:
            if not (key_path.exists() and cert_path.exists()):
                self_signed_pair_make(key_path=key_path, cert_path=cert_path,
                                      common_name="心育研修 演示签章 (demo, self-signed)")
    return key_path, cert_path


@lru_cache(maxsize=4)
def _signer(key_path: str, cert_path: str, mtime: float):
    from pyhanko.sign import signers

    passphrase = settings.CERTIFICATE_SIGNING_KEY_PASSPHRASE or None
    signer = signers.SimpleSigner.load(key_path, cert_path,
                                       key_passphrase=passphrase.encode() if passphrase else None)
    if signer is None:
        raise ImproperlyConfigured("The certificate signing key or certificate cannot be read.")
    return signer


def signer_get():
    """The pyHanko signer of the authority's key (reloaded when the files change)."""
    key_path, cert_path = signing_files()
    return _signer(str(key_path), str(cert_path),
                   max(key_path.stat().st_mtime, cert_path.stat().st_mtime))


def _load_cert(path: Path):
    from asn1crypto import pem, x509

    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def trusted_certs() -> list:
    """The signing certificate in force, then those of earlier keys still accepted."""
    _key, cert_path = signing_files()
    certs = [_load_cert(cert_path)]
    for path in settings.CERTIFICATE_SIGNING_PREVIOUS_CERTS or []:
        certs.append(_load_cert(Path(path)))
    return certs


def fingerprint(cert) -> str:
    """SHA-256 of the certificate (DER), as colon-separated hex pairs."""
    digest = hashlib.sha256(cert.dump()).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def signing_fingerprint() -> str:
    """The fingerprint of the signing certificate in force (shown on the verification page)."""
    return fingerprint(trusted_certs()[0])


def installed_fingerprint() -> str | None:
    """The fingerprint of the signing certificate installed, or None where there is none yet;
    unlike `signing_fingerprint`, never makes the self-signed pair (backups, health checks)."""
    try:
        _key, cert_path, _self_signed = _paths()
    except ImproperlyConfigured:
        return None
    return fingerprint(_load_cert(cert_path)) if cert_path.is_file() else None


def _record_read(reader) -> dict:
    """The record a PDF states: under its own key, or in the Subject of earlier PDFs."""
    try:
        info = reader.trailer["/Info"]
    except (KeyError, TypeError):
        info = {}
    try:
        text = str(info.get(RECORD_KEY, "")) if hasattr(info, "get") else ""
        subject = str(info.get("/Subject", "")) if hasattr(info, "get") else ""
    except (KeyError, TypeError, ValueError):
        text = subject = ""
    if not text and subject.startswith(SUBJECT_PREFIX):
        text = subject[len(SUBJECT_PREFIX):]
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def pdf_sign(pdf: bytes, *, reason: str, location: str = "", record: dict | None = None) -> bytes:
    """Sign PDF bytes (PAdES baseline B, SHA-256) with the authority's key; `record` (what the
    certificate states, checked against the database on upload) goes into the document
    information under its own key, covered by the signature and shown by no reader."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if record is not None:
        info_ref = writer.trailer.raw_get("/Info")
        info_ref.get_object()[generic.NameObject(RECORD_KEY)] = generic.TextStringObject(
            json.dumps(record, ensure_ascii=False, sort_keys=True))
        writer.mark_update(info_ref)
    meta = signers.PdfSignatureMetadata(
        field_name="AuthoritySignature", md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location or None)
    out = signers.sign_pdf(writer, meta, signer=signer_get())
    return out.getvalue()


# --- Checking an uploaded PDF -------------------------------------------------------------------


# A signer certificate's subject, field by field, in the reader's language (the X.509 names
# "Common Name", "Organization" are not words a teacher or a school reads).
SIGNER_FIELDS = (
    ("common_name", pgettext_lazy("certificate signer", "Name")),
    ("organization_name", pgettext_lazy("certificate signer", "Organisation")),
    ("organizational_unit_name", pgettext_lazy("certificate signer", "Department")),
    ("locality_name", pgettext_lazy("certificate signer", "City")),
    ("state_or_province_name", pgettext_lazy("certificate signer", "Province")),
    ("country_name", pgettext_lazy("certificate signer", "Country")),
)


def signer_display(subject) -> str:
    """A signer certificate's subject (asn1crypto Name) as the page's language writes it: each
    known field with its label, a value repeated under another field shown once."""
    values = subject.native if hasattr(subject, "native") else dict(subject)
    parts, seen = [], set()
    for key, label in SIGNER_FIELDS:
        value = values.get(key)
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        if not value or value in seen:
            continue
        seen.add(value)
        parts.append(gettext("%(label)s: %(value)s") % {"label": label, "value": value})
    return pgettext("list", ", ").join(parts)


@dataclass
class PdfCheck:
    """What an uploaded PDF's check found."""

    signature_ok: bool = False     # intact, whole file covered, by a trusted authority key
    signed_by: str = ""            # the signer certificate's subject
    fingerprint: str = ""
    data: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def pdf_signature_check(data: bytes) -> PdfCheck:
    """Check the PDF's signature: intact, covering the entire file, made by a trusted key."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    check = PdfCheck()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 (pyHanko raises many kinds for a damaged PDF; all mean unreadable)
        check.problems.append("unreadable")
        return check
    if len(signatures) != 1:
        check.problems.append("no_signature" if not signatures else "several_signatures")
        return check
    sig = signatures[0]
    context = ValidationContext(trust_roots=trusted_certs(), allow_fetching=False)
    try:
        status = validate_pdf_signature(sig, context)
    except Exception:  # noqa: BLE001 (any failure to validate is a broken signature to the verifier)
        check.problems.append("signature_broken")
        return check
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    check.signed_by = signer_display(status.signing_cert.subject)
    check.fingerprint = fingerprint(status.signing_cert)
    if not (status.intact and status.valid):
        check.problems.append("signature_broken")
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        check.problems.append("changed_after_signing")
    elif not status.trusted:
        check.problems.append("unknown_signer")
    else:
        check.signature_ok = True
    check.data = _record_read(reader)
    return check
