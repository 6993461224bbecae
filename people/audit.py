"""The audit log: one sealed row per staff action, appended to its organisation's hash chain.

Below the services (people.services re-exports `audit_record`) so that employment, which the
teacher services call, can audit its own changes without importing them back."""

from django.db import transaction

from . import chain
from .models import AuditEntry, Organisation


def audit_record(*, actor, action: str, organisation: Organisation, target: str = "",
                 detail: str = ""):
    """Append one staff action to the audit log (in the caller's transaction, so an action
    that rolls back leaves no entry), sealed onto its organisation's chain, and return it.
    `target` is a number, never a name. The action must be one of AuditEntry.Action (the
    registry of actions and their labels): an unknown one raises ValueError, nothing written."""
    if action not in AuditEntry.Action.values:
        raise ValueError(f"Unknown audit action {action!r}: declare it in people.models.AuditEntry.Action")
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "username", "") or "system")[:150], action=action,
        organisation=organisation, target=str(target)[:120], detail=str(detail)[:300])
    with transaction.atomic(savepoint=False):
        chain.chain_append([entry], key_of=chain.audit_key, content_of=chain.audit_content)
        entry.save(force_insert=True)
    return entry
