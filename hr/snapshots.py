"""Report snapshots: a sheet of figures submitted upward for an organisation and a day.

District and city HR submit one of the desk's export sheets (holding, staffing, hours, workload,
parent reach, completion) for an organisation and a date. The file is written by the export
machinery itself (the same rows, the same writer as the desk's export job), kept byte for byte
under the private storage, and its SHA-256 goes onto the organisation's audit chain. Later the
same sheet can be computed again for the same organisation and day and compared with the
submitted rows: each row that moved, with the changes entered since the submission that touch
it (a back-dated leaving, a transfer, a certificate revoked …). `verify_records` checks that
the stored file still hashes to what was submitted and audited.
"""

import dataclasses
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certification.workload.selectors import workload_term_containing, workload_term_recent
from people import chain, purposes
from people.models import AuditEntry, Employment, Organisation, Teacher
from people.selectors import organisation_scope
from people.services import audit_record

from .exports import EXPORTS, export_language
from .models import ReportSnapshot
from .selectors import DESK_ROLES
from .sheets.writing import write_table

# The sheets that can be submitted, and how many of their leading columns name a row (hr.exports:
# each kind's key_columns), and their labels (the kind's own).
SNAPSHOT_SHEETS: dict[str, int] = {key: kind.key_columns for key, kind in EXPORTS.items() if kind.key_columns}
SNAPSHOT_LABELS = {key: EXPORTS[key].label for key in SNAPSHOT_SHEETS}
# Audit actions that never move a figure: not reasons for a difference.
NOT_REASONS = (AuditEntry.Action.EXPORT, AuditEntry.Action.REPORT_SUBMIT,
               AuditEntry.Action.DATA_EXPORT, AuditEntry.Action.ACTIVATION_ISSUE,
               AuditEntry.Action.ACTIVATION_USE, AuditEntry.Action.STAFF_ROLE_GRANT,
               AuditEntry.Action.STAFF_ROLE_REVOKE, AuditEntry.Action.REPORT_ROUND_OPEN,
               AuditEntry.Action.REPORT_RETURN, AuditEntry.Action.REPORT_APPROVE,
               AuditEntry.Action.REPORT_REMIND)


class SnapshotError(Exception):
    """A snapshot cannot be submitted as asked; the message is for the user."""


def snapshot_params(sheet: str, on: date) -> dict:
    """The export's parameters for the figures of `on`: the day itself, or the term it falls in
    (workload, parent reach; the last term begun by then between terms)."""
    if sheet in ("holding", "staffing", "hours", "assignments"):
        return {"on": on.isoformat()}
    if sheet in ("workload", "parent_reach"):
        term = workload_term_containing(on) or next(iter(workload_term_recent(today=on, count=1)), None)
        if term is None:
            raise SnapshotError(_("No term contains %(day)s") % {"day": on.isoformat()})
        return {"term": term.slug}
    return {}


def cell_json(value):
    """One cell as JSON keeps it (dates as ISO text, decimals as numbers)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _compute(*, user, sheet: str, organisation: Organisation, params: dict) -> tuple[dict, bytes]:
    """The sheet's columns, their kinds and rows (as JSON), and its .xlsx bytes, by the desk's
    export code, in the active language."""
    kind = EXPORTS[sheet]
    _total, rows = kind.rows(user=user, organisation=organisation, **params)
    rows = list(rows)
    header = kind.get_columns()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{sheet}.xlsx"
        write_table(path, title=kind.title, columns=header, rows=rows,
                    more_sheets=kind.extra_sheets(user=user, organisation=organisation, **params))
        data = path.read_bytes()
    return {"columns": [str(c.title) for c in header], "kinds": [c.kind for c in header],
            "rows": [[cell_json(v) for v in row] for row in rows]}, data


def _check_submitter(user, organisation: Organisation) -> None:
    if not organisation_scope(user, roles=purposes.REPORT_SUBMIT).filter(pk=organisation.pk).exists():
        raise PermissionDenied(_("Only district or city HR may submit figures for this organisation"))


def snapshot_submit(*, user, sheet: str, organisation: Organisation, on: date,
                    language: str | None = None, now=None) -> ReportSnapshot:
    """Compute the sheet for the organisation and day, keep the file and its rows, and record
    its SHA-256 on the organisation's audit chain (one transaction)."""
    if sheet not in SNAPSHOT_SHEETS:
        raise SnapshotError(_("This sheet cannot be submitted"))
    _check_submitter(user, organisation)
    language = export_language(language)
    params = snapshot_params(sheet, on)
    with translation.override(language):
        table, data = _compute(user=user, sheet=sheet, organisation=organisation, params=params)
    return snapshot_store(user=user, sheet=sheet, organisation=organisation, on=on, params=params,
                          language=language, table=table, data=data, now=now)


