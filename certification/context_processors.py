from django.utils.functional import SimpleLazyObject

from people import purposes
from people.context_processors import nav_roles


def reviews(request):
    """Menu flags for certificate review and declared hours: whether the user reviews them, and
    how many wait in their scope (counted only when a template shows the link)."""

    def reviews_applications() -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return bool(nav_roles(request) & set(purposes.CERTIFICATE_REVIEW))

    def pending() -> int:
        from .models import Application
        from .selectors import application_list_for_reviewer

        if not reviews_applications():
            return 0
        return application_list_for_reviewer(
            request.user, status=Application.Status.PENDING).count()

    def reviews_declarations() -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_superuser or nav_roles(request) & set(purposes.DECLARATION_REVIEW))

    def declarations_pending() -> int:
        from .declarations import declaration_queue

        if not reviews_declarations():
            return 0
        return declaration_queue(user=request.user).count()

    def confirms_policies() -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False
        return bool(nav_roles(request) & set(purposes.POLICY_CONFIRM.roles))

    return {"reviews_applications": SimpleLazyObject(reviews_applications),
            "applications_pending": SimpleLazyObject(pending),
            # Declared hours (学时申报) waiting at this user's step: the school's check or HR's
            # decision, in their scope.
            "reviews_declarations": SimpleLazyObject(reviews_declarations),
            "declarations_pending": SimpleLazyObject(declarations_pending),
            # City HR: the first-run checklist of the example policies (certification.policies).
            "confirms_policies": SimpleLazyObject(confirms_policies)}
