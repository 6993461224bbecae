"""Compute the stored per-school figures: what is missing (as the nightly job does), or, with
--full, everything (after a load written straight into the database, behind the services)."""

import time
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from certification.selectors import figures_rebuild


class Command(BaseCommand):
    help = ("Compute the stored per-school figures of the last 24 month ends and today that are "
            "missing; --full drops and recomputes them all.")

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--on", type=date.fromisoformat, default=None,
                            help="The last day (YYYY-MM-DD; default today).")
        parser.add_argument("--full", action="store_true",
                            help="Drop every stored figure first (after a load behind the services).")

    def handle(self, *args, months, full, on, **options):
        started = time.monotonic()
        rows = figures_rebuild(on=on or timezone.localdate(), months=months, full=full)
        self.stdout.write(f"{rows} school figures computed in {time.monotonic() - started:.1f} s")
