"""Reporting rounds: reports go up the tree, district → city → province.

A city (or province) HR opens a round: one of the snapshot sheets, as of one day, asked of some
organisations below it, due on a day. Each answers with a report snapshot (hr.snapshots) from
the round's page; the asker returns it with a comment (it is submitted again) or approves it.
An organisation that asked a round of its own for the same sheet and day answers upward with
the sum of its children's approved snapshots: their rows, summed, never computed again. Every
step is an audit line on the organisation's chain; nobody decides about their own submission.
"""

import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from people import purposes
from people.models import AuditEntry, Notice, Organisation, StaffRole
from people.selectors import organisation_scope, user_is_staff_in_scope
from people.services import audit_record, notices_close, notices_send_many

from .exports import HOLDING_KIND, export_language
from .models import ReportRound, ReportSnapshot, RoundSubmission
from .sheets.writing import Column, write_table
from .snapshots import (
    SNAPSHOT_LABELS,
    SNAPSHOT_SHEETS,
    SnapshotError,
    snapshot_params,
    snapshot_store,
    snapshot_submit,
)

# Reminders go out this many days before the due date (and on it, and after it), once a day.
REMIND_DAYS = 3


class RoundError(Exception):
    """A round cannot be opened or answered as asked; the message is for the user."""


def _topic(submission: RoundSubmission) -> str:
    return f"round:{submission.pk}"


def _submitters(organisation: Organisation) -> list[int]:
    """The users whose roles over `organisation` itself grant submitting its figures."""
    return list(StaffRole.objects.filter(organisation=organisation,
                                         role__in=tuple(purposes.REPORT_SUBMIT))
                .values_list("user_id", flat=True).distinct())


def _check_asker(user, organisation: Organisation) -> None:
    if not user_is_staff_in_scope(user, organisation, roles=purposes.REPORT_ROUND):
        raise PermissionDenied(_("Only the city's or province's HR run its reporting rounds"))


# --- Writes ------------------------------------------------------------------------------------


def round_open(*, user, organisation: Organisation, sheet: str, on: date, due_on: date,
               members: list[Organisation], language: str | None = None) -> ReportRound:
    """Open a round asking `members` (organisations below `organisation`) for `sheet` as of
    `on` by `due_on`; each member's HR get a notice."""
    _check_asker(user, organisation)
    if sheet not in SNAPSHOT_SHEETS:
        raise RoundError(_("This sheet cannot be submitted"))
    if not members:
        raise RoundError(_("Choose at least one organisation"))
    outside = [m.name for m in members
               if m.pk == organisation.pk or not m.path.startswith(organisation.path)]
    if outside:
        raise RoundError(_("Not below %(org)s: %(names)s") % {
            "org": organisation.name, "names": "、".join(outside)})
    if due_on < on:
        raise RoundError(_("The due date cannot be before the figures' date"))
    try:
        snapshot_params(sheet, on)
    except SnapshotError as exc:
        raise RoundError(str(exc)) from exc
    with transaction.atomic():
        round_ = ReportRound.objects.create(organisation=organisation, sheet=sheet, on=on,
                                            due_on=due_on, opened_by=user,
                                            language=export_language(language))
        submissions = RoundSubmission.objects.bulk_create(
            [RoundSubmission(round=round_, organisation=m) for m in members])
        audit_record(actor=user, action=AuditEntry.Action.REPORT_ROUND_OPEN,
                     organisation=organisation, target=sheet,
                     detail=f"round={round_.pk} on={on.isoformat()} due={due_on.isoformat()} "
                            f"asked={len(members)}")
        for submission in submissions:
            _notify(submission, Notice.Kind.REPORT_DUE)
    return round_


def _notify(submission: RoundSubmission, kind: str) -> None:
    round_ = submission.round
    label = SNAPSHOT_LABELS[round_.sheet]
    if kind == Notice.Kind.REPORT_RETURNED:
        title = _("%(sheet)s as of %(on)s returned: %(comment)s") % {
            "sheet": label, "on": round_.on.isoformat(), "comment": submission.comment}
    else:
        title = _("%(sheet)s as of %(on)s asked by %(org)s, due %(due)s") % {
            "sheet": label, "on": round_.on.isoformat(), "org": round_.organisation.name,
            "due": round_.due_on.isoformat()}
    notices_send_many(user_ids=_submitters(submission.organisation), kind=kind, title=title,
                      url=reverse("hr:round", args=[round_.pk]), topic=_topic(submission))


