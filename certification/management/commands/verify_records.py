"""Walk the hash chains of the hours ledger, certificate events and audit log against their
heads and the latest signed checkpoint, check every sealed row (certificates, applications,
declarations, completions, attendance), and name every row changed, inserted or removed behind
the services' back."""

from django.core.management.base import BaseCommand, CommandError

from certification.records import records_check_run


class Command(BaseCommand):
    help = ("Check the hash chains of training entries, certificate events and audit entries; "
            "exit 1 and list each row changed, inserted or removed outside the services.")

    def add_arguments(self, parser):
        parser.add_argument("--no-alert", action="store_true",
                            help="Do not keep the result (no alert on the HR desk).")

    def handle(self, *args, no_alert=False, **options):
        if no_alert:
            from certification.records import records_verify

            checked, findings = records_verify()
            problems = [f.__dict__ for f in findings]
        else:
            check = records_check_run()
            checked, problems = check.rows, check.findings
        for f in problems:
            row = (f"row {f['pk']}" if f["pk"] else
                   f"position {f['seq']}" if f["seq"] else "file")
            self.stdout.write(f"{f['problem'].upper():9} {f['stream']:6} {f['chain']:16} "
                              f"{row}: {f['detail']}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} rows checked.")
        self.stdout.write(self.style.SUCCESS(f"All {checked} rows match their chains."))
