"""Bounded connection pools, on real servers: the default bound, waiting for a free connection
(first come first served), the wait's timeout as a connection error, the user's bound and the
unbounded opt-out; and idle connections that the server (or something in between) dropped.

Replicas, Sentinel and Cluster have their bounds tested in the second half of the module.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import valkey
from django.core.cache.backends.base import BaseCache
from valkey.exceptions import MaxConnectionsError

from django_valkey._options import DEFAULT_HEALTH_CHECK_INTERVAL, DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT
from django_valkey._slots import AsyncSlots, Slots
from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.async_cache.pool import AsyncBoundedConnectionPool, AsyncBoundedSentinelConnectionPool
from django_valkey.cache import ValkeyCache
from django_valkey.client import SentinelClient
from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.pool import BoundedValkeyCluster, LoopValkeyCluster
from django_valkey.exceptions import ConnectionInterrupted
from django_valkey.pool import BoundedConnectionPool, BoundedSentinelConnectionPool
from tests.helpers import cache_params, run_threads
from tests.servers import ValkeyProcess
from tests.topology.launchers import ClusterTopology, SentinelTopology

CAP = DEFAULT_MAX_CONNECTIONS
SLACK = 2  # connections beyond the bound a check tolerates (none are expected)

BURST = 3000
THREADS = 64


@pytest.fixture(scope="module")
def server() -> Iterator[ValkeyProcess]:
    """A server of this module's own, so that connection counts are this module's."""
    proc = ValkeyProcess().start()
    yield proc
    proc.cleanup()


@pytest.fixture
def srv(server: ValkeyProcess) -> Iterator[ValkeyProcess]:
    """The module's server, with no client connection left over from the previous test."""
    with server.client() as conn:
        conn.flushall()
        conn.config_set("timeout", 0)
        conn.client_kill_filter(_type="normal", skipme=True)
    yield server
    with server.client() as conn:
        conn.config_set("timeout", 0)
        conn.execute_command("CLIENT", "UNPAUSE")


def connected(server: ValkeyProcess) -> int:
    """Client connections the server has open, not counting the one asking."""
    with server.client() as conn:
        return int(conn.info("clients")["connected_clients"]) - 1


def new_cache(server: ValkeyProcess | str | list[str], backend: type[BaseCache] = ValkeyCache, **options: Any) -> Any:
    location = f"{server.url}/0" if isinstance(server, ValkeyProcess) else server
    params = cache_params(location, backend, **options)
    return backend(params["LOCATION"], params)


def pause(server: ValkeyProcess, seconds: float) -> None:
    """Every client's commands are held by the server for ``seconds`` (CLIENT PAUSE)."""
    with server.client() as conn:
        conn.execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")


# ------------------------------------------------------------------ the default bound


def test_defaults_are_the_documented_ones() -> None:
    assert (DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT, DEFAULT_HEALTH_CHECK_INTERVAL) == (50, 5.0, 30)


@pytest.mark.pooled(reason="counts the connections of concurrent calls")
async def test_a_burst_of_tasks_holds_at_most_the_bound(srv: ValkeyProcess) -> None:
    cache = new_cache(srv)
    await cache.aset("k", "v")
    before = connected(srv)
    assert await asyncio.gather(*(cache.aget("k") for _ in range(BURST))) == ["v"] * BURST
    held = connected(srv) - before
    assert 1 <= held <= CAP + SLACK
    pool = (await cache.aget_client()).connection_pool
    assert type(pool) is AsyncBoundedConnectionPool and pool.max_connections == CAP


@pytest.mark.pooled(reason="counts the connections of concurrent calls")
def test_threads_hold_at_most_the_bound(srv: ValkeyProcess) -> None:
    cache = new_cache(srv, CONNECTION_POOL_KWARGS={"max_connections": 8})
    cache.set("k", "v")
    before = connected(srv)
    pause(srv, 0.2)  # every thread's call is in flight at once
    assert run_threads(THREADS, lambda i: cache.get("k")) == ["v"] * THREADS
    assert 1 <= connected(srv) - before <= 8
    pool = cache.get_client().connection_pool
    assert type(pool) is BoundedConnectionPool and pool.max_connections == 8


