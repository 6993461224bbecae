"""Staff figures read from a PostgreSQL read replica (streaming replication; docs/deploy.md).

With DATABASE_REPLICA_URL set, the "replica" alias exists and `ReplicaRouter` sends the reads
made inside `replica_reads()` (the staff figure selectors) to it. Everything else stays on the
primary: every write; every read after a write in the same request or task, or inside a
transaction; and, for a few seconds after a request that wrote, that browser's next requests
(`ReplicaPinMiddleware`), so nobody reads a page older than what they just saved.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_COOKIE = "db_primary"

_figures: ContextVar[bool] = ContextVar("replica_figures", default=False)
_wrote: ContextVar[bool] = ContextVar("replica_wrote", default=False)


def replica_enabled() -> bool:
    """Whether figure reads may go to the replica: the alias is configured and reads are on."""
    return settings.DATABASE_REPLICA_READS and REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Reads inside this block may come from the replica (unless this unit of work wrote)."""
    token = _figures.set(True)
    try:
        yield
    finally:
        _figures.reset(token)


def primary_pin(pinned: bool = True) -> None:
    """Start a unit of work (a request, a task) on the primary (`pinned`) or free to read the
    replica; a write pins it from then on."""
    _wrote.set(pinned)


def primary_pinned() -> bool:
    """Whether this unit of work has written (or was pinned), so reads stay on the primary."""
    return _wrote.get()


class ReplicaRouter:
    """Figure reads to the replica while nothing was written; the rest to the primary.

    It names the primary explicitly: left to Django, an object read from the replica would be
    saved back to where it came from.
    """

    def db_for_read(self, model, **hints):
        if (_figures.get() and not _wrote.get() and replica_enabled()
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: rows read from either belong together.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Only the primary is migrated; the replica replays it.
        return db != REPLICA


class ReplicaPinMiddleware:
    """Each request starts free to read the replica, unless the same browser wrote within the
    last DATABASE_REPLICA_PIN_SECONDS (the replica may not have replayed it yet); a request
    that writes sets that pin. Placed after the session middleware, so that saving a session
    (every log-in touches it) does not count as the visitor's write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        primary_pin(PIN_COOKIE in request.COOKIES)
        _figures.set(False)
        response = self.get_response(request)
        if replica_enabled() and primary_pinned() and request.method not in ("GET", "HEAD"):
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                                httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response
