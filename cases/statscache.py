"""Caching of the public statistics: numbers and rendered pages per filter combination and
language, dropped on any change.

Every cache key and ETag carries a generation token; any save or delete of case data sets a new
one, so all cached numbers, pages and ETags go stale at once without listing the keys. Once the
change is committed, the unfiltered statistics are computed again off the request (`warm`), so
that the first visitor after a change does not wait for them.
"""

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from cases.stats import Statistics

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


def _committed() -> None:
    _new_generation()
    if settings.STATS_WARM_ON_CHANGE:
        warm_soon()


def invalidate(**kwargs) -> None:
    """Drop every cached statistic. A signal handler; also call it after a bulk update()."""
    _new_generation()
    # A request between the save and the commit could cache the old numbers under the new
    # token: start afresh once more when the transaction commits.
    transaction.on_commit(_committed)


def _digest(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _statistics_key(token: str, filters: dict) -> str:
    return f"public-stats:{token}:{_digest(filters, settings.PUBLIC_MIN_CELL)}"


def cached_statistics(
    filters: dict, compute: Callable[[], Statistics], token: str | None = None
) -> Statistics:
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
    """Drop the cache when any data behind the public statistics changes."""
    from cases.models import (
        Authority,
        DetainedPerson,
        Kinship,
        Outcome,
        Petition,
        Place,
        PublishedFigure,
        Relative,
    )

    for model in (
        DetainedPerson,
        Relative,
        Kinship,
        Petition,
        Outcome,
        PublishedFigure,
        Place,
        Authority,
    ):
        uid = f"public-stats-{model.__name__}"
        post_save.connect(invalidate, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=uid + "-delete")
    for through in (Petition.persons.through, Petition.petitioners.through):
        m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"public-stats-{through}")


# --- Warming after a change -------------------------------------------------------------------
#
# A cold unfiltered computation reads every counted case with its relatives, petitions and
# outcomes: about a second at 100,000 cases on two cores. Without a task queue, the process that
# committed a change recomputes them in a daemon thread, so that neither the saving request (an
# admin save) nor the next visitor waits. The thread has its own database connection, closed
# when it ends. One thread at a time per process: changes while it runs (the other signals of
# the same commit, an import's burst of saves) only ask it for one more round, after a short
# pause that lets them settle. A failure is logged; the first visitor then computes as before.
# Another process (a second app server) finds the numbers in the shared cache. Disabled with
# STATS_WARM_ON_CHANGE=0 (the tests do: their data lives in a transaction no thread can see).

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 0.2
_lock = threading.Lock()
_wanted = False
_running = False


def warm() -> None:
    """Compute the unfiltered statistics into the cache, as the first visitor would."""
    from cases import stats
    from cases.filters import applied_filters, statistics_filter

    filterset = statistics_filter({})
    filterset.is_valid()
    key = _statistics_key(generation(), applied_filters(filterset))
    cache.set(key, stats.compute(filterset.qs), timeout=settings.STATS_CACHE_SECONDS)


def warm_soon() -> threading.Thread | None:
    """Warm the cache in a background thread; None when one is running already (it will warm
    once more for this change)."""
    global _wanted, _running
    with _lock:
        _wanted = True
        if _running:
            return None
        _running = True
    thread = threading.Thread(target=_warm_while_wanted, name="statistics-warmer", daemon=True)
    thread.start()
    return thread


def _warm_while_wanted() -> None:
    global _wanted, _running
    try:
        while True:
            time.sleep(SETTLE_SECONDS)
            with _lock:
                if not _wanted:
                    _running = False
                    return
                _wanted = False
            try:
                warm()
            except Exception:
                logger.exception("Could not warm the public statistics after a change")
    finally:
        with _lock:
            _running = False
        connections.close_all()
