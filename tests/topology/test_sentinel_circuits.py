"""A circuit per sentinel: valkey-py asks the sentinels in turn; a hung one fails at once once
its circuit is open, so the next is asked without waiting, sync and async."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache
from tests import faults
from tests.helpers import cache_params
from tests.servers import ValkeyProcess
from tests.topology.launchers import SERVICE, SentinelTopology, poll

TIMEOUT = 0.2
FAST = TIMEOUT / 2  # no call waited for a timeout


@pytest.fixture(scope="module")
def topology() -> Iterator[SentinelTopology]:
    topo = SentinelTopology().start()
    yield topo
    topo.cleanup()


def sentinel_cache(topo: SentinelTopology, backend: type[Any], **options: Any) -> Any:
    client_class = (
        "django_valkey.async_cache.client.AsyncSentinelClient"
        if backend is AsyncValkeyCache
        else "django_valkey.client.SentinelClient"
    )
    params = cache_params(
        f"valkey://{SERVICE}/0",
        CLIENT_CLASS=client_class,
        SOCKET_TIMEOUT=TIMEOUT,
        SOCKET_CONNECT_TIMEOUT=TIMEOUT,
        **{"SENTINELS": topo.sentinel_addresses, "CIRCUIT_BREAKER": {"FAILURES": 1}, **options},
    )
    return backend(params["LOCATION"], params)


def first_sentinel(topo: SentinelTopology, manager: Any) -> tuple[ValkeyProcess, Any]:
    client = manager.sentinels[0]
    port = client.connection_pool.connection_kwargs["port"]
    return next(node for node in topo.sentinels if node.port == port), client


def test_a_hung_sentinel_is_skipped_at_once(topology: SentinelTopology) -> None:
    cache = sentinel_cache(topology, ValkeyCache)
    manager = cache.get_client().connection_pool.sentinel_manager
    hung, client = first_sentinel(topology, manager)
    replicas = manager.discover_slaves(SERVICE)
    assert replicas
    with faults.paused(hung):
        started = time.monotonic()
        assert manager.discover_slaves(SERVICE) == replicas  # one timeout, then the next sentinel
        assert TIMEOUT <= time.monotonic() - started < 3 * TIMEOUT
        assert client.dv_circuit.state == "open"
        for _ in range(10):
            started = time.monotonic()
            assert manager.discover_slaves(SERVICE) == replicas
            assert time.monotonic() - started < FAST
        assert cache.get("k") is None  # the cache itself keeps working
    assert poll(lambda: manager.discover_slaves(SERVICE) and client.dv_circuit.state == "closed", 2, 0.02)


async def test_async_a_hung_sentinel_is_skipped_at_once(topology: SentinelTopology) -> None:
    cache = sentinel_cache(topology, AsyncValkeyCache)
    raw = await cache.get_client()
    manager = raw.connection_pool.sentinel_manager
    hung, client = first_sentinel(topology, manager)
    replicas = await manager.discover_slaves(SERVICE)
    assert replicas
    with faults.paused(hung):
        started = time.monotonic()
        assert await manager.discover_slaves(SERVICE) == replicas
        assert TIMEOUT <= time.monotonic() - started < 3 * TIMEOUT
        assert client.dv_circuit.state == "open"
        for _ in range(10):
            started = time.monotonic()
            assert await manager.discover_slaves(SERVICE) == replicas
            assert time.monotonic() - started < FAST
    deadline = time.monotonic() + 2
    while client.dv_circuit.state != "closed":
        assert time.monotonic() < deadline, "the sentinel's circuit did not close after it resumed"
        await manager.discover_slaves(SERVICE)
        await asyncio.sleep(0.02)


def test_no_sentinel_circuits_without_a_breaker(topology: SentinelTopology) -> None:
    cache = sentinel_cache(topology, ValkeyCache, CIRCUIT_BREAKER=False)
    manager = cache.get_client().connection_pool.sentinel_manager
    assert all(not hasattr(client, "dv_circuit") for client in manager.sentinels)
    assert manager.discover_slaves(SERVICE)