def round_submit(*, user, submission: RoundSubmission, now=None) -> ReportSnapshot:
    """Answer a round for one organisation, in one click: the sum of its own round's approved
    snapshots when it asked one for the same sheet and day, else the sheet computed now."""
    round_ = submission.round
    if submission.status not in RoundSubmission.OPEN:
        raise RoundError(_("Already submitted: it can be submitted again only once returned"))
    own = own_round(submission)
    with transaction.atomic():
        if own is not None:
            snapshot = round_sum_submit(user=user, round_=own, now=now)
        else:
            snapshot = snapshot_submit(user=user, sheet=round_.sheet,
                                       organisation=submission.organisation, on=round_.on,
                                       language=round_.language, now=now)
        RoundSubmission.objects.filter(pk=submission.pk).update(
            status=RoundSubmission.Status.SUBMITTED, snapshot=snapshot)
        notices_close(user_ids=_submitters(submission.organisation), topic=_topic(submission))
    submission.refresh_from_db()
    return snapshot


def _check_decider(user, submission: RoundSubmission) -> None:
    _check_asker(user, submission.round.organisation)
    if submission.status != RoundSubmission.Status.SUBMITTED or submission.snapshot is None:
        raise RoundError(_("Only a submitted report can be returned or approved"))
    # Nobody decides about their own submission, nor about the organisation they report for.
    if (submission.snapshot.submitted_by_id == user.pk
            or StaffRole.objects.filter(user=user, role__in=tuple(purposes.REPORT_SUBMIT),
                                        organisation__path__startswith=submission.organisation.path)
            .exists()):
        raise PermissionDenied(_("Nobody decides about their own submission"))


@transaction.atomic
def round_return(*, user, submission: RoundSubmission, comment: str) -> RoundSubmission:
    """Send a submission back with a comment: its HR see it and submit again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what is to be corrected"))
    _check_decider(user, submission)
    submission.status, submission.comment = RoundSubmission.Status.RETURNED, comment[:2000]
    submission.decided_by, submission.decided_at = user, timezone.now()
    submission.save(update_fields=["status", "comment", "decided_by", "decided_at"])
    audit_record(actor=user, action=AuditEntry.Action.REPORT_RETURN,
                 organisation=submission.organisation, target=submission.round.sheet,
                 detail=f"round={submission.round_id} snapshot={submission.snapshot_id} "
                        f"sha256={submission.snapshot.sha256}")
    _notify(submission, Notice.Kind.REPORT_RETURNED)
    return submission


@transaction.atomic
def round_approve(*, user, submission: RoundSubmission) -> RoundSubmission:
    """Accept a submission: its snapshot counts in the asker's sum."""
    _check_decider(user, submission)
    submission.status = RoundSubmission.Status.APPROVED
    submission.decided_by, submission.decided_at = user, timezone.now()
    submission.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=user, action=AuditEntry.Action.REPORT_APPROVE,
                 organisation=submission.organisation, target=submission.round.sheet,
                 detail=f"round={submission.round_id} snapshot={submission.snapshot_id} "
                        f"sha256={submission.snapshot.sha256}")
    return submission


def round_reminders_send(*, today: date) -> int:
    """Remind the HR of every organisation that has not answered a round due within
    REMIND_DAYS days (or overdue), once a day; returns the submissions reminded."""
    due = RoundSubmission.objects.filter(
        status__in=RoundSubmission.OPEN, round__due_on__lte=today + timedelta(days=REMIND_DAYS),
        round__due_on__gte=today - timedelta(days=30),
    ).exclude(reminded_on=today).select_related("round__organisation", "organisation")
    count = 0
    for submission in due:
        with transaction.atomic():
            if not RoundSubmission.objects.filter(pk=submission.pk).exclude(
                    reminded_on=today).update(reminded_on=today):
                continue  # another worker reminded it first
            with translation.override(submission.round.language):
                _notify(submission, Notice.Kind.REPORT_DUE)
            audit_record(actor=None, action=AuditEntry.Action.REPORT_REMIND,
                         organisation=submission.organisation, target=submission.round.sheet,
                         detail=f"round={submission.round_id} due={submission.round.due_on}")
        count += 1
    return count


# --- The sum of the children's approved snapshots ----------------------------------------------


def own_round(submission: RoundSubmission) -> ReportRound | None:
    """The round the answering organisation itself asked for the same sheet and day (its
    children's figures, which it sums upward), if any: the latest."""
    return (ReportRound.objects.filter(organisation=submission.organisation,
                                       sheet=submission.round.sheet, on=submission.round.on)
            .order_by("-opened_at").first())


def _is_total(row: list, width: int, total: str) -> bool:
    return any(cell == total for cell in row[:width])


