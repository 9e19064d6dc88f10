"""The cache layer's operations, written once: Django's cache API and the extended API, each a
call of the client inside the error guard, with the value to return when errors are ignored.

This module is the asyncio source, under Django's ``a*`` names (``aget``, ``aset``...);
``tools/unasync.py`` writes from it the sync methods (``django_valkey/_sync/cache_commands.py``)
and the plain-name coroutines of ``AsyncValkeyCache`` (``plain_cache_commands.py`` here).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT

from django_valkey._core.commands import check_delta
from django_valkey._core.guard import ErrorGuard
from django_valkey.pipeline import AsyncCachePipeline
from django_valkey.protocols import (
    AbsoluteTime,
    AsyncClientProtocol,
    AsyncLockProtocol,
    ExpiryTime,
    InsertWhere,
    ListEnd,
    ScoreBound,
    Timeout,
)

__all__ = ["AsyncCacheCommands"]

_MISSING = object()


class AsyncCacheCommands:
    """Django's async cache API and the ``a``-prefixed extended API, each awaiting one call of
    ``self.async_client`` inside ``self._guard`` (see ``django_valkey._core.guard``)."""

    _guard: ErrorGuard  # provided by BaseValkeyCache

    @property
    def async_client(self) -> AsyncClientProtocol[Any]:
        raise NotImplementedError  # provided by the cache class

    # ---------------------------------------------------------------- Django's API

    async def aget(self, key: str, default: Any | None = None, version: int | None = None) -> Any:
        with self._guard:
            return await self.async_client.get(key, default, version)
        return default

    @overload
    async def aset(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    async def aset(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    async def aset(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool
    ) -> bool: ...
    async def aset(
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
            stored = await self.async_client.set(key, value, timeout, version, bool(nx), bool(xx))
            return None if plain else stored
        return None if plain else False

    async def aadd(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.add(key, value, timeout, version)
        return False

    async def aget_or_set(
        self, key: str, default: Any | None, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> Any | None:
        """The value of ``key``; if missing, ``default`` (called if callable) is added and returned."""
        value = await self.aget(key, _MISSING, version)
        if value is not _MISSING:
            return value
        if callable(default):
            default = default()
        await self.aadd(key, default, timeout, version)
        # Read again: another task may have added a value between the read and the add.
        return await self.aget(key, default, version)

    async def atouch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.touch(key, timeout, version)
        return False

    async def adelete(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.delete(key, version)
        return False

    async def aget_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return await self.async_client.get_many(keys, version)
        return {}

    async def aset_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Store every item in one round trip; returns the keys that failed (Django's contract)."""
        with self._guard:
            return await self.async_client.set_many(data, timeout, version)
        return list(data)

    async def adelete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        with self._guard:
            await self.async_client.delete_many(keys, version)

    async def ahas_key(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.has_key(key, version)
        return False

    async def aincr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing, unless
        ``ignore_key_check`` (django-valkey 0.4's): then a missing key is created holding ``delta``,
        with no expiry."""
        with self._guard:
            if ignore_key_check:
                return await self.async_client.incr(key, delta, version, ignore_key_check=ignore_key_check)
            # A client written before ignore_key_check (0.4's ClientProtocol) is still called as it was.
            return await self.async_client.incr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")  # the server is down and errors are ignored

    async def adecr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """``incr`` by ``-delta`` (with ``ignore_key_check``, a missing key is created holding ``-delta``)."""
        with self._guard:
            if ignore_key_check:
                return await self.async_client.decr(key, delta, version, ignore_key_check=ignore_key_check)
            return await self.async_client.decr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    async def aincr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Move the value to version + ``delta`` in one step (TTL kept); returns the new version."""
        with self._guard:
            return await self.async_client.incr_version(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    async def adecr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self.aincr_version(key, -check_delta(delta), version)

    async def aclear(self) -> None:
        """Flush the whole database (every key, not only this cache's prefix), as Django does."""
        with self._guard:
            await self.async_client.clear()

    # ---------------------------------------------------------------- extended API

    async def attl(self, key: str, version: int | None = None) -> int | None:
        """Seconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return await self.async_client.ttl(key, version)
        return 0

    async def apttl(self, key: str, version: int | None = None) -> int | None:
        """Milliseconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return await self.async_client.pttl(key, version)
        return 0

    async def aexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.expire(key, timeout, version)
        return False

    async def apexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.pexpire(key, timeout, version)
        return False

    async def aexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.expire_at(key, when, version)
        return False

    async def apexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.pexpire_at(key, when, version)
        return False

    async def apersist(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.persist(key, version)
        return False

    async def aget_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> AsyncLockProtocol:
        """A distributed lock on ``key`` (made like any key, so prefixes keep caches apart):
        ``async with await cache.alock("k"): ...``."""
        return await self.async_client.get_lock(key, version, timeout, sleep, blocking, blocking_timeout, thread_local)

    alock = aget_lock

    async def akeys(self, search: str, version: int | None = None) -> list[str]:
        with self._guard:
            return await self.async_client.keys(search, version)
        return []

    async def aiter_keys(
        self, search: str, itersize: int | None = None, version: int | None = None
    ) -> AsyncIterator[str]:
        with self._guard:
            async for key in self.async_client.iter_keys(search, itersize, version):
                yield key

    async def adelete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        with self._guard:
            return await self.async_client.delete_pattern(pattern, version, prefix, itersize)
        return 0

    async def amget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """Alias of ``aget_many`` (one MGET)."""
        return await self.aget_many(keys, version)

    async def amset(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Alias of ``aset_many``."""
        return await self.aset_many(data, timeout, version)

    def apipeline(self, transaction: bool = True) -> AsyncCachePipeline:
        """Commands queued (through ``make_key`` and the serializer) and sent in one round trip:
        ``async with cache.apipeline() as pipe: hits = pipe.incr("hits")``, then ``hits.value``.
        See ``django_valkey.pipeline``."""
        return AsyncCachePipeline(self.async_client, transaction)

    # ---------------------------------------------------------------- sets

    async def asadd(self, key: str, *values: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.sadd(key, *values, version=version)
        return 0

    async def asrem(self, key: str, *members: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.srem(key, *members, version=version)
        return 0

    async def ascard(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.scard(key, version)
        return 0

    async def asismember(self, key: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.sismember(key, member, version)
        return False

    async def asmismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        with self._guard:
            return await self.async_client.smismember(key, *members, version=version)
        return [False] * len(members)

    async def asmembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.smembers(key, version)
        return builtins.set[Any]()

    async def asmove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.smove(source, destination, member, version)
        return False

    @overload
    async def aspop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def aspop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    async def aspop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return await self.async_client.spop(key, None, version)
            return await self.async_client.spop(key, count, version)
        return None if count is None else builtins.set[Any]()

    @overload
    async def asrandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def asrandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    async def asrandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return await self.async_client.srandmember(key, None, version)
            return await self.async_client.srandmember(key, count, version)
        return None if count is None else []

    async def asdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sdiff(*keys, version=version)
        return builtins.set[Any]()

    async def asinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sinter(*keys, version=version)
        return builtins.set[Any]()

    async def asunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sunion(*keys, version=version)
        return builtins.set[Any]()

    async def asdiffstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        with self._guard:
            if version_dest is None and version_keys is None:
                return await self.async_client.sdiffstore(destination, *keys, version=version)
            return await self.async_client.sdiffstore(
                destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
            )
        return 0

    async def asinterstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        with self._guard:
            if version_dest is None and version_keys is None:
                return await self.async_client.sinterstore(destination, *keys, version=version)
            return await self.async_client.sinterstore(
                destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
            )
        return 0

    async def asunionstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        with self._guard:
            if version_dest is None and version_keys is None:
                return await self.async_client.sunionstore(destination, *keys, version=version)
            return await self.async_client.sunionstore(
                destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
            )
        return 0

    async def asscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sscan(key, match, count, version)
        return builtins.set[Any]()

    async def asscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[Any]:
        with self._guard:
            async for member in self.async_client.sscan_iter(key, match, count, version):
                yield member

    # ---------------------------------------------------------------- hashes

    async def ahset(
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
            return await self.async_client.hset(name, key, value, version, mapping=mapping)
        return 0

    async def ahsetnx(self, name: str, key: str, value: Any, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.hsetnx(name, key, value, version)
        return False

    async def ahget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        with self._guard:
            return await self.async_client.hget(name, key, default, version)
        return default

    async def ahmget(self, name: str, *keys: str, version: int | None = None) -> list[Any]:
        with self._guard:
            return await self.async_client.hmget(name, *keys, version=version)
        return [None] * len(keys)

    async def ahgetall(self, name: str, version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return await self.async_client.hgetall(name, version)
        return {}

    async def ahvals(self, name: str, version: int | None = None) -> list[Any]:
        with self._guard:
            return await self.async_client.hvals(name, version)
        return []

    async def ahdel(self, name: str, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.hdel(name, key, version)
        return 0

    async def ahlen(self, name: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.hlen(name, version)
        return 0

    async def ahkeys(self, name: str, version: int | None = None) -> list[str]:
        with self._guard:
            return await self.async_client.hkeys(name, version)
        return []

    async def ahexists(self, name: str, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.hexists(name, key, version)
        return False

    async def ahstrlen(self, name: str, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.hstrlen(name, key, version)
        return 0

    async def ahincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> int:
        """Add ``amount`` to an integer field (created at 0); the new value."""
        with self._guard:
            return await self.async_client.hincrby(name, key, amount, version)
        return 0

    async def ahincrbyfloat(self, name: str, key: str, amount: float = 1.0, version: int | None = None) -> float:
        """Add ``amount`` to a number field (created at 0); the new value."""
        with self._guard:
            return await self.async_client.hincrbyfloat(name, key, amount, version)
        return 0.0

    async def ahscan(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> dict[str, Any]:
        with self._guard:
            return await self.async_client.hscan(name, match, count, version)
        return {}

    async def ahscan_iter(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[tuple[str, Any]]:
        with self._guard:
            async for pair in self.async_client.hscan_iter(name, match, count, version):
                yield pair

    async def ahexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        """A TTL in seconds (or a timedelta) for each field; per field, whether it exists."""
        with self._guard:
            return await self.async_client.hexpire(name, timeout, *fields, version=version)
        return [False] * len(fields)

    async def ahpexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        with self._guard:
            return await self.async_client.hpexpire(name, timeout, *fields, version=version)
        return [False] * len(fields)

    async def ahttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        """Per field: seconds left, ``None`` if it never expires, ``0`` if it does not exist."""
        with self._guard:
            return await self.async_client.httl(name, *fields, version=version)
        return [0] * len(fields)

    async def ahpttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        with self._guard:
            return await self.async_client.hpttl(name, *fields, version=version)
        return [0] * len(fields)

    async def ahpersist(self, name: str, *fields: str, version: int | None = None) -> list[bool]:
        """Remove each field's TTL; per field, whether it had one."""
        with self._guard:
            return await self.async_client.hpersist(name, *fields, version=version)
        return [False] * len(fields)

    # ---------------------------------------------------------------- lists

    async def alpush(self, key: str, *values: Any, version: int | None = None) -> int:
        """Push ``values`` at the head, one after the other; the list's new length."""
        with self._guard:
            return await self.async_client.lpush(key, *values, version=version)
        return 0

    async def arpush(self, key: str, *values: Any, version: int | None = None) -> int:
        """Push ``values`` at the tail; the list's new length."""
        with self._guard:
            return await self.async_client.rpush(key, *values, version=version)
        return 0

    @overload
    async def alpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def alpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    async def alpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return await self.async_client.lpop(key, None, version)
            return await self.async_client.lpop(key, count, version)
        return None if count is None else []

    @overload
    async def arpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def arpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    async def arpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return await self.async_client.rpop(key, None, version)
            return await self.async_client.rpop(key, count, version)
        return None if count is None else []

    async def alrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> list[Any]:
        with self._guard:
            return await self.async_client.lrange(key, start, end, version)
        return []

    async def allen(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.llen(key, version)
        return 0

    async def alindex(self, key: str, index: int, version: int | None = None) -> Any:
        with self._guard:
            return await self.async_client.lindex(key, index, version)
        return None

    async def alset(self, key: str, index: int, value: Any, version: int | None = None) -> bool:
        """Replace the value at ``index``; ValueError if the list is missing, IndexError if too short."""
        with self._guard:
            return await self.async_client.lset(key, index, value, version)
        return False

    async def alrem(self, key: str, count: int, value: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.lrem(key, count, value, version)
        return 0

    async def altrim(self, key: str, start: int, end: int, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.ltrim(key, start, end, version)
        return False

    async def alinsert(self, key: str, where: InsertWhere, pivot: Any, value: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.linsert(key, where, pivot, value, version)
        return 0

    async def almove(
        self, source: str, destination: str, src: ListEnd = "LEFT", dest: ListEnd = "RIGHT", version: int | None = None
    ) -> Any:
        with self._guard:
            return await self.async_client.lmove(source, destination, src, dest, version)
        return None

    async def ablpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        """Pop from the head of the first of ``keys`` that has a value, waiting up to ``timeout``
        seconds; ``(key, value)`` or ``None``."""
        with self._guard:
            return await self.async_client.blpop(*keys, timeout=timeout, version=version)
        return None

    async def abrpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        with self._guard:
            return await self.async_client.brpop(*keys, timeout=timeout, version=version)
        return None

    async def ablmove(
        self,
        source: str,
        destination: str,
        timeout: float,
        src: ListEnd = "LEFT",
        dest: ListEnd = "RIGHT",
        version: int | None = None,
    ) -> Any:
        with self._guard:
            return await self.async_client.blmove(source, destination, timeout, src, dest, version)
        return None

    # ---------------------------------------------------------------- sorted sets

    @overload
    async def azadd(
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
    async def azadd(
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
    async def azadd(
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
    async def azadd(
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
        client = self.async_client
        with self._guard:
            if incr:
                return await client.zadd(key, mapping, version, nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=True)
            return await client.zadd(key, mapping, version, nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=False)
        return None if incr else 0

    async def azincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> float:
        """Add ``amount`` to the member's score (a new member starts at 0); the new score."""
        with self._guard:
            return await self.async_client.zincrby(key, amount, member, version)
        return 0.0

    async def azscore(self, key: str, member: Any, version: int | None = None) -> float | None:
        with self._guard:
            return await self.async_client.zscore(key, member, version)
        return None

    async def azmscore(self, key: str, *members: Any, version: int | None = None) -> list[float | None]:
        with self._guard:
            return await self.async_client.zmscore(key, *members, version=version)
        return [None] * len(members)

    async def azrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        with self._guard:
            return await self.async_client.zrank(key, member, version)
        return None

    async def azrevrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        with self._guard:
            return await self.async_client.zrevrank(key, member, version)
        return None

    @overload
    async def azrange(
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
    async def azrange(
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
    async def azrange(
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
    async def azrange(
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
            return await self.async_client.zrange(
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

    async def azrem(self, key: str, *members: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.zrem(key, *members, version=version)
        return 0

    async def azremrangebyscore(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.zremrangebyscore(key, min, max, version)
        return 0

    async def azremrangebyrank(self, key: str, start: int, end: int, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.zremrangebyrank(key, start, end, version)
        return 0

    async def azcard(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.zcard(key, version)
        return 0

    async def azcount(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.zcount(key, min, max, version)
        return 0

    async def azpopmin(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        with self._guard:
            return await self.async_client.zpopmin(key, count, version)
        return []

    async def azpopmax(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        with self._guard:
            return await self.async_client.zpopmax(key, count, version)
        return []

    async def azscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> list[tuple[Any, float]]:
        with self._guard:
            return await self.async_client.zscan(key, match, count, version)
        return []

    async def azscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[tuple[Any, float]]:
        with self._guard:
            async for pair in self.async_client.zscan_iter(key, match, count, version):
                yield pair
