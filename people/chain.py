"""Hash chains over history rows: each row is sealed with a digest of its content and of the
previous row's digest, within one chain (a teacher's ledger, an organisation's audit log).

The digest is an HMAC keyed by RECORDS_CHAIN_KEY, so a row changed, inserted or removed with
SQL or the Django shell cannot be re-sealed without the key; `walk` names every such row.
Chains are small and many (one per teacher or organisation): appending locks only that chain's
head row, never the whole table, so writes for different teachers never wait for each other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

GENESIS = "0" * 64


def _secret() -> bytes:
    key = getattr(settings, "RECORDS_CHAIN_KEY", "") or ("records-chain:" + settings.SECRET_KEY)
    return key.encode()


def plain(value):
    """One spelling per value, whatever the database hands back (Decimal('4') and '4.00')."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def seal(prev: str, content: dict) -> str:
    """The digest of a row: HMAC-SHA256 of the previous digest and the row's content."""
    payload = json.dumps({k: plain(v) for k, v in content.items()}, sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_secret(), f"{prev}\n{payload}".encode(), hashlib.sha256).hexdigest()


def _head_model():
    from .models import ChainHead

    return ChainHead


def _reserve(ChainHead, key: str, count: int):
    """Advance the head by `count` positions and return (last position, previous digest).

    One UPDATE … RETURNING: it takes the row lock (PostgreSQL) or the write lock (SQLite)
    before anything is read, so two writers of one chain queue instead of both reading the
    same head; other chains' heads are other rows and are not touched.
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(ChainHead._meta.db_table)} SET {quote('seq')} = {quote('seq')} + %s "
            f"WHERE {quote('key')} = %s RETURNING {quote('seq')}, {quote('digest')}",
            [count, key])
        return cursor.fetchone()


def head_advance(key: str, count: int = 1, *, head_model=None) -> tuple[int, str]:
    """Reserve `count` positions on a chain, locked until the transaction ends (the head is
    created on first use); returns the first position and the digest before it."""
    ChainHead = head_model or _head_model()
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Chains are appended inside the writing service's transaction.")
    got = _reserve(ChainHead, key, count)
    if got is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(key=key)
        except IntegrityError:
            pass  # another writer created it a moment ago
        got = _reserve(ChainHead, key, count)
    last, digest = got
    return last - count + 1, digest or GENESIS


def chain_append(rows: list, *, key_of: Callable, content_of: Callable, head_model=None) -> None:
    """Seal unsaved `rows` in order onto their chains (position, link, digest); save them after.

    Heads are locked in key order, so two writers touching several chains cannot deadlock.
    """
    ChainHead = head_model or _head_model()
    by_key: dict[str, list] = {}
    for row in rows:
        by_key.setdefault(key_of(row), []).append(row)
    ends = []
    for key in sorted(by_key):
        seq, prev = head_advance(key, len(by_key[key]), head_model=ChainHead)
        for row in by_key[key]:
            row.chain_seq, row.prev_digest = seq, prev
            row.digest = prev = seal(prev, content_of(row))
            seq += 1
        ends.append((key, prev))
    for key, digest in ends:
        ChainHead.objects.filter(key=key).update(digest=digest)


# --- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One row (or gap) that does not match its chain."""

    stream: str          # "ledger", "events", "audit"
    chain: str           # the chain's key, e.g. "ledger:42"
    problem: str         # "changed", "inserted", "removed", "duplicate"
    pk: int | None       # the row, when the row is there
    seq: int | None      # its position (or the first missing one)
    detail: str = ""


@dataclass
class RowSeal:
    pk: int
    key: str
    seq: int | None
    prev: str
    digest: str
    content: dict
    label: str = ""


