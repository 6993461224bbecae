"""Who a command acts as: a named user (their scope applies) or the first superuser."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def operator(username: str | None):
    User = get_user_model()
    if username:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {username!r}.") from None
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("No superuser to act as: pass --user USERNAME.")
    return user
