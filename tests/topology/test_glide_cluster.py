"""The GLIDE driver on a real 6-node Valkey Cluster (``GlideClusterConnectionFactory``).

The cluster suite runs on it too: ``.ci/run`` runs tests/topology/test_cluster.py again with
``DJANGO_VALKEY_TEST_DRIVER=glide`` (resharding under traffic and a killed primary's failover
included). Here: what is its own. The factories' conformance, one connection per node whatever
the threads, ``target_nodes``, reads from replicas, what it refuses, and a paused node.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted
from django_valkey.glide import (
    AsyncGlideClusterConnectionFactory,
    AsyncGlideClusterRawClient,
    GlideClusterConnectionFactory,
    GlideClusterRawClient,
    GlideNode,
)
from django_valkey.protocols import AsyncConnectionFactoryProtocol, ConnectionFactoryProtocol
from tests.faults import paused
from tests.helpers import cache_params, run_threads
from tests.servers import ValkeyProcess, named_connections
from tests.topology.launchers import ClusterTopology, poll

FACTORY = "django_valkey.glide.GlideClusterConnectionFactory"
TIMEOUT = 0.3


def glide_cluster(topo: ClusterTopology, backend: type[Any] = ClusterValkeyCache, **options: Any) -> Any:
    """A cluster cache of ``topo``'s primaries on GLIDE."""
    location = [node.url for node in topo.nodes[:3]]
    params = cache_params(
        location,
        backend,
        **{"CONNECTION_FACTORY": FACTORY, "SOCKET_TIMEOUT": TIMEOUT, "SOCKET_CONNECT_TIMEOUT": 1, **options},
    )
    return backend(location, params)


def test_the_factories_conform_without_inheriting() -> None:
    assert isinstance(GlideClusterConnectionFactory({}), ConnectionFactoryProtocol)
    assert isinstance(AsyncGlideClusterConnectionFactory({}), AsyncConnectionFactoryProtocol)
    for factory in (GlideClusterConnectionFactory, AsyncGlideClusterConnectionFactory):  # no Protocol among the bases
        assert not any(getattr(cls, "_is_protocol", False) for cls in factory.__mro__)


def test_one_option_selects_the_driver_for_sync_and_async(cluster: ClusterTopology) -> None:
    cache = glide_cluster(cluster)
    assert isinstance(cache.get_client(), GlideClusterRawClient)
    cache.set("both", {"v": 1})

    async def both() -> tuple[Any, Any]:
        assert isinstance(await cache.aget_client(), AsyncGlideClusterRawClient)
        acache = glide_cluster(cluster, AsyncClusterValkeyCache)
        assert isinstance(await acache.get_client(), AsyncGlideClusterRawClient)
        try:
            return await cache.aget("both"), await acache.get("both")
        finally:
            await acache.aclose()

    assert asyncio.run(both()) == ({"v": 1}, {"v": 1})


def test_one_connection_per_node_whatever_the_threads(cluster: ClusterTopology) -> None:
    name = "glide-cluster-one"
    options = {"CONNECTION_POOL_KWARGS": {"client_name": name}}

    def work(index: int) -> None:
        for round_ in range(30):
            cache = glide_cluster(cluster, **options)  # a cache object per "request"
            data = {f"t{index}-{k}": round_ for k in range(10)}  # spread over the primaries
            assert cache.set_many(data) == []
            assert cache.get_many(list(data)) == data

    run_threads(16, work)
    for primary in cluster.nodes[:3]:
        # GLIDE's data connection, and the one it keeps for watching the topology.
        assert 1 <= named_connections(primary, name) <= 2


def test_target_nodes_are_glide_routes(cluster: ClusterTopology) -> None:
    cache = glide_cluster(cluster, KEY_PREFIX="routes")
    cache.clear()
    data = {f"rk{i}": i for i in range(30)}
    cache.set_many(data)
    raw = cache.get_client()
    assert poll(lambda: len(raw.list_nodes("replica")) == 3, 10)
    primaries = raw.list_nodes("primary")
    assert sorted(node.port for node in primaries) == sorted(node.port for node in cluster.nodes[:3])
    assert [node.server_type for node in raw.list_nodes()] == ["primary"] * 3 + ["replica"] * 3
    assert sorted(cache.keys("rk*", target_nodes="primaries")) == sorted(data)
    assert poll(lambda: sorted(cache.keys("rk*", target_nodes="all")) == sorted(data), 5)  # each key once
    assert poll(lambda: sorted(cache.keys("rk*", target_nodes="replicas")) == sorted(data), 5)
    owner = cluster.primary_for_slot(slot_of(cache.make_key("rk0")))
    on_owner = {key for key in data if cluster.primary_for_slot(slot_of(cache.make_key(key))) is owner}
    node = raw.get_node("127.0.0.1", owner.port)
    assert node == GlideNode("127.0.0.1", owner.port) and node.name == f"127.0.0.1:{owner.port}"
    assert set(cache.keys("rk*", target_nodes=node)) == on_owner
    assert set(cache.keys("rk*", target_nodes=[node])) == on_owner
    assert set(cache.keys("rk*", target_nodes=primaries[:2])) | set(
        cache.keys("rk*", target_nodes=primaries[2])
    ) == set(data)
    assert set(cache.keys("rk*", target_nodes="random")) <= set(data)
    with pytest.raises(ValueError, match="target_nodes must be one of"):
        cache.keys("rk*", target_nodes="primary")
    with pytest.raises(TypeError, match="a node flag, a cluster node or a list of them"):
        cache.keys("rk*", target_nodes=[object()])
    # The per-node replies of a command without a combining rule: a dict by node name.
    ids = raw.execute_command("CLIENT ID", target_nodes="primaries")
    assert sorted(ids) == sorted(node.name for node in primaries) and all(isinstance(v, int) for v in ids.values())
    assert raw.execute_command("DBSIZE") == len(data)  # GLIDE sums every primary's


