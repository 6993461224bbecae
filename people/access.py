"""Guards for staff views: a role is needed to enter, and the scope decides what is shown."""

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .selectors import user_has_staff_role, user_is_subject


def proxy_trusted(address: str) -> bool:
    """Whether a connection from `address` comes from one of our proxies (TRUSTED_PROXIES:
    addresses or networks), whose X-Forwarded-For may be read."""
    import ipaddress

    from django.conf import settings

    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry.strip(), strict=False)
               for entry in settings.TRUSTED_PROXIES if entry.strip())


def client_ip(request) -> str:
    """The client's address, as allauth's log-in limits count it: REMOTE_ADDR, or behind
    ALLAUTH_TRUSTED_PROXY_COUNT proxies of ours the address the nearest one saw. Everything
    that counts requests by address uses this one function."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No address, or fewer proxies on the way than configured (a request that did not
        # come through them): count it under one shared key rather than under no key.
        return "unknown"


class DecisionRefused(PermissionDenied):
    """This person may not take this decision (their own record, or both steps of a review)."""


class OwnRecordRefused(DecisionRefused):
    """Nobody decides about themselves: the decider is the record's subject."""


def own_record_refuse(user, teacher) -> None:
    """Raise OwnRecordRefused when `teacher` is the user's own record (people.selectors.
    user_is_subject): every decision service calls this before it decides."""
    if user_is_subject(user, teacher):
        raise OwnRecordRefused(_("Nobody decides about their own record: another member of "
                                 "staff must do this."))


def public_base_url(request) -> str:
    """The address printed links and QR codes start with: the configured DJANGO_BASE_URL, or
    else the scheme and host this request came to (never a development default)."""
    from django.conf import settings

    return (settings.BASE_URL or request.build_absolute_uri("/")).rstrip("/")


def staff_required(roles: Iterable[str]):
    """View decorator: anonymous users go to the login page, users without the role get 403.

    `roles` are those of the view's purpose (people.purposes).
    """
    roles = tuple(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_staff_role(request.user, roles=roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
