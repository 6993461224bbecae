"""Reads about people and organisations, and the one rule of staff scope."""

from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Length, Substr

from . import purposes
from .models import AuditEntry, Notice, Organisation, StaffRole, StudentCount, Teacher, flags_mask
from .nearest import ancestor_paths, nearest_rule
from .roles import ROLES, role_rank


def _role_list(roles: Iterable[str]) -> list[str]:
    # No default, and None is no shortcut to "every role": a scope is always for a purpose.
    if roles is None or isinstance(roles, str):
        raise TypeError("roles= names the roles of a purpose (people.purposes), not None or one string")
    return list(roles)


def staff_roles_for_user(user, *, roles: Iterable[str]) -> QuerySet[StaffRole]:
    """The staff role bindings a user holds under the given roles."""
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False):
        return StaffRole.objects.none()
    return StaffRole.objects.filter(user=user, role__in=roles).select_related("organisation")


def organisation_scope(user, *, roles: Iterable[str]) -> QuerySet[Organisation]:
    """Which organisations this user may see for a purpose: the subtrees of the bindings whose
    role grants it (`roles`, from people.purposes); the user's other roles never widen it.

    The single answer to "what is in my scope": every staff page, export, job and API filters
    through it. A superuser sees the whole tree; a user with none of the roles sees nothing.
    """
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    paths = list(staff_roles_for_user(user, roles=roles).values_list("organisation__path", flat=True))
    if not paths:
        return Organisation.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Organisation.objects.filter(condition)


def user_is_staff_in_scope(user, organisation: Organisation, *, roles: Iterable[str]) -> bool:
    """Whether `organisation` lies in the user's scope (under the given roles)."""
    return organisation_scope(user, roles=roles).filter(pk=organisation.pk).exists()


def organisations_covered(user, *organisations: Organisation, roles: Iterable[str]) -> bool:
    """Whether one binding of `roles` covers every one of `organisations` (a write's object
    and, for a move, its old place and its destination: a move out of a district needs a role
    over a node above both). Superusers are covered; two bindings never add up to one."""
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    paths = [o.path for o in organisations if o is not None]
    return any(all(path.startswith(top) for path in paths) for top in
               staff_roles_for_user(user, roles=roles).values_list("organisation__path", flat=True))


def user_is_subject(user, teacher) -> bool:
    """Whether `teacher` is the user's own record: the one test of "deciding about oneself",
    which every decision service asks before it decides."""
    pk = getattr(user, "pk", None)
    return pk is not None and teacher is not None and teacher.user_id == pk


def user_rank(user) -> int:
    """How high the user's highest staff role stands (people.roles); 0 without one."""
    if getattr(user, "is_superuser", False):
        return max(spec.rank for spec in ROLES.values()) + 1
    roles = StaffRole.objects.filter(user=user).values_list("role", flat=True).distinct() \
        if getattr(user, "pk", None) else []
    return max((role_rank(r) for r in roles), default=0)


def user_is_staff_account(user) -> bool:
    """Whether the account holds any staff role (or is a superuser): such accounts never log in
    by a text-message code alone and get no activation slips."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(getattr(user, "pk", None)) and StaffRole.objects.filter(user=user).exists()


def staff_account_ids(user_ids: Iterable[int]) -> set[int]:
    """The same rule for many accounts at once: those of `user_ids` that are staff accounts."""
    ids, found = list(user_ids), set()
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        found.update(StaffRole.objects.filter(user_id__in=chunk).values_list("user_id", flat=True))
        found.update(get_user_model().objects.filter(pk__in=chunk, is_superuser=True)
                     .values_list("pk", flat=True))
    return found


def accounts_out_of_reach(actor, user_ids: Iterable[int], *, roles: Iterable[str]) -> set[int]:
    """Of these accounts, those whose log-in `actor` may not touch (set a log-in phone, issue
    an activation code, reset credentials): superusers, and accounts holding a staff role at or
    above the actor's highest (people.roles) or over an organisation outside the actor's
    scope under `roles`. The one rule of account takeover; a superuser actor reaches all but
    other superusers."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return set()
    rank = user_rank(actor)
    tops = [] if getattr(actor, "is_superuser", False) else list(
        staff_roles_for_user(actor, roles=roles).values_list("organisation__path", flat=True))
    superuser = getattr(actor, "is_superuser", False)
    out: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        out.update(get_user_model().objects.filter(pk__in=chunk, is_superuser=True)
                   .values_list("pk", flat=True))
        for user_id, role, path in StaffRole.objects.filter(user_id__in=chunk).values_list(
                "user_id", "role", "organisation__path"):
            if role_rank(role) >= rank or not (
                    superuser or any(path.startswith(top) for top in tops)):
                out.add(user_id)
    return out


