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
from django.db import IntegrityError, models, transaction

from .models import ChainHead

GENESIS = "0" * 64


def _secret() -> bytes:
    key = settings.RECORDS_CHAIN_KEY or ("records-chain:" + settings.SECRET_KEY)
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


# Keys per statement when many chains advance at once: three parameters a key stays under
# SQLite's 999 and keeps each statement short.
HEADS_PER_STATEMENT = 300


def _lock_heads(ChainHead, keys: list[str]) -> None:
    """PostgreSQL: lock these heads in key order before a multi-row UPDATE touches them (that
    UPDATE locks rows in the plan's order, and two bulk writers would deadlock). SQLite takes
    its one write lock with the first write."""
    connection = transaction.get_connection()
    if connection.features.has_select_for_update:
        list(ChainHead.objects.select_for_update().filter(key__in=keys).order_by("key")
             .values_list("pk", flat=True))


def _reserve_many(ChainHead, counts: dict[str, int]) -> dict[str, tuple[int, str]]:
    """`_reserve` for many chains in one UPDATE … RETURNING: {key: (last position, digest)}."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table, seq, key = quote(ChainHead._meta.db_table), quote("seq"), quote("key")
    cases = " ".join(["WHEN %s THEN CAST(%s AS BIGINT)"] * len(counts))
    params = [v for item in counts.items() for v in item] + list(counts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {seq} = {seq} + CASE {key} {cases} END "
            f"WHERE {key} IN ({', '.join(['%s'] * len(counts))}) "
            f"RETURNING {key}, {seq}, {quote('digest')}", params)
        return {k: (last, digest) for k, last, digest in cursor.fetchall()}


def heads_advance(counts: dict[str, int], *, head_model=None) -> dict[str, tuple[int, str]]:
    """`head_advance` for many chains at once (a bulk push): reserve counts[key] positions on
    each chain, a few statements per 300 chains instead of one per chain; returns each key's
    first position and the digest before it. Heads are locked in key order, missing ones
    created; like `head_advance`, inside the writer's transaction."""
    ChainHead = head_model or _head_model()
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Chains are appended inside the writing service's transaction.")
    keys = sorted(counts)
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), HEADS_PER_STATEMENT):
        chunk = {k: counts[k] for k in keys[start:start + HEADS_PER_STATEMENT]}
        _lock_heads(ChainHead, list(chunk))
        got = _reserve_many(ChainHead, chunk)
        missing = [k for k in chunk if k not in got]
        if missing:
            # First use of these chains; a writer creating one a moment ago is not an error.
            ChainHead.objects.bulk_create([ChainHead(key=k) for k in missing],
                                          ignore_conflicts=True)
            _lock_heads(ChainHead, missing)
            got.update(_reserve_many(ChainHead, {k: chunk[k] for k in missing}))
        for k, (last, digest) in got.items():
            found[k] = (last - chunk[k] + 1, digest or GENESIS)
    return found


