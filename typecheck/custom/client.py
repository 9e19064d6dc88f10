"""``CountingClient``: a cache client written against ``ClientProtocol`` only.

It counts the commands it runs (what a team might export as metrics) and delegates each to an
inner client, the default one unless ``OPTIONS["INNER_CLIENT_CLASS"]`` names another class with
the same constructor. Nothing here inherits from django-valkey: the checkers accept it because
its methods match the Protocol, name for name and type for type.
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from valkey import Valkey

from django_valkey.client import DefaultClient
from django_valkey.protocols import (
    AbsoluteTime,
    CacheContext,
    ClientClass,
    ClientProtocol,
    ExpiryTime,
    InsertWhere,
    ListEnd,
    LockProtocol,
    ScoreBound,
    Timeout,
)
from django_valkey.util import CacheKey


class CountingClient:
    """Counts calls per command in ``calls`` and delegates to an inner ``ClientProtocol[Valkey]``."""

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        options: Mapping[str, Any] = params.get("OPTIONS") or {}
        inner_class: ClientClass[Valkey] = options.get("INNER_CLIENT_CLASS", DefaultClient)
        self._inner: ClientProtocol[Valkey] = inner_class(server, params, backend)
        self.calls: Counter[str] = Counter()

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        self.calls["make_key"] += 1
        return self._inner.make_key(key, version, prefix)

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        self.calls["make_pattern"] += 1
        return self._inner.make_pattern(pattern, version, prefix)

    def get_client(self, write: bool = True) -> Valkey:
        self.calls["get_client"] += 1
        return self._inner.get_client(write)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        self.calls["get"] += 1
        return self._inner.get(key, default, version)

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool:
        self.calls["set"] += 1
        return self._inner.set(key, value, timeout, version, nx, xx)

    def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        self.calls["add"] += 1
        return self._inner.add(key, value, timeout, version)

    def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        self.calls["touch"] += 1
        return self._inner.touch(key, timeout, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        self.calls["delete"] += 1
        return self._inner.delete(key, version)

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        self.calls["get_many"] += 1
        return self._inner.get_many(keys, version)

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        self.calls["set_many"] += 1
        return self._inner.set_many(data, timeout, version)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        self.calls["delete_many"] += 1
        return self._inner.delete_many(keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        self.calls["has_key"] += 1
        return self._inner.has_key(key, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        self.calls["incr"] += 1
        return self._inner.incr(key, delta, version, ignore_key_check)

    def decr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        self.calls["decr"] += 1
        return self._inner.decr(key, delta, version, ignore_key_check)

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        self.calls["incr_version"] += 1
        return self._inner.incr_version(key, delta, version)

    def clear(self) -> None:
        self.calls["clear"] += 1
        return self._inner.clear()

    def close(self) -> None:
        self.calls["close"] += 1
        return self._inner.close()

    def ttl(self, key: str, version: int | None = None) -> int | None:
        self.calls["ttl"] += 1
        return self._inner.ttl(key, version)

    def pttl(self, key: str, version: int | None = None) -> int | None:
        self.calls["pttl"] += 1
        return self._inner.pttl(key, version)

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        self.calls["expire"] += 1
        return self._inner.expire(key, timeout, version)

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        self.calls["pexpire"] += 1
        return self._inner.pexpire(key, timeout, version)

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        self.calls["expire_at"] += 1
        return self._inner.expire_at(key, when, version)

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        self.calls["pexpire_at"] += 1
        return self._inner.pexpire_at(key, when, version)

    def persist(self, key: str, version: int | None = None) -> bool:
        self.calls["persist"] += 1
        return self._inner.persist(key, version)

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
        self.calls["get_lock"] += 1
        return self._inner.get_lock(key, version, timeout, sleep, blocking, blocking_timeout, thread_local)

    def keys(self, search: str, version: int | None = None) -> list[str]:
        self.calls["keys"] += 1
        return self._inner.keys(search, version)

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        self.calls["iter_keys"] += 1
        return self._inner.iter_keys(search, itersize, version)

    def delete_pattern(
        self, pattern: str, version: int | None = None, prefix: str | None = None, itersize: int | None = None
    ) -> int:
        self.calls["delete_pattern"] += 1
        return self._inner.delete_pattern(pattern, version, prefix, itersize)

    def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        self.calls["sadd"] += 1
        return self._inner.sadd(key, *values, version=version)

    def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        self.calls["srem"] += 1
        return self._inner.srem(key, *members, version=version)

    def scard(self, key: str, version: int | None = None) -> int:
        self.calls["scard"] += 1
        return self._inner.scard(key, version)

    def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        self.calls["sismember"] += 1
        return self._inner.sismember(key, member, version)

    def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        self.calls["smismember"] += 1
        return self._inner.smismember(key, *members, version=version)

    def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        self.calls["smembers"] += 1
        return self._inner.smembers(key, version)

    def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        self.calls["smove"] += 1
        return self._inner.smove(source, destination, member, version)

    @overload
    def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        self.calls["spop"] += 1
        return self._inner.spop(key, None, version) if count is None else self._inner.spop(key, count, version)

    @overload
    def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        self.calls["srandmember"] += 1
        if count is None:
            return self._inner.srandmember(key, None, version)
        return self._inner.srandmember(key, count, version)

    def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        self.calls["sdiff"] += 1
        return self._inner.sdiff(*keys, version=version)

    def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        self.calls["sinter"] += 1
        return self._inner.sinter(*keys, version=version)

    def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        self.calls["sunion"] += 1
        return self._inner.sunion(*keys, version=version)

    def sdiffstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        self.calls["sdiffstore"] += 1
        return self._inner.sdiffstore(
            destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
        )

    def sinterstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        self.calls["sinterstore"] += 1
        return self._inner.sinterstore(
            destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
        )

    def sunionstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        self.calls["sunionstore"] += 1
        return self._inner.sunionstore(
            destination, *keys, version=version, version_dest=version_dest, version_keys=version_keys
        )

    def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        self.calls["sscan"] += 1
        return self._inner.sscan(key, match, count, version)

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]:
        self.calls["sscan_iter"] += 1
        return self._inner.sscan_iter(key, match, count, version)

    def hset(
        self,
        name: str,
        key: str | None = None,
        value: Any = None,
        version: int | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
    ) -> int:
        self.calls["hset"] += 1
        return self._inner.hset(name, key, value, version, mapping=mapping)

    def hsetnx(self, name: str, key: str, value: Any, version: int | None = None) -> bool:
        self.calls["hsetnx"] += 1
        return self._inner.hsetnx(name, key, value, version)

    def hmget(self, name: str, *keys: str, version: int | None = None) -> list[Any]:
        self.calls["hmget"] += 1
        return self._inner.hmget(name, *keys, version=version)

    def hgetall(self, name: str, version: int | None = None) -> dict[str, Any]:
        self.calls["hgetall"] += 1
        return self._inner.hgetall(name, version)

    def hvals(self, name: str, version: int | None = None) -> list[Any]:
        self.calls["hvals"] += 1
        return self._inner.hvals(name, version)

    def hstrlen(self, name: str, key: str, version: int | None = None) -> int:
        self.calls["hstrlen"] += 1
        return self._inner.hstrlen(name, key, version)

    def hincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> int:
        self.calls["hincrby"] += 1
        return self._inner.hincrby(name, key, amount, version)

    def hincrbyfloat(self, name: str, key: str, amount: float = 1.0, version: int | None = None) -> float:
        self.calls["hincrbyfloat"] += 1
        return self._inner.hincrbyfloat(name, key, amount, version)

    def hscan(self, name: str, match: str | None = None, count: int = 10, version: int | None = None) -> dict[str, Any]:
        self.calls["hscan"] += 1
        return self._inner.hscan(name, match, count, version)

    def hscan_iter(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[str, Any]]:
        self.calls["hscan_iter"] += 1
        return self._inner.hscan_iter(name, match, count, version)

    def hexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        self.calls["hexpire"] += 1
        return self._inner.hexpire(name, timeout, *fields, version=version)

    def hpexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        self.calls["hpexpire"] += 1
        return self._inner.hpexpire(name, timeout, *fields, version=version)

    def httl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        self.calls["httl"] += 1
        return self._inner.httl(name, *fields, version=version)

    def hpttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        self.calls["hpttl"] += 1
        return self._inner.hpttl(name, *fields, version=version)

    def hpersist(self, name: str, *fields: str, version: int | None = None) -> list[bool]:
        self.calls["hpersist"] += 1
        return self._inner.hpersist(name, *fields, version=version)

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        self.calls["hget"] += 1
        return self._inner.hget(name, key, default, version)

    def hdel(self, name: str, key: str, version: int | None = None) -> int:
        self.calls["hdel"] += 1
        return self._inner.hdel(name, key, version)

    def hlen(self, name: str, version: int | None = None) -> int:
        self.calls["hlen"] += 1
        return self._inner.hlen(name, version)

    def hkeys(self, name: str, version: int | None = None) -> list[str]:
        self.calls["hkeys"] += 1
        return self._inner.hkeys(name, version)

    def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        self.calls["hexists"] += 1
        return self._inner.hexists(name, key, version)

    def lpush(self, key: str, *values: Any, version: int | None = None) -> int:
        self.calls["lpush"] += 1
        return self._inner.lpush(key, *values, version=version)

    def rpush(self, key: str, *values: Any, version: int | None = None) -> int:
        self.calls["rpush"] += 1
        return self._inner.rpush(key, *values, version=version)

    @overload
    def lpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def lpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def lpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        self.calls["lpop"] += 1
        if count is None:
            return self._inner.lpop(key, None, version)
        return self._inner.lpop(key, count, version)

    @overload
    def rpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def rpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def rpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        self.calls["rpop"] += 1
        if count is None:
            return self._inner.rpop(key, None, version)
        return self._inner.rpop(key, count, version)

    def lrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> list[Any]:
        self.calls["lrange"] += 1
        return self._inner.lrange(key, start, end, version)

    def llen(self, key: str, version: int | None = None) -> int:
        self.calls["llen"] += 1
        return self._inner.llen(key, version)

    def lindex(self, key: str, index: int, version: int | None = None) -> Any:
        self.calls["lindex"] += 1
        return self._inner.lindex(key, index, version)

    def lset(self, key: str, index: int, value: Any, version: int | None = None) -> bool:
        self.calls["lset"] += 1
        return self._inner.lset(key, index, value, version)

    def lrem(self, key: str, count: int, value: Any, version: int | None = None) -> int:
        self.calls["lrem"] += 1
        return self._inner.lrem(key, count, value, version)

    def ltrim(self, key: str, start: int, end: int, version: int | None = None) -> bool:
        self.calls["ltrim"] += 1
        return self._inner.ltrim(key, start, end, version)

    def linsert(self, key: str, where: InsertWhere, pivot: Any, value: Any, version: int | None = None) -> int:
        self.calls["linsert"] += 1
        return self._inner.linsert(key, where, pivot, value, version)

    def lmove(
        self, source: str, destination: str, src: ListEnd = "LEFT", dest: ListEnd = "RIGHT", version: int | None = None
    ) -> Any:
        self.calls["lmove"] += 1
        return self._inner.lmove(source, destination, src, dest, version)

    def blpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        self.calls["blpop"] += 1
        return self._inner.blpop(*keys, timeout=timeout, version=version)

    def brpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        self.calls["brpop"] += 1
        return self._inner.brpop(*keys, timeout=timeout, version=version)

    def blmove(
        self,
        source: str,
        destination: str,
        timeout: float,
        src: ListEnd = "LEFT",
        dest: ListEnd = "RIGHT",
        version: int | None = None,
    ) -> Any:
        self.calls["blmove"] += 1
        return self._inner.blmove(source, destination, timeout, src, dest, version)

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
        self.calls["zadd"] += 1
        inner = self._inner
        if incr:
            return inner.zadd(key, mapping, version, nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=True)
        return inner.zadd(key, mapping, version, nx=nx, xx=xx, gt=gt, lt=lt, ch=ch)

    def zincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> float:
        self.calls["zincrby"] += 1
        return self._inner.zincrby(key, amount, member, version)

    def zscore(self, key: str, member: Any, version: int | None = None) -> float | None:
        self.calls["zscore"] += 1
        return self._inner.zscore(key, member, version)

    def zmscore(self, key: str, *members: Any, version: int | None = None) -> list[float | None]:
        self.calls["zmscore"] += 1
        return self._inner.zmscore(key, *members, version=version)

    def zrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        self.calls["zrank"] += 1
        return self._inner.zrank(key, member, version)

    def zrevrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        self.calls["zrevrank"] += 1
        return self._inner.zrevrank(key, member, version)

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
        self.calls["zrange"] += 1
        return self._inner.zrange(
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

    def zrem(self, key: str, *members: Any, version: int | None = None) -> int:
        self.calls["zrem"] += 1
        return self._inner.zrem(key, *members, version=version)

    def zremrangebyscore(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        self.calls["zremrangebyscore"] += 1
        return self._inner.zremrangebyscore(key, min, max, version)

    def zremrangebyrank(self, key: str, start: int, end: int, version: int | None = None) -> int:
        self.calls["zremrangebyrank"] += 1
        return self._inner.zremrangebyrank(key, start, end, version)

    def zcard(self, key: str, version: int | None = None) -> int:
        self.calls["zcard"] += 1
        return self._inner.zcard(key, version)

    def zcount(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        self.calls["zcount"] += 1
        return self._inner.zcount(key, min, max, version)

    def zpopmin(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        self.calls["zpopmin"] += 1
        return self._inner.zpopmin(key, count, version)

    def zpopmax(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        self.calls["zpopmax"] += 1
        return self._inner.zpopmax(key, count, version)

    def zscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> list[tuple[Any, float]]:
        self.calls["zscan"] += 1
        return self._inner.zscan(key, match, count, version)

    def zscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[Any, float]]:
        self.calls["zscan_iter"] += 1
        return self._inner.zscan_iter(key, match, count, version)