def test_sixty_four_threads_under_the_default_bound(srv: ValkeyProcess) -> None:
    cache = new_cache(srv)
    cache.set("k", "v")
    before = connected(srv)
    pause(srv, 0.2)
    assert run_threads(THREADS, lambda i: cache.get("k")) == ["v"] * THREADS
    assert connected(srv) - before <= CAP + SLACK


# ------------------------------------------------------------------ waiting, and its timeout


def test_callers_wait_for_a_free_connection(srv: ValkeyProcess) -> None:
    """Two connections, ten calls while the server holds every command for 0.3 s: eight wait,
    none fails (valkey-py's plain pool would raise "Too many connections" at once)."""
    cache = new_cache(srv, CONNECTION_POOL_KWARGS={"max_connections": 2})
    cache.set("k", "v")
    before = connected(srv)
    pause(srv, 0.3)
    started = time.monotonic()
    assert run_threads(10, lambda i: cache.get("k")) == ["v"] * 10
    assert time.monotonic() - started >= 0.25
    assert connected(srv) - before <= 2


@pytest.mark.pooled(reason="the wait for a free pooled connection")
async def test_tasks_wait_for_a_free_connection(srv: ValkeyProcess) -> None:
    cache = new_cache(srv, AsyncValkeyCache, CONNECTION_POOL_KWARGS={"max_connections": 2})
    await cache.set("k", "v")
    before = connected(srv)
    await asyncio.to_thread(pause, srv, 0.3)
    assert await asyncio.gather(*(cache.get("k") for _ in range(10))) == ["v"] * 10
    assert connected(srv) - before <= 2


@pytest.mark.pooled(reason="the wait for a free pooled connection")
def test_the_wait_times_out_as_a_connection_error(srv: ValkeyProcess) -> None:
    """One connection, held by a call the server keeps waiting: the next calls wait 0.2 s for it,
    then fail as a lost connection would (both caches have the same options: one pool). The
    socket timeout is longer than the pause: the holder gets its reply once the server resumes."""
    options = {"CONNECTION_POOL_KWARGS": {"max_connections": 1, "timeout": 0.2}, "SOCKET_TIMEOUT": 3}
    cache = new_cache(srv, **options)
    lenient = new_cache(srv, IGNORE_EXCEPTIONS=True, **options)
    assert cache.get_client().connection_pool is lenient.get_client().connection_pool
    cache.set("k", "v")
    pause(srv, 1.0)
    holder = threading.Thread(target=cache.get, args=("k",))
    holder.start()  # holds the pool's only connection for about a second
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(ConnectionInterrupted) as caught:
        cache.get("k")
    waited = time.monotonic() - started
    assert isinstance(caught.value.__cause__, MaxConnectionsError)
    assert isinstance(caught.value.__cause__, valkey.exceptions.ConnectionError)
    assert "all 1 are in use" in str(caught.value) and "max_connections" in str(caught.value)
    assert 0.15 <= waited < 0.8
    assert lenient.get("k", "fallback") == "fallback"  # IGNORE_EXCEPTIONS: fails open
    assert lenient.add("k2", "w") is False
    holder.join(5)
    assert cache.get("k") == "v"  # the connection came back


@pytest.mark.pooled(reason="counts the connections of concurrent calls")
async def test_the_async_wait_times_out_as_a_connection_error(srv: ValkeyProcess) -> None:
    # A socket timeout longer than the pause: the holder gets its reply once the server resumes.
    options = {"CONNECTION_POOL_KWARGS": {"max_connections": 1, "timeout": 0.2}, "SOCKET_TIMEOUT": 3}
    cache = new_cache(srv, AsyncValkeyCache, **options)
    lenient = new_cache(srv, AsyncValkeyCache, IGNORE_EXCEPTIONS=True, **options)
    await cache.set("k", "v")
    await asyncio.to_thread(pause, srv, 1.0)
    holder = asyncio.create_task(cache.get("k"))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(ConnectionInterrupted) as caught:
        await cache.get("k")
    assert isinstance(caught.value.__cause__, MaxConnectionsError)
    assert 0.15 <= time.monotonic() - started < 0.8
    assert await lenient.get("k", "fallback") == "fallback"
    assert await holder == "v"
    assert await cache.get("k") == "v"
    sync = new_cache(srv, **options)  # the a* methods of a sync cache: the same pool, the same error
    await asyncio.to_thread(pause, srv, 1.0)
    holder = asyncio.create_task(sync.aget("k"))
    await asyncio.sleep(0.1)
    with pytest.raises(ConnectionInterrupted):
        await sync.aget("k")
    assert await holder == "v"


