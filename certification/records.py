"""Tamper-evident history: the hash chains of the hours ledger (one per teacher) and of
certificate events (one per holder), sealed by the services that write them, and the walk
that checks them together with the audit log's chains (people.chain)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from courses.models import CourseCompletion, LiveAttendance
from people import chain
from people.models import AuditEntry, ChainHead

from .checkpoints import checkpoint_latest
from .models import Application, Certificate, CertificateEvent, HourDeclaration, RecordsCheck, TrainingEntry
from .selectors.figures import figures_teachers_changed
from .signals import certificate_events_recorded

LEDGER_FIELDS = ("teacher_id", "source", "hours", "date", "title", "reference", "reason",
                 "recorded_by_id", "created_at")
EVENT_FIELDS = ("certificate_id", "kind", "actor_id", "at", "note")
# Enough to act on; a run that finds more says how many in problem_count.
FINDINGS_KEPT = 500


def ledger_key(entry) -> str:
    return f"ledger:{entry.teacher_id}"


# Sealed too on lines written since hour categories exist (`category_sealed`); a line whose
# flag is cleared afterwards no longer matches its seal.
LEDGER_CATEGORY_FIELDS = ("category_sealed", "category_id")


def ledger_content(entry) -> dict:
    content = {name: getattr(entry, name) for name in LEDGER_FIELDS}
    if getattr(entry, "category_sealed", False):
        content.update({name: getattr(entry, name) for name in LEDGER_CATEGORY_FIELDS})
    return content


def event_key(event) -> str:
    teacher_id = getattr(event, "chain_teacher_id", None) or event.certificate.teacher_id
    return f"events:{teacher_id}"


def event_content(event) -> dict:
    return {name: getattr(event, name) for name in EVENT_FIELDS}


def training_entries_append(entries: list[TrainingEntry]) -> list[TrainingEntry]:
    """Seal new ledger entries onto their teachers' chains and insert them (one transaction);
    many at once (a pushed batch) are inserted in bulk."""
    with transaction.atomic(savepoint=False):
        chain.chain_append(entries, key_of=ledger_key, content_of=ledger_content)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        elif entries:
            TrainingEntry.objects.bulk_create(entries)
        # Hours move pace from their day on: the stored figures of those days go.
        figures_teachers_changed((entry.teacher_id, entry.date) for entry in entries)
    return entries


def certificate_events_append(events: list[CertificateEvent]) -> list[CertificateEvent]:
    """Seal new certificate events onto their holders' chains and insert them."""
    with transaction.atomic(savepoint=False):
        chain.chain_append(events, key_of=event_key, content_of=event_content)
        CertificateEvent.objects.bulk_create(events)

        certificate_events_recorded.send(sender=CertificateEvent, events=events)
    return events


def records_backfill() -> dict:
    """Seal rows written without a seal by bulk loaders (the demo city): run right after them."""
    return {
        "ledger": chain.backfill(TrainingEntry._base_manager.all(), key_of=ledger_key,
                                 content_of=ledger_content, order=("teacher_id", "pk")),
        "events": chain.backfill(CertificateEvent._base_manager.select_related("certificate"),
                                 key_of=event_key, content_of=event_content,
                                 order=("certificate__teacher_id", "pk")),
        "audit": chain.backfill(AuditEntry._base_manager.all(), key_of=chain.audit_key,
                                content_of=chain.audit_content, order=("organisation_id", "pk")),
    }


# --- The walk ----------------------------------------------------------------------------------


def _ledger_rows() -> Iterator[chain.RowSeal]:
    fields = ("pk", "chain_seq", "prev_digest", "digest", *LEDGER_CATEGORY_FIELDS,
              *LEDGER_FIELDS)
    rows = (TrainingEntry._base_manager.order_by("teacher_id", "chain_seq", "pk")
            .values_list(*fields).iterator(chunk_size=5000))
    for pk, seq, prev, digest, sealed, category, *values in rows:
        content = dict(zip(LEDGER_FIELDS, values, strict=True))
        if sealed:
            content.update(category_sealed=sealed, category_id=category)
        yield chain.RowSeal(pk, f"ledger:{content['teacher_id']}", seq, prev, digest, content,
                            f"training entry {pk} ({content['date']}, {content['hours']} h)")


def _event_rows() -> Iterator[chain.RowSeal]:
    fields = ("pk", "certificate__teacher_id", "chain_seq", "prev_digest", "digest",
              *EVENT_FIELDS)
    rows = (CertificateEvent._base_manager
            .order_by("certificate__teacher_id", "chain_seq", "pk")
            .values_list(*fields).iterator(chunk_size=5000))
    for pk, teacher_id, seq, prev, digest, *values in rows:
        content = dict(zip(EVENT_FIELDS, values, strict=True))
        yield chain.RowSeal(pk, f"events:{teacher_id}", seq, prev, digest, content,
                            f"certificate event {pk} ({content['kind']}, certificate "
                            f"{content['certificate_id']})")


