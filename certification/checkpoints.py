"""Daily checkpoints of every chain head, signed with the authority's key and kept as files
under the private root (and so in every backup): what `verify_records` compares the database
with, so that rows cut from the end of a chain, with its head rolled back or removed, are
found by someone who could change the database but not these files or the key.

A checkpoint never moves a head backwards: a head found shorter than the checkpoint before
recorded it (or gone) is written as that checkpoint had it, so one night's checkpoint does
not make a truncation look normal the next day.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from people import chain
from people.models import ChainHead

FORMAT = "xinyu-records-checkpoint/1"


@dataclass
class Checkpoint:
    """One signed checkpoint, as read back from its file."""

    day: date
    made_at: str
    heads: dict[str, tuple[int, str]]
    path: Path


def checkpoint_folder() -> Path:
    return Path(settings.PRIVATE_ROOT) / "records" / "checkpoints"


def _payload(made_at: str, heads: dict) -> bytes:
    return json.dumps({"format": FORMAT, "made_at": made_at, "heads": heads}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":")).encode()


def _private_key():
    from cryptography.hazmat.primitives import serialization

    from .signing import signing_files

    key_path, _cert = signing_files()
    passphrase = settings.CERTIFICATE_SIGNING_KEY_PASSPHRASE or None
    return serialization.load_pem_private_key(
        key_path.read_bytes(), password=passphrase.encode() if passphrase else None)


def _sign(data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = _private_key()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data)  # Ed25519 / Ed448


def _signature_ok(data: bytes, signature: bytes) -> bool:
    """Whether one of the authority's certificates (in force or earlier) signed `data`."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    from .signing import trusted_certs

    for cert in trusted_certs():
        public = x509.load_der_x509_certificate(cert.dump()).public_key()
        try:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            else:
                public.verify(signature, data)
        except (InvalidSignature, TypeError, ValueError):
            continue
        return True
    return False


def _read(path: Path) -> Checkpoint | None:
    """The checkpoint in `path` when its signature holds, else None."""
    try:
        document = json.loads(path.read_text())
        data = _payload(document["made_at"], document["heads"])
        signature = base64.b64decode(document["signature"])
        day = date.fromisoformat(path.stem)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _signature_ok(data, signature):
        return None
    heads = {key: (int(seq), str(digest)) for key, (seq, digest) in document["heads"].items()}
    return Checkpoint(day, document["made_at"], heads, path)


def checkpoint_latest() -> tuple[Checkpoint | None, list[chain.Finding]]:
    """The newest checkpoint whose signature holds, and a finding for each newer file that
    does not (changed, or not signed with the authority's key)."""
    findings = []
    folder = checkpoint_folder()
    paths = sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []
    for path in paths:
        try:
            checkpoint = _read(path)
        except (ImproperlyConfigured, OSError) as error:
            # No key to check signatures with: say so rather than stop the whole check.
            findings.append(chain.Finding(
                "checkpoint", path.name, "changed", None, None,
                f"the checkpoints cannot be checked: {error}"))
            return None, findings
        if checkpoint is not None:
            return checkpoint, findings
        findings.append(chain.Finding(
            "checkpoint", path.name, "changed", None, None,
            f"the checkpoint {path.name} does not bear the authority's signature"))
    return None, findings


def records_checkpoint_write(*, now: datetime | None = None) -> Checkpoint:
    """Write today's signed checkpoint of every chain head (replacing today's if any)."""
    now = now or timezone.now()
    previous, _broken = checkpoint_latest()
    earlier = previous.heads if previous else {}
    heads = {key: (seq, digest or chain.GENESIS)
             for key, seq, digest in ChainHead.objects.values_list("key", "seq", "digest")}
    for key, (seq, digest) in earlier.items():
        now_seq, now_digest = heads.get(key, (0, chain.GENESIS))
        if now_seq < seq or (now_seq == seq and now_digest != digest):
            heads[key] = (seq, digest)  # never backwards: the loss stays visible
    made_at = now.isoformat()
    listed = {key: [seq, digest] for key, (seq, digest) in sorted(heads.items())}
    document = {"format": FORMAT, "made_at": made_at, "heads": listed,
                "signature": base64.b64encode(_sign(_payload(made_at, listed))).decode()}
    folder = checkpoint_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{timezone.localtime(now):%Y-%m-%d}.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=0))
    os.replace(partial, path)
    return Checkpoint(timezone.localtime(now).date(), made_at, heads, path)