# ------------------------------------------------------------------ the user's settings


@pytest.mark.pooled(reason="counts the connections of concurrent calls")
async def test_the_users_max_connections_is_kept(srv: ValkeyProcess) -> None:
    cache = new_cache(srv, CONNECTION_POOL_KWARGS={"max_connections": 7})
    await cache.aset("k", "v")
    before = connected(srv)
    await asyncio.gather(*(cache.aget("k") for _ in range(BURST)))
    assert 1 <= connected(srv) - before <= 7
    assert (await cache.aget_client()).connection_pool.max_connections == 7
    assert cache.get_client().connection_pool.max_connections == 7


@pytest.mark.pooled(reason="counts the connections of concurrent calls")
@pytest.mark.parametrize("unbounded", [None, 0])
async def test_max_connections_none_or_zero_is_unbounded(srv: ValkeyProcess, unbounded: int | None) -> None:
    cache = new_cache(srv, CONNECTION_POOL_KWARGS={"max_connections": unbounded})
    await cache.aset("k", "v")
    before = connected(srv)
    pause(srv, 0.3)  # every task's call is in flight at once: one connection each
    await asyncio.gather(*(cache.aget("k") for _ in range(300)))
    assert connected(srv) - before >= 299  # (one of them was open before)
    pool = (await cache.aget_client()).connection_pool
    assert isinstance(pool, AsyncBoundedConnectionPool) and pool.max_connections == 2**31
    assert cache.get_client().connection_pool.connection_kwargs["health_check_interval"] == 30  # still checked


def test_a_pool_class_of_the_users_own_is_kept_as_given(srv: ValkeyProcess) -> None:
    """valkey-py's plain pool: django-valkey 0.4's behaviour, none of the defaults."""
    cache = new_cache(srv, CONNECTION_POOL_CLASS="valkey.connection.ConnectionPool")
    pool = cache.get_client().connection_pool
    assert type(pool) is valkey.connection.ConnectionPool and pool.max_connections == 2**31
    assert set(pool.connection_kwargs) == {
        "parser_class",
        "host",
        "port",
        "db",
        "socket_timeout",
        "socket_connect_timeout",
    }
    blocking = new_cache(
        srv,
        CONNECTION_POOL_CLASS="valkey.connection.BlockingConnectionPool",
        CONNECTION_POOL_KWARGS={"max_connections": 3, "timeout": 2},
    )
    pool = blocking.get_client().connection_pool
    assert type(pool) is valkey.connection.BlockingConnectionPool
    assert (pool.max_connections, pool.timeout) == (3, 2)
    assert "health_check_interval" not in pool.connection_kwargs


def test_pool_options_shape_the_pool_key(srv: ValkeyProcess) -> None:
    """Caches that differ only in their bound do not share a pool."""
    small = new_cache(srv, CONNECTION_POOL_KWARGS={"max_connections": 3})
    default = new_cache(srv)
    assert small.get_client().connection_pool is not default.get_client().connection_pool
    assert new_cache(srv).get_client().connection_pool is default.get_client().connection_pool


def test_defaults_reach_the_connections(srv: ValkeyProcess) -> None:
    cache = new_cache(srv)
    kwargs = cache.get_client().connection_pool.connection_kwargs
    assert kwargs["health_check_interval"] == 30 and kwargs["socket_keepalive"] is True
    if hasattr(socket, "TCP_KEEPIDLE"):
        assert kwargs["socket_keepalive_options"][socket.TCP_KEEPIDLE] == 60
    cache.set("k", 1)
    pool = cache.get_client().connection_pool
    conn = pool.get_connection("GET")
    try:
        assert conn._sock is not None and conn._sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    finally:
        pool.release(conn)
    tuned = new_cache(srv, CONNECTION_POOL_KWARGS={"health_check_interval": 0, "socket_keepalive": False})
    kwargs = tuned.get_client().connection_pool.connection_kwargs
    assert kwargs["health_check_interval"] == 0 and kwargs["socket_keepalive"] is False


