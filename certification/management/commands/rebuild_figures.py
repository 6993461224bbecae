"""Recompute the stored per-school staff figures (run after a bulk import written outside the
services, e.g. straight into the database)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from certification.selectors import figures_rebuild


class Command(BaseCommand):
    help = "Recompute the stored per-school figures of the last 24 month ends and today."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24)

    def handle(self, *args, months, **options):
        started = time.monotonic()
        rows = figures_rebuild(on=timezone.localdate(), months=months)
        self.stdout.write(f"{rows} school figures in {time.monotonic() - started:.1f} s")
