"""Types of what a django-valkey 0.4 call site uses (issue 11's drop-in list): ``ignore_key_check``,
``expire(DEFAULT_TIMEOUT)``, ``make_key(prefix=)``, per-side ``*store`` versions,
``close_async_caches``, the exception hierarchy, the cluster commands and pipelines."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from typing_extensions import assert_type
from valkey.asyncio.cluster import ClusterNode as AsyncClusterNode
from valkey.cluster import ClusterNode
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ResponseError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.base import close_async_caches
from django_valkey.cache import ValkeyCache
from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.client import AsyncDefaultClusterClient, DefaultClusterClient
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted, WriteRefused
from django_valkey.pipeline import AsyncCachePipeline, CachePipeline, Queued
from django_valkey.protocols import (
    AsyncCacheProtocol,
    AsyncClusterCommandsProtocol,
    CacheProtocol,
    ClusterCommandsProtocol,
)
from django_valkey.util import CacheKey


def sync_call_sites(cache: ValkeyCache) -> None:
    assert_type(cache.incr("n", 1, None, True), int)
    assert_type(cache.decr("n", ignore_key_check=True), int)
    assert_type(cache.expire("k", DEFAULT_TIMEOUT), bool)
    assert_type(cache.pexpire("k", DEFAULT_TIMEOUT), bool)
    assert_type(cache.make_key("k", None, "other"), CacheKey)
    assert_type(cache.sdiffstore("d", "a", "b", version_dest=2, version_keys=1), int)
    assert_type(cache.sinterstore("d", "a", version=1, version_keys=2), int)
    assert_type(cache.sunionstore("d", "a", version_dest=3), int)
    cache.incr("n", ignore_key_check="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    cache.sdiffstore("d", "a", version_dest="2")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def async_call_sites(cache: ValkeyCache, acache: AsyncValkeyCache) -> None:
    assert_type(await cache.aincr("n", ignore_key_check=True), int)
    assert_type(await cache.adecr("n", ignore_key_check=True), int)
    assert_type(await acache.incr("n", 1, None, True), int)
    assert_type(await acache.aexpire("k", DEFAULT_TIMEOUT), bool)
    assert_type(await acache.pexpire("k", DEFAULT_TIMEOUT), bool)
    assert_type(acache.make_key("k", prefix="other"), CacheKey)
    assert_type(await acache.sdiffstore("d", "a", version_dest=2, version_keys=1), int)
    assert_type(await cache.asunionstore("d", "a", version_keys=1), int)
    assert_type(await close_async_caches(), None)


def exceptions(lost: ConnectionInterrupted, late: CacheTimeout, refused: WriteRefused) -> None:
    # What 0.4 and django-redis code catches: valkey-py's own classes.
    caught: ValkeyConnectionError = lost
    timed_out: ValkeyTimeoutError = late
    also_lost: ConnectionInterrupted = late
    response: ResponseError = refused
    assert_type(lost.connection, object | None)
    del caught, timed_out, also_lost, response


def cluster_commands(cluster: ClusterValkeyCache, node: ClusterNode) -> None:
    assert_type(cluster.keys("k*"), list[str])
    assert_type(cluster.keys("k*", target_nodes="replicas"), list[str])
    assert_type(cluster.keys("k*", None, node), list[str])
    assert_type(cluster.keys("k*", target_nodes=[node, node]), list[str])
    assert_type(cluster.msetnx({"{u}a": 1, "{u}b": 2}), bool)
    assert_type(cluster.mget_nonatomic(["a", "b"]), dict[str, Any])
    assert_type(cluster.mset_nonatomic({"a": 1}), list[bool])
    assert_type(cluster.readonly("replicas"), bool)
    assert_type(cluster.readwrite(), bool)
    assert_type(cluster.keyslot("k", version=2), int)
    assert_type(cluster.flushall(asynchronous=True), bool)
    cluster.keys("k*", target_nodes="primary")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def async_cluster_commands(
    cluster: ClusterValkeyCache, acluster: AsyncClusterValkeyCache, node: AsyncClusterNode
) -> None:
    assert_type(await cluster.akeys("k*", target_nodes="all"), list[str])
    assert_type(await cluster.amsetnx({"{u}a": 1}), bool)
    assert_type(await cluster.amget_nonatomic(["a"]), dict[str, Any])
    assert_type(await cluster.amset_nonatomic({"a": 1}), list[bool])
    assert_type(await cluster.areadonly(), bool)
    assert_type(await cluster.areadwrite(), bool)
    assert_type(await cluster.aflushall(), bool)
    assert_type(await acluster.keys("k*", target_nodes=node), list[str])
    assert_type(await acluster.akeys("k*", target_nodes=[node]), list[str])
    assert_type(await acluster.msetnx({"{u}a": 1}), bool)
    assert_type(await acluster.amsetnx({"{u}a": 1}), bool)
    assert_type(await acluster.mget_nonatomic(["a"]), dict[str, Any])
    assert_type(await acluster.amget_nonatomic(["a"]), dict[str, Any])
    assert_type(await acluster.mset_nonatomic({"a": 1}), list[bool])
    assert_type(await acluster.amset_nonatomic({"a": 1}), list[bool])
    assert_type(await acluster.readonly("replicas"), bool)
    assert_type(await acluster.areadonly("replicas"), bool)
    assert_type(await acluster.readwrite(), bool)
    assert_type(await acluster.areadwrite(), bool)
    assert_type(acluster.keyslot("k"), int)
    assert_type(await acluster.flushall(), bool)
    assert_type(await acluster.aflushall(), bool)


def cluster_protocols(client: DefaultClusterClient, aclient: AsyncDefaultClusterClient) -> None:
    commands: ClusterCommandsProtocol = client
    async_commands: AsyncClusterCommandsProtocol = aclient
    del commands, async_commands


def sync_pipeline(cache: ValkeyCache, cluster: ClusterValkeyCache) -> None:
    assert_type(cache.pipeline(), CachePipeline)
    assert_type(cluster.pipeline(transaction=False), CachePipeline)
    with cache.pipeline(transaction=False) as pipe:
        assert_type(pipe, CachePipeline)
        assert_type(pipe.get("k"), Queued[Any])
        assert_type(pipe.set("k", 1), Queued[bool])
        assert_type(pipe.incr("n", ignore_key_check=True), Queued[int])
        assert_type(pipe.ttl("k"), Queued[int | None])
        assert_type(pipe.get_many(["a"]), Queued[dict[str, Any]])
        assert_type(pipe.delete_many(["a"]), Queued[int])
        assert_type(pipe.smembers("s"), Queued[set[Any]])
        assert_type(pipe.zscore("z", "m"), Queued[float | None])
        hits = pipe.incr("hits")
    assert_type(hits.value, int)
    assert_type(hits.done, bool)
    assert_type(cache.pipeline().execute(), list[Any])
    assert_type(cache.pipeline().execute(raise_on_error=False), list[Any])
    pipe.incr("n", 1.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    CachePipeline(cache.client, transaction=True).get("k")


async def async_pipeline(
    cache: ValkeyCache, acache: AsyncValkeyCache, cluster: ClusterValkeyCache, acluster: AsyncClusterValkeyCache
) -> None:
    assert_type(cache.apipeline(), AsyncCachePipeline)
    assert_type(cluster.apipeline(transaction=False), AsyncCachePipeline)
    assert_type(acache.pipeline(), AsyncCachePipeline)
    assert_type(acache.apipeline(transaction=False), AsyncCachePipeline)
    assert_type(acluster.pipeline(transaction=False), AsyncCachePipeline)
    assert_type(acluster.apipeline(transaction=False), AsyncCachePipeline)
    async with acache.pipeline() as pipe:
        assert_type(pipe, AsyncCachePipeline)
        assert_type(pipe.hset("h", mapping={"f": 1}), Queued[int])
        count = pipe.scard("s")
    assert_type(count.value, int)
    assert_type(await acache.pipeline().execute(), list[Any])
    AsyncCachePipeline(acache.async_client).get("k")
    AsyncCachePipeline(cache.client)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def cache_protocols(cache: ValkeyCache, acache: AsyncValkeyCache) -> None:
    sync: CacheProtocol[Any] = cache
    asyn: AsyncCacheProtocol[Any] = acache
    assert_type(sync.pipeline(), CachePipeline)
    assert_type(asyn.pipeline(), AsyncCachePipeline)