def rows_sum(snapshots: list[ReportSnapshot], *, language: str, name: str) -> dict:
    """One table from the children's snapshot rows: theirs, in order (each child's total line
    kept as its subtotal), then a total line for `name` whose whole-number columns are the sum
    of the children's totals (of all their rows, where a sheet has none), and whose holding
    rates are the summed holders over the summed counted; other columns of the total are left
    empty. Nothing is read from the records."""
    sheet = snapshots[0].sheet
    first = snapshots[0].rows
    columns, kinds = first.get("columns", []), first.get("kinds", [])
    width = SNAPSHOT_SHEETS[sheet]
    with translation.override(language):
        total, subtotal = str(HOLDING_KIND["total"]), str(HOLDING_KIND["district"])
    rows, totals = [], []
    for snapshot in snapshots:
        own = [list(r) for r in snapshot.rows.get("rows", [])]
        marked = [r for r in own if _is_total(r, width, total)]
        totals += marked or own
        for r in marked:  # a child's total is a subtotal here, not counted again above
            if sheet == "holding":
                r[0], r[1], r[2] = subtotal, r[2] or snapshot.organisation.name, ""
            else:
                r[:width] = [f"{c} · {snapshot.organisation.name}" if c == total else c
                             for c in r[:width]]
        rows += own
    line = [None] * len(columns)
    line[0] = total
    for i, kind in enumerate(kinds):
        if kind == "int" and i >= width:
            line[i] = sum(r[i] or 0 for r in totals if i < len(r))
    if sheet == "holding":
        counted = 5  # kind, district, school, teachers, new teachers, counted
        line[1], line[2] = "", name
        for i in range(counted + 1, len(kinds)):
            if kinds[i] == "percent" and kinds[i - 1] == "int":
                line[i] = round(line[i - 1] / line[counted], 6) if line[counted] else None
    return {"columns": columns, "kinds": kinds, "rows": [*rows, line]}


def _xlsx(table: dict, *, title: str) -> bytes:
    def cell(value, kind):
        if kind == "date" and isinstance(value, str) and value:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return value
        return value

    columns = [Column(t, kind=k) for t, k in zip(table["columns"], table["kinds"], strict=False)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sum.xlsx"
        write_table(path, title=title, columns=columns,
                    rows=([cell(v, k) for v, k in zip(row, table["kinds"], strict=False)]
                          for row in table["rows"]))
        return path.read_bytes()


def round_sum_submit(*, user, round_: ReportRound, now=None) -> ReportSnapshot:
    """The asker's own snapshot for the round's sheet and day: the sum of every member's
    approved snapshot (refused while any member is not approved)."""
    submissions = list(round_.submissions.select_related("organisation", "snapshot"))
    waiting = [s.organisation.name for s in submissions
               if s.status != RoundSubmission.Status.APPROVED]
    if waiting:
        raise RoundError(_("Not yet approved: %(names)s") % {"names": "、".join(waiting)})
    if not user_is_staff_in_scope(user, round_.organisation, roles=purposes.REPORT_SUBMIT):
        raise PermissionDenied(_("Only district or city HR may submit figures for this organisation"))
    snapshots = [s.snapshot for s in submissions]
    for snapshot, s in zip(snapshots, submissions, strict=True):
        snapshot.organisation = s.organisation
    table = rows_sum(snapshots, language=round_.language, name=round_.organisation.name)
    with translation.override(round_.language):
        data = _xlsx(table, title=str(SNAPSHOT_LABELS[round_.sheet]))
    return snapshot_store(user=user, sheet=round_.sheet, organisation=round_.organisation,
                          on=round_.on, params=snapshots[0].params, language=round_.language,
                          table=table, data=data, now=now,
                          note=" sum=" + ",".join(s.sha256[:12] for s in snapshots))


# --- Reads -------------------------------------------------------------------------------------


def rounds_for_user(user):
    """The rounds the user's HR desk may see: those asked by an organisation of their round
    scope, and those asking an organisation they submit for."""
    asked = organisation_scope(user, roles=purposes.REPORT_ROUND)
    answering = organisation_scope(user, roles=purposes.REPORT_SUBMIT)
    return (ReportRound.objects.filter(organisation__in=asked)
            | ReportRound.objects.filter(submissions__organisation__in=answering)).distinct() \
        .select_related("organisation")


def round_get_for_user(user, pk) -> ReportRound:
    """One round the user may see, or 404."""
    try:
        found = rounds_for_user(user).filter(pk=pk).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


def round_children_choices(user, organisation: Organisation):
    """The organisations a round of `organisation` may ask: its children in the user's scope."""
    return organisation_scope(user, roles=purposes.REPORT_ROUND).filter(
        path__startswith=organisation.path, depth=organisation.depth + 1).order_by("path")