def test_unix_sockets_get_no_keepalive(tmp_path: Any) -> None:
    path = tmp_path / "v.sock"
    proc = ValkeyProcess("--unixsocket", str(path), "--unixsocketperm", "700").start()
    try:
        cache = new_cache(f"unix://{path}?db=0")
        cache.set("k", "v")
        assert cache.get("k") == "v"
        kwargs = cache.get_client().connection_pool.connection_kwargs
        assert "socket_keepalive" not in kwargs and kwargs["health_check_interval"] == 30
    finally:
        proc.cleanup()


# ------------------------------------------------------------------ idle connections dropped


def test_idle_connections_closed_by_the_server(srv: ValkeyProcess) -> None:
    """The server's ``timeout`` closes connections idle for 1 s: the next calls reconnect."""
    cache = new_cache(srv, CONNECTION_POOL_KWARGS={"health_check_interval": 0})
    pause(srv, 0.2)
    run_threads(8, lambda i: cache.set(f"k{i}", i))  # eight pooled connections
    with srv.client() as conn:
        conn.config_set("timeout", 1)
    time.sleep(2.2)
    assert run_threads(8, lambda i: cache.get(f"k{i}")) == list(range(8))
    assert cache.incr("k1") == 2


async def test_async_idle_connections_closed_by_the_server(srv: ValkeyProcess) -> None:
    cache = new_cache(srv, AsyncValkeyCache, CONNECTION_POOL_KWARGS={"health_check_interval": 0})
    await asyncio.to_thread(pause, srv, 0.2)
    await asyncio.gather(*(cache.set(f"k{i}", i) for i in range(8)))
    await asyncio.to_thread(srv.client().config_set, "timeout", 1)
    await asyncio.sleep(2.2)
    assert await asyncio.gather(*(cache.get(f"k{i}") for i in range(8))) == list(range(8))
    assert await cache.incr("k1") == 2


class BlackholeProxy:
    """A loopback TCP proxy to ``target_port``. ``blackhole()`` makes the connections open so far
    go silent (bytes are read and dropped, nothing is answered or closed), as when a NAT entry or
    a proxy forgets an idle connection; connections opened afterwards are forwarded normally."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._links: list[tuple[socket.socket, socket.socket, threading.Event]] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            silent = threading.Event()
            self._links.append((client, upstream, silent))
            for src, dst in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=self._pump, args=(src, dst, silent), daemon=True)
                self._threads.append(thread)
                thread.start()

    def _pump(self, src: socket.socket, dst: socket.socket, silent: threading.Event) -> None:
        src.settimeout(0.05)
        while not self._stop.is_set():
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if not silent.is_set():
                try:
                    dst.sendall(data)
                except OSError:
                    return

    def blackhole(self) -> None:
        for _, _, silent in self._links:
            silent.set()

    def cut(self) -> None:
        """Close the connections open so far (both ways), as a proxy's idle timeout does."""
        for client, upstream, _ in self._links:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        for client, upstream, _ in self._links:
            client.close()
            upstream.close()
        self.listener.close()


@pytest.fixture
def proxy(srv: ValkeyProcess) -> Iterator[BlackholeProxy]:
    made = BlackholeProxy(srv.port)
    yield made
    made.close()


@pytest.mark.pooled(
    reason="the pool PINGs an idle connection; a multiplexed one is replaced (tests/test_autopipeline*.py)"
)
@pytest.mark.parametrize("backend", [ValkeyCache, AsyncValkeyCache])
async def test_silently_dropped_idle_connections(proxy: BlackholeProxy, backend: type[Any]) -> None:
    """A connection idle for longer than the health-check interval is PINGed before reuse; one
    that no longer answers is replaced, so the call succeeds (after the socket timeout). Without
    the check, the call itself times out."""
    location = f"valkey://127.0.0.1:{proxy.port}/0"

    async def call(cache: Any, method: str, *args: Any) -> Any:
        if backend is ValkeyCache:
            return await asyncio.to_thread(getattr(cache, method), *args)
        return await getattr(cache, method)(*args)

    checked = new_cache(location, backend, SOCKET_TIMEOUT=0.3, CONNECTION_POOL_KWARGS={"health_check_interval": 0.5})
    unchecked = new_cache(location, backend, SOCKET_TIMEOUT=0.3, CONNECTION_POOL_KWARGS={"health_check_interval": 0})
    await call(checked, "set", "k", "v")
    await call(unchecked, "get", "k")
    assert proxy.accepted == 2
    proxy.blackhole()
    await asyncio.sleep(0.7)
    started = time.monotonic()
    assert await call(checked, "get", "k") == "v"
    assert 0.25 <= time.monotonic() - started < 2  # one PING timed out, then a new connection
    assert proxy.accepted == 3
    with pytest.raises(ConnectionInterrupted):
        await call(unchecked, "get", "k")


