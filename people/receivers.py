"""Outstanding activation codes end when the account is used: a log-in, or a password
changed, set or reset (allauth's signals and Django's), voids every one of them."""

from allauth.account import signals as account_signals
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import activation_codes_void


@receiver(user_logged_in, dispatch_uid="people.void_codes_on_login")
def void_codes_on_login(sender, request, user, **kwargs):
    activation_codes_void(user=user)


@receiver(account_signals.password_changed, dispatch_uid="people.void_codes_on_password_change")
@receiver(account_signals.password_set, dispatch_uid="people.void_codes_on_password_set")
@receiver(account_signals.password_reset, dispatch_uid="people.void_codes_on_password_reset")
def void_codes_on_password(sender, request=None, user=None, **kwargs):
    if user is not None:
        activation_codes_void(user=user)
