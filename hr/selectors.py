"""Reads of the HR desk: which jobs a user may see, and the scope snapshot a job keeps."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from people import purposes
from people.models import Organisation
from people.selectors import staff_roles_for_user, top_paths

from .models import Job

# Who works at the HR desk: HR of a district or the city, and school admins for their school.
DESK_ROLES = purposes.HR_DESK
# The purposes a job is asked under: exports at the desk, imports by HR.
JOB_PURPOSES = (purposes.HR_DESK, purposes.HR_IMPORT)
JOB_LIST_LIMIT = 100


def scope_roots(user, *, roles: Iterable[str]) -> list[str]:
    """The tree paths of the roots of a user's scope for a purpose (no root inside another)."""
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


def job_purpose(job: Job) -> purposes.Purpose | None:
    """The purpose a job was asked under."""
    return purposes.purpose_get(job.purpose)


def job_visible_to(job: Job, user, *, roots: dict[str, list[str]] | None = None) -> bool:
    """The requester sees their job; other staff only when their scope *for the job's purpose*
    covers the job's scope (a school admin who is also a city trainer asks with the school's
    scope, and no other role of anyone's widens what may see it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.requester_id == user.pk or user.is_superuser:
        return True
    purpose = job_purpose(job)
    if purpose is None:
        return False
    if roots is None or purpose.key not in roots:
        user_roots = scope_roots(user, roles=purpose)
        if roots is not None:
            roots[purpose.key] = user_roots
    else:
        user_roots = roots[purpose.key]
    return scope_covers(user_roots, job.scope_paths)


def job_list_for_user(user, *, limit: int = JOB_LIST_LIMIT) -> list[Job]:
    """The most recent jobs a user may see: their own and those inside their scope."""
    jobs = Job.objects.select_related("requester", "organisation")
    if not user.is_superuser:
        # The database narrows by prefix, per purpose; the exact "every root covered" rule
        # runs below.
        condition = Q(requester=user)
        for purpose in JOB_PURPOSES:
            for root in scope_roots(user, roles=purpose):
                condition |= Q(purpose=purpose.key) & (Q(scope__startswith=root)
                                                       | Q(scope__contains=" " + root))
        jobs = jobs.filter(condition)
    roots: dict[str, list[str]] = {}
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
