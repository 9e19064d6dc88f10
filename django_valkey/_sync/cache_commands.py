# Generated from django_valkey/_async/cache_commands.py by tools/unasync.py: do not edit.
# Change the source and run `python tools/unasync.py`.
"""The cache layer's operations, written once: Django's cache API and the extended API, each a
call of the client inside the error guard, with the value to return when errors are ignored.

This module is the asyncio source, under Django's ``a*`` names (``get``, ``set``...);
``tools/unasync.py`` writes from it the sync methods (``django_valkey/_sync/cache_commands.py``)
and the plain-name coroutines of ``AsyncValkeyCache`` (``plain_cache_commands.py`` here).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT

from django_valkey._core.commands import check_delta
from django_valkey._core.guard import ErrorGuard
from django_valkey.pipeline import CachePipeline
from django_valkey.protocols import (
    AbsoluteTime,
    ClientProtocol,
    ExpiryTime,
    InsertWhere,
    ListEnd,
    LockProtocol,
    ScoreBound,
    Timeout,
)

__all__ = ["CacheCommands"]

_MISSING = object()


class CacheCommands:
    """Django's async cache API and the ``a``-prefixed extended API, each awaiting one call of
    ``self.client`` inside ``self._guard`` (see ``django_valkey._core.guard``)."""

    _guard: ErrorGuard  # provided by BaseValkeyCache

    @property
    def client(self) -> ClientProtocol[Any]:
        raise NotImplementedError  # provided by the cache class

    # ---------------------------------------------------------------- Django's API

    def get(self, key: str, default: Any | None = None, version: int | None = None) -> Any:
        with self._guard:
            return self.client.get(key, default, version)
        return default

    @overload
    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    def set(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool) -> bool: ...
    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        *,
        nx: bool | None = None,
        xx: bool | None = None,
    ) -> bool | None:
        """Store ``value``; ``None`` as Django documents, or with ``nx``/``xx`` whether it was stored."""
        plain = nx is None and xx is None
        with self._guard:
            stored = self.client.set(key, value, timeout, version, bool(nx), bool(xx))
            return None if plain else stored
        return None if plain else False

    def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return self.client.add(key, value, timeout, version)
        return False

    def get_or_set(
        self, key: str, default: Any | None, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> Any | None:
        """The value of ``key``; if missing, ``default`` (called if callable) is added and returned."""
        value = self.get(key, _MISSING, version)
        if value is not _MISSING:
            return value
        if callable(default):
            default = default()
        self.add(key, default, timeout, version)
        # Read again: another task may have added a value between the read and the add.
        return self.get(key, default, version)

    def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return self.client.touch(key, timeout, version)
        return False

    def delete(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.delete(key, version)
        return False

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return self.client.get_many(keys, version)
        return {}

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Store every item in one round trip; returns the keys that failed (Django's contract)."""
        with self._guard:
            return self.client.set_many(data, timeout, version)
        return list(data)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        with self._guard:
            self.client.delete_many(keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.has_key(key, version)
        return False

    def incr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing, unless
        ``ignore_key_check`` (django-valkey 0.4's): then a missing key is created holding ``delta``,
        with no expiry."""
        with self._guard:
            if ignore_key_check:
                return self.client.incr(key, delta, version, ignore_key_check=ignore_key_check)
            # A client written before ignore_key_check (0.4's ClientProtocol) is still called as it was.
            return self.client.incr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")  # the server is down and errors are ignored

    def decr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """``incr`` by ``-delta`` (with ``ignore_key_check``, a missing key is created holding ``-delta``)."""
        with self._guard:
            if ignore_key_check:
                return self.client.decr(key, delta, version, ignore_key_check=ignore_key_check)
            return self.client.decr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Move the value to version + ``delta`` in one step (TTL kept); returns the new version."""
        with self._guard:
            return self.client.incr_version(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    def decr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self.incr_version(key, -check_delta(delta), version)

    def clear(self) -> None:
        """Flush the whole database (every key, not only this cache's prefix), as Django does."""
        with self._guard:
            self.client.clear()

    # ---------------------------------------------------------------- extended API

    def ttl(self, key: str, version: int | None = None) -> int | None:
        """Seconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return self.client.ttl(key, version)
        return 0

    def pttl(self, key: str, version: int | None = None) -> int | None:
        """Milliseconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return self.client.pttl(key, version)
        return 0

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.expire(key, timeout, version)
        return False

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.pexpire(key, timeout, version)
        return False

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.expire_at(key, when, version)
        return False

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.pexpire_at(key, when, version)
        return False

    def persist(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.persist(key, version)
        return False

    def get_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> LockProtocol:
        """A distributed lock on ``key`` (made like any key, so prefixes keep caches apart):
        ``with cache.lock("k"): ...``."""
        return self.client.get_lock(key, version, timeout, sleep, blocking, blocking_timeout, thread_local)

    lock = get_lock

    def keys(self, search: str, version: int | None = None) -> list[str]:
        with self._guard:
            return self.client.keys(search, version)
        return []

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        with self._guard:
            for key in self.client.iter_keys(search, itersize, version):
                yield key

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        with self._guard:
            return self.client.delete_pattern(pattern, version, prefix, itersize)
        return 0

    def mget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """Alias of ``get_many`` (one MGET)."""
        return self.get_many(keys, version)

    def mset(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Alias of ``set_many``."""
        return self.set_many(data, timeout, version)

    def pipeline(self, transaction: bool = True) -> CachePipeline:
        """Commands queued (through ``make_key`` and the serializer) and sent in one round trip:
        ``with cache.pipeline() as pipe: hits = pipe.incr("hits")``, then ``hits.value``.
        See ``django_valkey.pipeline``."""
        return CachePipeline(self.client, transaction)

    # ---------------------------------------------------------------- sets

    def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.sadd(key, *values, version=version)
        return 0

    def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.srem(key, *members, version=version)
        return 0

    def scard(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.scard(key, version)
        return 0

    def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return self.client.sismember(key, member, version)
        return False

    def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        with self._guard:
            return self.client.smismember(key, *members, version=version)
        return [False] * len(members)

    def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.smembers(key, version)
        return builtins.set[Any]()

    def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return self.client.smove(source, destination, member, version)
        return False

    @overload
    def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return self.client.spop(key, None, version)
            return self.client.spop(key, count, version)
        return None if count is None else builtins.set[Any]()

    @overload
    def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return self.client.srandmember(key, None, version)
            return self.client.srandmember(key, count, version)
        return None if count is None else []

    def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sdiff(*keys, version=version)
        return builtins.set[Any]()

    def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sinter(*keys, version=version)
        return builtins.set[Any]()

    def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sunion(*keys, version=version)
        return builtins.set[Any]()

    def sdiffstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        with self._guard:
            if version_dest is None and version_keys is None:
                return self.client.sdiffstore(destination, *keys, version=version)
            return self.client.sdiffstore(
                destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
            )
        return 0

    def sinterstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        with self._guard:
            if version_dest is None and version_keys is None:
                return self.client.sinterstore(destination, *keys, version=version)
            return self.client.sinterstore(
                destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
            )
        return 0

    def sunionstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        with self._guard:
            if version_dest is None and version_keys is None:
                return self.client.sunionstore(destination, *keys, version=version)
            return self.client.sunionstore(
                destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
            )
        return 0

    def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        with self._guard:
            return self.client.sscan(key, match, count, version)
        return builtins.set[Any]()

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]:
        with self._guard:
            for member in self.client.sscan_iter(key, match, count, version):
                yield member

    # ---------------------------------------------------------------- hashes

    def hset(
        self,
        name: str,
        key: str | None = None,
        value: Any = None,
        version: int | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
    ) -> int:
        """Set field ``key`` to ``value`` and/or every item of ``mapping``; the number of new fields."""
        with self._guard:
            return self.client.hset(name, key, value, version, mapping=mapping)
        return 0

    def hsetnx(self, name: str, key: str, value: Any, version: int | None = None) -> bool:
        with self._guard:
            return self.client.hsetnx(name, key, value, version)
        return False

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        with self._guard:
            return self.client.hget(name, key, default, version)
        return default

    def hmget(self, name: str, *keys: str, version: int | None = None) -> list[Any]:
        with self._guard:
            return self.client.hmget(name, *keys, version=version)
        return [None] * len(keys)

    def hgetall(self, name: str, version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return self.client.hgetall(name, version)
        return {}

    def hvals(self, name: str, version: int | None = None) -> list[Any]:
        with self._guard:
            return self.client.hvals(name, version)
        return []

    def hdel(self, name: str, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.hdel(name, key, version)
        return 0

    def hlen(self, name: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.hlen(name, version)
        return 0

    def hkeys(self, name: str, version: int | None = None) -> list[str]:
        with self._guard:
            return self.client.hkeys(name, version)
        return []

    def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.hexists(name, key, version)
        return False

    def hstrlen(self, name: str, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.hstrlen(name, key, version)
        return 0

    def hincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> int:
        """Add ``amount`` to an integer field (created at 0); the new value."""
        with self._guard:
            return self.client.hincrby(name, key, amount, version)
        return 0

    def hincrbyfloat(self, name: str, key: str, amount: float = 1.0, version: int | None = None) -> float:
        """Add ``amount`` to a number field (created at 0); the new value."""
        with self._guard:
            return self.client.hincrbyfloat(name, key, amount, version)
        return 0.0

    def hscan(self, name: str, match: str | None = None, count: int = 10, version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return self.client.hscan(name, match, count, version)
        return {}

    def hscan_iter(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[str, Any]]:
        with self._guard:
            for pair in self.client.hscan_iter(name, match, count, version):
                yield pair

    def hexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        """A TTL in seconds (or a timedelta) for each field; per field, whether it exists."""
        with self._guard:
            return self.client.hexpire(name, timeout, *fields, version=version)
        return [False] * len(fields)

    def hpexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        with self._guard:
            return self.client.hpexpire(name, timeout, *fields, version=version)
        return [False] * len(fields)

    def httl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        """Per field: seconds left, ``None`` if it never expires, ``0`` if it does not exist."""
        with self._guard:
            return self.client.httl(name, *fields, version=version)
        return [0] * len(fields)

    def hpttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        with self._guard:
            return self.client.hpttl(name, *fields, version=version)
        return [0] * len(fields)

    def hpersist(self, name: str, *fields: str, version: int | None = None) -> list[bool]:
        """Remove each field's TTL; per field, whether it had one."""
        with self._guard:
            return self.client.hpersist(name, *fields, version=version)
        return [False] * len(fields)

    # ---------------------------------------------------------------- lists

    def lpush(self, key: str, *values: Any, version: int | None = None) -> int:
        """Push ``values`` at the head, one after the other; the list's new length."""
        with self._guard:
            return self.client.lpush(key, *values, version=version)
        return 0

    def rpush(self, key: str, *values: Any, version: int | None = None) -> int:
        """Push ``values`` at the tail; the list's new length."""
        with self._guard:
            return self.client.rpush(key, *values, version=version)
        return 0

    @overload
    def lpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def lpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def lpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return self.client.lpop(key, None, version)
            return self.client.lpop(key, count, version)
        return None if count is None else []

    @overload
    def rpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def rpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def rpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return self.client.rpop(key, None, version)
            return self.client.rpop(key, count, version)
        return None if count is None else []

    def lrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> list[Any]:
        with self._guard:
            return self.client.lrange(key, start, end, version)
        return []

    def llen(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.llen(key, version)
        return 0

    def lindex(self, key: str, index: int, version: int | None = None) -> Any:
        with self._guard:
            return self.client.lindex(key, index, version)
        return None

    def lset(self, key: str, index: int, value: Any, version: int | None = None) -> bool:
        """Replace the value at ``index``; ValueError if the list is missing, IndexError if too short."""
        with self._guard:
            return self.client.lset(key, index, value, version)
        return False

    def lrem(self, key: str, count: int, value: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.lrem(key, count, value, version)
        return 0

    def ltrim(self, key: str, start: int, end: int, version: int | None = None) -> bool:
        with self._guard:
            return self.client.ltrim(key, start, end, version)
        return False

    def linsert(self, key: str, where: InsertWhere, pivot: Any, value: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.linsert(key, where, pivot, value, version)
        return 0

    def lmove(
        self, source: str, destination: str, src: ListEnd = "LEFT", dest: ListEnd = "RIGHT", version: int | None = None
    ) -> Any:
        with self._guard:
            return self.client.lmove(source, destination, src, dest, version)
        return None

    def blpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        """Pop from the head of the first of ``keys`` that has a value, waiting up to ``timeout``
        seconds; ``(key, value)`` or ``None``."""
        with self._guard:
            return self.client.blpop(*keys, timeout=timeout, version=version)
        return None

    def brpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        with self._guard:
            return self.client.brpop(*keys, timeout=timeout, version=version)
        return None

    def blmove(
        self,
        source: str,
        destination: str,
        timeout: float,
        src: ListEnd = "LEFT",
        dest: ListEnd = "RIGHT",
        version: int | None = None,
    ) -> Any:
        with self._guard:
            return self.client.blmove(source, destination, timeout, src, dest, version)
        return None

    # ---------------------------------------------------------------- sorted sets

    @overload
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: Literal[False] = False,
    ) -> int: ...
    @overload
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: Literal[True],
    ) -> float | None: ...
    @overload
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: bool = False,
    ) -> float | None: ...
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: bool = False,
    ) -> float | None:
        """Add or update each ``member: score``; the number added (or changed, with ``ch``); with
        ``incr``, the new score of the one member, ``None`` if a condition stopped it."""
        client = self.client
        with self._guard:
            if incr:
                return client.zadd(key, mapping, version, nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=True)
            return client.zadd(key, mapping, version, nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=False)
        return None if incr else 0

    def zincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> float:
        """Add ``amount`` to the member's score (a new member starts at 0); the new score."""
        with self._guard:
            return self.client.zincrby(key, amount, member, version)
        return 0.0

    def zscore(self, key: str, member: Any, version: int | None = None) -> float | None:
        with self._guard:
            return self.client.zscore(key, member, version)
        return None

    def zmscore(self, key: str, *members: Any, version: int | None = None) -> list[float | None]:
        with self._guard:
            return self.client.zmscore(key, *members, version=version)
        return [None] * len(members)

    def zrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        with self._guard:
            return self.client.zrank(key, member, version)
        return None

    def zrevrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        with self._guard:
            return self.client.zrevrank(key, member, version)
        return None

    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[False] = False,
    ) -> list[Any]: ...
    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[True],
    ) -> list[tuple[Any, float]]: ...
    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> list[Any]: ...
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> list[Any]:
        """Members by index (``start``/``end`` ints, ``end`` included), by score (``byscore``) or
        by lex (``bylex``); ``rev`` reverses the order; ``(member, score)`` pairs with ``withscores``."""
        with self._guard:
            return self.client.zrange(
                key,
                start,
                end,
                version,
                byscore=byscore,
                bylex=bylex,
                rev=rev,
                offset=offset,
                count=count,
                withscores=withscores,
            )
        return []

    def zrem(self, key: str, *members: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.zrem(key, *members, version=version)
        return 0

    def zremrangebyscore(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        with self._guard:
            return self.client.zremrangebyscore(key, min, max, version)
        return 0

    def zremrangebyrank(self, key: str, start: int, end: int, version: int | None = None) -> int:
        with self._guard:
            return self.client.zremrangebyrank(key, start, end, version)
        return 0

    def zcard(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.zcard(key, version)
        return 0

    def zcount(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        with self._guard:
            return self.client.zcount(key, min, max, version)
        return 0

    def zpopmin(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        with self._guard:
            return self.client.zpopmin(key, count, version)
        return []

    def zpopmax(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        with self._guard:
            return self.client.zpopmax(key, count, version)
        return []

    def zscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> list[tuple[Any, float]]:
        with self._guard:
            return self.client.zscan(key, match, count, version)
        return []

    def zscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[Any, float]]:
        with self._guard:
            for pair in self.client.zscan_iter(key, match, count, version):
                yield pair
