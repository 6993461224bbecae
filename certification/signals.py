"""What happened to certificates and declarations, for whoever listens (the API's webhooks).
Sent inside the writing transaction; listeners act on commit."""

from django.dispatch import Signal

# events: the CertificateEvent rows just appended (issued, renewed, revoked, expired …).
certificate_events_recorded = Signal()
# declaration: the HourDeclaration just approved or returned.
declaration_decided = Signal()