def _heads_seal(ChainHead, ends: dict[str, str]) -> None:
    """Write each chain's new last digest (one UPDATE per 300 chains)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table, key = quote(ChainHead._meta.db_table), quote("key")
    keys = sorted(ends)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), HEADS_PER_STATEMENT):
            chunk = keys[start:start + HEADS_PER_STATEMENT]
            cases = " ".join(["WHEN %s THEN %s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {quote('digest')} = CASE {key} {cases} END "
                f"WHERE {key} IN ({', '.join(['%s'] * len(chunk))})",
                [v for k in chunk for v in (k, ends[k])] + chunk)


def chain_append(rows: list, *, key_of: Callable, content_of: Callable, head_model=None) -> None:
    """Seal unsaved `rows` in order onto their chains (position, link, digest); save them after.

    Heads are locked in key order, so two writers touching several chains cannot deadlock.
    Rows for many chains (a bulk push) reserve and seal the heads a few hundred per statement.
    """
    ChainHead = head_model or _head_model()
    by_key: dict[str, list] = {}
    for row in rows:
        by_key.setdefault(key_of(row), []).append(row)
    if len(by_key) == 1:
        [(key, group)] = by_key.items()
        starts = {key: head_advance(key, len(group), head_model=ChainHead)}
    else:
        starts = heads_advance({k: len(v) for k, v in by_key.items()}, head_model=ChainHead)
    ends = {}
    for key in sorted(by_key):
        seq, prev = starts[key]
        for row in by_key[key]:
            row.chain_seq, row.prev_digest = seq, prev
            row.digest = prev = seal(prev, content_of(row))
            seq += 1
        ends[key] = prev
    if len(ends) == 1:
        [(key, digest)] = ends.items()
        ChainHead.objects.filter(key=key).update(digest=digest)
    elif ends:
        _heads_seal(ChainHead, ends)


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


def walk(stream: str, rows: Iterable[RowSeal], heads: dict[str, tuple[int, str]],
         checkpoint: dict[str, tuple[int, str]] | None = None,
         since: str = "the last checkpoint") -> Iterator[Finding]:
    """Check rows ordered by (key, seq, pk) against their seals and their chain heads.

    `heads` maps each chain key to the head's (seq, digest); chains left in it after the walk
    (a head with no row) had every row removed. `checkpoint` holds the heads as a signed
    checkpoint kept outside the database recorded them (`since` names it): a chain now shorter
    than it was then, or whose row at that position differs, lost rows even when its head in
    the database was rolled back (or removed) to hide it.
    """
    heads = dict(heads)
    checkpoint = dict(checkpoint or {})
    for key, group in groupby(rows, key=lambda r: r.key):
        expected, prev = 1, GENESIS
        cp_seq, cp_digest = checkpoint.pop(key, (0, GENESIS))
        for row in group:
            if cp_seq and row.seq == cp_seq and row.digest != cp_digest:
                yield Finding(stream, key, "changed", row.pk, row.seq,
                              f"{row.label} is not the row {since} recorded at its position")
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
        reached = max(expected - 1, head_seq)
        if cp_seq > reached:
            yield Finding(stream, key, "removed", None, reached + 1,
                          _gap(reached + 1, cp_seq) + f", at the end of the chain: {since} "
                          f"recorded {cp_seq} rows (the head was rolled back)")
    for key, (head_seq, _digest) in sorted(heads.items()):
        cp_seq = checkpoint.pop(key, (0, GENESIS))[0]
        if head_seq or cp_seq:
            yield Finding(stream, key, "removed", None, 1,
                          _gap(1, max(head_seq, cp_seq)) + ": every row of the chain")
    for key, (cp_seq, _digest) in sorted(checkpoint.items()):
        if cp_seq:
            yield Finding(stream, key, "removed", None, 1,
                          _gap(1, cp_seq) + f": every row of the chain and its head, which "
                          f"{since} recorded")


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


# --- Sealed records: rows that are changed in place (a certificate, a decided application) ----
#
# Such a row carries `seal`, an HMAC of its label, its primary key and the fields that decide
# hours or a certificate, read back from the database after every write. A row edited with SQL
# no longer matches its seal; one copied from another row does not either (the key is sealed).


def record_seal(label: str, pk, content: dict) -> str:
    """The seal of one row of `label` (e.g. "certification.certificate")."""
    return seal(f"{label}:{pk}", content)


def seal_rows(model, pks=None, *, fields=None, label=None, batch_size: int = 1000) -> int:
    """(Re)compute the seal of the rows `pks` of `model` (every unsealed row when None) from
    what the database holds; returns how many were sealed. Works on migration models too."""
    fields = tuple(fields or model.SEALED_FIELDS)
    label = label or model._meta.label_lower
    base = model._base_manager
    queryset = base.filter(seal="") if pks is None else base.filter(pk__in=list(pks))
    count, batch = 0, []
    for pk, *values in queryset.order_by("pk").values_list("pk", *fields).iterator(
            chunk_size=batch_size):
        row = model(pk=pk)
        row.seal = record_seal(label, pk, dict(zip(fields, values, strict=True)))
        batch.append(row)
        if len(batch) >= batch_size:
            count += base.bulk_update(batch, ["seal"])
            batch = []
    if batch:
        count += base.bulk_update(batch, ["seal"])
    return count


def sealed_walk(stream: str, model, *, what: str) -> Iterator[Finding]:
    """Every row of a sealed model whose seal does not match its fields (or is missing)."""
    fields = tuple(model.SEALED_FIELDS)
    label = model._meta.label_lower
    rows = (model._base_manager.order_by("pk").values_list("pk", "seal", *fields)
            .iterator(chunk_size=5000))
    for pk, digest, *values in rows:
        content = dict(zip(fields, values, strict=True))
        if not digest:
            yield Finding(stream, f"{stream}:{pk}", "inserted", pk, None,
                          f"{what} {pk} was written without its seal")
        elif record_seal(label, pk, content) != digest:
            yield Finding(stream, f"{stream}:{pk}", "changed", pk, None,
                          f"{what} {pk} differs from what was written")


def row_seal_ok(row) -> bool:
    """Whether a sealed row, as loaded, still matches its seal (the fields read from the
    database again, so an instance changed in memory is judged by what is stored)."""
    model = type(row)
    fields = tuple(model.SEALED_FIELDS)
    values = model._base_manager.filter(pk=row.pk).values_list("seal", *fields).first()
    if values is None or not values[0]:
        return False
    digest, *content = values
    return record_seal(model._meta.label_lower, row.pk,
                       dict(zip(fields, content, strict=True))) == digest


class SealedQuerySet(models.QuerySet):
    """Writes through the ORM re-seal the rows they touched: bulk updates and inserts too."""

    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            if pks and "seal" not in kwargs:
                seal_rows(self.model, pks)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            objs = super().bulk_create(objs, *args, **kwargs)
            pks = [obj.pk for obj in objs if obj.pk is not None]
            seal_rows(self.model, pks if len(pks) == len(objs) else None)
        return objs


class SealedRecord(models.Model):
    """A row sealed on every save (SEALED_FIELDS name what the seal covers)."""

    SEALED_FIELDS: tuple[str, ...] = ()

    seal = models.CharField(max_length=64, blank=True, editable=False)

    objects = SealedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            seal_rows(type(self), [self.pk])
            self.seal = type(self)._base_manager.filter(pk=self.pk).values_list(
                "seal", flat=True).get()