def user_has_staff_role(user, *, roles: Iterable[str]) -> bool:
    """Whether the user holds any of the roles; superusers do."""
    roles = _role_list(roles)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or staff_roles_for_user(user, roles=roles).exists()


def teacher_list_in_scope(user, *, roles: Iterable[str]) -> QuerySet[Teacher]:
    """Teachers of the schools in the user's scope for a purpose."""
    return Teacher.objects.filter(
        school__in=organisation_scope(user, roles=roles)
    ).select_related("school", "user")


def teacher_for_user(user) -> Teacher | None:
    """The teacher profile of a user, or None for staff without one."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.teacher
    except Teacher.DoesNotExist:
        return None


def audit_entries_in_scope(user, *, action: str = "", since=None, until=None):
    """The audit log entries about organisations in this user's HR scope, newest first."""
    qs = AuditEntry.objects.filter(
        organisation__in=organisation_scope(user, roles=purposes.AUDIT_LOG)
    ).select_related("organisation")
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs


def teacher_posts_q(posts: Iterable[str], *, prefix: str = "") -> Q:
    """Teachers holding any of these posts: the one way to ask "is a counsellor", "is a head
    teacher" (from Certificate, pass prefix="teacher__")."""
    return Q(**{f"{prefix}posts__hasany": flags_mask(Teacher.Role, posts)})


def counsellor_q(*, prefix: str = "") -> Q:
    """Teachers holding a full-time or part-time counsellor's post."""
    return teacher_posts_q(Teacher.COUNSELLOR_ROLES, prefix=prefix)


def student_count_expression(on, *, outer: str = "pk"):
    """The latest student count of the organisation `outer` on or before `on` (NULL if none)."""
    return Subquery(StudentCount.objects.filter(organisation=OuterRef(outer), on__lte=on)
                    .order_by("-on").values("count")[:1], output_field=IntegerField())


def post_bit_expression(field: str = "role"):
    """A post code column (e.g. RoleRequirement.role) as its bit in Teacher.posts, so a table
    keyed by post can be matched against a teacher's set: `.alias(b=...).filter(...)`."""
    return Case(*[When(**{field: code}, then=Value(1 << i))
                  for i, code in enumerate(Teacher.Role.values)],
                default=Value(0), output_field=IntegerField())


def staff_role_grantable(actor, *, role: str, organisation: Organisation) -> bool:
    """Whether `actor` may grant or revoke `role` over `organisation`: city HR any role inside
    their scope; district HR only school admins of schools in their district; superusers all."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if role == StaffRole.Role.PROVINCE_HR:
        return user_is_staff_in_scope(actor, organisation, roles=purposes.GRANT_PROVINCE_HR)
    if user_is_staff_in_scope(actor, organisation, roles=purposes.GRANT_ANY_ROLE):
        return True
    return (role == StaffRole.Role.SCHOOL_ADMIN and organisation.kind == Organisation.Kind.SCHOOL
            and user_is_staff_in_scope(actor, organisation, roles=purposes.GRANT_SCHOOL_ADMIN))


def grantable_roles(actor) -> list[str]:
    """The staff roles `actor` may grant somewhere."""
    if getattr(actor, "is_superuser", False) or user_has_staff_role(
            actor, roles=purposes.GRANT_PROVINCE_HR):
        return list(StaffRole.Role.values)
    if user_has_staff_role(actor, roles=purposes.GRANT_ANY_ROLE):
        return [r for r in StaffRole.Role.values if r != StaffRole.Role.PROVINCE_HR]
    if user_has_staff_role(actor, roles=purposes.GRANT_SCHOOL_ADMIN):
        return [StaffRole.Role.SCHOOL_ADMIN]
    return []


def staff_user_find(actor, identifier: str):
    """A user `actor` may give a role to, by username or employee number: a teacher of a school
    in their HR scope or someone already holding a role there; None otherwise."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    scope = organisation_scope(actor, roles=purposes.STAFF_ROLES)
    User = get_user_model()
    return (User.objects.filter(Q(username=identifier) | Q(teacher__employee_no=identifier))
            .filter(Q(teacher__school__in=scope) | Q(staff_roles__organisation__in=scope))
            .distinct().first())


