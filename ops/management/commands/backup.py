"""Write one dated archive of the installation (database, media, private files) and print its
path."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ops.backup import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = ("Back up the database, media and private files into one dated archive with a "
            "manifest of checksums; print its path.")

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None,
                            help="folder for the archive (default: DJANGO_BACKUP_DIR)")
        parser.add_argument("--prune", action="store_true",
                            help="then keep 7 daily, 4 weekly and 12 monthly archives there")

    def handle(self, *args, out, prune, **options):
        out = out or Path(settings.BACKUP_DIR)
        try:
            path = backup_create(out_dir=out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
        if prune:
            for old in backups_prune(directory=out):
                self.stderr.write(_("removed %(name)s") % {"name": old.name})
