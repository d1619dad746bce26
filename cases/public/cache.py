"""Caching of the public statistics: numbers and rendered pages per data state, filter
combination and language.

The data state is one database row (`PublicDataState`) whose token changes in the transaction
of any change that moves a count (the tallies send `tallies.counts_changed`) or a name or figure
the pages show. Every public request reads it by primary key: each worker of each app server
sees a committed change at its next request, whether or not the servers share a cache (Redis),
and a rolled-back change is never seen. Everything cached is keyed on the token, so the old
state's numbers, pages and ETags are simply never asked for again.

The same state, representation, language and query give the same bytes and the same ETag on
every worker and server: the pages carry the time of the state (not of their rendering), and
the ETag is a digest of the token, the representation and the body.
"""

import datetime
import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from cases.public import state_file

if TYPE_CHECKING:
    from cases.public.statistics import Statistics

STATE_ID = 1


class State(NamedTuple):
    token: str
    changed_at: datetime.datetime


def _as_datetime(value: datetime.datetime | str) -> datetime.datetime:
    # A plain cursor gives SQLite's text as it is stored (UTC, without the zone).
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def data_state(using: str = DEFAULT_DB_ALIAS) -> State:
    """The current state of the data the public pages show: the row as last read, read again
    when this machine's processes announce a change (state_file.py), or on every request."""
    return state_file.current(using, _read_state)


def _read_state(using: str) -> State:
    """The row, read by primary key."""
    from cases.models import PublicDataState

    connection = connections[using]
    table = connection.ops.quote_name(PublicDataState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, changed_at FROM {table} WHERE id = %s", [STATE_ID])
        row = cursor.fetchone()
    if row is None:  # emptied by hand (or a test's flush): a new state, as after a change
        renew_state(using)
        return _read_state(using)
    return State(row[0], _as_datetime(row[1]))


def renew_state(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Give the data a new state, in the current transaction: the change and the new token
    commit together, or neither does. A signal handler; also call it after a bulk update()."""
    from cases.models import PublicDataState

    states = PublicDataState.objects.using(using)
    values = {"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    if not states.filter(pk=STATE_ID).update(**values):
        states.bulk_create([PublicDataState(pk=STATE_ID, **values)], ignore_conflicts=True)
    transaction.on_commit(
        functools.partial(state_file.announce, using, values["token"]), using=using
    )


def _digest(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _statistics_key(token: str, filters: dict) -> str:
    return f"public-stats:{token}:{_digest(filters, settings.PUBLIC_MIN_CELL)}"


def cached_statistics(
    filters: dict, compute: "Callable[[], Statistics]", token: str
) -> "Statistics":
    """The statistics for `filters` at state `token`, from the cache or computed (numbers only,
    no labels)."""
    key = _statistics_key(token, filters)
    statistics = cache.get(key)
    if statistics is None:
        statistics = compute()
        cache.set(key, statistics, timeout=settings.STATS_CACHE_SECONDS)
    return statistics


class Kept(NamedTuple):
    """A rendered representation (encoded once) and its ETag."""

    etag: str
    body: bytes


@functools.lru_cache(maxsize=1024)
def _named(min_cell: int, parts: tuple) -> str:
    return _digest(min_cell, *parts)


def _name(parts: tuple) -> str:
    return _named(settings.PUBLIC_MIN_CELL, parts)


def _body_key(name: str) -> str:
    # Without the token: a new state overwrites the old body instead of leaving it to expire.
    return f"public-stats-body:{name}"


def representation(token: str, body: str | bytes, *parts) -> Kept:
    """`body`, rendered at state `token` for `parts` (kind, language, query), with its ETag:
    the same on every worker and server for the same bytes of the same state."""
    data = body.encode() if isinstance(body, str) else body
    digest = hashlib.sha256(f"{token}:{_name(parts)}:".encode() + data).hexdigest()[:32]
    return Kept(f'"{digest}"', data)


# This process's copies of kept representations, by name: (token, kept). The shared cache (if
# any) stays the reference for the other processes; a copy is used only while its token is the
# current one, so a warm request costs the read of the state and no cache call.
_LOCAL: dict[str, tuple[str, Kept]] = {}
_LOCAL_MAX = 200


def kept(token: str, *parts) -> Kept | None:
    """The representation named by `parts` as rendered at state `token`, if one was kept."""
    name = _name(parts)
    local = _LOCAL.get(name)
    if local is not None and local[0] == token:
        return local[1]
    shared = cache.get(_body_key(name))
    if shared is None or shared[0] != token:
        return None
    _keep_locally(name, token, shared[1])
    return shared[1]


def keep(token: str, representation: Kept, *parts) -> None:
    """Keep a representation rendered at state `token` for `parts`."""
    name = _name(parts)
    cache.set(_body_key(name), (token, representation), timeout=settings.STATS_CACHE_SECONDS)
    _keep_locally(name, token, representation)


def _keep_locally(name: str, token: str, representation: Kept) -> None:
    if name not in _LOCAL and len(_LOCAL) >= _LOCAL_MAX:
        _LOCAL.pop(next(iter(_LOCAL)), None)
    _LOCAL[name] = (token, representation)


def forget() -> None:
    """Drop every kept number and page, here and in the shared cache, and read the state anew."""
    _LOCAL.clear()
    state_file.forget()
    cache.clear()


def connect_signals() -> None:
    """A new state when a count moved (the tallies know whether a change moved any), when the
    names the statistics show change (places, authorities) or the official figures do."""
    from cases.models import Authority, Place, PublishedFigure
    from cases.public.tallies import counts_changed

    counts_changed.connect(renew_state, dispatch_uid="public-stats-counts")
    for model in (PublishedFigure, Place, Authority):
        uid = f"public-stats-{model.__name__}"
        post_save.connect(renew_state, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(renew_state, sender=model, dispatch_uid=uid + "-delete")
    setting_changed.connect(_forget_local, dispatch_uid="public-stats-settings")


def _forget_local(**kwargs) -> None:
    # The pages depend on settings (the smallest cell, the first public year, the languages):
    # a test or a reload that changes one must not be served the pages of the old value.
    _LOCAL.clear()
    state_file.forget()
