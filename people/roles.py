"""The staff roles, each declared once: its Wagtail group and that group's admin permissions,
the organisation level it binds to, and how high it stands.

What each role may *read* is in people/purposes.py (purpose → roles); `role_purposes()` reads
that table the other way round. The groups' model permissions are generated from this table
after every `migrate` (people.apps) and by the demo: `role_groups_sync()` is the one place
that writes them, so the admin's menus and buttons follow the same table as the purposes.

Adding a role: a choice in StaffRole.Role (people/models.py) and its translation, a line in
ROLES below, the purposes that grant it (people/purposes.py), and its tests.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Organisation, StaffRole

Role = StaffRole.Role
Kind = Organisation.Kind

CRUD = ("add", "change", "delete", "view")


def _perms(app: str, models: Iterable[str], actions: Iterable[str]) -> tuple[str, ...]:
    actions = tuple(actions)
    return tuple(f"{app}.{action}_{model}" for model in models for action in actions)


# Every staff group opens the admin and may choose the images and documents pages use
# (Wagtail's own migrations give the choose permissions to every group that opens the admin).
ADMIN_ACCESS = ("wagtailadmin.access_admin", "wagtaildocs.choose_document",
                "wagtailimages.choose_image")
# What school admins and HR read in the admin: teachers, learning records, certificates and
# the shared workload activity types.
FOLLOW_UP = (
    *_perms("people", ("organisation", "teacher"), ["view"]),
    *_perms("courses", ("enrolment", "coursecompletion"), ["view"]),
    *_perms("certification", ("certificate", "certificateevent", "application",
                              "workloadactivitytype"), ["view"]),
)
# What district and city HR keep for their subtree: teachers, organisations, staff roles,
# outside credentials, the school calendar, workload credit rates and the head-teacher norm.
HR_RECORDS = (
    *_perms("people", ("teacher", "organisation"), ["add", "change"]),
    *_perms("people", ["staffrole"], ["add", "delete", "view"]),
    *_perms("people", ("studentcount", "staffingrule"), ["view"]),
    *_perms("certification", ["teachercredential"], ["add", "change", "view"]),
    *_perms("certification", ("calendarperiod", "workloadcreditrate", "workloadnorm"), CRUD),
)
# The rules only city HR edit: levels and their requirements, cycles, targets, new-teacher
# periods, authorities' validity, staffing rules and counts, school types, hour categories
# and the shared workload activity types (deactivated rather than deleted: records keep them).
CITY_RULES = (
    *_perms("certification", ("certificatelevel", "rolerequirement", "recognisedcredential",
                              "cyclepolicy", "levelcategoryminimum", "cyclecategoryminimum",
                              "holdingtarget", "newteacherperiod", "authorityvalidityrule"), CRUD),
    *_perms("certification", ["workloadactivitytype"], ["add", "change"]),
    *_perms("people", ("staffingrule", "studentcount"), ["add", "change", "delete"]),
    *_perms("people", ["schooltype"], ["add", "change", "view"]),
    *_perms("courses", ["hourcategory"], ["add", "change", "view"]),
)


@dataclass(frozen=True)
class RoleSpec:
    """A staff role: its Wagtail group, the organisation level a binding names, its rank, its
    group's model permissions (app_label.codename), and the words a roster's 管理角色 column
    also takes for it beside its code and labels (hr.sheets.normalise)."""

    role: str
    group: str
    binds_to: str
    rank: int
    permissions: tuple[str, ...]
    aliases: tuple[str, ...] = ()


ROLES: dict[str, RoleSpec] = {spec.role: spec for spec in (
    # Trainers and reviewers draft and publish pages through Wagtail's page permissions
    # (courses.services.learning_publishing_setup); no model permission shows them people.
    RoleSpec(Role.TRAINER, "Trainers", Kind.DISTRICT, 1, ADMIN_ACCESS, aliases=("培训师",)),
    RoleSpec(Role.REVIEWER, "Reviewers", Kind.DISTRICT, 1, ADMIN_ACCESS, aliases=("审核员",)),
    RoleSpec(Role.SCHOOL_ADMIN, "School admins", Kind.SCHOOL, 2, (
        *ADMIN_ACCESS, *FOLLOW_UP,
        *_perms("certification", ["parentsessionrecorder"], CRUD))),
    RoleSpec(Role.DISTRICT_HR, "District HR", Kind.DISTRICT, 3,
             (*ADMIN_ACCESS, *FOLLOW_UP, *HR_RECORDS), aliases=("区人事", "区县人事")),
    RoleSpec(Role.CITY_HR, "City HR", Kind.CITY, 4,
             (*ADMIN_ACCESS, *FOLLOW_UP, *HR_RECORDS, *CITY_RULES), aliases=("市人事",)),
    # Province HR keep city HR's records and rules; their scope (the province) is the difference.
    RoleSpec(Role.PROVINCE_HR, "Province HR", Kind.PROVINCE, 5,
             (*ADMIN_ACCESS, *FOLLOW_UP, *HR_RECORDS, *CITY_RULES), aliases=("省人事",)),
)}

# Groups Wagtail's own migrations create; no role puts anyone in them and they are left as
# Wagtail made them.
WAGTAIL_GROUPS = ("Editors", "Moderators")


def role_group(role: str) -> str:
    """The name of the Wagtail group a role puts its holders in."""
    return ROLES[role].group


def role_rank(role: str) -> int:
    """How high a role stands: nobody acts on the account of someone at or above them."""
    return ROLES[role].rank


def role_binds_to(role: str) -> str:
    """The organisation level (Organisation.Kind) a binding of this role names."""
    return ROLES[role].binds_to


def role_for_kind(kind: str) -> str | None:
    """The highest role bound to this organisation level (a service account over a city reads
    as city HR, over a school as its school admin), or None."""
    bound = [spec for spec in ROLES.values() if spec.binds_to == kind]
    return max(bound, key=lambda spec: spec.rank).role if bound else None


def role_purposes(role: str) -> list:
    """The purposes (people.purposes) that this role grants."""
    from .purposes import PURPOSES

    return [purpose for purpose in PURPOSES.values() if role in purpose]


def role_groups_sync(*, using: str = "default") -> None:
    """Make each role's Wagtail group hold exactly the registry's permissions (idempotent).

    Content types and permissions a later app's post_migrate has not created yet are created
    here, as Django would name them."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    wanted = {codename for spec in ROLES.values() for codename in spec.permissions}
    found = {}
    for dotted in sorted(wanted):
        app_label, codename = dotted.split(".", 1)
        action, _sep, model = codename.partition("_")
        permission = Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            # The plain manager query, not get_for_model: a flush leaves its cache stale.
            content_type, _c = ContentType.objects.using(using).get_or_create(
                app_label=app_label, model=model)
            try:
                name = apps.get_model(app_label, model)._meta.verbose_name_raw
            except LookupError:
                name = model
            permission, _c = Permission.objects.using(using).get_or_create(
                content_type=content_type, codename=codename,
                defaults={"name": f"Can {action} {name}"})
        found[dotted] = permission
    for spec in ROLES.values():
        group, _c = Group.objects.using(using).get_or_create(name=spec.group)
        group.permissions.set([found[dotted] for dotted in spec.permissions])