@pytest.mark.parametrize("backend", [ValkeyCache, AsyncValkeyCache])
async def test_idle_connections_closed_by_a_proxy(proxy: BlackholeProxy, backend: type[Any]) -> None:
    cache = new_cache(
        f"valkey://127.0.0.1:{proxy.port}/0", backend, CONNECTION_POOL_KWARGS={"health_check_interval": 0}
    )
    if backend is ValkeyCache:
        await asyncio.to_thread(cache.set, "k", "v")
        proxy.cut()
        await asyncio.sleep(0.2)
        assert await asyncio.to_thread(cache.get, "k") == "v"
    else:
        await cache.set("k", "v")
        proxy.cut()
        await asyncio.sleep(0.2)
        assert await cache.get("k") == "v"
    assert proxy.accepted == 2


# ------------------------------------------------------------------ replicas: a pool per server


async def test_each_replica_has_its_own_bounded_pool(srv: ValkeyProcess) -> None:
    with srv.client() as conn:
        conn.config_set("repl-diskless-sync-delay", 0)
    replica = ValkeyProcess("--replicaof", "127.0.0.1", str(srv.port)).start()
    try:
        cache = new_cache([f"{srv.url}/0", f"{replica.url}/0"], CONNECTION_POOL_KWARGS={"max_connections": 5})
        cache.set("k", "v")
        deadline = time.monotonic() + 10
        while cache.get("k") != "v" and time.monotonic() < deadline:  # read from the replica
            await asyncio.sleep(0.05)
        primary_before, replica_before = connected(srv), connected(replica)
        reads = asyncio.gather(*(cache.aget("k") for _ in range(BURST)))
        writes = asyncio.gather(*(cache.aset(f"w{i}", i) for i in range(BURST)))
        assert await reads == ["v"] * BURST
        await writes
        assert 1 <= connected(replica) - replica_before <= 5
        assert 1 <= connected(srv) - primary_before <= 5 + 1  # + the replica's own link
        primary, read = await cache.aget_client(write=True), await cache.aget_client(write=False)
        assert primary.connection_pool is not read.connection_pool
        assert read.connection_pool.max_connections == 5
    finally:
        replica.cleanup()


# ------------------------------------------------------------------ Sentinel


@pytest.fixture(scope="module")
def sentinel_topology() -> Iterator[SentinelTopology]:
    topo = SentinelTopology().start()
    yield topo
    topo.cleanup()


def sentinel_cache(topo: SentinelTopology, **options: Any) -> Any:
    params = cache_params(
        "valkey://mymaster/0",
        CLIENT_CLASS=SentinelClient,
        SENTINELS=topo.sentinel_addresses,
        SOCKET_TIMEOUT=2,
        **options,
    )
    return ValkeyCache(params["LOCATION"], params)


def test_sentinel_pools_are_bounded(sentinel_topology: SentinelTopology) -> None:
    topo = sentinel_topology
    cache = sentinel_cache(topo, CONNECTION_POOL_KWARGS={"max_connections": 4})
    cache.set("k", "v")
    primary = topo.node_at(topo.primary_address()[1])
    before = connected(primary)
    pause(primary, 0.2)
    run_threads(THREADS, lambda i: cache.set(f"t{i}", i))
    assert cache.get("t63") == 63
    assert connected(primary) - before <= 4
    pool = cache.get_client(write=True).connection_pool
    assert type(pool) is BoundedSentinelConnectionPool and pool.max_connections == 4


