"""``assert_type`` on every coroutine of the caches: ``ValkeyCache``'s native ``a*`` twins and
``AsyncValkeyCache``'s plain names (0.4's API) and ``a*`` names.

``get_client``/``aget_client`` of the async API return ``Any``: the raw asyncio client is typed by
``AsyncClientProtocol.get_client`` on the client (``await cache.client.get_client()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from typing_extensions import assert_type

from django_valkey import get_async_cache
from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.async_cache.client import AsyncDefaultClient
from django_valkey.cache import ValkeyCache
from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.client import AsyncDefaultClusterClient
from django_valkey.protocols import AsyncClientProtocol, AsyncLockProtocol
from django_valkey.util import CacheKey


def accessor() -> None:
    assert_type(get_async_cache(), AsyncValkeyCache)
    assert_type(get_async_cache("async"), AsyncValkeyCache)


async def sync_cache_async_twins(cache: ValkeyCache | ClusterValkeyCache) -> None:
    """``ValkeyCache`` answers Django's ``a*`` names natively, on an asyncio client."""
    assert_type(cache.async_client, AsyncClientProtocol[Any])
    assert_type(await cache.aclose(), None)


def async_clients(cache: AsyncValkeyCache, cluster: AsyncClusterValkeyCache) -> None:
    assert_type(cache.client, AsyncDefaultClient)
    assert_type(cluster.client, AsyncDefaultClusterClient)


def async_cache_sync_members(cache: AsyncValkeyCache | AsyncClusterValkeyCache) -> None:
    assert_type(cache.async_client, AsyncClientProtocol[Any])
    assert_type(cache.make_key("k"), CacheKey)
    assert_type(cache.make_pattern("k*", version=2, prefix="p"), CacheKey)
    assert_type(cache.close(), None)
    assert_type(cache.validate_key("k"), None)
    assert_type(cache.make_and_validate_key("k"), str)
    assert_type(cache.get_backend_timeout(5), float | None)


