from django.utils.functional import SimpleLazyObject

from .selectors import user_has_staff_role


def staff(request):
    """`is_staff_member` for templates: whether to show the staff desk in the navigation."""
    return {"is_staff_member": SimpleLazyObject(lambda: user_has_staff_role(request.user))}