def _audit_rows() -> Iterator[chain.RowSeal]:
    fields = ("pk", "chain_seq", "prev_digest", "digest", *chain.AUDIT_FIELDS)
    rows = (AuditEntry._base_manager.order_by("organisation_id", "chain_seq", "pk")
            .values_list(*fields).iterator(chunk_size=5000))
    for pk, seq, prev, digest, *values in rows:
        content = dict(zip(chain.AUDIT_FIELDS, values, strict=True))
        yield chain.RowSeal(pk, f"audit:{content['organisation_id']}", seq, prev, digest,
                            content, f"audit entry {pk} ({content['action']})")


class _Counted:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _sealed_models() -> list[tuple[str, type, str]]:
    """The rows sealed in place: (stream, model, what a finding calls one)."""
    return [("certificates", Certificate, "certificate"),
            ("applications", Application, "certificate application"),
            ("declarations", HourDeclaration, "hours declaration"),
            ("completions", CourseCompletion, "course completion"),
            ("attendance", LiveAttendance, "live attendance")]


# The hook an app above registers to have its sealed records walked with these: a function
# returning (rows checked, findings).
RECORDS_VERIFIERS = "xinyu_records_verify"


def records_verify() -> tuple[int, list[chain.Finding]]:
    """Walk every chain against its head and the latest signed checkpoint, then every sealed
    row; returns the rows checked and every finding (changed, inserted, removed rows),
    streaming the tables in order so memory stays flat."""
    findings: list[chain.Finding] = []
    latest, broken = checkpoint_latest()
    findings.extend(broken)
    marks = latest.heads if latest else {}
    since = f"the checkpoint of {latest.day}" if latest else ""
    checked = 0
    for stream, rows, prefix in (("ledger", _ledger_rows(), "ledger:"),
                                 ("events", _event_rows(), "events:"),
                                 ("audit", _audit_rows(), "audit:")):
        counted = _Counted(rows)
        stream_marks = {key: mark for key, mark in marks.items() if key.startswith(prefix)}
        findings.extend(chain.walk(stream, counted, chain.heads_of(prefix),
                                   checkpoint=stream_marks, since=since))
        checked += counted.count
    for stream, model, what in _sealed_models():
        findings.extend(chain.sealed_walk(stream, model, what=what))
        checked += model._base_manager.count()
    # Records of the apps above (hr's report snapshots: each row's seal, its stored file's hash
    # and its audit line), through their hooks: certification does not import them.
    for verify in hooks.get_hooks(RECORDS_VERIFIERS):
        more_checked, more_findings = verify()
        findings.extend(more_findings)
        checked += more_checked
    return checked, findings


def records_check_run() -> RecordsCheck:
    """Walk the chains and keep the outcome: a check with problems alerts city HR on the desk."""
    checked, findings = records_verify()
    return RecordsCheck.objects.create(
        rows=checked, problem_count=len(findings),
        findings=[f.__dict__ for f in findings[:FINDINGS_KEPT]])


STREAM_LABELS = {"ledger": _("Training hours"), "events": _("Certificate history"),
                 "audit": _("Audit log"), "certificates": _("Certificates"),
                 "applications": _("Certificate applications"),
                 "declarations": _("Hours declarations"), "completions": _("Course completions"),
                 "attendance": _("Live attendance"), "checkpoint": _("Daily checkpoints"),
                 "snapshots": _("Report snapshots")}
PROBLEM_LABELS = {"changed": _("changed"), "inserted": _("inserted outside the platform"),
                  "removed": _("removed"), "duplicate": _("inserted outside the platform")}


def records_alert_latest(*, limit: int = 20) -> dict | None:
    """The latest check when it found problems, with its first findings labelled for the HR
    desk (city HR), or None when the latest check found every chain intact."""
    latest = RecordsCheck.objects.first()
    if not latest or not latest.problem_count:
        return None
    rows = [{**f, "stream_label": STREAM_LABELS.get(f["stream"], f["stream"]),
             "problem_label": PROBLEM_LABELS.get(f["problem"], f["problem"])}
            for f in latest.findings[:limit]]
    return {"check": latest, "findings": rows}


__all__ = ["ChainHead", "certificate_events_append", "records_backfill", "records_check_run",
           "records_verify", "training_entries_append"]
