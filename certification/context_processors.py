from django.utils.functional import SimpleLazyObject

from people.context_processors import nav_roles
from people.models import StaffRole


def reviews(request):
    """Menu flags for certificate review: whether the user reviews applications, and how many
    wait in their HR scope (counted only when a template shows the link)."""

    def reviews_applications() -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return bool(nav_roles(request) & set(StaffRole.HR_ROLES))

    def pending() -> int:
        from .models import Application
        from .selectors import application_list_for_reviewer

        if not reviews_applications():
            return 0
        return application_list_for_reviewer(
            request.user, status=Application.Status.PENDING).count()

    def confirms_policies() -> bool:
        from people import purposes

        if not getattr(request.user, "is_authenticated", False):
            return False
        return bool(nav_roles(request) & set(purposes.POLICY_CONFIRM.roles))

    return {"reviews_applications": SimpleLazyObject(reviews_applications),
            "applications_pending": SimpleLazyObject(pending),
            # City HR: the first-run checklist of the example policies (certification.policies).
            "confirms_policies": SimpleLazyObject(confirms_policies)}
