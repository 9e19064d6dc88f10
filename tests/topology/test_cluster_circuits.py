"""A circuit per cluster node, on a real 6-node cluster: a hung primary fails its slots' calls at
once after a few timeouts while the other nodes' keys keep working; a hung replica's reads go to
the primary; a killed primary's slots recover once the cluster promotes its replica.

The cluster's node timeout is 5 s here, so that pausing a primary for a second or two does not
make the cluster fail it over (the failover test uses its own cluster with 1 s)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.pool import BoundedValkeyCluster, LoopValkeyCluster
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.exceptions import CacheTimeout, CircuitOpen, ConnectionInterrupted
from tests import faults
from tests.helpers import cache_params
from tests.servers import ValkeyProcess
from tests.topology.launchers import ClusterTopology, poll, role

TIMEOUT = 0.2  # SOCKET_TIMEOUT of these caches
FAST = TIMEOUT / 2  # no call waited for a timeout


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterTopology]:
    topo = ClusterTopology(node_timeout_ms=5000).start()
    yield topo
    topo.cleanup()


def cluster_cache(topo: ClusterTopology, backend: type[Any] = ClusterValkeyCache, **options: Any) -> Any:
    location = [node.url for node in topo.nodes[:3]]
    params = cache_params(
        location,
        f"django_valkey.cluster_cache.cache.{backend.__name__}",
        **{"SOCKET_TIMEOUT": TIMEOUT, "SOCKET_CONNECT_TIMEOUT": TIMEOUT, "CIRCUIT_BREAKER": {"FAILURES": 2}, **options},
    )
    return backend(params["LOCATION"], params)


def two_keys(topo: ClusterTopology, cache: Any) -> tuple[str, str, ValkeyProcess]:
    """A key on some primary (the one to hang) and a key on another primary."""
    first = "circuit-a"
    victim = topo.primary_for_slot(slot_of(cache.make_key(first)))
    for i in range(1000):
        other = f"circuit-b{i}"
        if topo.primary_for_slot(slot_of(cache.make_key(other))) is not victim:
            return first, other, victim
    raise AssertionError("no key on another primary")


def replica_of(topo: ClusterTopology, primary: ValkeyProcess) -> ValkeyProcess:
    with primary.client(socket_timeout=1) as conn:
        info = conn.execute_command("ROLE")
    port = int(info[2][0][1])
    return next(node for node in topo.nodes if node.port == port)


def timed(call: Any) -> tuple[float, Any]:
    started = time.monotonic()
    try:
        result = call()
    except Exception as error:
        result = error
    return time.monotonic() - started, result


@pytest.mark.valkey_py(reason="node circuits are valkey-py cluster pools'; GLIDE has none: test_glide_cluster.py")
def test_hung_primary_fails_its_slots_fast_and_the_others_keep_working(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster)
    hung_key, other_key, victim = two_keys(cluster, cache)
    cache.set(hung_key, "a")
    cache.set(other_key, "b")
    assert cluster.wait_ok(10)
    with faults.paused(victim):
        # The first call waits for its timeouts (valkey-py's own retries included) until the
        # node's circuit opens; it says so.
        spent, first = timed(lambda: cache.get(hung_key))
        assert isinstance(first, (CircuitOpen, CacheTimeout)), first
        assert spent < 6 * TIMEOUT
        if isinstance(first, CacheTimeout):
            first = timed(lambda: cache.get(hung_key))[1]
        assert isinstance(first, CircuitOpen)
        assert first.server == f"valkey://127.0.0.1:{victim.port}"
        # From now on its slots fail at once, without the network...
        for _ in range(20):
            spent, result = timed(lambda: cache.get(hung_key))
            assert isinstance(result, CircuitOpen) and spent < FAST, (spent, result)
        # ... a multi-key call that needs the node too ...
        spent, result = timed(lambda: cache.get_many([hung_key, other_key]))
        assert isinstance(result, CircuitOpen) and spent < FAST, (spent, result)
        # ... and the other primaries' keys are served as before.
        for _ in range(20):
            spent, result = timed(lambda: cache.get(other_key))
            assert result == "b" and spent < FAST, (spent, result)
        raw = cache.get_client()
        assert isinstance(raw, BoundedValkeyCluster) and raw.node_circuits is not None
    # Resumed: a probe closes the circuit; no restart of anything.
    assert poll(lambda: timed(lambda: cache.get(hung_key))[1] == "a", 2, interval=0.01)
    assert cache.get_many([hung_key, other_key]) == {hung_key: "a", other_key: "b"}


@pytest.mark.valkey_py(reason="node circuits are valkey-py cluster pools'; GLIDE has none: test_glide_cluster.py")
def test_hung_primary_under_ignore_exceptions_returns_the_fallback_at_once(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, IGNORE_EXCEPTIONS=True)
    hung_key, other_key, victim = two_keys(cluster, cache)
    cache.set(hung_key, "a")
    cache.set(other_key, "b")
    with faults.paused(victim):
        spent = [timed(lambda: cache.get(hung_key, "fallback"))[0] for _ in range(30)]
        assert max(spent[5:]) < FAST, spent
        assert cache.get(hung_key, "fallback") == "fallback"
        assert cache.get(other_key) == "b"
        assert cache.get_many([hung_key, other_key]) == {}
    assert poll(lambda: cache.get(hung_key) == "a", 2, interval=0.01)


@pytest.mark.valkey_py(reason="node circuits are valkey-py cluster pools'; GLIDE has none: test_glide_cluster.py")
async def test_async_hung_primary(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, AsyncClusterValkeyCache)
    hung_key, other_key, victim = two_keys(cluster, cache)
    await cache.set(hung_key, "a")
    await cache.set(other_key, "b")

    async def timed_async(key: str) -> tuple[float, Any]:
        started = time.monotonic()
        try:
            result = await cache.get(key)
        except Exception as error:
            result = error
        return time.monotonic() - started, result

    with faults.paused(victim):
        errors = [(await timed_async(hung_key))[1] for _ in range(3)]
        assert all(isinstance(error, ConnectionInterrupted) for error in errors), errors
        assert isinstance(errors[-1], CircuitOpen)
        for _ in range(20):
            spent, result = await timed_async(hung_key)
            assert isinstance(result, CircuitOpen) and spent < FAST, (spent, result)
            spent, result = await timed_async(other_key)
            assert result == "b" and spent < FAST, (spent, result)
        with pytest.raises(CircuitOpen):
            await cache.get_many([hung_key, other_key])
        raw = await cache.get_client()
        assert isinstance(raw, LoopValkeyCluster) and raw.node_circuits is not None
    deadline = time.monotonic() + 2
    while (await timed_async(hung_key))[1] != "a":
        assert time.monotonic() < deadline, "the circuit did not close after the node resumed"
        await asyncio.sleep(0.01)


def replica_setup(topo: ClusterTopology, cache: Any) -> tuple[str, ValkeyProcess]:
    key = "circuit-replica"
    replica = replica_of(topo, topo.primary_for_slot(slot_of(cache.make_key(key))))
    return key, replica


def check_replica_reads(results: list[tuple[float, Any]]) -> None:
    # A read valkey-py sends to the hung replica waits for one timeout at most (valkey-py then
    # asks the primary); after two, the replica's circuit is open and the reads valkey-py would
    # send there go to the primary at once.
    assert all(result == "v" for _, result in results), results
    assert max(spent for spent, _ in results[6:]) < FAST, results


@pytest.mark.valkey_py(reason="node circuits are valkey-py cluster pools'; GLIDE has none: test_glide_cluster.py")
def test_hung_replica_reads_go_to_the_primary(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, CONNECTION_POOL_KWARGS={"read_from_replicas": True})
    key, replica = replica_setup(cluster, cache)
    cache.set(key, "v")
    with faults.paused(replica):
        check_replica_reads([timed(lambda: cache.get(key)) for _ in range(12)])
    assert role(replica) == "slave"


@pytest.mark.valkey_py(reason="node circuits are valkey-py cluster pools'; GLIDE has none: test_glide_cluster.py")
async def test_async_hung_replica_reads_go_to_the_primary(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, AsyncClusterValkeyCache, CONNECTION_POOL_KWARGS={"read_from_replicas": True})
    key, replica = replica_setup(cluster, cache)
    await cache.set(key, "v")
    results: list[tuple[float, Any]] = []
    with faults.paused(replica):
        for _ in range(12):
            started = time.monotonic()
            value = await cache.get(key)
            results.append((time.monotonic() - started, value))
    check_replica_reads(results)


@pytest.mark.valkey_py(reason="node circuits are valkey-py cluster pools'; GLIDE has none: test_glide_cluster.py")
def test_circuit_breaker_off_keeps_no_node_circuits(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, CIRCUIT_BREAKER=False)
    cache.set("circuit-off", 1)
    raw = cache.get_client()
    assert isinstance(raw, BoundedValkeyCluster) and raw.node_circuits is None
    assert cache.get("circuit-off") == 1


def test_killed_primary_recovers_once_its_replica_is_promoted() -> None:
    topo = ClusterTopology().start()  # node timeout 1 s: the cluster fails a dead node over
    try:
        cache = cluster_cache(topo, IGNORE_EXCEPTIONS=True)
        key = "circuit-failover"
        cache.set(key, "before")
        victim = topo.primary_for_slot(slot_of(cache.make_key(key)))
        victim.kill()
        killed = time.monotonic()
        longest = 0.0
        recovered = None
        while time.monotonic() - killed < 20:
            spent, ok = timed(lambda: cache.set(key, "after"))
            longest = max(longest, spent)
            if not isinstance(ok, Exception) and cache.get(key) == "after":
                recovered = time.monotonic() - killed
                break
            time.sleep(0.01)
        print(f"cluster node circuit: recovered {recovered}s after the kill; longest call {longest:.3f}s")
        assert recovered is not None, "the slots of the killed primary did not recover"
        assert longest < 8 * TIMEOUT
    finally:
        topo.cleanup()


async def test_async_call_to_a_hung_node_ends_without_a_breaker(cluster: ClusterTopology) -> None:
    # valkey-py's asyncio cluster client retried inside each new node connection, and its health
    # check on a new connection to a hung node reconnected one level deeper on each timeout: the
    # call never ended. A fresh cache (no connection yet) and no breaker: the call ends after
    # its timeouts and valkey-py's cluster retries.
    cache = cluster_cache(cluster, AsyncClusterValkeyCache, CIRCUIT_BREAKER=False)
    hung_key, _, victim = two_keys(cluster, cache)
    with faults.paused(victim):
        started = time.monotonic()
        with pytest.raises(ConnectionInterrupted):
            await asyncio.wait_for(cache.get(hung_key), 10)
        assert time.monotonic() - started < 10 * TIMEOUT


@pytest.mark.valkey_py(reason="GLIDE's request timeout is one per client: DEADLINE cannot cut one call short")
@pytest.mark.parametrize("backend", [ClusterValkeyCache, AsyncClusterValkeyCache], ids=["sync", "async"])
def test_deadline_bounds_a_call_to_a_hung_node(cluster: ClusterTopology, backend: type[Any]) -> None:
    # valkey-py's cluster client retries a timed-out command itself (3 times, refreshing its
    # map of slots in between): the deadline ends the whole call, sync and async.
    cache = cluster_cache(
        cluster, backend, DEADLINE=0.3, SOCKET_TIMEOUT=5, SOCKET_CONNECT_TIMEOUT=5, CIRCUIT_BREAKER=False
    )
    hung_key, other_key, victim = two_keys(cluster, cache)

    def call(key: str) -> Any:
        return asyncio.run(cache.get(key)) if backend is AsyncClusterValkeyCache else cache.get(key)

    with faults.paused(victim):
        started = time.monotonic()
        with pytest.raises(ConnectionInterrupted) as caught:
            call(hung_key)
        assert time.monotonic() - started < 0.3 + 0.1
        assert isinstance(caught.value, CacheTimeout), caught.value
        assert call(other_key) in ("b", None)  # the other nodes answer
