"""The client-side cache on a 6-node cluster: one tracking connection per primary, invalidations
from every node, own writes exact, and a failover followed (real processes, kill -9)."""

from __future__ import annotations

import asyncio
import pickle
import uuid
from typing import Any

import pytest
from valkey.cluster import ValkeyCluster

from django_valkey.client_cache import ClientCache
from django_valkey.cluster_cache.cache import ClusterValkeyCache
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.cluster_cache.tracking import node_url
from django_valkey.exceptions import ConnectionInterrupted
from tests.faults import cluster_failover
from tests.helpers import cache_params
from tests.servers import ValkeyProcess, wait_for
from tests.topology.launchers import ClusterTopology
from tests.topology.test_cluster import make_cluster_cache


def cached(topo: ClusterTopology, **client_cache: Any) -> ClusterValkeyCache:
    """A cluster cache with a store of its own (a fresh KEY_PREFIX), tracking every primary."""
    cache = make_cluster_cache(
        topo,
        KEY_PREFIX=uuid.uuid4().hex[:8],
        RETRY={"ATTEMPTS": 30, "BASE": 0.05, "CAP": 0.2},
        CLIENT_CACHE={"HEARTBEAT": 0.05, **client_cache},
    )
    assert store_of(cache).wait_until_tracking(10)
    return cache


def store_of(cache: ClusterValkeyCache) -> ClientCache:
    store = cache.client._local
    assert isinstance(store, ClientCache)
    return store


def raw(topo: ClusterTopology) -> ValkeyCluster:
    """Another process's client of the cluster."""
    alive = next(node for node in topo.nodes if node.running)
    return ValkeyCluster(host="127.0.0.1", port=alive.port)


def tracked_ports(store: ClientCache) -> set[int]:
    return {tracker.conn.port for tracker in store._trackers if tracker.conn is not None}


def test_one_tracking_connection_per_primary(cluster: ClusterTopology) -> None:
    cache = cached(cluster)
    store = store_of(cache)
    primaries = {node.port for node in cluster.nodes[: cluster.primary_count]}
    assert tracked_ports(store) == primaries and len(store._trackers) == 3


def test_hits_and_invalidations_on_every_node(cluster: ClusterTopology) -> None:
    cache = cached(cluster)
    store = store_of(cache)
    data = {f"k{i}": i for i in range(30)}
    assert len({cluster.primary_for_slot(slot_of(cache.make_key(k))).port for k in data}) == 3
    cache.set_many(data)
    for key in data:
        cache.get(key)  # fills (an own-write push may cancel one: read again below)
    assert wait_for(lambda: all(cache.get(key) == value for key, value in data.items()), 2)
    hits = store.stats().hits
    assert [cache.get(key) for key in data] == list(data.values())
    assert store.stats().hits >= hits + len(data) - 3  # served from memory
    other = raw(cluster)
    for key, value in data.items():
        other.set(str(cache.make_key(key)), pickle.dumps(value + 100))
    # every node's invalidations arrive; no read returns the old value once they have
    assert wait_for(lambda: all(cache.get(key) == value + 100 for key, value in data.items()), 2)
    assert store.stats().invalidations >= len(data)
    other.close()


def test_own_writes_are_exact_at_once(cluster: ClusterTopology) -> None:
    cache = cached(cluster)
    data = {f"w{i}": i for i in range(12)}
    cache.set_many(data)
    [cache.get(key) for key in data]
    cache.set_many({key: -value for key, value in data.items()})
    assert [cache.get(key) for key in data] == [-value for value in data.values()]
    cache.delete_many(list(data)[:6])
    assert [cache.get(key) for key in list(data)[:6]] == [None] * 6
    cache.set("n", 1)
    assert cache.get("n") == 1
    assert cache.incr("n") == 2 and cache.get("n") == 2
    cache.clear()
    assert [cache.get(key) for key in data] == [None] * 12


def test_not_a_cluster_is_our_error_and_nothing_is_kept(valkey_server: ValkeyProcess) -> None:
    params = {"LOCATION": valkey_server.url, "OPTIONS": {"CLIENT_CACHE": True}}
    cache = ClusterValkeyCache(valkey_server.url, params)
    with pytest.raises(ConnectionInterrupted, match="Cluster mode is not enabled"):
        cache.get("k")
    store = store_of(cache)
    assert store._trackers == [] and not store.tracking  # nothing to track: every read goes out


def test_node_url_keeps_scheme_credentials_and_query() -> None:
    assert node_url("valkeys://u:p@h1:7000/0?x=1", "10.0.0.2", 7001) == "valkeys://u:p@10.0.0.2:7001/0?x=1"
    assert node_url("valkey://h1:7000", "::1", 7002) == "valkey://[::1]:7002"


def test_a_failover_is_followed() -> None:
    """kill -9 of a primary: the store is emptied and bypassed, then tracks the promoted replica;
    a write another process makes on it is read, and never the old value."""
    topo = ClusterTopology().start()
    try:
        cache = cached(topo)
        store = store_of(cache)
        key = "victim"
        stored = str(cache.make_key(key))
        cache.set(key, "before")
        assert wait_for(lambda: cache.get(key) == "before" and stored in store._entries, 2)
        old = topo.primary_for_slot(slot_of(stored))
        failover = cluster_failover(topo, key=stored)
        assert failover.old is old
        with raw(topo) as other:
            other.set(stored, pickle.dumps("after"))
        assert wait_for(lambda: cache.get(key) == "after", 10)
        assert [cache.get(key) for _ in range(100)] == ["after"] * 100
        assert store.wait_until_tracking(10)
        assert failover.new.port in tracked_ports(store) and old.port not in tracked_ports(store)
        assert wait_for(lambda: cache.get(key) == "after" and stored in store._entries, 2)  # kept again
    finally:
        topo.cleanup()


def test_async_cluster_cache(cluster: ClusterTopology) -> None:
    from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache

    location = [node.url for node in cluster.nodes[:3]]
    params = cache_params(location, AsyncClusterValkeyCache, CLIENT_CACHE={"HEARTBEAT": 0.05})
    params["KEY_PREFIX"] = uuid.uuid4().hex[:8]
    cache = AsyncClusterValkeyCache(params["LOCATION"], params)

    async def scenario() -> None:
        await cache.set("k", "v")
        store = cache.client._local
        assert isinstance(store, ClientCache)
        assert await asyncio.to_thread(store.wait_until_tracking, 10)  # connected in the background
        assert await cache.get("k") == "v"
        assert await cache.get("k") == "v"
        hits = store.stats().hits
        assert await cache.get("k") == "v" and store.stats().hits == hits + 1
        with raw(cluster) as other:
            other.set(str(cache.make_key("k")), pickle.dumps("new"))
        end = asyncio.get_running_loop().time() + 2
        while await cache.get("k") != "new" and asyncio.get_running_loop().time() < end:
            await asyncio.sleep(0.005)
        assert await cache.get("k") == "new"
        await cache.aclose()

    asyncio.run(scenario())
