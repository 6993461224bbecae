"""manage.py api_key create --name NAME --org CODE --purpose P [--purpose P …]: a service
account and its first key, printed once. `rotate --name NAME` revokes its keys and prints a new one."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from people.models import Organisation

from ...models import ServiceAccount
from ...services import api_key_issue, api_key_rotate, purposes_available, service_account_create


class Command(BaseCommand):
    help = "Create a service account of the API with a key, or rotate its keys."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "rotate"])
        parser.add_argument("--name", required=True)
        parser.add_argument("--org", help="organisation code")
        parser.add_argument("--purpose", action="append", default=[], dest="purposes")
        parser.add_argument("--rate", type=int, default=600, help="calls per minute")

    def handle(self, *args, action, name, org, purposes, rate, **options):
        if action == "rotate":
            account = ServiceAccount.objects.filter(name=name).first()
            if account is None:
                raise CommandError(f"No service account named {name!r}.")
            self.stdout.write(api_key_rotate(account=account))
            return
        organisation = Organisation.objects.filter(code=org or "").first()
        if organisation is None:
            raise CommandError(f"No organisation with code {org!r}.")
        try:
            account = service_account_create(name=name, organisation=organisation,
                                             purpose_keys=purposes, rate_per_minute=rate)
        except ValidationError as error:
            available = ", ".join(p.key for p in purposes_available(organisation))
            raise CommandError(f"{'; '.join(error.messages)} (available: {available})") from None
        self.stdout.write(api_key_issue(account=account))