async def test_async_sentinel_pools_are_bounded(sentinel_topology: SentinelTopology) -> None:
    topo = sentinel_topology
    cache = sentinel_cache(topo, CONNECTION_POOL_KWARGS={"max_connections": 4})
    await cache.aset("k", "v")
    primary = topo.node_at(topo.primary_address()[1])
    before = connected(primary)
    await asyncio.gather(*(cache.aset(f"a{i}", i) for i in range(BURST)))
    assert await cache.aget(f"a{BURST - 1}") == BURST - 1
    assert connected(primary) - before <= 4
    pool = (await cache.aget_client(write=True)).connection_pool
    assert type(pool) is AsyncBoundedSentinelConnectionPool and pool.max_connections == 4


def test_sentinel_idle_connections_closed_by_the_server(sentinel_topology: SentinelTopology) -> None:
    topo = sentinel_topology
    cache = sentinel_cache(topo, CONNECTION_POOL_KWARGS={"health_check_interval": 0})
    cache.set("idle", 1)
    assert cache.get("idle") in (1, None)  # (a replica may lag)
    for node in topo.nodes:
        with node.client() as conn:
            conn.config_set("timeout", 1)
    try:
        time.sleep(2.2)
        assert cache.incr("idle") == 2
        cache.get("idle")
    finally:
        for node in topo.nodes:
            with node.client() as conn:
                conn.config_set("timeout", 0)


# ------------------------------------------------------------------ Cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterTopology]:
    topo = ClusterTopology().start()
    yield topo
    topo.cleanup()


def cluster_cache(topo: ClusterTopology, backend: type[Any] = ClusterValkeyCache, **options: Any) -> Any:
    location = [node.url for node in topo.nodes[:3]]
    params = cache_params(location, backend, **{"SOCKET_TIMEOUT": 2, "SOCKET_CONNECT_TIMEOUT": 0.5, **options})
    return backend(params["LOCATION"], params)


def per_node(topo: ClusterTopology) -> list[int]:
    return [connected(node) for node in topo.nodes]


def test_sync_cluster_is_bounded_per_node(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, CONNECTION_POOL_KWARGS={"max_connections": 6})
    keys = [f"key{i}" for i in range(30)]
    cache.set_many({key: key for key in keys})
    before = per_node(cluster)
    for node in cluster.nodes[:3]:
        pause(node, 0.2)
    results = run_threads(THREADS, lambda i: cache.get(keys[i % 30]) if i % 2 else cache.get_many(keys[:10]))
    assert results[0] == {key: key for key in keys[:10]} and results[1] == keys[1]
    assert all(0 <= now - then <= 6 for now, then in zip(per_node(cluster), before))
    raw = cache.get_client()
    assert type(raw) is BoundedValkeyCluster and raw.turns is not None and raw.turns.size == 6


def test_sync_cluster_default_bound(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster)
    cache.set("k", "v")
    before = per_node(cluster)
    for node in cluster.nodes[:3]:
        pause(node, 0.2)
    assert run_threads(THREADS, lambda i: cache.get("k")) == ["v"] * THREADS
    assert all(now - then <= CAP + SLACK for now, then in zip(per_node(cluster), before))
    raw = cache.get_client()
    assert raw.turns is not None and raw.turns.size == CAP


async def test_async_cluster_is_bounded_per_node(cluster: ClusterTopology) -> None:
    # 3,300 tasks on one loop: a connection opened while the loop is that busy can take longer
    # than the 0.5 s connect timeout of these caches on a loaded machine (the loop's lag counts),
    # which is a timeout the node's circuit rightly counts; this test is about the bound.
    cache = cluster_cache(cluster, AsyncClusterValkeyCache, SOCKET_CONNECT_TIMEOUT=2)
    keys = [f"key{i}" for i in range(30)]
    await cache.set_many({key: key for key in keys})
    before = per_node(cluster)
    gets = asyncio.gather(*(cache.get(keys[i % 30]) for i in range(BURST)))
    batches = asyncio.gather(*(cache.get_many(keys) for _ in range(300)))  # pipelines
    assert await gets == [keys[i % 30] for i in range(BURST)]
    assert all(batch == {key: key for key in keys} for batch in await batches)
    assert all(now - then <= CAP + SLACK for now, then in zip(per_node(cluster), before))
    raw = await cache.get_client()
    assert type(raw) is LoopValkeyCluster and raw.turns is not None and raw.turns.size == CAP