def notice_list_for_user(user):
    """A user's notices, newest first."""
    return Notice.objects.filter(user=user)


def notice_unread_count(user) -> int:
    """How many of a user's notices are unread (the number on the bell)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def teachers_to_activate(user, *, organisation: Organisation, roles: Iterable[str]) -> QuerySet[Teacher]:
    """Active teachers of an organisation's subtree, within the user's scope under `roles`, who
    have never logged in: the ones a school hands activation slips to."""
    # Staff accounts get no slips: a code would log in as HR or a school admin.
    return (teacher_list_in_scope(user, roles=roles)
            .filter(school__path__startswith=organisation.path, is_active=True,
                    user__is_active=True, user__last_login__isnull=True,
                    user__is_superuser=False)
            .exclude(user__in=StaffRole.objects.values("user"))
            .order_by("school__path", "employee_no"))


# --- Tops and districts of a scope: the one place that walks the tree for them -------------

def top_paths(paths: Iterable[str]) -> list[str]:
    """The paths among `paths` that lie under no other one (the roots of their subtrees)."""
    tops: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return sorted(tops)


def organisation_tops(organisations: Iterable[Organisation]) -> list[Organisation]:
    """The highest organisations among these (none inside another), in tree order."""
    nodes = {o.path: o for o in organisations}
    return [nodes[path] for path in top_paths(nodes)]


def scope_tops(user, *, roles: Iterable[str],
               within: Organisation | None = None) -> list[Organisation]:
    """The tops of the user's scope under `roles` (only what lies under `within`, if given)."""
    scope = organisation_scope(user, roles=roles)
    if within is not None:
        scope = scope.filter(path__startswith=within.path)
    return organisation_tops(scope)


def district_of(organisation: Organisation) -> Organisation | None:
    """The district an organisation lies in (itself if it is one), at whatever depth it sits."""
    return (Organisation.objects.filter(kind=Organisation.Kind.DISTRICT,
                                        path__in=ancestor_paths(organisation.path))
            .order_by("-depth").first())


def district_names() -> Callable[[str], str | None]:
    """A lookup: organisation path -> name of the district it lies in, in one query."""
    districts = dict(Organisation.objects.filter(kind=Organisation.Kind.DISTRICT)
                     .values_list("path", "name"))
    cache: dict[str, str | None] = {}

    def lookup(path: str) -> str | None:
        if path not in cache:
            cache[path] = nearest_rule(districts, path)
        return cache[path]

    return lookup


def district_name_expression(path_ref: str):
    """The name of the district above the organisation whose path is the outer `path_ref`,
    as a subquery: the deepest district whose path prefixes it, whatever its depth."""
    return Subquery(
        Organisation.objects.filter(kind=Organisation.Kind.DISTRICT,
                                    path=Substr(OuterRef(path_ref), 1, Length("path")))
        .order_by("-depth").values("name")[:1])


def staff_user_ids_over(organisation: Organisation, *, roles: Iterable[str]) -> list[int]:
    """The active users whose scope for a purpose covers `organisation` (a role on it or on an
    ancestor): who is to be told that something there waits for them."""
    return list(StaffRole.objects.filter(
        role__in=_role_list(roles), organisation__path__in=ancestor_paths(organisation.path),
        user__is_active=True).values_list("user_id", flat=True).distinct().order_by("user_id"))
