"""Write an HR export to a file from the shell, through the same code as the desk's jobs."""

import time

from django.core.management.base import BaseCommand, CommandError

from hr.exports import EXPORTS, ExportNotAvailable, export_available
from hr.services import export_run_to_path
from people.models import Organisation
from people.selectors import user_is_staff_in_scope

from ._operator import operator


class Command(BaseCommand):
    help = "Export an organisation's sheet (teachers, roster, holding, hours, workload, assignments) to .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(EXPORTS))
        parser.add_argument("--org", required=True, help="organisation code (its subtree is exported)")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--user", help="act as this user (their scope applies); "
                                           "default: the first superuser")

    def handle(self, *args, kind, org, out, user, **options):
        if not export_available(kind):
            raise CommandError(f"The {kind} export is not available yet "
                               "(its app's selectors are not installed).")
        actor = operator(user)
        try:
            organisation = Organisation.objects.get(code=org)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with code {org!r}.") from None
        if not user_is_staff_in_scope(actor, organisation):
            raise CommandError(f"{org} is outside {actor.get_username()}'s scope.")
        started = time.perf_counter()
        try:
            count = export_run_to_path(user=actor, sheet=kind, path=out, organisation=organisation)
        except ExportNotAvailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{kind}: {count} rows written to {out} in {time.perf_counter() - started:.1f} s"))