def snapshot_store(*, user, sheet: str, organisation: Organisation, on: date, params: dict,
                   language: str, table: dict, data: bytes, now=None,
                   note: str = "") -> ReportSnapshot:
    """Keep a submitted sheet (its file and rows) and put its SHA-256 on the organisation's
    audit chain, in one transaction (the computed and the summed submissions alike)."""
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        entry = audit_record(actor=user, action=AuditEntry.Action.REPORT_SUBMIT,
                             organisation=organisation, target=sheet,
                             detail=f"on={on.isoformat()} sha256={digest}{note}")
        snapshot = ReportSnapshot(
            organisation=organisation, sheet=sheet, on=on, params=params, language=language,
            submitted_by=user, submitted_by_name=user.get_username()[:150],
            submitted_at=now or timezone.now(), sha256=digest,
            rows=table, audit_entry=entry)
        snapshot.file.save("snapshot.xlsx", ContentFile(data), save=False)
        try:
            snapshot.save()
        except Exception:
            snapshot.file.delete(save=False)
            raise
    return snapshot


# --- Reads -----------------------------------------------------------------------------------


def snapshot_list_for_user(user, *, organisation: Organisation | None = None):
    """The snapshots of organisations in the user's HR-desk scope (or one organisation in it)."""
    scope = organisation_scope(user, roles=DESK_ROLES)
    snapshots = ReportSnapshot.objects.filter(organisation__in=scope).select_related("organisation")
    if organisation is not None:
        snapshots = snapshots.filter(organisation=organisation)
    return snapshots


def snapshot_get_for_user(user, pk) -> ReportSnapshot:
    """One snapshot, or 404 when it does not exist or lies outside the user's desk scope."""
    try:
        snapshot = snapshot_list_for_user(user).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        snapshot = None
    if snapshot is None:
        raise Http404
    return snapshot


def snapshot_bytes(snapshot: ReportSnapshot) -> bytes:
    with snapshot.file.open("rb") as handle:
        return handle.read()


# --- Comparing with today's computation ------------------------------------------------------


def cell_display(value, kind: str) -> str:
    """A cell as the sheet shows it: rates as percentages, empty cells as a dash."""
    if value is None or value == "":
        return "—"
    if kind == "percent" and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    return str(value)


@dataclass
class CellChange:
    column: str
    old: object
    new: object
    kind: str = "text"

    @property
    def old_display(self) -> str:
        return cell_display(self.old, self.kind)

    @property
    def new_display(self) -> str:
        return cell_display(self.new, self.kind)