async def async_cache_plain_names(cache: AsyncValkeyCache | AsyncClusterValkeyCache) -> None:
    assert_type(await cache.aclose(), None)
    assert_type(await cache.get_client(), Any)
    assert_type(await cache.get_client(write=False), Any)
    assert_type(await cache.get("k"), Any)
    assert_type(await cache.get("k", default=0, version=2), Any)
    assert_type(await cache.set("k", 1), None)
    assert_type(await cache.set("k", 1, timeout=None, version=2), None)
    assert_type(await cache.set("k", 1, nx=True), bool)
    assert_type(await cache.set("k", 1, 10, xx=True), bool)
    assert_type(await cache.add("k", 1), bool)
    assert_type(await cache.get_or_set("k", 1, timeout=5), Any | None)
    assert_type(await cache.touch("k", timeout=5), bool)
    assert_type(await cache.delete("k"), bool)
    assert_type(await cache.get_many(["a", "b"]), dict[str, Any])
    assert_type(await cache.set_many({"a": 1}, timeout=5), list[str])
    assert_type(await cache.delete_many(["a", "b"]), None)
    assert_type(await cache.has_key("k"), bool)
    assert_type(await cache.incr("n"), int)
    assert_type(await cache.decr("n", delta=2), int)
    assert_type(await cache.incr_version("k"), int)
    assert_type(await cache.decr_version("k"), int)
    assert_type(await cache.clear(), None)
    assert_type(await cache.ttl("k"), int | None)
    assert_type(await cache.pttl("k"), int | None)
    assert_type(await cache.expire("k", 10), bool)
    assert_type(await cache.expire("k", timedelta(seconds=10)), bool)
    assert_type(await cache.pexpire("k", 10_000), bool)
    assert_type(await cache.expire_at("k", datetime(2030, 1, 1)), bool)
    assert_type(await cache.pexpire_at("k", 1_900_000_000_000), bool)
    assert_type(await cache.persist("k"), bool)
    assert_type(await cache.get_lock("lock", timeout=5), AsyncLockProtocol)
    assert_type(await cache.lock("lock", blocking_timeout=1), AsyncLockProtocol)
    assert_type(await cache.keys("user:*"), list[str])
    assert_type(cache.iter_keys("user:*", itersize=100), AsyncIterator[str])
    assert_type(await cache.delete_pattern("user:*"), int)
    assert_type(await cache.mget(["a", "b"]), dict[str, Any])
    assert_type(await cache.mset({"a": 1}), list[str])
    assert_type(await cache.sadd("s", 1, 2), int)
    assert_type(await cache.srem("s", 1), int)
    assert_type(await cache.scard("s"), int)
    assert_type(await cache.sismember("s", 1), bool)
    assert_type(await cache.smismember("s", 1, 2), list[bool])
    assert_type(await cache.smembers("s"), set[Any])
    assert_type(await cache.smove("s", "t", 1), bool)
    assert_type(await cache.spop("s"), Any)
    assert_type(await cache.spop("s", 2), set[Any])
    assert_type(await cache.srandmember("s"), Any)
    assert_type(await cache.srandmember("s", 2), list[Any])
    assert_type(await cache.sdiff("s", "t"), set[Any])
    assert_type(await cache.sinter("s", "t"), set[Any])
    assert_type(await cache.sunion("s", "t"), set[Any])
    assert_type(await cache.sdiffstore("d", "s", "t"), int)
    assert_type(await cache.sinterstore("d", "s", "t"), int)
    assert_type(await cache.sunionstore("d", "s", "t"), int)
    assert_type(await cache.sscan("s", match="*"), set[Any])
    assert_type(cache.sscan_iter("s", count=100), AsyncIterator[Any])
    assert_type(await cache.hset("h", "f", 1), int)
    assert_type(await cache.hget("h", "f"), Any)
    assert_type(await cache.hdel("h", "f"), int)
    assert_type(await cache.hlen("h"), int)
    assert_type(await cache.hkeys("h"), list[str])
    assert_type(await cache.hexists("h", "f"), bool)
    assert_type(await cache.hset("h", mapping={"f": 1}), int)
    assert_type(await cache.hsetnx("h", "f", 1), bool)
    assert_type(await cache.hmget("h", "f", "g"), list[Any])
    assert_type(await cache.hgetall("h"), dict[str, Any])
    assert_type(await cache.hvals("h"), list[Any])
    assert_type(await cache.hstrlen("h", "f"), int)
    assert_type(await cache.hincrby("h", "f", 2), int)
    assert_type(await cache.hincrbyfloat("h", "f", 0.5), float)
    assert_type(await cache.hscan("h", match="f*"), dict[str, Any])
    assert_type(await cache.hexpire("h", 10, "f", "g"), list[bool])
    assert_type(await cache.hpexpire("h", timedelta(seconds=1), "f"), list[bool])
    assert_type(await cache.httl("h", "f"), list[int | None])
    assert_type(await cache.hpttl("h", "f"), list[int | None])
    assert_type(await cache.hpersist("h", "f"), list[bool])
    assert_type(cache.hscan_iter("h", count=100), AsyncIterator[tuple[str, Any]])


