"""SentinelClient + SentinelConnectionFactory on a real primary, replica and three sentinels.

One module-scoped topology; the failover tests run last (they change who the primary is).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import ConnectionInterrupted
from django_valkey.pool import SentinelConnectionFactory
from tests.helpers import Recorder, cache_params
from tests.topology.launchers import SERVICE, SentinelTopology, poll


@pytest.fixture(scope="module")
def topology() -> Iterator[SentinelTopology]:
    topo = SentinelTopology().start()
    yield topo
    topo.cleanup()


def sentinel_cache(topo: SentinelTopology, location: str | list[str] | None = None, **options: Any) -> ValkeyCache:
    params = cache_params(
        location or f"valkey://{SERVICE}/0",
        CLIENT_CLASS="django_valkey.client.SentinelClient",
        SOCKET_TIMEOUT=1,
        SOCKET_CONNECT_TIMEOUT=0.5,
        **{"SENTINELS": topo.sentinel_addresses, **options},
    )
    return ValkeyCache(params["LOCATION"], params)


def test_an_observer_sees_sentinel_calls(topology: SentinelTopology) -> None:
    recorder = Recorder()
    cache = sentinel_cache(topology, OBSERVER=recorder)
    try:
        cache.set("obs:k", 1)
        assert poll(lambda: cache.get("obs:k") == 1, 5)

        async def native() -> None:
            assert await cache.aget("obs:k") == 1

        asyncio.run(native())
    finally:
        cache.client.close()
    events = recorder.take()
    assert events[0].operation == "set" and events[-1].method == "aget"
    # the service's URL, and which side of it: the primary for the write, a replica for the reads
    assert events[0].server == f"valkey://{SERVICE}/0?is_master=1"
    assert {e.server for e in events[1:]} == {f"valkey://{SERVICE}/0?is_master=0"}
    assert all(e.outcome == "ok" for e in events)
    assert {c.server for c in recorder.circuits} == {f"valkey://{SERVICE}/0?is_master={i}" for i in (0, 1)}


def _port(conn: Any) -> int:
    return int(conn.connection_pool.get_master_address()[1])


def test_writes_go_to_the_primary_reads_to_the_replica(topology: SentinelTopology) -> None:
    cache = sentinel_cache(topology)
    try:
        cache.set("s:k", {"v": 1})
        with topology.primary.client() as conn:
            assert conn.exists(cache.make_key("s:k")) == 1
        assert poll(lambda: cache.get("s:k") == {"v": 1}, 5)
        reader = cache.get_client(write=False)
        writer = cache.get_client(write=True)
        assert reader.connection_pool.is_master is False
        assert writer.connection_pool.is_master is True
        assert reader.execute_command("ROLE")[0] in (b"slave", "slave")
        assert cache.get_many(["s:k", "nope"]) == {"s:k": {"v": 1}}
        assert cache.add("s:n", 1) is True
        assert cache.incr("s:n", 1) == 2
    finally:
        cache.client.close()


def test_explicit_replica_location(topology: SentinelTopology) -> None:
    cache = sentinel_cache(topology, [f"valkey://{SERVICE}/0", f"valkey://{SERVICE}/0?is_master=0"])
    try:
        cache.set("s:explicit", 1)
        assert cache.get_client(write=False).connection_pool.is_master is False
        assert poll(lambda: cache.get("s:explicit") == 1, 5)
    finally:
        cache.client.close()


def test_pools_are_shared_per_service_and_options(topology: SentinelTopology) -> None:
    options = {"SENTINELS": topology.sentinel_addresses}
    first, second = SentinelConnectionFactory(options), SentinelConnectionFactory(options)
    url = f"valkey://{SERVICE}/0"
    assert first.connect(url).connection_pool is second.connect(url).connection_pool
    other = SentinelConnectionFactory({**options, "SOCKET_TIMEOUT": 3})
    assert other.connect(url).connection_pool is not first.connect(url).connection_pool


def test_bad_configuration_names_the_setting(topology: SentinelTopology) -> None:
    with pytest.raises(ImproperlyConfigured, match="SENTINELS"):
        SentinelConnectionFactory({})
    for port in ("263x9", "", "-1", "70000", 0, 1.5, True, None):
        with pytest.raises(ImproperlyConfigured, match=r"SENTINELS'\]: the port of the entry \('10.0.0.1', "):
            SentinelConnectionFactory({"SENTINELS": [("127.0.0.1", 26379), ("10.0.0.1", port)]})
    with pytest.raises(ImproperlyConfigured, match="SENTINEL_KWARGS"):
        SentinelConnectionFactory({"SENTINELS": topology.sentinel_addresses, "SENTINEL_KWARGS": 3}).connect(
            f"valkey://{SERVICE}/0"
        )
    with pytest.raises(ImproperlyConfigured, match="database"):
        SentinelConnectionFactory({"SENTINELS": topology.sentinel_addresses}).connect(f"valkey://{SERVICE}/zero")
    cache = sentinel_cache(topology, "valkey://no-such-service/0")
    with pytest.raises(ConnectionInterrupted):
        cache.set("x", 1)


async def test_sentinel_ports_given_as_strings(topology: SentinelTopology) -> None:
    """django-valkey 0.4 took ``("127.0.0.1", "26379")``: the port is read as its int."""
    as_text = [(host, str(port)) for host, port in topology.sentinel_addresses]
    assert SentinelConnectionFactory({"SENTINELS": as_text}).sentinels == topology.sentinel_addresses
    cache = sentinel_cache(topology, SENTINELS=[(host, f" {port} ") for host, port in as_text])
    try:
        cache.set("s:text-port", 1)
        assert poll(lambda: cache.get("s:text-port") == 1, 5)
        assert await cache.aget("s:text-port") == 1  # the async twin reads the same setting
    finally:
        cache.client.close()
    params = cache_params(
        f"valkey://{SERVICE}/0",
        CLIENT_CLASS="django_valkey.async_cache.client.AsyncSentinelClient",
        SENTINELS=as_text,
        SOCKET_TIMEOUT=1,
    )
    params["BACKEND"] = "django_valkey.async_cache.cache.AsyncValkeyCache"
    acache = AsyncValkeyCache(params["LOCATION"], params)
    await acache.set("as:text-port", 2)
    assert await (await acache.get_client(write=True)).get(acache.make_key("as:text-port")) == b"2"


async def test_async_sentinel_client_and_readonly_reset(topology: SentinelTopology) -> None:
    params = cache_params(
        f"valkey://{SERVICE}/0",
        CLIENT_CLASS="django_valkey.async_cache.client.AsyncSentinelClient",
        SENTINELS=topology.sentinel_addresses,
        SOCKET_TIMEOUT=1,
    )
    params["BACKEND"] = "django_valkey.async_cache.cache.AsyncValkeyCache"
    cache = AsyncValkeyCache(params["LOCATION"], params)
    await cache.set("as:k", [1, 2])
    writer = await cache.get_client(write=True)
    reader = await cache.get_client(write=False)
    assert writer.connection_pool.is_master is True and reader.connection_pool.is_master is False
    for _ in range(50):
        if await cache.get("as:k") == [1, 2]:
            break
        await asyncio.sleep(0.05)
    assert await cache.get("as:k") == [1, 2]
    # Connections to the replica in the primary pool answer READONLY: one reset, no error.
    replica = next(node for node in topology.nodes if node.running and topology.role(node) == "slave")
    pool = writer.connection_pool
    await pool.disconnect()
    pool.master_address = ("127.0.0.1", replica.port)
    for _ in range(3):
        conn = pool.make_connection()
        await conn.connect_to(("127.0.0.1", replica.port))
        pool._available_connections.append(conn)
    client: Any = cache.client
    resets: list[int] = []
    original_reset = client.reset_primary

    async def counting_reset() -> None:
        resets.append(1)
        await original_reset()

    client.reset_primary = counting_reset
    for i in range(10):
        await cache.set(f"as:{i}", i)
    assert len(resets) == 1
    assert await cache.get_many([f"as:{i}" for i in range(10)]) is not None
    with topology.node_at(topology.primary_address()[1]).client() as conn:
        assert conn.get(cache.make_key("as:9")) == b"9"
    # The sync SentinelClient's a* methods use AsyncSentinelClient.
    sync = sentinel_cache(topology)
    assert await sync.aget("as:missing", "dflt") == "dflt"
    assert type(sync.async_client).__name__ == "AsyncSentinelClient"
    sync.client.close()
    await cache.aclose()


def test_graceful_failover_readonly_reconnects_without_errors(topology: SentinelTopology) -> None:
    """SENTINEL FAILOVER demotes the live primary: pooled connections to it now get READONLY.
    The client drops the pool, asks the sentinels again and retries once: no error reaches the caller."""
    cache = sentinel_cache(topology)
    try:
        for i in range(20):  # several pooled connections to the current primary
            cache.set(f"g:{i}", i)
        old = topology.primary_address()
        with topology.sentinels[0].client() as conn:
            conn.execute_command("SENTINEL", "FAILOVER", SERVICE)
        assert poll(lambda: topology.primary_address() != old, 15), "the sentinels did not fail over"
        old_node = topology.node_at(old[1])
        # Traffic until the sentinels have demoted the old primary (their INFO period is 10 s),
        # then 200 more writes: none may fail.
        started = time.monotonic()
        errors = writes = 0
        while time.monotonic() - started < 20 and writes < 100_000:
            demoted = topology.role(old_node) == "slave"
            for i in range(200 if demoted else 20):
                writes += 1
                try:
                    cache.set(f"g:{i % 20}", i)
                except ConnectionInterrupted:
                    errors += 1
            if demoted:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        print(f"Sentinel graceful failover: {errors} errors over {writes} writes across the demotion ({elapsed:.1f}s)")
        assert topology.role(old_node) == "slave"
        assert errors == 0
        assert _port(cache.get_client(write=True)) == topology.primary_address()[1]
    finally:
        cache.client.close()


def _stale_connections(pool: Any, demoted: tuple[str, int], count: int) -> None:
    """Put ``count`` connections to the demoted node in ``pool``, as if the client had not noticed
    the failover (the sentinels' CLIENT KILL missed them)."""
    pool.disconnect()
    pool.proxy.master_address = demoted
    for _ in range(count):
        conn = pool.make_connection()
        conn.connect_to(demoted)
        pool._available_connections.append(conn)


def test_readonly_from_a_demoted_node_reconnects_once(topology: SentinelTopology) -> None:
    """Writes meet READONLY on connections to the demoted primary: the pool is dropped once, the
    write retried on the new primary, and no error reaches the caller."""
    demoted = next(node for node in topology.nodes if node.running and topology.role(node) == "slave")
    address = ("127.0.0.1", demoted.port)
    cache = sentinel_cache(topology)
    try:
        client: Any = cache.client
        resets: list[int] = []
        original_reset = client.reset_primary

        def counting_reset() -> None:
            resets.append(1)
            original_reset()

        client.reset_primary = counting_reset
        raw = cache.get_client(write=True)
        _stale_connections(raw.connection_pool, address, 5)
        errors = 0
        for i in range(20):
            try:
                cache.set(f"ro:{i}", i)
            except ConnectionInterrupted:
                errors += 1
        print(f"READONLY from a demoted node: {errors} errors over 20 writes, {len(resets)} pool reset(s)")
        assert errors == 0 and len(resets) == 1
        assert cache.get_many([f"ro:{i}" for i in range(20)]) is not None
        with topology.node_at(topology.primary_address()[1]).client() as conn:
            assert conn.get(cache.make_key("ro:19")) == b"19"

        # The same situation with the raw valkey-py client: the READONLY reaches the caller.
        _stale_connections(raw.connection_pool, address, 5)
        raw_errors = 0
        for i in range(20):
            try:
                raw.set(f"raw:{i}", i)
            except Exception:
                raw_errors += 1
        print(f"  (raw valkey-py client, same 5 stale connections: {raw_errors} error(s) reach the caller)")
        assert raw_errors >= 1
    finally:
        cache.client.close()


def test_primary_crash_failover_recovers_in_process(topology: SentinelTopology) -> None:
    """Kill the primary mid-traffic: calls fail while the sentinels decide, then succeed again
    against the promoted replica without restarting anything on the client side."""
    cache = sentinel_cache(topology)
    try:
        for i in range(50):
            cache.set(f"t:{i}", i)
        old = topology.primary_address()
        victim = topology.node_at(old[1])
        victim.kill()
        killed_at = time.monotonic()
        failed = 0
        recovered: float | None = None
        for i in range(5000):  # bounded: at most 5000 attempts and 30 s
            if time.monotonic() - killed_at > 30:
                break
            try:
                cache.set(f"t:{i % 50}", i)
                assert cache.client.get(f"t:{i % 50}") == i
            except ConnectionInterrupted:
                failed += 1
                time.sleep(0.05)
                continue
            recovered = time.monotonic() - killed_at
            break
        print(f"Sentinel crash failover: recovered {recovered}s after the kill, {failed} failed calls meanwhile")
        assert recovered is not None, "the cache did not recover within 30 s"
        # Every sentinel learns the new configuration within a few seconds (the client already
        # found the new primary through one that knew).
        assert poll(lambda: topology.primary_address() != old, 10)
        # After recovery: no stream of errors.
        for i in range(200):
            cache.set(f"after:{i}", i)
            assert cache.client.get(f"after:{i}") == i
        assert cache.get_many([f"after:{i}" for i in range(10)]) == {f"after:{i}": i for i in range(10)}
    finally:
        cache.client.close()
