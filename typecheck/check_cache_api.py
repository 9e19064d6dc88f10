"""``assert_type`` on the return of every public ``ValkeyCache`` and ``ClusterValkeyCache`` method.

``tests/test_typing_gates.py`` checks that every public method of ``BackendCommands`` appears
here, so a new method cannot ship without a checked return type.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from typing_extensions import assert_type
from valkey import Valkey
from valkey.cluster import ValkeyCluster

from django_valkey import get_cache, get_valkey_connection
from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient
from django_valkey.client_cache import ClientCacheStats
from django_valkey.cluster_cache.cache import ClusterValkeyCache
from django_valkey.cluster_cache.client import DefaultClusterClient
from django_valkey.protocols import LockProtocol
from django_valkey.util import CacheKey


def accessors() -> None:
    assert_type(get_cache(), ValkeyCache)
    assert_type(get_cache("sessions"), ValkeyCache)
    assert_type(get_valkey_connection(), Valkey)
    assert_type(get_valkey_connection("default", write=False, key="user:1"), Valkey)
    assert_type(caches["default"], BaseCache)  # what Django alone gives


def client_and_raw_client(cache: ValkeyCache, cluster: ClusterValkeyCache) -> None:
    assert_type(cache.client, DefaultClient)
    assert_type(cache.get_client(), Valkey)
    assert_type(cache.get_client(write=False), Valkey)
    assert_type(cluster.client, DefaultClusterClient)
    assert_type(cluster.get_client(), ValkeyCluster)
    assert_type(cluster.get_client(write=False), ValkeyCluster)


def django_api(cache: ValkeyCache | ClusterValkeyCache) -> None:
    assert_type(cache.make_key("k"), CacheKey)
    assert_type(cache.make_pattern("k*", version=2, prefix="p"), CacheKey)
    assert_type(cache.get("k"), Any)
    assert_type(cache.get("k", default=0, version=2), Any)
    assert_type(cache.set("k", 1), None)
    assert_type(cache.set("k", 1, timeout=None, version=2), None)
    assert_type(cache.set("k", 1, nx=True), bool)
    assert_type(cache.set("k", 1, 10, xx=True), bool)
    assert_type(cache.add("k", 1), bool)
    assert_type(cache.get_or_set("k", 1, timeout=5), Any | None)
    assert_type(cache.touch("k", timeout=5), bool)
    assert_type(cache.delete("k"), bool)
    assert_type(cache.get_many(["a", "b"]), dict[str, Any])
    assert_type(cache.set_many({"a": 1}, timeout=5), list[str])
    assert_type(cache.delete_many(["a", "b"]), None)
    assert_type(cache.has_key("k"), bool)
    assert_type(cache.incr("n"), int)
    assert_type(cache.decr("n", delta=2), int)
    assert_type(cache.incr_version("k"), int)
    assert_type(cache.decr_version("k"), int)
    assert_type(cache.clear(), None)
    assert_type(cache.close(), None)
    assert_type("k" in cache, bool)
    assert_type(cache.validate_key("k"), None)
    assert_type(cache.make_and_validate_key("k"), str)
    assert_type(cache.get_backend_timeout(5), float | None)


def extended_api(cache: ValkeyCache | ClusterValkeyCache) -> None:
    assert_type(cache.client_cache_stats(), ClientCacheStats | None)
    assert_type(cache.ttl("k"), int | None)
    assert_type(cache.pttl("k"), int | None)
    assert_type(cache.expire("k", 10), bool)
    assert_type(cache.expire("k", timedelta(seconds=10)), bool)
    assert_type(cache.pexpire("k", 10_000), bool)
    assert_type(cache.expire_at("k", datetime(2030, 1, 1)), bool)
    assert_type(cache.pexpire_at("k", 1_900_000_000_000), bool)
    assert_type(cache.persist("k"), bool)
    assert_type(cache.get_lock("lock", timeout=5), LockProtocol)
    assert_type(cache.lock("lock", blocking_timeout=1), LockProtocol)
    assert_type(cache.keys("user:*"), list[str])
    assert_type(cache.iter_keys("user:*", itersize=100), Iterator[str])
    assert_type(cache.delete_pattern("user:*"), int)
    assert_type(cache.mget(["a", "b"]), dict[str, Any])
    assert_type(cache.mset({"a": 1}), list[str])


def set_api(cache: ValkeyCache | ClusterValkeyCache) -> None:
    assert_type(cache.sadd("s", 1, 2), int)
    assert_type(cache.srem("s", 1), int)
    assert_type(cache.scard("s"), int)
    assert_type(cache.sismember("s", 1), bool)
    assert_type(cache.smismember("s", 1, 2), list[bool])
    assert_type(cache.smembers("s"), set[Any])
    assert_type(cache.smove("s", "t", 1), bool)
    assert_type(cache.spop("s"), Any)
    assert_type(cache.spop("s", 2), set[Any])
    assert_type(cache.srandmember("s"), Any)
    assert_type(cache.srandmember("s", 2), list[Any])
    assert_type(cache.sdiff("s", "t"), set[Any])
    assert_type(cache.sinter("s", "t"), set[Any])
    assert_type(cache.sunion("s", "t"), set[Any])
    assert_type(cache.sdiffstore("d", "s", "t"), int)
    assert_type(cache.sinterstore("d", "s", "t"), int)
    assert_type(cache.sunionstore("d", "s", "t"), int)
    assert_type(cache.sscan("s", match="*"), set[Any])
    assert_type(cache.sscan_iter("s", count=100), Iterator[Any])


def hash_api(cache: ValkeyCache | ClusterValkeyCache) -> None:
    assert_type(cache.hset("h", "f", 1), int)
    assert_type(cache.hget("h", "f"), Any)
    assert_type(cache.hdel("h", "f"), int)
    assert_type(cache.hlen("h"), int)
    assert_type(cache.hkeys("h"), list[str])
    assert_type(cache.hexists("h", "f"), bool)
    assert_type(cache.hset("h", mapping={"f": 1}), int)
    assert_type(cache.hsetnx("h", "f", 1), bool)
    assert_type(cache.hmget("h", "f", "g"), list[Any])
    assert_type(cache.hgetall("h"), dict[str, Any])
    assert_type(cache.hvals("h"), list[Any])
    assert_type(cache.hstrlen("h", "f"), int)
    assert_type(cache.hincrby("h", "f", 2), int)
    assert_type(cache.hincrbyfloat("h", "f", 0.5), float)
    assert_type(cache.hscan("h", match="f*"), dict[str, Any])
    assert_type(cache.hexpire("h", 10, "f", "g"), list[bool])
    assert_type(cache.hpexpire("h", timedelta(seconds=1), "f"), list[bool])
    assert_type(cache.httl("h", "f"), list[int | None])
    assert_type(cache.hpttl("h", "f"), list[int | None])
    assert_type(cache.hpersist("h", "f"), list[bool])
    assert_type(cache.hscan_iter("h", count=100), Iterator[tuple[str, Any]])
    assert_type(cache.lpush("l", 1, 2), int)
    assert_type(cache.rpush("l", 1), int)
    assert_type(cache.lpop("l"), Any)
    assert_type(cache.lpop("l", 2), list[Any])
    assert_type(cache.rpop("l"), Any)
    assert_type(cache.rpop("l", 2), list[Any])
    assert_type(cache.lrange("l", 0, -1), list[Any])
    assert_type(cache.llen("l"), int)
    assert_type(cache.lindex("l", 0), Any)
    assert_type(cache.lset("l", 0, 1), bool)
    assert_type(cache.lrem("l", 0, 1), int)
    assert_type(cache.ltrim("l", 0, 9), bool)
    assert_type(cache.linsert("l", "BEFORE", 1, 2), int)
    assert_type(cache.lmove("l", "m", "RIGHT", "LEFT"), Any)
    assert_type(cache.blpop("l", "m", timeout=1), tuple[str, Any] | None)
    assert_type(cache.brpop("l", timeout=0.5), tuple[str, Any] | None)
    assert_type(cache.blmove("l", "m", 1), Any)
    assert_type(cache.zadd("z", {"a": 1.0, "b": 2}), int)
    assert_type(cache.zadd("z", {"a": 1.0}, nx=True, ch=True), int)
    assert_type(cache.zadd("z", {"a": 1.0}, incr=True), float | None)
    assert_type(cache.zincrby("z", 1.5, "a"), float)
    assert_type(cache.zscore("z", "a"), float | None)
    assert_type(cache.zmscore("z", "a", "b"), list[float | None])
    assert_type(cache.zrank("z", "a"), int | None)
    assert_type(cache.zrevrank("z", "a"), int | None)
    assert_type(cache.zrange("z"), list[Any])
    assert_type(cache.zrange("z", 0, "+inf", byscore=True, offset=0, count=5), list[Any])
    assert_type(cache.zrange("z", 0, -1, withscores=True), list[tuple[Any, float]])
    assert_type(cache.zrem("z", "a"), int)
    assert_type(cache.zremrangebyscore("z", "-inf", 2.5), int)
    assert_type(cache.zremrangebyrank("z", 0, 2), int)
    assert_type(cache.zcard("z"), int)
    assert_type(cache.zcount("z", "(1", "+inf"), int)
    assert_type(cache.zpopmin("z"), list[tuple[Any, float]])
    assert_type(cache.zpopmax("z", 2), list[tuple[Any, float]])
    assert_type(cache.zscan("z", match="*"), list[tuple[Any, float]])
    assert_type(cache.zscan_iter("z", count=100), Iterator[tuple[Any, float]])


def raw_client_completes(conn: Valkey) -> None:
    """The raw client from ``get_valkey_connection`` is valkey-py's own class, with its methods.

    valkey-py's own annotations are what they are: ``hset``'s ``mapping: dict`` has no type
    arguments, so pyright strict reports ``conn.hset`` as partially unknown in user code.
    """
    conn.ttl("k")
    conn.get("k")
    with conn.lock("raw-lock", timeout=1):
        pass


def django_keyword_calls(cache: ValkeyCache | ClusterValkeyCache) -> None:
    """Django (sessions, cache middleware) calls by keyword: every name must be Django's."""
    cache.get(key="k", default=None, version=1)
    cache.set(key="k", value=1, timeout=None, version=1)
    cache.add(key="k", value=1, timeout=1, version=1)
    cache.get_or_set(key="k", default=1, timeout=1, version=1)
    cache.touch(key="k", timeout=1, version=1)
    cache.delete(key="k", version=1)
    cache.get_many(keys=["k"], version=1)
    cache.set_many(data={"k": 1}, timeout=1, version=1)
    cache.delete_many(keys=["k"], version=1)
    cache.has_key(key="k", version=1)
    cache.incr(key="k", delta=1, version=1)
    cache.decr(key="k", delta=1, version=1)
    cache.incr_version(key="k", delta=1, version=1)
    cache.decr_version(key="k", delta=1, version=1)


async def django_async_api(cache: ValkeyCache) -> None:
    """Django's ``a*`` methods, inherited from ``BaseCache`` (they run the sync ones in a thread)."""
    assert_type(await cache.aget("k"), Any)
    assert_type(await cache.aset("k", 1), None)
    assert_type(await cache.aadd("k", 1), bool)
    assert_type(await cache.adelete("k"), bool)
    assert_type(await cache.aincr("k"), int)
