"""Restore an archive made by `backup` into an empty installation, then check it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup archive into an empty database and data folder (or over this "
            "one with --replace), migrate it, then check the record chains and the figures.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true",
                            help="overwrite a database and data folder that are not empty")

    def handle(self, *args, archive, replace, **options):
        try:
            report = backup_restore(archive=archive, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Restored %(name)s (made %(at)s): the database and %(n)s files.")
                          % {"name": report.archive.name, "at": report.created_at,
                             "n": report.files})
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if report.records_problems:
            for line in report.records_problems[:50]:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write(_("Records: all %(n)s rows match their chains.")
                              % {"n": report.records_checked})
        if report.figures_differ:
            self.stdout.write(_("Figures on %(day)s differ from the backup's:")
                              % {"day": report.figures_on})
            for line in report.figures_differ[:50]:
                self.stdout.write(f"  {line}")
        elif report.figures_on:
            self.stdout.write(_("Figures on %(day)s: as recorded in the backup.")
                              % {"day": report.figures_on})
        if not report.clean:
            raise CommandError(_("The restored installation does not match its backup."))
        self.stdout.write(self.style.SUCCESS(_("Restore checked: records and figures as backed "
                                               "up.")))