def test_cluster_wait_times_out_as_a_connection_error(cluster: ClusterTopology) -> None:
    options = {"CONNECTION_POOL_KWARGS": {"max_connections": 1, "timeout": 0.2}}
    cache = cluster_cache(cluster, **options)
    lenient = cluster_cache(cluster, IGNORE_EXCEPTIONS=True, **options)
    assert cache.get_client() is lenient.get_client()  # the same options: one cluster client
    cache.set("k", "v")
    for node in cluster.nodes[:3]:
        pause(node, 1.0)
    holder = threading.Thread(target=cache.get, args=("k",))
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(ConnectionInterrupted) as caught:
        cache.get("k")
    assert isinstance(caught.value.__cause__, MaxConnectionsError)
    assert time.monotonic() - started < 0.8
    assert lenient.get("other", "fallback") == "fallback"
    assert lenient.get_many(["a", "b"]) == {}  # a pipeline waits its turn too
    holder.join(5)
    assert cache.get("k") == "v"


async def test_async_cluster_wait_times_out_as_a_connection_error(cluster: ClusterTopology) -> None:
    cache = cluster_cache(
        cluster, AsyncClusterValkeyCache, CONNECTION_POOL_KWARGS={"max_connections": 1, "timeout": 0.2}
    )
    await cache.set("k", "v")
    for node in cluster.nodes[:3]:
        await asyncio.to_thread(pause, node, 1.0)
    holder = asyncio.create_task(cache.get("k"))
    await asyncio.sleep(0.1)
    with pytest.raises(ConnectionInterrupted) as caught:
        await cache.get("k")
    assert isinstance(caught.value.__cause__, MaxConnectionsError)
    assert await holder == "v"


def test_cluster_idle_connections_closed_by_the_server(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster)
    keys = [f"idle{i}" for i in range(20)]
    cache.set_many({key: key for key in keys})
    for node in cluster.nodes:
        with node.client() as conn:
            conn.config_set("timeout", 1)
    try:
        time.sleep(2.2)
        assert [cache.get(key) for key in keys] == keys
        assert cache.get_many(keys) == {key: key for key in keys}
        cache.set("n", 1)
        time.sleep(1.5)
        assert cache.incr("n") == 2
    finally:
        for node in cluster.nodes:
            with node.client() as conn:
                conn.config_set("timeout", 0)


async def test_async_cluster_idle_connections_closed_by_the_server(cluster: ClusterTopology) -> None:
    cache = cluster_cache(cluster, AsyncClusterValkeyCache)
    keys = [f"aidle{i}" for i in range(20)]
    await cache.set_many({key: key for key in keys})
    await cache.set("n", 1)
    for node in cluster.nodes:
        await asyncio.to_thread(lambda node=node: node.client().config_set("timeout", 1))
    try:
        await asyncio.sleep(2.2)
        assert [await cache.get(key) for key in keys] == keys
        assert await cache.get_many(keys) == {key: key for key in keys}
        assert await cache.incr("n") == 2
    finally:
        for node in cluster.nodes:
            await asyncio.to_thread(lambda node=node: node.client().config_set("timeout", 0))


# ------------------------------------------------------------------ the slots themselves


def test_slots_are_first_come_first_served() -> None:
    slots = Slots(1)
    assert slots.acquire_nowait() and not slots.acquire_nowait()
    order: list[int] = []

    def wait(i: int) -> None:
        assert slots.acquire(5)
        order.append(i)
        slots.release()

    threads = []
    for i in range(5):
        threads.append(threading.Thread(target=wait, args=(i,)))
        threads[-1].start()
        time.sleep(0.05)  # queued in this order
    slots.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert slots.in_use == 0
    assert slots.acquire(0) and not slots.acquire(0.05)  # times out
    slots.release()
    slots.release()  # one release too many does not grow the slots
    assert slots.in_use == 0 and slots.acquire_nowait() and not slots.acquire_nowait()