async def a_names(cache: ValkeyCache | ClusterValkeyCache | AsyncValkeyCache | AsyncClusterValkeyCache) -> None:
    """Django's ``a*`` names, the same on both: ``ValkeyCache`` runs them natively on an asyncio client."""
    assert_type(await cache.aget_client(), Any)
    assert_type(await cache.aget_client(write=False), Any)
    assert_type(await cache.aget("k"), Any)
    assert_type(await cache.aget("k", default=0, version=2), Any)
    assert_type(await cache.aset("k", 1), None)
    assert_type(await cache.aset("k", 1, timeout=None, version=2), None)
    assert_type(await cache.aset("k", 1, nx=True), bool)
    assert_type(await cache.aset("k", 1, 10, xx=True), bool)
    assert_type(await cache.aadd("k", 1), bool)
    assert_type(await cache.aget_or_set("k", 1, timeout=5), Any | None)
    assert_type(await cache.atouch("k", timeout=5), bool)
    assert_type(await cache.adelete("k"), bool)
    assert_type(await cache.aget_many(["a", "b"]), dict[str, Any])
    assert_type(await cache.aset_many({"a": 1}, timeout=5), list[str])
    assert_type(await cache.adelete_many(["a", "b"]), None)
    assert_type(await cache.ahas_key("k"), bool)
    assert_type(await cache.aincr("n"), int)
    assert_type(await cache.adecr("n", delta=2), int)
    assert_type(await cache.aincr_version("k"), int)
    assert_type(await cache.adecr_version("k"), int)
    assert_type(await cache.aclear(), None)
    assert_type(await cache.attl("k"), int | None)
    assert_type(await cache.apttl("k"), int | None)
    assert_type(await cache.aexpire("k", 10), bool)
    assert_type(await cache.aexpire("k", timedelta(seconds=10)), bool)
    assert_type(await cache.apexpire("k", 10_000), bool)
    assert_type(await cache.aexpire_at("k", datetime(2030, 1, 1)), bool)
    assert_type(await cache.apexpire_at("k", 1_900_000_000_000), bool)
    assert_type(await cache.apersist("k"), bool)
    assert_type(await cache.aget_lock("lock", timeout=5), AsyncLockProtocol)
    assert_type(await cache.alock("lock", blocking_timeout=1), AsyncLockProtocol)
    assert_type(await cache.akeys("user:*"), list[str])
    assert_type(cache.aiter_keys("user:*", itersize=100), AsyncIterator[str])
    assert_type(await cache.adelete_pattern("user:*"), int)
    assert_type(await cache.amget(["a", "b"]), dict[str, Any])
    assert_type(await cache.amset({"a": 1}), list[str])
    assert_type(await cache.asadd("s", 1, 2), int)
    assert_type(await cache.asrem("s", 1), int)
    assert_type(await cache.ascard("s"), int)
    assert_type(await cache.asismember("s", 1), bool)
    assert_type(await cache.asmismember("s", 1, 2), list[bool])
    assert_type(await cache.asmembers("s"), set[Any])
    assert_type(await cache.asmove("s", "t", 1), bool)
    assert_type(await cache.aspop("s"), Any)
    assert_type(await cache.aspop("s", 2), set[Any])
    assert_type(await cache.asrandmember("s"), Any)
    assert_type(await cache.asrandmember("s", 2), list[Any])
    assert_type(await cache.asdiff("s", "t"), set[Any])
    assert_type(await cache.asinter("s", "t"), set[Any])
    assert_type(await cache.asunion("s", "t"), set[Any])
    assert_type(await cache.asdiffstore("d", "s", "t"), int)
    assert_type(await cache.asinterstore("d", "s", "t"), int)
    assert_type(await cache.asunionstore("d", "s", "t"), int)
    assert_type(await cache.asscan("s", match="*"), set[Any])
    assert_type(cache.asscan_iter("s", count=100), AsyncIterator[Any])
    assert_type(await cache.ahset("h", "f", 1), int)
    assert_type(await cache.ahget("h", "f"), Any)
    assert_type(await cache.ahdel("h", "f"), int)
    assert_type(await cache.ahlen("h"), int)
    assert_type(await cache.ahkeys("h"), list[str])
    assert_type(await cache.ahexists("h", "f"), bool)
    assert_type(await cache.ahset("h", mapping={"f": 1}), int)
    assert_type(await cache.ahsetnx("h", "f", 1), bool)
    assert_type(await cache.ahmget("h", "f", "g"), list[Any])
    assert_type(await cache.ahgetall("h"), dict[str, Any])
    assert_type(await cache.ahvals("h"), list[Any])
    assert_type(await cache.ahstrlen("h", "f"), int)
    assert_type(await cache.ahincrby("h", "f", 2), int)
    assert_type(await cache.ahincrbyfloat("h", "f", 0.5), float)
    assert_type(await cache.ahscan("h", match="f*"), dict[str, Any])
    assert_type(await cache.ahexpire("h", 10, "f", "g"), list[bool])
    assert_type(await cache.ahpexpire("h", timedelta(seconds=1), "f"), list[bool])
    assert_type(await cache.ahttl("h", "f"), list[int | None])
    assert_type(await cache.ahpttl("h", "f"), list[int | None])
    assert_type(await cache.ahpersist("h", "f"), list[bool])
    assert_type(cache.ahscan_iter("h", count=100), AsyncIterator[tuple[str, Any]])
