"""Write an HR export to a file from the shell, through the same code as the desk's jobs."""

import time
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from hr.exports import EXPORTS
from hr.services import JobError, export_run_to_path
from hr.snapshots import SNAPSHOT_SHEETS, SnapshotError, snapshot_submit
from people.models import Organisation
from people.selectors import user_is_staff_in_scope

from ._operator import operator


class Command(BaseCommand):
    help = ("Export an organisation's sheet (teachers, roster, holding, hours, workload, assignments, "
            "activation: new codes and a PDF of slips beside the .xlsx) to .xlsx.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(EXPORTS))
        parser.add_argument("--org", required=True, help="organisation code (its subtree is exported)")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--user", help="act as this user (their scope applies); "
                                           "default: the first superuser")
        parser.add_argument("--level", help="roster: only this certificate level (A, B, C)")
        parser.add_argument("--status", help="roster: active, expired, revoked or superseded")
        parser.add_argument("--role", help="roster, teachers, hours: only this role code")
        parser.add_argument("--expiring-before", help="roster: expiring before this date (YYYY-MM-DD)")
        parser.add_argument("--language", help="headers and labels in this language: zh-hans (default) or en")
        parser.add_argument("--term", help="workload: the term, e.g. 2024-autumn (default: the current one)")
        parser.add_argument("--on", help="holding, hours, staffing, assignments: the figures as they stood on "
                                         "this date "
                                         "(YYYY-MM-DD; default today)")
        parser.add_argument("--submit", action="store_true",
                            help="holding, staffing, hours, workload, parent_reach, assignments: "
                                 "submit the figures of --on as a report snapshot (kept byte for "
                                 "byte, its SHA-256 on the organisation's audit log), and write "
                                 "that very file to --out")

    def handle(self, *args, kind, org, out, user, language=None, submit=False, **options):
        params = {key: options[key] for key in ("level", "status", "role", "expiring_before", "term",
                                                "on")
                  if options.get(key)}
        if params.get("on"):
            try:
                date.fromisoformat(params["on"])
            except ValueError:
                raise CommandError(f"--on {params['on']!r} is not a date (YYYY-MM-DD).") from None
        unused = set(params) - set(EXPORTS[kind].filters)
        if unused and not submit:  # a submission takes --on for every sheet
            raise CommandError(f"The {kind} export has no filter {', '.join(sorted(unused))}.")
        actor = operator(user)
        try:
            organisation = Organisation.objects.get(code=org)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with code {org!r}.") from None
        purpose = EXPORTS[kind].purpose  # the scope this export reads
        if not user_is_staff_in_scope(actor, organisation, roles=purpose):
            raise CommandError(f"{org} is outside {actor.get_username()}'s scope.")
        if submit:
            self._submit(kind=kind, organisation=organisation, actor=actor, params=params, out=out,
                         language=language)
            return
        started = time.perf_counter()
        try:
            count = export_run_to_path(user=actor, sheet=kind, path=out, organisation=organisation,
                                       params=params, language=language)
        except (JobError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{kind}: {count} rows written to {out} in {time.perf_counter() - started:.1f} s"))
        if EXPORTS[kind].attachment is not None:
            self.stdout.write(f"and {Path(out).with_suffix('.' + EXPORTS[kind].attachment_ext)}")

    def _submit(self, *, kind, organisation, actor, params, out, language):
        """Submit the sheet for --on (the term it falls in, for workload and parent reach)."""
        if kind not in SNAPSHOT_SHEETS:
            raise CommandError(f"The {kind} export cannot be submitted "
                               f"(only {', '.join(sorted(SNAPSHOT_SHEETS))}).")
        if set(params) != {"on"}:
            raise CommandError("--submit takes the day with --on YYYY-MM-DD and no other filter.")
        try:
            snapshot = snapshot_submit(user=actor, sheet=kind, organisation=organisation,
                                       on=date.fromisoformat(params["on"]), language=language)
        except (SnapshotError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        with snapshot.file.open("rb") as handle:
            Path(out).write_bytes(handle.read())
        self.stdout.write(self.style.SUCCESS(
            f"{kind} of {organisation.code} on {snapshot.on} submitted as snapshot {snapshot.pk}: "
            f"sha256 {snapshot.sha256}, written to {out}"))
