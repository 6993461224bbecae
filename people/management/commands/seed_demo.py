"""Build the demo city, then let every installed app that has a `demo` module add its part."""

import time
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone

from people import demo
from people.roles import role_groups_sync


class Command(BaseCommand):
    help = "Build a believable demo city (idempotent). --teachers N scales it for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=600,
                            help="generated teachers besides the demo accounts (default 600)")
        parser.add_argument("--people-only", action="store_true",
                            help="only organisations, teachers and accounts (for benchmarks)")

    def handle(self, *args, teachers, people_only, **options):
        started = time.monotonic()
        today = timezone.localdate()  # every app's demo dates follow the day it is seeded
        role_groups_sync()  # the staff groups as people/roles.py declares them (migrate does too)
        if find_spec("hr.demo") and apps.is_installed("hr"):
            # The tree comes through the organisation import, as a district's own would.
            import_module("hr.demo").organisations_seed(stdout=self.stdout)
        city = demo.seed(teachers=teachers, stdout=self.stdout, today=today)
        self.stdout.write(
            f"people: {len(city.schools)} schools, {teachers} teachers "
            f"({city.teachers_created} new) in {time.monotonic() - started:.1f} s"
        )
        if not people_only:
            for config in apps.get_app_configs():
                if config.name == "people" or not find_spec(f"{config.name}.demo"):
                    continue
                module = import_module(f"{config.name}.demo")
                if not hasattr(module, "seed"):
                    continue
                step = time.monotonic()
                module.seed(city=city, stdout=self.stdout, today=today)
                self.stdout.write(f"{config.label}: done in {time.monotonic() - step:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {time.monotonic() - started:.1f} s."))
        self.stdout.write(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
        for key, user in city.accounts.items():
            self.stdout.write(f"  {key:<13} {user.username:<12} {user.email}")
        if city.activation_codes:
            self.stdout.write("Teachers without e-mail, to activate at /accounts/activate/ (工号 激活码):")
            for number, code in city.activation_codes:
                self.stdout.write(f"  {number:<13} {code}")
