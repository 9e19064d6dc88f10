"""The asyncio twins: AsyncHerdClient and AsyncShardClient on real servers, and the a* methods
of sync caches that use them. (Async Sentinel and Cluster tests live with their topologies.)"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.async_cache.client import AsyncShardClient
from django_valkey.cache import ValkeyCache
from tests.helpers import cache_params
from tests.servers import ValkeyProcess
from tests.topology.launchers import check_queryset_set_many


def async_cache(location: str | list[str], **options: Any) -> AsyncValkeyCache:
    params = cache_params(location, **options)
    params["BACKEND"] = "django_valkey.async_cache.cache.AsyncValkeyCache"
    return AsyncValkeyCache(params["LOCATION"], params)


@pytest.fixture
def flushed(valkey_server: ValkeyProcess) -> ValkeyProcess:
    with valkey_server.client() as conn:
        conn.flushall()
    return valkey_server


async def _stampede(cache: AsyncValkeyCache, key: str, callers: int = 16) -> tuple[int, list[Any]]:
    recomputed = 0
    start = asyncio.Event()

    async def reader() -> Any:
        nonlocal recomputed
        await start.wait()
        value = await cache.get(key)
        if value is None:
            recomputed += 1
            await asyncio.sleep(0.05)
            value = "fresh"
            await cache.set(key, value, timeout=30)
        return value

    tasks = [asyncio.create_task(reader()) for _ in range(callers)]
    await asyncio.sleep(0)
    start.set()
    seen = await asyncio.wait_for(asyncio.gather(*tasks), 10)
    return recomputed, list(seen)


async def test_async_herd_one_recomputation(flushed: ValkeyProcess) -> None:
    cache = async_cache(f"{flushed.url}/0", CLIENT_CLASS="django_valkey.async_cache.client.AsyncHerdClient")
    await cache.set("report", "stale", timeout=0.2)
    await asyncio.sleep(0.25)
    recomputed, seen = await _stampede(cache, "report")
    print(f"AsyncHerdClient: 16 concurrent tasks after the soft expiry -> {recomputed} recomputation(s)")
    assert recomputed == 1
    assert seen.count("stale") == 15
    await cache.set_many({"a": 1.5, "b": "x"}, timeout=0.15)
    await asyncio.sleep(0.2)
    assert await cache.get_many(["a", "b"]) == {}
    assert await cache.get_many(["a", "b"]) == {"a": 1.5, "b": "x"}
    await cache.aclose()


async def test_herd_format_is_shared_by_sync_and_async(flushed: ValkeyProcess) -> None:
    sync = ValkeyCache(*_params(f"{flushed.url}/0", CLIENT_CLASS="django_valkey.client.HerdClient"))
    sync.set("shared", {"v": 1}, timeout=30)
    assert await sync.aget("shared") == {"v": 1}  # a* methods run on AsyncHerdClient
    assert type(sync.async_client).__name__ == "AsyncHerdClient"
    sync.set("old", "stale", timeout=0.1)
    time.sleep(0.15)
    assert await sync.aget("old") is None  # the async twin claims it
    assert sync.get("old") == "stale"  # the sync client sees the claim
    sync.client.close()


def _params(location: str | list[str], **options: Any) -> tuple[Any, dict[str, Any]]:
    params = cache_params(location, **options)
    return params["LOCATION"], params


async def test_async_shard_client_places_keys_like_the_sync_one(shard_servers: list[ValkeyProcess]) -> None:
    urls = [f"{s.url}/0" for s in shard_servers]
    for server in shard_servers:
        with server.client() as conn:
            conn.flushall()
    sync = ValkeyCache(*_params(urls, CLIENT_CLASS="django_valkey.client.ShardClient"))
    acache = async_cache(urls, CLIENT_CLASS="django_valkey.async_cache.client.AsyncShardClient")
    data = {f"k{i}": i for i in range(300)}
    assert await acache.set_many(data, timeout=60) == []
    assert sync.get_many(list(data)) == data  # same placement
    assert await acache.get_many([*data, "nope"]) == data
    client: Any = acache.client
    assert isinstance(client, AsyncShardClient)
    owner = await client.get_server_for_key("k7")
    assert await owner.exists(acache.make_key("k7")) == 1
    assert sorted(await acache.keys("k1*")) == sorted(k for k in data if k.startswith("k1"))
    assert sorted([k async for k in acache.iter_keys("k2*", itersize=5)]) == sorted(
        k for k in data if k.startswith("k2")
    )
    await acache.delete_many([f"k{i}" for i in range(100)])
    assert len(await acache.get_many(list(data))) == 200
    assert await acache.delete_pattern("k*", itersize=17) == 200
    await acache.set("moving", "v", timeout=100)
    assert await acache.incr_version("moving") == 2 and await acache.get("moving", version=2) == "v"
    lock = await acache.get_lock("lk", timeout=5)
    assert await lock.acquire(blocking=False)
    await lock.release()
    assert type(sync.async_client).__name__ == "AsyncShardClient"
    await acache.clear()
    assert await acache.keys("*") == []
    await acache.aclose()
    sync.client.close()


@pytest.mark.django_db(transaction=True)
async def test_async_shard_set_many_of_querysets(shard_servers: list[ValkeyProcess]) -> None:
    acache = async_cache(
        [f"{s.url}/0" for s in shard_servers], CLIENT_CLASS="django_valkey.async_cache.client.AsyncShardClient"
    )
    await check_queryset_set_many(acache)
    await acache.aclose()