def walk(stream: str, rows: Iterable[RowSeal], heads: dict[str, tuple[int, str]]) -> Iterator[Finding]:
    """Check rows ordered by (key, seq, pk) against their seals and their chain heads.

    `heads` maps each chain key to the head's (seq, digest); chains left in it after the walk
    (a head with no row) had every row removed.
    """
    heads = dict(heads)
    for key, group in groupby(rows, key=lambda r: r.key):
        expected, prev = 1, GENESIS
        for row in group:
            if row.seq is None or not row.digest:
                yield Finding(stream, key, "inserted", row.pk, None,
                              f"{row.label} was written without its seal")
                continue
            if row.seq < expected:
                yield Finding(stream, key, "duplicate", row.pk, row.seq,
                              f"{row.label} takes a position already taken")
                continue
            if row.seq > expected:
                yield Finding(stream, key, "removed", None, expected,
                              _gap(expected, row.seq - 1) + f", before {row.label}")
            elif row.prev != prev:
                yield Finding(stream, key, "changed", row.pk, row.seq,
                              f"{row.label} no longer follows the row before it")
            if seal(row.prev, row.content) != row.digest:
                yield Finding(stream, key, "changed", row.pk, row.seq,
                              f"{row.label} differs from what was written")
            expected, prev = row.seq + 1, row.digest
        head_seq, head_digest = heads.pop(key, (0, GENESIS))
        if head_seq >= expected:
            yield Finding(stream, key, "removed", None, expected,
                          _gap(expected, head_seq) + ", at the end of the chain")
        elif head_seq < expected - 1:
            yield Finding(stream, key, "inserted", None, head_seq + 1,
                          f"positions {head_seq + 1}–{expected - 1} were added past the chain's head")
        elif head_seq and head_digest != prev:
            yield Finding(stream, key, "changed", None, head_seq,
                          "the last row differs from the one the chain ended with")
    for key, (head_seq, _digest) in sorted(heads.items()):
        if head_seq:
            yield Finding(stream, key, "removed", None, 1,
                          _gap(1, head_seq) + ": every row of the chain")


def _gap(first: int, last: int) -> str:
    return f"row {first} removed" if first == last else f"rows {first}–{last} removed"


def heads_of(prefix: str, *, head_model=None) -> dict[str, tuple[int, str]]:
    """Every head of one stream, e.g. prefix "ledger:"."""
    ChainHead = head_model or _head_model()
    return {key: (seq, digest or GENESIS) for key, seq, digest in
            ChainHead.objects.filter(key__startswith=prefix).values_list("key", "seq", "digest")}


def backfill(queryset, *, key_of: Callable, content_of: Callable, order: tuple,
             head_model=None, batch_size: int = 2000) -> int:
    """Seal rows that have no seal yet (rows from before chains, or a demo's bulk insert),
    in `order`, onto the end of their chains. Returns how many were sealed."""
    model = queryset.model
    count = 0
    with transaction.atomic():
        pending = queryset.filter(chain_seq__isnull=True).order_by(*order)
        batch = []
        for row in pending.iterator(chunk_size=batch_size):
            batch.append(row)
            if len(batch) >= batch_size:
                count += _seal_batch(model, batch, key_of, content_of, head_model)
                batch = []
        if batch:
            count += _seal_batch(model, batch, key_of, content_of, head_model)
    return count


def _seal_batch(model, batch, key_of, content_of, head_model) -> int:
    chain_append(batch, key_of=key_of, content_of=content_of, head_model=head_model)
    # The base manager: history models refuse updates through their default managers.
    for row in batch:
        model._base_manager.filter(pk=row.pk).update(
            chain_seq=row.chain_seq, prev_digest=row.prev_digest, digest=row.digest)
    return len(batch)


# --- The audit log's chains: one per organisation ------------------------------------------------

AUDIT_FIELDS = ("at", "actor_id", "actor_name", "action", "organisation_id", "target", "detail")


def audit_key(entry) -> str:
    return f"audit:{entry.organisation_id}"


def audit_content(entry) -> dict:
    return {name: getattr(entry, name) for name in AUDIT_FIELDS}
