"""The fault-injection harness (tests/faults.py) itself: each fault, seen from a plain valkey-py
client, is in effect while it should be and gone afterwards. Short socket timeouts throughout."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import valkey
import valkey.asyncio
from valkey.crc import key_slot
from valkey.exceptions import (
    BusyLoadingError,
    NoPermissionError,
    OutOfMemoryError,
    ReadOnlyError,
    ValkeyError,
)
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from tests import faults
from tests.faults import FaultProxy, ProxyMode
from tests.servers import ValkeyProcess, running
from tests.topology.launchers import ClusterTopology, SentinelTopology, role

TIMEOUT = 0.3  # socket timeout of the probing clients


@pytest.fixture(scope="module")
def server() -> Iterator[ValkeyProcess]:
    """A server that takes DEBUG commands, shared by the module (each test undoes its fault)."""
    proc = ValkeyProcess(*faults.DEBUG_ARGS).start()
    yield proc
    proc.cleanup()


@pytest.fixture
def conn(server: ValkeyProcess) -> Iterator[Any]:
    client = server.client(socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def proxy(server: ValkeyProcess) -> Iterator[FaultProxy]:
    with FaultProxy(server.port) as p:
        yield p


def through(proxy: FaultProxy, **kwargs: Any) -> Any:
    return valkey.Valkey(host="127.0.0.1", port=proxy.port, socket_timeout=TIMEOUT, **kwargs)


def timed(call: Any) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except Exception as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


# --- The process ---------------------------------------------------------------------------------


def test_paused_server_times_out_then_answers(server: ValkeyProcess, conn: Any) -> None:
    conn.set("k", b"v")
    with faults.paused(server):
        assert faults.is_paused(server)
        elapsed, error = timed(lambda: conn.get("k"))
        assert isinstance(error, ValkeyTimeoutError)
        assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 0.5
        # A new connection is accepted by the kernel, then gets no answer either.
        with server.client(socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT) as fresh:
            assert isinstance(timed(fresh.ping)[1], ValkeyTimeoutError)
    assert not faults.is_paused(server)
    assert conn.get("k") == b"v"


def test_pause_for_resumes_by_itself(server: ValkeyProcess, conn: Any) -> None:
    thread = faults.pause_for(server, 0.3)
    assert faults.is_paused(server)
    thread.join(5)
    assert not faults.is_paused(server)
    assert conn.ping()


def test_kill9_and_restart_on_the_same_port() -> None:
    proc = ValkeyProcess().start()
    try:
        assert proc.process is not None
        first_pid, port = proc.process.pid, proc.port
        with proc.client(socket_timeout=TIMEOUT) as client:
            client.set("saved", b"1")
            client.save()
            client.set("unsaved", b"2")
            assert faults.kill9(proc) == port
            assert not proc.running
            assert faults.wait_refused(port)
            with pytest.raises(ValkeyConnectionError):
                client.get("saved")
            faults.restart(proc)
            assert proc.port == port and proc.process is not None and proc.process.pid != first_pid
            # The same client object reconnects; the RDB saved before the crash is loaded, what
            # came after it is lost.
            assert client.get("saved") == b"1"
            assert client.get("unsaved") is None
            faults.restart(proc, keep_data=False)
            assert client.get("saved") is None
    finally:
        proc.cleanup()


def test_restart_later() -> None:
    proc = ValkeyProcess().start()
    try:
        started = time.monotonic()
        thread = faults.restart_later(proc, 0.3)
        assert faults.wait_refused(proc.port, 1)
        thread.join(10)
        assert faults.wait_ready(proc, 5)
        assert time.monotonic() - started >= 0.3
    finally:
        proc.cleanup()


# --- The proxy -----------------------------------------------------------------------------------


def test_proxy_pass_through_and_counts(proxy: FaultProxy, conn: Any) -> None:
    assert proxy.mode is ProxyMode.PASS
    with through(proxy) as client, through(proxy) as other:
        client.set("k", b"v" * 100_000)
        assert client.get("k") == b"v" * 100_000
        assert other.ping()
        assert proxy.accepted == 2 and proxy.open_connections == 2
    assert faults._until(lambda: proxy.open_connections == 0, 2)


def test_proxy_delay(proxy: FaultProxy, conn: Any) -> None:
    with through(proxy) as client:
        assert client.ping()
        with proxy.delay(100):
            slow, error = timed(client.ping)
            assert error is None and slow >= 0.1
            proxy.delay(400)  # past the socket timeout
            _, error = timed(client.ping)
            assert isinstance(error, ValkeyTimeoutError)
        assert proxy.mode is ProxyMode.PASS
        assert client.ping()  # a fresh connection: the one that timed out was dropped


def test_proxy_blackhole(proxy: FaultProxy, conn: Any) -> None:
    with through(proxy) as client:
        client.set("k", b"v")
        with proxy.blackhole():
            elapsed, error = timed(lambda: client.set("k", b"lost"))
            assert isinstance(error, ValkeyTimeoutError) and elapsed >= TIMEOUT * 0.9
            with through(proxy) as fresh:  # new connections are accepted, then nothing
                assert isinstance(timed(fresh.ping)[1], ValkeyTimeoutError)
        assert client.get("k") == b"v"  # nothing was forwarded
    assert conn.get("k") == b"v"


def test_proxy_reset(proxy: FaultProxy) -> None:
    with through(proxy) as client:
        assert client.ping()
        with proxy.reset():
            elapsed, error = timed(client.ping)
            assert isinstance(error, ValkeyConnectionError) and not isinstance(error, ValkeyTimeoutError)
            assert "reset" in str(error).lower() or "closed" in str(error).lower()
            assert elapsed < TIMEOUT + 0.5  # not a timeout (the error says so too)
            before = proxy.accepted
            with through(proxy) as fresh:
                assert isinstance(timed(fresh.ping)[1], ValkeyConnectionError)
            assert proxy.accepted > before
        assert client.ping()


def test_proxy_cut_mid_reply(proxy: FaultProxy, conn: Any) -> None:
    conn.set("big", b"x" * 50_000)
    with through(proxy) as client:
        assert client.ping()
        with proxy.cut(1000):
            elapsed, error = timed(lambda: client.get("big"))
            assert isinstance(error, ValkeyConnectionError) and not isinstance(error, ValkeyTimeoutError)
            assert elapsed < TIMEOUT + 0.5
        assert client.get("big") == b"x" * 50_000


def test_proxy_refuse(proxy: FaultProxy) -> None:
    with through(proxy) as client:
        assert client.ping()
        with proxy.refuse():
            assert faults.wait_refused(proxy.port, 1)
            _, error = timed(client.ping)  # the open connection was reset; reconnect refused
            assert isinstance(error, ValkeyConnectionError) and not isinstance(error, ValkeyTimeoutError)
            assert "refused" in str(error).lower() or "reset" in str(error).lower()
        assert client.ping()  # listening again on the same port


def test_proxy_to_a_dead_server_resets() -> None:
    proc = ValkeyProcess().start()
    try:
        with FaultProxy(proc.port) as proxy, through(proxy) as client:
            assert client.ping()
            faults.kill9(proc)
            assert isinstance(timed(client.ping)[1], ValkeyConnectionError)
            with through(proxy) as fresh:  # accepted, then reset: nothing to forward it to
                before = proxy.upstream_failures
                assert isinstance(timed(fresh.ping)[1], ValkeyConnectionError)
                assert proxy.upstream_failures > before
    finally:
        proc.cleanup()


async def test_proxy_faults_seen_by_an_async_client(proxy: FaultProxy) -> None:
    client = valkey.asyncio.Valkey(host="127.0.0.1", port=proxy.port, socket_timeout=TIMEOUT)
    try:
        assert await client.ping()
        with proxy.blackhole():
            with pytest.raises(ValkeyTimeoutError):
                await client.ping()
        with proxy.reset():
            with pytest.raises(ValkeyConnectionError):
                await client.ping()
        assert await client.ping()
    finally:
        await client.aclose()


def test_proxy_stops_with_connections_open(server: ValkeyProcess) -> None:
    proxy = FaultProxy(server.port).start()
    client = through(proxy)
    assert client.ping()
    proxy.stop()
    assert isinstance(timed(client.ping)[1], ValkeyConnectionError)
    client.close()
    with pytest.raises(RuntimeError, match="not running"):
        proxy.blackhole()


# --- The server's own refusals ---------------------------------------------------------------------


def test_client_pause_all(server: ValkeyProcess, conn: Any) -> None:
    conn.set("k", b"v")
    started = time.monotonic()
    with faults.client_paused(server, 0.5):
        assert isinstance(timed(lambda: conn.get("k"))[1], ValkeyTimeoutError)
    assert time.monotonic() - started >= 0.5
    assert conn.get("k") == b"v"


def test_client_pause_write(server: ValkeyProcess, conn: Any) -> None:
    conn.set("k", b"v")
    with faults.client_paused(server, 5, write_only=True):
        assert conn.get("k") == b"v"
        assert isinstance(timed(lambda: conn.set("k", b"w"))[1], ValkeyTimeoutError)
    elapsed, error = timed(lambda: conn.set("k2", b"w"))
    assert error is None and elapsed < TIMEOUT + 0.5  # lifted at the end of the block, not run out


def test_debug_sleep(server: ValkeyProcess, conn: Any) -> None:
    with faults.sleeping(server, 0.6):
        assert isinstance(timed(conn.ping)[1], ValkeyTimeoutError)
    assert conn.ping()


def test_debug_sleep_needs_the_debug_command() -> None:
    proc = ValkeyProcess().start()
    try:
        with pytest.raises(RuntimeError, match="DEBUG_ARGS"):
            faults.debug_sleep(proc, 0.5)
    finally:
        proc.cleanup()


def test_out_of_memory(server: ValkeyProcess, conn: Any) -> None:
    conn.set("k", b"v")
    with faults.out_of_memory(server):
        with pytest.raises(OutOfMemoryError):
            conn.set("k2", b"v")
        assert conn.get("k") == b"v"
        assert conn.delete("k") == 1  # deletes are still taken
    assert conn.set("k2", b"v")
    assert conn.config_get("maxmemory")["maxmemory"] == "0"


def test_oom_server_fills_up() -> None:
    proc = faults.oom_server("3mb")
    try:
        assert faults.fill_until_oom(proc, chunk=16 * 1024) >= 1
        with proc.client(socket_timeout=TIMEOUT) as client, pytest.raises(OutOfMemoryError):
            client.set("more", b"x" * 16 * 1024)
    finally:
        proc.cleanup()


def test_acl_user(server: ValkeyProcess, conn: Any) -> None:
    conn.set("k", b"v")
    with faults.acl_user(server) as credentials:
        with server.client(socket_timeout=TIMEOUT, **credentials) as limited:
            assert limited.get("k") == b"v"
            with pytest.raises(NoPermissionError):
                limited.set("k", b"w")
    assert b"faults-limited" not in conn.execute_command("ACL", "USERS")


def test_loading(server: ValkeyProcess, conn: Any) -> None:
    conn.set("k", b"v")
    started = time.monotonic()
    with faults.loading(server, 0.5):
        with pytest.raises(BusyLoadingError):
            conn.get("k")
        time.sleep(0.1)
        with pytest.raises(BusyLoadingError):  # still loading a moment later
            conn.get("k")
    took = time.monotonic() - started
    assert conn.get("k") == b"v"  # the dataset is back
    assert int(conn.info("persistence")["loading"]) == 0
    assert took < 5
    print(f"LOADING lasted {took:.2f}s for a requested 0.5 s")


def test_read_only(server: ValkeyProcess, conn: Any) -> None:
    with running() as primary:
        with faults.read_only(server, primary):
            assert role(server) == "slave"
            with pytest.raises(ReadOnlyError):
                conn.set("k", b"v")
        assert faults.wait_ready(server)
        assert role(server) == "master"
        assert conn.set("k", b"v")


def test_caused_by() -> None:
    try:
        try:
            raise ReadOnlyError("READONLY")
        except ReadOnlyError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert faults.caused_by(outer, ReadOnlyError)
        assert faults.caused_by(outer, (KeyError, RuntimeError))
        assert not faults.caused_by(outer, OutOfMemoryError)


# --- Topologies ---------------------------------------------------------------------------------


def test_cluster_primary_kill_promotes_its_replica() -> None:
    cluster = ClusterTopology().start()
    try:
        client = valkey.ValkeyCluster(host="127.0.0.1", port=cluster.nodes[0].port, socket_timeout=1)
        client.set("faults:failover", b"before")
        failover = faults.cluster_failover(cluster)
        assert not failover.old.running and failover.new.running and failover.new is not failover.old
        assert role(failover.new) == "master"
        assert failover.new is cluster.primary_for_slot(key_slot(b"faults:failover"))
        print(f"cluster primary kill: promotion observed {failover.seconds:.2f}s after the kill")
        # A plain cluster client follows the promotion (after its own retries).
        assert faults.wait_ready(failover.new)
        deadline = time.monotonic() + 10
        while True:
            try:
                assert client.get("faults:failover") == b"faults"
                break
            except ValkeyError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        # The victim comes back on its port as a replica of the node that replaced it.
        faults.restart(failover.old)
        assert faults.wait_ready(failover.old)
        assert cluster.wait_ok(15)
        assert role(failover.old) == "slave"
    finally:
        cluster.cleanup()


@pytest.mark.parametrize("kill", [False, True], ids=["sentinel-failover", "primary-killed"])
def test_sentinel_failover(kill: bool) -> None:
    topology = SentinelTopology().start()
    try:
        sentinel = valkey.Sentinel(topology.sentinel_addresses, socket_timeout=1)
        assert sentinel.discover_master("mymaster") == ("127.0.0.1", topology.primary.port)
        failover = faults.sentinel_failover(topology, kill=kill)
        assert failover.old is topology.primary and failover.new is topology.replica
        assert role(failover.new) == "master"
        assert topology.primary_address() == ("127.0.0.1", failover.new.port)
        assert sentinel.discover_master("mymaster") == ("127.0.0.1", failover.new.port)
        # Killed, the old primary stays down; asked to step down, it is still up (the sentinels
        # make it a replica of the new primary later, on their next INFO round).
        assert failover.old.running is not kill
        how = "primary killed" if kill else "SENTINEL FAILOVER"
        print(f"Sentinel failover ({how}): new primary took a write {failover.seconds:.2f}s after")
    finally:
        topology.cleanup()


def test_threads_can_share_a_proxy(proxy: FaultProxy, conn: Any) -> None:
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with through(proxy) as client:
                for i in range(50):
                    client.set(f"t{index}:{i}", i)
                    assert client.get(f"t{index}:{i}") == str(i).encode()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert proxy.accepted == 8


def test_asyncio_gather_through_delay(proxy: FaultProxy) -> None:
    async def main() -> float:
        client = valkey.asyncio.Valkey(host="127.0.0.1", port=proxy.port, socket_timeout=2)
        try:
            await client.ping()
            started = time.monotonic()
            await asyncio.gather(*(client.ping() for _ in range(20)))
            return time.monotonic() - started
        finally:
            await client.aclose()

    with proxy.delay(100):
        elapsed = asyncio.run(main())
    assert 0.1 <= elapsed < 1.5  # 20 connections, each reply held 0.1 s: side by side, not 2 s in a row
