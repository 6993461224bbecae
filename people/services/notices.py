"""Notices: the bell in the site, with e-mail and text messages as extra channels."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from .. import sms
from ..models import LoginPhone, Notice

User = get_user_model()


def notice_channels(kind: str) -> set[str]:
    """The channels besides the site that carry a kind of notice (settings.NOTICE_CHANNELS)."""
    return set(settings.NOTICE_CHANNELS.get(kind, ()))


def _notice_extra_channels(*, users, kind: str, title: str, body: str) -> int:
    """E-mail and text the users (where the kind's channels say so and they have an address);
    returns the e-mails sent."""
    channels = notice_channels(kind)
    sent = 0
    if "email" in channels:
        emails = [u.email for u in users if u.email and u.is_active]
        if emails:
            with get_connection() as connection:
                for email in emails:
                    EmailMessage(title, body, to=[email], connection=connection).send()
                    sent += 1
    if "sms" in channels and sms.sms_enabled():
        for number in LoginPhone.objects.filter(user__in=[u.pk for u in users],
                                                user__is_active=True).values_list("number", flat=True):
            sms.sms_send(phone=number, text=title)
    return sent


def notice_send(*, user, kind: str, title: str, body: str = "", url: str = "",
                topic: str = "") -> int:
    """Put a notice in the user's bell and send it by the kind's other channels; returns the
    e-mails sent (0 or 1). `topic` names the task it asks for (closed by `notices_close`)."""
    Notice.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:300],
                          topic=topic)
    return _notice_extra_channels(users=[user], kind=kind, title=title, body=body)


def notices_send_many(*, user_ids, kind: str, title: str, body: str = "", url: str = "",
                      topic: str = "", batch_size: int = 2000) -> int:
    """The same notice to many users at once (an assignment to a district); returns the
    e-mails sent."""
    user_ids = list(user_ids)
    Notice.objects.bulk_create([Notice(user_id=uid, kind=kind, title=title[:200], body=body,
                                       url=url[:300], topic=topic) for uid in user_ids],
                               batch_size=batch_size)
    if not notice_channels(kind):
        return 0
    sent = 0
    for start in range(0, len(user_ids), batch_size):
        users = list(User.objects.filter(pk__in=user_ids[start:start + batch_size])
                     .only("pk", "email", "is_active"))
        sent += _notice_extra_channels(users=users, kind=kind, title=title, body=body)
    return sent


def notice_open(*, notice) -> None:
    """Mark a notice read (opening it reads it)."""
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)


def notices_close(*, user_ids, topic: str, now=None) -> int:
    """The task these users were asked for is done: their open notices about it are closed
    (and read, so they are no longer 新); returns how many were closed."""
    now = now or timezone.now()
    user_ids = list(user_ids)
    closed = 0
    for start in range(0, len(user_ids), 5000):
        open_ = Notice.objects.filter(user_id__in=user_ids[start:start + 5000], topic=topic,
                                      done_at__isnull=True)
        open_.filter(read_at__isnull=True).update(read_at=now)
        closed += open_.update(done_at=now)
    return closed


def notices_read_all(*, user) -> int:
    """Mark every unread notice of a user read."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
