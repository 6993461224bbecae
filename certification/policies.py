"""The shipped policies are examples until city HR confirm them (the C target of 80 % is
Nansha's achievement, not a rule): the list of policies, the first-run checklist, and the one
write that confirms one for a city.

A policy is confirmed per city (the city at or above an organisation; without one, the top of
the tree). Until every policy is confirmed the staff dashboards show a banner.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from people import purposes
from people.models import AuditEntry, Organisation
from people.selectors import ancestor_paths, organisation_scope
from people.services import audit_record

from .models import PolicyConfirmation


@dataclass(frozen=True)
class Policy:
    key: str
    label: str
    example: str  # what ships, in words
    admin: str  # the admin listing where it is edited (URL name)


POLICIES = (
    Policy("holding_targets", _("Holding targets"),
           _("Level C 80 %: Nansha's achievement, not a rule."), "holding_targets:index"),
    Policy("staffing_rules", _("Counsellor staffing rules"),
           _("Nansha's: one full-time counsellor in secondary schools (初中, 高中, 中职) of 1,000 "
             "students or more and in primary schools of 1,200 or more."), "staffing_rules:index"),
    Policy("cycle_hours", _("Continuing-education hours"),
           _("360 hours in a 5-year cycle from 2021, pace pro-rated by day, no grace period."),
           "cycle_policies:index"),
    Policy("workload_credits", _("Workload credits and the head-teacher norm"),
           _("The activity types' credit units, and a head-teacher norm of 120 units a term."),
           "workload_activity_types:index"),
    Policy("event_presence", _("Presence for offline event hours"),
           _("Full hours from 80 % of an event's scheduled time present; below it the hours for "
             "the time present."), "presence_policies:index"),
    Policy("school_calendar", _("School calendar"),
           _("Terms 1 Feb – 31 Jul and 1 Sep – 31 Jan, every weekday a teaching day."),
           "school_calendar:index"),
)
POLICY_KEYS = {p.key: p for p in POLICIES}


def policy_city(organisation: Organisation) -> Organisation:
    """The organisation a policy is confirmed for: the city at or above `organisation`, else
    the top of its tree."""
    paths = ancestor_paths(organisation.path)
    found = Organisation.objects.filter(path__in=paths, kind=Organisation.Kind.CITY).order_by(
        "-depth").first()
    return found or Organisation.objects.get(path=paths[0])


@dataclass
class ChecklistItem:
    policy: Policy
    confirmation: PolicyConfirmation | None

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None


def policy_checklist(*, organisation: Organisation) -> list[ChecklistItem]:
    """Each shipped policy and whether the city of `organisation` has confirmed it."""
    city = policy_city(organisation)
    found = {c.policy: c for c in PolicyConfirmation.objects.filter(organisation=city)
             .select_related("confirmed_by")}
    return [ChecklistItem(policy, found.get(policy.key)) for policy in POLICIES]


def policies_unconfirmed(*, organisation: Organisation) -> list[Policy]:
    """The policies still examples for the city of `organisation` (the dashboards' banner)."""
    return [item.policy for item in policy_checklist(organisation=organisation) if not item.confirmed]


def policy_confirm(*, key: str, organisation: Organisation, by) -> PolicyConfirmation:
    """City HR confirm that a shipped policy is their city's rule (once; the audit log keeps who)."""
    policy = POLICY_KEYS.get(key)
    if policy is None:
        raise PermissionDenied(_("No such policy."))
    city = policy_city(organisation)
    if not organisation_scope(by, roles=purposes.POLICY_CONFIRM).filter(pk=city.pk).exists():
        raise PermissionDenied(_("Only the city's HR confirm its policies."))
    with transaction.atomic():
        confirmation, created = PolicyConfirmation.objects.get_or_create(
            policy=key, organisation=city, defaults={"confirmed_by": by})
        if created:
            audit_record(actor=by, action=AuditEntry.Action.POLICY_CONFIRM, organisation=city,
                         target=key, detail=str(policy.label))
    return confirmation
