"""Reads of the HR desk: which jobs a user may see, and the scope snapshot a job keeps."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from people.models import Organisation, StaffRole
from people.selectors import staff_roles_for_user, top_paths

from .models import Job

# Who works at the HR desk: HR of a district or the city, and school admins for their school.
DESK_ROLES = StaffRole.ADMIN_ROLES
JOB_LIST_LIMIT = 100


def scope_roots(user, *, roles: Iterable[str] | None = DESK_ROLES) -> list[str]:
    """The tree paths of the roots of a user's scope (no root inside another)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        paths = Organisation.get_root_nodes().values_list("path", flat=True)
    else:
        paths = staff_roles_for_user(user, roles=roles).values_list("organisation__path", flat=True)
    return top_paths(paths)


def scope_covers(user_roots: list[str], job_paths: list[str]) -> bool:
    """Whether every part of a job's scope lies inside the user's scope."""
    return bool(job_paths) and all(any(p.startswith(root) for root in user_roots) for p in job_paths)


def job_visible_to(job: Job, user, *, roots: list[str] | None = None) -> bool:
    """The requester sees their job; other staff only when their scope covers the job's scope."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.requester_id == user.pk or user.is_superuser:
        return True
    return scope_covers(roots if roots is not None else scope_roots(user), job.scope_paths)


def job_list_for_user(user, *, limit: int = JOB_LIST_LIMIT) -> list[Job]:
    """The most recent jobs a user may see: their own and those inside their scope."""
    roots = scope_roots(user)
    jobs = Job.objects.select_related("requester", "organisation")
    if not user.is_superuser:
        # The database narrows by prefix; the exact "every root covered" rule runs below.
        condition = Q(requester=user)
        for root in roots:
            condition |= Q(scope__startswith=root) | Q(scope__contains=" " + root)
        jobs = jobs.filter(condition)
    return [job for job in jobs[: limit * 2] if job_visible_to(job, user, roots=roots)][:limit]


def job_get_for_user(user, job_id) -> Job:
    """One job by its public id, or 404 when it does not exist or lies outside the user's scope."""
    try:
        job = Job.objects.select_related("requester", "organisation").get(pk=job_id)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not job_visible_to(job, user):
        raise Http404
    return job


def jobs_expired(*, now) -> QuerySet[Job]:
    """Jobs whose files are past the retention period."""
    return Job.objects.filter(expires_at__lt=now).exclude(source_file="", result_file="")
