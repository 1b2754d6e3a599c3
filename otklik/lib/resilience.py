"""Faults a client can wait out, recognised: the database down or restarting, a full disk.

The answers to them (503 and 507 in the caller's format) are built by `otklik/faults.py`, the
`handler500`; this module only tells the faults apart, so that any layer may ask.
"""

from __future__ import annotations

import errno

from django.db import DatabaseError, InterfaceError, OperationalError, connections

# psycopg's messages when the server is gone or refuses connections for a moment; an
# OperationalError of another kind (a lock timeout, a cancelled statement) is not one.
_UNAVAILABLE_HINTS = (
    "connection",
    "server closed",
    "terminating",
    "shutting down",
    "starting up",
    "not yet accepting",
    "in recovery",
    "could not receive",
    "could not send",
    "ssl syscall",
    "eof detected",
    "the database system",
)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) says the database cannot be reached just now."""
    while exc is not None:
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError):
            text = str(exc).lower()
            return any(hint in text for hint in _UNAVAILABLE_HINTS)
        if isinstance(exc, DatabaseError):
            return False
        exc = exc.__cause__ or exc.__context__
    return False


def database_reachable(timeout: int = 2) -> bool:
    """Whether a new connection to the default database answers now (for an error that did not
    say it was the database's: while PostgreSQL starts up or restarts, a request can fail in a
    way no message foresaw). SQLite is a file: always reachable."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return True
    params = {**connection.get_connection_params(), "connect_timeout": timeout}
    try:
        with connection.Database.connect(**params) as probe:
            probe.execute("SELECT 1")
    except Exception:  # any failure to connect and answer is «not reachable»
        return False
    return True


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc` is the file system refusing a write for lack of space (or quota)."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
