"""A file that tells the app server processes of one machine when the data state changed, so
that a warm public request needs no database round trip.

The data state is a database row (cache.py); reading it on every public request cost a round
trip to the database: in process, 330 µs of a 400 µs request for /statistics.json, against 57 µs
for a bare Django view (bench/NOTES.md). This file is the signal instead: after a change
commits, the process that made it (a worker, a management command, an import) writes the new
token into the file; every process reads the file's 32 bytes (about 1 µs) and reads the row only
when they differ from what it last saw. The row stays the truth: the file only says when to read
it again, and it is read first, so a process never keeps a state older than the file.

So every worker on this machine serves a committed change at its next request. What the file
cannot hear of (a change made on another machine, a process killed between its commit and the
write, an UPDATE typed into psql) is read at most PUBLIC_STATE_RECHECK_SECONDS later. Inside a
transaction (a test, or the admin's own requests) the row is read every time: the transaction
must see its own uncommitted change. PUBLIC_STATE_FILE="" reads the row on every request, as
several app machines without a shared file need for a change to show at once everywhere.

The file needs no locking: every token is new, so any write changes the bytes; a read that
catches a write half done sees bytes unlike the last ones and reads the row, which is already
committed when the write starts.
"""

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from time import monotonic
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32

State = TypeVar("State")


class Seen(NamedTuple):
    """What a process last read: the file's bytes, then the row, and when. Replaced whole, so
    that a thread never pairs one request's file bytes with another's row."""

    marker: bytes
    state: object
    read_at: float


class Watch:
    """This process's view of one database's state file."""

    def __init__(self, path: str, database: str) -> None:
        self.path = path
        self.database = database
        self.fd: int | None = None
        self.seen: Seen | None = None

    def marker(self) -> bytes | None:
        """The file's bytes now, or None if it can't be read (then the row is read)."""
        try:
            if self.fd is None or os.fstat(self.fd).st_nlink == 0:  # replaced or removed
                self._reopen()
            return os.pread(self.fd, TOKEN_BYTES, 0)
        except OSError as error:
            self._close()
            _warn_once(self.path, f"unreadable ({error}): the row is read on every request")
            return None

    def _reopen(self) -> None:
        self._close()
        self.fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        self.fd = None


_WATCHES: dict[str, Watch] = {}


def path_for(using: str) -> str:
    """The file of database `using`: PUBLIC_STATE_FILE, or one per database in the temporary
    folder, so that two sites (or a test database and the real one) never share one."""
    configured = settings.PUBLIC_STATE_FILE
    if configured is not None:
        return configured
    database = connections[using].settings_dict
    identity = "|".join(str(database.get(key) or "") for key in ("ENGINE", "HOST", "PORT", "NAME"))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"casetracker-public-state-{digest}")


def _watch(using: str) -> Watch | None:
    """This process's watch of database `using`'s file (None when off or in a transaction)."""
    connection = connections[using]
    if connection.in_atomic_block:
        return None
    watch = _WATCHES.get(using)
    # A test run renames the database once it creates its own: the file goes with the name.
    if watch is None or watch.database != connection.settings_dict["NAME"]:
        watch = _WATCHES[using] = Watch(path_for(using), connection.settings_dict["NAME"])
    return watch if watch.path else None


def current(using: str, read_row: Callable[[str], State]) -> State:
    """The data state of database `using`: the row as last read, unless the file changed since,
    the last read is PUBLIC_STATE_RECHECK_SECONDS old, or a transaction is open."""
    watch = _watch(using)
    if watch is None:
        return read_row(using)
    marker = watch.marker()  # before the row: the row read next is at least as new
    if marker is None:
        return read_row(using)
    now = monotonic()
    seen = watch.seen
    if (
        seen is None
        or seen.marker != marker
        or now - seen.read_at >= settings.PUBLIC_STATE_RECHECK_SECONDS
    ):
        seen = watch.seen = Seen(marker, read_row(using), now)
    return seen.state


def announce(using: str, token: str) -> None:
    """Tell every process of this machine that database `using` has a new state (call once it
    is committed). A process that can't write the file only logs it: the others read the row
    within PUBLIC_STATE_RECHECK_SECONDS."""
    path = path_for(using)
    if not path:
        return
    data = token.encode()[:TOKEN_BYTES].ljust(TOKEN_BYTES, b" ")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            os.pwrite(fd, data, 0)
        finally:
            os.close(fd)
    except OSError as error:
        _warn_once(path, f"not written ({error}): other processes see changes later")


_WARNED: set[str] = set()


def _warn_once(path: str, problem: str) -> None:
    if path not in _WARNED:
        _WARNED.add(path)
        logger.warning("Public state file %s %s (PUBLIC_STATE_FILE)", path, problem)


def forget() -> None:
    """Drop what this process has seen (when settings change, in tests)."""
    for watch in _WATCHES.values():
        watch._close()
    _WATCHES.clear()
