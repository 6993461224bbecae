"""Activation codes: a teacher's first password, from a slip the school hands out."""

import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ..audit import audit_record
from ..models import ActivationCode, AuditEntry, Organisation, StaffRole, Teacher
from ..selectors import staff_account_ids
from ..text import fold

User = get_user_model()


ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off paper
ACTIVATION_LENGTH = 8


class ActivationRefused(Exception):
    """The employee number and code do not open an account (which part is never said)."""


def activation_code_normalise(code: str) -> str:
    """A code as typed (lower case, spaces, the dash printed on the slip) in its stored form."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def activation_code_hash(*, employee_no: str, code: str) -> str:
    """The keyed hash kept instead of the code: without the site's secret key a copy of the
    database does not reveal codes."""
    return salted_hmac("people.activation", f"{employee_no}:{activation_code_normalise(code)}",
                       algorithm="sha256").hexdigest()


def activation_code_display(code: str) -> str:
    """The code as printed: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def activation_codes_issue(*, teachers, issued_by, organisation: Organisation,
                           code_for=None) -> list[tuple]:
    """Issue a new code to each teacher, voiding any earlier unused one; one audit entry for
    the batch. Returns (teacher, code, expires_at) in the teachers' order; the codes exist
    only in this answer. (`code_for(teacher)` fixes the codes: the demo's, printed by seed_demo.)"""
    teachers = list(teachers)
    staff_ids = staff_account_ids(t.user_id for t in teachers)
    staff = [t.employee_no for t in teachers if t.user_id in staff_ids]
    if staff:
        raise PermissionDenied(_("Staff accounts get no activation codes: %(numbers)s") % {
            "numbers": ", ".join(staff[:5])})
    now = timezone.now()
    expires = now + timedelta(days=settings.ACTIVATION_CODE_DAYS)
    ids = [t.pk for t in teachers]
    for start in range(0, len(ids), 500):
        ActivationCode.objects.filter(teacher_id__in=ids[start:start + 500], used_at__isnull=True,
                                      voided_at__isnull=True).update(voided_at=now)
    issued = []
    rows = []
    for teacher in teachers:
        code = (activation_code_normalise(code_for(teacher)) if code_for else
                "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH)))
        issued.append((teacher, code, expires))
        rows.append(ActivationCode(
            teacher=teacher, issued_by=issued_by if getattr(issued_by, "pk", None) else None,
            expires_at=expires,
            code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code)))
    ActivationCode.objects.bulk_create(rows, batch_size=2000)
    target = teachers[0].employee_no if len(teachers) == 1 else organisation.code
    audit_record(actor=issued_by, action=AuditEntry.Action.ACTIVATION_ISSUE,
                 organisation=organisation, target=target,
                 detail=f"codes={len(teachers)} valid_until={timezone.localtime(expires):%Y-%m-%d}")
    return issued


@transaction.atomic
def activation_redeem(*, employee_no: str, code: str, password: str):
    """Use a code: set the teacher's password and return their user, or raise ActivationRefused.

    The password must already have passed the site's password rules (the form checks them
    against this user)."""
    teacher = activation_teacher(employee_no=employee_no, code=code)
    if teacher is None:
        raise ActivationRefused
    now = timezone.now()
    claimed = ActivationCode.objects.filter(
        teacher=teacher, code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code),
        used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if claimed != 1:  # another request used it a moment ago
        raise ActivationRefused
    user = teacher.user
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=AuditEntry.Action.ACTIVATION_USE, organisation=teacher.school,
                 target=teacher.employee_no)
    return user


def _activation_candidate(employee_no: str):
    """The active teacher a typed 工号 names (full-width digits typed on a Chinese keyboard
    read as the same number), or None."""
    typed = unicodedata.normalize("NFKC", str(employee_no or "")).strip()
    return (Teacher.objects.select_related("user", "school")
            .filter(employee_no__iexact=typed, is_active=True, user__is_active=True).first())


def activation_rate_key(*, employee_no: str) -> str:
    """What the per-工号 activation limit counts under: the teacher found, so that every
    spelling the database matches to her (case, width) shares one count."""
    teacher = _activation_candidate(employee_no)
    return f"teacher:{teacher.pk}" if teacher is not None else f"typed:{fold(employee_no)}"


def activation_teacher(*, employee_no: str, code: str):
    """The active teacher whose valid, unused code this is, or None."""
    teacher = _activation_candidate(employee_no)
    if teacher is not None and (teacher.user.is_superuser
                                or StaffRole.objects.filter(user_id=teacher.user_id).exists()):
        teacher = None  # staff accounts never open with a slip
    if teacher is None:
        return None  # a code issued before a staff role was granted opens nothing
    valid = ActivationCode.objects.filter(
        teacher=teacher, code_hash=activation_code_hash(employee_no=teacher.employee_no, code=code),
        used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()).exists()
    return teacher if valid else None


def activation_codes_void(*, user) -> int:
    """Void every outstanding activation code of the user's teacher (they logged in, changed
    their password, or were given a new code): a slip never replaces a password in use."""
    return ActivationCode.objects.filter(teacher__user=user, used_at__isnull=True,
                                         voided_at__isnull=True).update(voided_at=timezone.now())
