"""Caching of the public statistics: numbers and rendered pages per filter combination and
language, dropped on any change.

Every cache key and ETag carries a generation token; any change that moves a count (the tallies
send `tallies.counts_changed`) or a name or figure the page shows sets a new one, so all cached
numbers, pages and ETags go stale at once without listing the keys. Computing the numbers
afresh from the tallies is cheap.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save

if TYPE_CHECKING:
    from cases.public.statistics import Statistics

GENERATION_KEY = "public-stats:generation"


def generation() -> str:
    """The token of the current state of the case data."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(GENERATION_KEY)
    return token


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def invalidate(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Drop every cached statistic. A signal handler; also call it after a bulk update()."""
    _new_generation()
    # A request between the save and the commit could cache the old numbers under the new
    # token: start afresh once more when the transaction commits.
    transaction.on_commit(_new_generation, using=using)


def _digest(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _statistics_key(token: str, filters: dict) -> str:
    return f"public-stats:{token}:{_digest(filters, settings.PUBLIC_MIN_CELL)}"


def cached_statistics(
    filters: dict, compute: "Callable[[], Statistics]", token: str | None = None
) -> "Statistics":
    """The statistics for `filters`, from the cache or computed (numbers only, no labels)."""
    token = token or generation()
    key = _statistics_key(token, filters)
    statistics = cache.get(key)
    if statistics is None:
        statistics = compute()
        cache.set(key, statistics, timeout=settings.STATS_CACHE_SECONDS)
    return statistics


def _body_key(name: str) -> str:
    # Without the token: a new state overwrites the old body instead of leaving it to expire.
    return f"public-stats-body:{name}"


# This process's copies of kept bodies, by name: (token, body). The shared cache stays the
# reference; a copy is used only while its token is the current one, so the common request costs
# one small cache read (the token) instead of fetching a 50 KB page from Redis.
_LOCAL_BODIES: dict[str, tuple[str, str | bytes]] = {}
_LOCAL_BODIES_MAX = 200


def _keep_locally(name: str, token: str, body: str | bytes) -> None:
    if len(_LOCAL_BODIES) >= _LOCAL_BODIES_MAX:
        _LOCAL_BODIES.pop(next(iter(_LOCAL_BODIES)), None)
    _LOCAL_BODIES[name] = (token, body)


def kept_body(*parts) -> tuple[str, str, str | bytes | None]:
    """The current generation token, the ETag of the representation named by `parts` (kind,
    language, filters) at that data state, and its body if one was kept."""
    name = _digest(settings.PUBLIC_MIN_CELL, *parts)
    token = generation()
    etag = '"' + hashlib.sha256(f"{token}:{name}".encode()).hexdigest()[:32] + '"'
    local_token, body = _LOCAL_BODIES.get(name, (None, None))
    if local_token != token:
        kept_token, body = cache.get(_body_key(name), (None, None))
        if kept_token != token:
            return token, etag, None
        _keep_locally(name, token, body)
    return token, etag, body


def keep_body(token: str, body: str | bytes, *parts) -> None:
    """Keep a representation rendered for `parts` at data state `token`."""
    name = _digest(settings.PUBLIC_MIN_CELL, *parts)
    cache.set(_body_key(name), (token, body), timeout=settings.STATS_CACHE_SECONDS)
    _keep_locally(name, token, body)


def connect_signals() -> None:
    """Drop the cache when a count moved (the tallies know whether a change moved any), when
    the names the statistics show change (places, authorities) or the official figures do."""
    from cases.models import Authority, Place, PublishedFigure
    from cases.public.tallies import counts_changed

    counts_changed.connect(invalidate, dispatch_uid="public-stats-counts")
    for model in (PublishedFigure, Place, Authority):
        uid = f"public-stats-{model.__name__}"
        post_save.connect(invalidate, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=uid + "-delete")
