"""Preview (and with --commit, write) an HR import from the shell, with the desk's own services."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from hr.imports.registry import IMPORTERS
from hr.imports.rows import ImportHasErrors
from hr.sheets.errors import SheetRefused

from ._operator import operator


class Command(BaseCommand):
    help = ("Preview an Excel import (counts and each error as 'Row N · column: reason'); "
            "write it only with --commit. Exits non-zero when the file has errors. "
            "Prints in English, the shell's language, row errors included.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="write the rows (all or nothing)")
        parser.add_argument("--user", help="act as this user (their scope applies); "
                                           "default: the first superuser")
        parser.add_argument("--mark-left", action="store_true",
                            help="teachers: mark as left every teacher of the file's schools "
                                 "who is not in the file")
        parser.add_argument("--effective-on", type=date.fromisoformat, metavar="YYYY-MM-DD",
                            help="teachers: the day the roster's changes take effect where a row "
                                 "gives no 离职日期 / 调动日期 of its own (default: today)")

    def handle(self, *args, **options):
        # One language on the operator's screen: the summary lines below are English, so the
        # row errors and refusals are too.
        with translation.override("en"):
            return self._handle(*args, **options)

    def _handle(self, *args, kind, file, commit, user, mark_left=False, effective_on=None,
                **options):
        importer = IMPORTERS[kind]
        actor = operator(user)
        params = {"mark_left": True} if mark_left else {}
        if effective_on and kind == "teachers":
            params["effective_on"] = effective_on
        try:
            plan = importer.plan(path=file, user=actor, **params)
        except SheetRefused as exc:
            raise CommandError(exc.message) from None
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        counts = plan.counts()
        self.stdout.write(f"{kind}: {counts['rows']} rows (header on row {plan.header_row}): "
                          f"{counts['create']} to create, {counts['update']} to update, "
                          f"{counts['unchanged']} unchanged, {counts['errors']} errors")
        if getattr(plan, "effective_on", None):
            self.stdout.write(f"  changes take effect on {plan.effective_on.isoformat()} "
                              "(unless a row gives its own date)")
        for change in plan.updates[:20]:
            self.stdout.write(f"  update row {change['row']} {change['employee_no']}: " + ", ".join(
                f"{field} {old} -> {new}" for field, (old, new) in change["changes"].items()))
        if plan.leavers:
            self.stdout.write(f"  {len(plan.leavers)} teachers will be marked as left:")
            for t in plan.leavers:
                self.stdout.write(f"    {t['employee_no']} {t['name']} ({t['school']})")
        for error in plan.errors:
            self.stdout.write(f"  {error.line()}  [{error.value}]")
        if plan.errors:
            if plan.errors.total > len(plan.errors):
                self.stdout.write(f"  ... and {plan.errors.total - len(plan.errors)} more")
            raise CommandError(f"{plan.errors.total} errors: nothing written.")
        if not commit:
            self.stdout.write("Preview only: run again with --commit to write.")
            return
        try:
            result = importer.commit(path=file, user=actor, plan=plan, **params)
        except ImportHasErrors:
            raise CommandError("The file changed and now has errors: nothing written.") from None
        self.stdout.write(self.style.SUCCESS(
            "Written: " + ", ".join(f"{k} {v}" for k, v in result.items())))