@dataclass
class RowChange:
    key: tuple
    status: str  # "changed", "added", "removed"
    cells: list[CellChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def key_display(self) -> str:
        return " · ".join(str(part) for part in self.key if part not in ("", None))

    @property
    def status_label(self) -> str:
        return {"changed": _("Changed"), "added": _("New row"), "removed": _("Row gone")}[self.status]


@dataclass
class Comparison:
    snapshot: ReportSnapshot
    columns: list[str]
    changes: list[RowChange]
    # Changes entered since the submission in the organisation, whether or not a row names them.
    reasons: list[str]

    @property
    def unchanged(self) -> bool:
        return not self.changes


BACK_DATED = re.compile(r"^(\w+) (\d{4}-\d{2}-\d{2}) \(back-dated, entered (\d{4}-\d{2}-\d{2})\)$")


def _reason_text(entry: AuditEntry) -> str:
    """What an audit line says changed, in words: a back-dated employment change names its
    date and the day it was entered."""
    found = BACK_DATED.match(entry.detail or "") if entry.action == AuditEntry.Action.EMPLOYMENT_CHANGE else None
    if found:
        status, on, entered = found.groups()
        kinds = {Teacher.Status.LEFT: _("leaving"), Teacher.Status.TRANSFERRED: _("transfer"),
                 Teacher.Status.RETIRED: _("retirement"),
                 # Still in post: her school or posts changed on that day.
                 Teacher.Status.ACTIVE: _("transfer or post change")}
        return _("%(org)s: back-dated %(change)s (effective %(on)s) entered on %(entered)s, "
                 "employee %(number)s") % {
            "org": entry.organisation.name, "change": kinds.get(status, status), "on": on,
            "entered": entered, "number": entry.target}
    entered = timezone.localtime(entry.at).date().isoformat()
    return _("%(org)s: %(action)s entered on %(entered)s (%(target)s %(detail)s)") % {
        "org": entry.organisation.name, "action": entry.get_action_display(), "entered": entered,
        "target": entry.target, "detail": entry.detail}


def _later_entries(snapshot: ReportSnapshot) -> list[AuditEntry]:
    """Audit lines entered after the submission (later on the chain's sequence of ids, not the
    clock) in the snapshot's organisation's subtree that may move a figure."""
    after = snapshot.audit_entry_id or 0
    path = snapshot.organisation.path
    # A rule set above the organisation (the city's staffing rules) applies to it too.
    above = [path[:n] for n in range(4, len(path), 4)]
    return list(AuditEntry.objects
                .filter(Q(organisation__path__startswith=path)
                        | Q(organisation__path__in=above, action=AuditEntry.Action.RULE_CHANGE),
                        pk__gt=after)
                .exclude(action__in=NOT_REASONS).select_related("organisation").order_by("pk"))


def _names_touched(entry: AuditEntry, ancestors: dict[str, str], served: dict[str, set[str]]) -> set[str]:
    """The organisation names (its own and those above it) and the record an entry touches;
    an employment change touches every school the teacher served at (a transfer, both)."""
    paths = {entry.organisation.path, *served.get(entry.target, ())}
    names = {ancestors[path[:n]] for path in paths for n in range(4, len(path) + 1, 4)
             if path[:n] in ancestors}
    return names | {entry.organisation.name, entry.target}


def snapshot_compare(snapshot: ReportSnapshot, *, user) -> Comparison:
    """Compute the snapshot's sheet again for its organisation and day, in the sheet's language
    and the user's desk scope, and name the rows that differ and the later changes that touch them."""
    with translation.override(snapshot.language):
        table, _data = _compute(user=user, sheet=snapshot.sheet,
                                organisation=snapshot.organisation, params=snapshot.params)
        rows = table["rows"]
        width = SNAPSHOT_SHEETS[snapshot.sheet]
        old = {tuple(r[:width]): r for r in snapshot.rows.get("rows", [])}
        new = {tuple(r[:width]): r for r in rows}
        titles = snapshot.rows.get("columns", table["columns"])
        kinds = snapshot.rows.get("kinds", table["kinds"])
        changes = []
        for key in [*old, *[k for k in new if k not in old]]:
            before, after = old.get(key), new.get(key)
            if before is None:
                changes.append(RowChange(key, "added"))
            elif after is None:
                changes.append(RowChange(key, "removed"))
            elif before != after:
                cells = [CellChange(titles[i] if i < len(titles) else str(i), b, a,
                                    kinds[i] if i < len(kinds) else "text")
                         for i, (b, a) in enumerate(zip(before, after, strict=False)) if b != a]
                changes.append(RowChange(key, "changed", cells))
    # The reasons read in the reader's language; the rows are the sheet's, in its own.
    entries = _later_entries(snapshot)
    served: dict[str, set[str]] = {}
    for number, path in Employment.objects.filter(
            teacher__employee_no__in={e.target for e in entries
                                      if e.action == AuditEntry.Action.EMPLOYMENT_CHANGE}
    ).values_list("teacher__employee_no", "organisation__path"):
        served.setdefault(number, set()).add(path)
    paths = {path[:n] for path in [*(e.organisation.path for e in entries),
                                   *(p for ps in served.values() for p in ps)]
             for n in range(4, len(path) + 1, 4)}
    ancestors = dict(Organisation.objects.filter(path__in=paths).values_list("path", "name"))
    touched = [(e, _names_touched(e, ancestors, served)) for e in entries]
    reasons = [_reason_text(e) for e in entries]
    everywhere = {e.pk for e in entries if e.action == AuditEntry.Action.RULE_CHANGE
                  and snapshot.organisation.path.startswith(e.organisation.path)}
    for change in changes:
        keys = {str(k) for k in change.key if k}
        # A rule over the whole organisation (or above it) may move any of its rows.
        change.reasons = [text for (e, names), text in zip(touched, reasons, strict=True)
                          if names & keys or e.pk in everywhere]
    return Comparison(snapshot, titles, changes, reasons)


# --- verify_records --------------------------------------------------------------------------


def snapshots_verify():
    """Every snapshot whose row, file or audit line no longer match: the row's seal, the stored
    file's SHA-256 against the submission's, and the audit line's against both."""
    # Findings are kept as JSON (the desk's alert): the row's id as text.
    for finding in chain.sealed_walk("snapshots", ReportSnapshot, what="report snapshot"):
        yield dataclasses.replace(finding, pk=str(finding.pk))
    for snapshot in ReportSnapshot._base_manager.select_related("audit_entry").order_by("pk").iterator(
            chunk_size=500):
        where = f"report snapshot {snapshot.pk} ({snapshot.sheet} {snapshot.on})"
        try:
            digest = hashlib.sha256(snapshot_bytes(snapshot)).hexdigest()
        except OSError:
            yield chain.Finding("snapshots", f"snapshots:{snapshot.pk}", "removed", str(snapshot.pk),
                                None, f"{where}: its file is missing")
            continue
        if digest != snapshot.sha256:
            yield chain.Finding("snapshots", f"snapshots:{snapshot.pk}", "changed", str(snapshot.pk),
                                None, f"{where}: its file differs from what was submitted")
        entry = snapshot.audit_entry
        if entry is None or f"sha256={snapshot.sha256}" not in entry.detail:
            yield chain.Finding("snapshots", f"snapshots:{snapshot.pk}", "changed", str(snapshot.pk),
                                None, f"{where}: its audit line does not name its hash")
