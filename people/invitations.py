"""Account invitations: HR-created accounts have no usable password, so each teacher is
e-mailed a link to set one, made with allauth's password-reset key machinery."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

User = get_user_model()


def account_invitation_link(*, user: User, request_base_url: str) -> str:
    """The absolute password-set link for `user`; it stops working once a password is set."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return request_base_url.rstrip("/") + path


def account_invitation_send(*, user: User, request_base_url: str) -> bool:
    """E-mail `user` a link to set their password; False when they have no address or are inactive."""
    if not user.is_active or not user.email:
        return False
    context = {
        "user": user,
        "teacher": getattr(user, "teacher", None),
        "set_password_url": account_invitation_link(user=user, request_base_url=request_base_url),
        "login_url": request_base_url.rstrip("/") + reverse("account_login"),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    # Sent from a worker with no request: the site's default language, as on the login page.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("people/email/account_invitation_subject.txt", context)
        body = render_to_string("people/email/account_invitation_message.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return True
