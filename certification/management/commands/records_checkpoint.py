"""Write today's signed checkpoint of every chain head under the private root."""

from django.core.management.base import BaseCommand

from certification.checkpoints import records_checkpoint_write


class Command(BaseCommand):
    help = ("Sign today's checkpoint of every hash chain's head with the authority's key and "
            "keep it under PRIVATE_ROOT/records/checkpoints/ (verify_records compares with it).")

    def handle(self, *args, **options):
        checkpoint = records_checkpoint_write()
        self.stdout.write(self.style.SUCCESS(
            f"{len(checkpoint.heads)} chain heads signed in {checkpoint.path}."))
