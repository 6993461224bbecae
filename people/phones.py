"""Mainland mobile numbers: one rule for the roster import, allauth's phone field and log-in."""

from __future__ import annotations

import re

from allauth.account.fields import PhoneField

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def phone_normalise(value) -> str | None:
    """A mainland mobile number as E.164 (+8613800138000), or None when it is not one.

    Accepts what people type: spaces, dashes, a leading +86, 0086 or 86."""
    digits = re.sub(r"[\s\-()]", "", str(value or ""))
    if digits.endswith(".0"):  # a number cell read from a sheet
        digits = digits[:-2]
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return f"+86{digits}" if MAINLAND_MOBILE.match(digits) else None


def phone_display(number: str) -> str:
    """The number as its owner reads it: 138 0013 8000."""
    local = number[3:] if number.startswith("+86") else number
    return f"{local[:3]} {local[3:7]} {local[7:]}" if len(local) == 11 else number


class MainlandPhoneField(PhoneField):
    """allauth's phone field, taking a mainland number as people write it."""

    def to_python(self, value):
        value = super().to_python(value)
        return phone_normalise(value) or value
