"""Accounts of teachers: their e-mail addresses and log-in phones."""

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import LoginPhone, Teacher

User = get_user_model()


def user_emails_set(*, emails: dict[str, str], batch_size: int = 500) -> list[int]:
    """Set the e-mail of accounts by username (a roster's new teachers); returns their ids."""
    ids = []
    usernames = list(emails)
    if not usernames:
        return ids
    with transaction.atomic():
        for start in range(0, len(usernames), batch_size):
            users = list(User.objects.filter(username__in=usernames[start:start + batch_size])
                         .only("pk", "username", "email"))
            for user in users:
                user.email = emails[user.username]
                ids.append(user.pk)
            User.objects.bulk_update(users, ["email"], batch_size=batch_size)
    return ids


@transaction.atomic
def login_phone_set(*, user, number: str | None, verified: bool = False) -> None:
    """Keep (or, with None, remove) the mobile number a user logs in with. An import writing
    the number HR already holds leaves its verification as it was; a new number is unverified
    (no log-in with it) until its owner confirms a code sent to it (allauth's phone change)."""
    if not number:
        LoginPhone.objects.filter(user=user).delete()
        return
    current = LoginPhone.objects.filter(user=user).first()
    if current and current.number == number:
        if verified and not current.verified:
            LoginPhone.objects.filter(pk=current.pk).update(verified=True)
        return
    LoginPhone.objects.filter(number=number).exclude(user=user).delete()
    LoginPhone.objects.update_or_create(user=user, defaults={"number": number, "verified": verified})


@transaction.atomic
def login_phones_write(*, numbers: dict[str, str | None]) -> int:
    """Roster imports: employee number -> mobile number (None removes it); returns rows changed."""
    changed = 0
    users = dict(Teacher.objects.filter(employee_no__in=list(numbers))
                 .values_list("employee_no", "user_id"))
    for employee_no, number in numbers.items():
        if employee_no in users:
            login_phone_set(user=User(pk=users[employee_no]), number=number)
            changed += 1
    return changed
