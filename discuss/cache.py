"""The listing cache: the serialised first page of a thread, keyed by everything it shows.

A key names the site, its settings version, the thread, its version, the sort, the page size
and whether the thread is closed. Every visible change bumps the thread's version
(``services.threads.record_change``) or the site's settings version, so a changed thread is
simply looked up under a new key: nothing is ever deleted to stay correct, and a stale entry
can only be read by a reader who still sees the old version in the database. Old entries
leave by LRU eviction (in process) or by their time to live (Redis).

In-process LRU by default; Redis, shared by every app process, when ``DISCUSS_REDIS_URL`` is
set. Redis trouble never fails a read: the cache falls back to its in-process LRU, logs one
warning, and tries Redis again after a short pause.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol

from flask import Flask, current_app

from discuss import observability

log = logging.getLogger(__name__)

KEY_PREFIX = "discuss:listing:"


def listing_key(
    site_id: int,
    settings_version: int,
    thread_id: int,
    version: int,
    born: str,
    sort: str,
    limit: int,
    closed: bool,
) -> str:
    """The key of a thread's first page as readers see it now.

    ``born`` (the thread's creation time) tells apart a thread that reuses the id of a
    deleted one, as SQLite does; the app's namespace keeps databases sharing a Redis apart.
    """
    return (f"{current_app.extensions[NAMESPACE]}{site_id}.{settings_version}:"
            f"{thread_id}.{version}.{born}:{sort}:{limit}:{int(closed)}")


class ListingCache(Protocol):
    """Bytes by key; ``get`` and ``set`` never raise."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...


class NoCache:
    """The cache switched off (``DISCUSS_LISTING_CACHE_BYTES=0``)."""

    def get(self, key: str) -> bytes | None:
        """Always a miss."""
        return None

    def set(self, key: str, value: bytes) -> None:
        """Keeps nothing."""


class LRUCache:
    """An in-process LRU bounded by the total size of its values; safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The value, marked as recently used."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        """Store, evicting the least recently used values beyond the size bound."""
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._items[key] = value
            self.size += len(value)
            while self.size > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self.size -= len(evicted)

    def __len__(self) -> int:
        return len(self._items)


class RedisCache:
    """Shared by every process through Redis; on Redis errors, the in-process LRU stands in."""

    def __init__(self, url: str, ttl: int, fallback: ListingCache, retry_after: float = 5.0,
                 timeout: float = 0.5) -> None:
        self.ttl = ttl
        self.fallback = fallback
        self.retry_after = retry_after
        import redis  # only with DISCUSS_REDIS_URL: the client costs a worker about 7 MB

        self._errors = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._down_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, error: Exception) -> None:
        if self._available():
            log.warning("listing cache: Redis unavailable (%s); using the in-process cache "
                        "for %.0f s", error.__class__.__name__, self.retry_after)
            observability.record_fallback("listing_cache")
        self._down_until = time.monotonic() + self.retry_after

    def get(self, key: str) -> bytes | None:
        """The shared value, or the fallback's while Redis is out."""
        if not self._available():
            return self.fallback.get(key)
        try:
            value = self._client.get(key)
        except self._errors as error:
            self._failed(error)
            return self.fallback.get(key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes) -> None:
        """Store with a time to live, so entries of old versions expire."""
        if not self._available():
            self.fallback.set(key, value)
            return
        try:
            self._client.set(key, value, ex=self.ttl)
        except self._errors as error:
            self._failed(error)
            self.fallback.set(key, value)


def build_cache(redis_url: str, max_bytes: int, ttl: int) -> ListingCache:
    """The cache the settings ask for: none, Redis with an LRU stand-in, or the LRU alone."""
    if max_bytes <= 0:
        return NoCache()
    local = LRUCache(max_bytes)
    if redis_url:
        return RedisCache(redis_url, ttl, fallback=local)
    return local


EXTENSION = "discuss.listing_cache"
NAMESPACE = "discuss.listing_cache.namespace"


def init_app(app: Flask) -> None:
    """Give the app its listing cache, built from its settings."""
    settings = app.config["DISCUSS"]
    database = hashlib.sha1(settings.database_url.encode()).hexdigest()[:8]
    app.extensions[NAMESPACE] = f"{KEY_PREFIX}{database}:"
    app.extensions[EXTENSION] = build_cache(
        settings.redis_url, settings.listing_cache_bytes, settings.listing_cache_ttl
    )


def listing_cache() -> ListingCache:
    """The current app's listing cache."""
    return current_app.extensions[EXTENSION]
