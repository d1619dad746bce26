"""Caching of the public statistics: numbers per filter combination, dropped on any change.

Every cache key and ETag carries a generation token; any save or delete of case data sets a new
one, so all cached numbers and ETags go stale at once without listing the keys.
"""

import hashlib
import json
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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


def invalidate(**kwargs) -> None:
    """Drop every cached statistic. A signal handler; also call it after a bulk update()."""
    _new_generation()
    # A request between the save and the commit could cache the old numbers under the new
    # token: start afresh once more when the transaction commits.
    transaction.on_commit(_new_generation)


def _digest(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached_statistics(
    filters: dict, compute: Callable[[], Statistics], token: str | None = None
) -> Statistics:
    """The statistics for `filters`, from the cache or computed (numbers only, no labels)."""
    token = token or generation()
    key = f"public-stats:{token}:{_digest(filters, settings.PUBLIC_MIN_CELL)}"
    statistics = cache.get(key)
    if statistics is None:
        statistics = compute()
        cache.set(key, statistics, timeout=settings.STATS_CACHE_SECONDS)
    return statistics


def etag(token: str, *parts) -> str:
    """A quoted ETag for one representation of the statistics at data state `token`."""
    return '"' + _digest(token, settings.PUBLIC_MIN_CELL, *parts) + '"'


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
