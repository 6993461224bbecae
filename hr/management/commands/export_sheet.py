"""Write an HR export to a file from the shell, through the same code as the desk's jobs."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from hr.exports import EXPORTS
from hr.selectors import DESK_ROLES
from hr.services import JobError, export_run_to_path
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
        parser.add_argument("--on", help="holding, hours: the figures as they stood on this date "
                                         "(YYYY-MM-DD; default today)")

    def handle(self, *args, kind, org, out, user, language=None, **options):
        params = {key: options[key] for key in ("level", "status", "role", "expiring_before", "term",
                                                "on")
                  if options.get(key)}
        if params.get("on"):
            try:
                date.fromisoformat(params["on"])
            except ValueError:
                raise CommandError(f"--on {params['on']!r} is not a date (YYYY-MM-DD).") from None
        unused = set(params) - set(EXPORTS[kind].filters)
        if unused:
            raise CommandError(f"The {kind} export has no filter {', '.join(sorted(unused))}.")
        actor = operator(user)
        try:
            organisation = Organisation.objects.get(code=org)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with code {org!r}.") from None
        if not user_is_staff_in_scope(actor, organisation, roles=DESK_ROLES):
            raise CommandError(f"{org} is outside {actor.get_username()}'s scope.")
        started = time.perf_counter()
        try:
            count = export_run_to_path(user=actor, sheet=kind, path=out, organisation=organisation,
                                       params=params, language=language)
        except (JobError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{kind}: {count} rows written to {out} in {time.perf_counter() - started:.1f} s"))
        if EXPORTS[kind].attachment is not None:
            from pathlib import Path

            self.stdout.write(f"and {Path(out).with_suffix('.' + EXPORTS[kind].attachment_ext)}")