async def test_async_slots_are_first_come_first_served() -> None:
    slots = AsyncSlots(1)
    assert slots.acquire_nowait()
    order: list[int] = []

    async def wait(i: int) -> None:
        assert await slots.acquire(5)
        order.append(i)
        await asyncio.sleep(0)
        slots.release()

    tasks = [asyncio.create_task(wait(i)) for i in range(5)]
    await asyncio.sleep(0.01)
    assert not slots.acquire_nowait()  # others are waiting: no overtaking
    slots.release()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4] and slots.in_use == 0

    assert slots.acquire_nowait()
    assert not await slots.acquire(0.05)  # times out
    cancelled = asyncio.create_task(slots.acquire(5))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    slots.release()
    assert slots.in_use == 0 and not slots._waiters  # the cancelled waiter left the line


async def test_a_slot_handed_to_a_cancelled_task_is_passed_on() -> None:
    slots = AsyncSlots(1)
    assert slots.acquire_nowait()
    first = asyncio.create_task(slots.acquire(5))
    second = asyncio.create_task(slots.acquire(5))
    await asyncio.sleep(0.01)
    slots.release()  # handed to ``first``...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second is True
    assert slots.in_use == 1


def test_pool_wait_gives_up_a_connection_taken_by_others(srv: ValkeyProcess) -> None:
    """A pool whose connections are all in use (taken by hand here) times out, then serves again."""
    pool = BoundedConnectionPool.from_url(f"{srv.url}/0", max_connections=2, timeout=0.1)
    taken = [pool.get_connection("GET"), pool.get_connection("GET")]
    with pytest.raises(MaxConnectionsError):
        pool.get_connection("GET")
    pool.release(taken.pop())
    again = pool.get_connection("GET")
    assert again is not None
    pool.release(again)
    pool.release(taken.pop())
    pool.disconnect()


def test_the_sync_pool_hands_connections_over_in_arrival_order(srv: ValkeyProcess) -> None:
    pool = BoundedConnectionPool.from_url(f"{srv.url}/0", max_connections=1, timeout=5)
    held = pool.get_connection("GET")
    order: list[int] = []

    def take(i: int) -> None:
        conn = pool.get_connection("GET")
        order.append(i)
        pool.release(conn)

    threads = []
    for i in range(5):
        threads.append(threading.Thread(target=take, args=(i,)))
        threads[-1].start()
        time.sleep(0.05)  # queued in this order
    pool.release(held)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert len(pool._available_connections) == 1 and not pool._in_use_connections and not pool._waiters
    pool.disconnect()


def test_a_connection_the_pool_no_longer_owns_frees_its_place_for_a_waiter(srv: ValkeyProcess) -> None:
    """As after a Sentinel failover: the connection released goes, a new one is made for the waiter."""

    class Disowning(BoundedConnectionPool):
        disowned: set[int] = set()

        def owns_connection(self, connection: Any) -> int:
            return id(connection) not in self.disowned and super().owns_connection(connection)

    pool = Disowning.from_url(f"{srv.url}/0", max_connections=1, timeout=5)
    old = pool.get_connection("GET")
    got: list[Any] = []
    waiter = threading.Thread(target=lambda: got.append(pool.get_connection("GET")))
    waiter.start()
    time.sleep(0.1)
    Disowning.disowned.add(id(old))
    pool.release(old)
    waiter.join(5)
    assert got and got[0] is not old and old._sock is None
    pool.release(got[0])
    assert pool._created_connections == 1
    pool.disconnect()


def test_a_connection_given_back_by_a_finalizer_during_a_checkout_does_not_deadlock(srv: ValkeyProcess) -> None:
    """The garbage collector can run inside a checkout (while the pool's lock is held) and
    collect a client whose finalizer gives its connection back, in the same thread."""
    cache = new_cache(srv)
    cache.set("k", 1)
    pool: Any = cache.get_client().connection_pool
    held = pool.get_connection("GET")  # the pool has no idle connection now
    real = pool.make_connection

    def make_while_collecting() -> Any:
        pool.release(held)  # what a collected client's __del__ does
        return real()

    pool.make_connection = make_while_collecting
    done = threading.Event()

    def checkout() -> None:
        pool.release(pool.get_connection("GET"))
        done.set()

    threading.Thread(target=checkout, daemon=True).start()
    assert done.wait(5), "the checkout deadlocked on the pool's lock"
    del pool.make_connection
    assert cache.get("k") == 1