async def test_async_target_nodes_and_scan(cluster: ClusterTopology) -> None:
    cache = glide_cluster(cluster, AsyncClusterValkeyCache, KEY_PREFIX="aroutes")
    try:
        data = {f"ak{i}": i for i in range(50)}
        assert await cache.set_many(data) == []
        raw = await cache.get_client()
        primaries = await raw.list_nodes("primary")
        assert len(primaries) == 3
        assert sorted(await cache.keys("ak*", target_nodes=primaries)) == sorted(data)
        assert sorted([key async for key in cache.iter_keys("ak*", itersize=7)]) == sorted(data)
        assert await cache.delete_pattern("ak*", itersize=9) == 50
        assert await cache.get_many(list(data)) == {}
    finally:
        await cache.aclose()


def test_reads_from_replicas_when_asked(cluster: ClusterTopology) -> None:
    cache = glide_cluster(cluster, KEY_PREFIX="replica-reads", CONNECTION_POOL_KWARGS={"read_from_replicas": True})
    cache.set("r", "v")
    owner = cluster.primary_for_slot(slot_of(cache.make_key("r")))
    replica = next(node for node in cluster.nodes[3:] if _replica_of(node) == owner.port)

    def calls(node: ValkeyProcess, command: str) -> int:
        with node.client() as conn:
            return int(conn.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))

    before = calls(replica, "get"), calls(owner, "get"), calls(owner, "set")
    found = [cache.get("r") for _ in range(20)]
    assert all(value in ("v", None) for value in found)  # a replica may lag the write a moment
    assert poll(lambda: cache.get("r") == "v", 5)
    assert calls(replica, "get") - before[0] >= 20 and calls(owner, "get") == before[1]
    cache.set("r", "w")  # writes still go to the primary
    assert calls(owner, "set") == before[2] + 1


def _replica_of(node: ValkeyProcess) -> int:
    with node.client() as conn:
        return int(conn.info("replication").get("master_port", 0))


@pytest.mark.parametrize(
    ("location", "options", "message"),
    [
        ("valkey://127.0.0.1:1/2", {}, "a cluster has database 0 only, not 2"),
        ("valkey://127.0.0.1:1", {"CONNECTION_POOL_KWARGS": {"max_connections": 5}}, "max_connections: not supported"),
        ("unix:///tmp/cluster.sock", {}, "TCP only"),
    ],
)
def test_what_it_cannot_do_is_refused_by_name(location: str, options: dict[str, Any], message: str) -> None:
    params = {"OPTIONS": {"CONNECTION_FACTORY": FACTORY, **options}}
    cache = ClusterValkeyCache(location, params)
    with pytest.raises(ImproperlyConfigured, match=message):
        cache.get("k")


def test_the_standalone_factory_on_a_cluster_location_names_the_cluster_one(cluster: ClusterTopology) -> None:
    location = [node.url for node in cluster.nodes[:3]]
    cache = ClusterValkeyCache(
        location, {"OPTIONS": {"CONNECTION_FACTORY": "django_valkey.glide.GlideConnectionFactory"}}
    )
    with pytest.raises(ImproperlyConfigured, match="GlideClusterConnectionFactory"):
        cache.get("k")


def test_a_pipeline_spans_slots_and_is_never_a_transaction(cluster: ClusterTopology) -> None:
    cache = glide_cluster(cluster, KEY_PREFIX="pipes")
    pipe = cache.pipeline(transaction=False)
    for i in range(20):
        pipe.set(f"p{i}", i)
    pipe.get("p3")
    pipe.incr("p4", 10)
    assert pipe.execute() == [True] * 20 + [3, 14]
    assert cache.get_many([f"p{i}" for i in range(20)]) == {f"p{i}": 14 if i == 4 else i for i in range(20)}
    with pytest.raises(ValueError, match="cannot be a transaction"):
        cache.get_client().pipeline(transaction=True)


def test_a_paused_node_fails_its_own_slots_and_the_others_keep_working(cluster: ClusterTopology) -> None:
    cache = glide_cluster(cluster, KEY_PREFIX="paused", CIRCUIT_BREAKER=False)
    keys = [f"pk{i}" for i in range(60)]
    cache.set_many({key: key for key in keys})
    victim = cluster.primary_for_slot(slot_of(cache.make_key(keys[0])))
    on_victim = [key for key in keys if cluster.primary_for_slot(slot_of(cache.make_key(key))) is victim]
    elsewhere = [key for key in keys if key not in on_victim]
    with paused(victim):
        started = time.monotonic()
        with pytest.raises((CacheTimeout, ConnectionInterrupted)):
            cache.get(on_victim[0])
        assert time.monotonic() - started < TIMEOUT + 0.5  # its SOCKET_TIMEOUT, not longer
        started = time.monotonic()
        assert [cache.get(key) for key in elsewhere] == elsewhere  # each a round trip, none waits
        assert time.monotonic() - started < 1.0
    assert poll(lambda: cache.get(on_victim[0]) == on_victim[0], 5)
