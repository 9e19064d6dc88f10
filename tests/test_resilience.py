"""Failing fast and recovering fast on real, sick servers: the circuit breaker, the deadline and
the retries, sync and async (SIGSTOP hangs a server, kill -9 crashes one)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from django_valkey.exceptions import CircuitOpen, CommandError, ConnectionInterrupted, DeadlineExceeded
from tests.helpers import make, make_async
from tests.servers import ValkeyProcess, wait_for

# A server that hangs costs each call a socket timeout until the circuit opens.
SICK = {"SOCKET_TIMEOUT": 0.2, "SOCKET_CONNECT_TIMEOUT": 0.2}


@pytest.fixture
def server() -> Iterator[ValkeyProcess]:
    """A server of the test's own, which it may pause or kill."""
    process = ValkeyProcess().start()
    yield process
    if process.process is not None:
        os.kill(process.process.pid, signal.SIGCONT)
    process.cleanup()


def pid_of(server: ValkeyProcess) -> int:
    assert server.process is not None
    return server.process.pid


@contextmanager
def paused(server: ValkeyProcess) -> Iterator[None]:
    """The server hung (SIGSTOP): connections stay open, nothing answers."""
    os.kill(pid_of(server), signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid_of(server), signal.SIGCONT)


def p99(durations: list[float]) -> float:
    ordered = sorted(durations)
    return ordered[int(len(ordered) * 0.99) - 1]


# ------------------------------------------------------------------ the breaker, sync


@pytest.mark.parametrize("ignore", [True, False], ids=["ignore", "raise"])
def test_hung_server_opens_the_circuit_then_calls_fail_at_once(server: ValkeyProcess, ignore: bool) -> None:
    cache = make(f"{server.url}/0", IGNORE_EXCEPTIONS=ignore, **SICK)
    cache.set("k", 1)
    durations: list[float] = []
    errors: list[BaseException] = []
    with paused(server):
        started = time.monotonic()
        for _ in range(100):
            before = time.monotonic()
            try:
                assert cache.get("k", "fallback") == "fallback"
            except ConnectionInterrupted as error:
                errors.append(error)
            durations.append(time.monotonic() - before)
        total = time.monotonic() - started
    slow = [d for d in durations if d > 0.15]  # a timeout is 0.2 s
    assert 1 <= len(slow) <= 5, slow  # at most 5 timeouts before the circuit opens
    assert durations.index(slow[-1]) == len(slow) - 1  # the slow ones come first, then none
    after = durations[len(slow) :]
    # Far below a timeout (benchmarks/faults.py measures it: under 1 ms on an idle machine).
    assert p99(after) < 0.02, p99(after)
    assert total < 1.5
    if ignore:
        assert errors == []
    else:
        assert len(errors) == 100
        assert all(isinstance(e, CircuitOpen) for e in errors[len(slow) :])
        assert not any(isinstance(e, CircuitOpen) for e in errors[: len(slow)])
        assert "timed out" in str(errors[0]) and f"127.0.0.1:{server.port}" in str(errors[0])


def test_circuit_open_names_the_server_and_since_when(server: ValkeyProcess) -> None:
    cache = make(f"valkey://:s3cret@127.0.0.1:{server.port}/0", **SICK)
    with paused(server):
        opened_before = time.time()
        for _ in range(5):
            with pytest.raises(ConnectionInterrupted):
                cache.get("k")
        with pytest.raises(CircuitOpen) as caught:
            cache.get("k")
    error = caught.value
    assert error.server == f"valkey://:***@127.0.0.1:{server.port}/0"
    assert opened_before <= error.since <= time.time()
    assert f"circuit open for valkey://:***@127.0.0.1:{server.port}/0 since" in str(error)
    assert "s3cret" not in str(error) and "s3cret" not in repr(error)
    assert error.__cause__ is None  # nothing touched the network


def test_first_success_within_a_second_of_the_server_answering(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", IGNORE_EXCEPTIONS=True, **SICK)
    cache.set("k", 1)
    with paused(server):
        for _ in range(10):
            cache.get("k")
        assert cache.client._circuits[0].state == "open"
    resumed = time.monotonic()
    assert wait_for(lambda: cache.get("k") == 1, timeout=2.0, interval=0.005)
    assert time.monotonic() - resumed < 1.0
    assert cache.client._circuits[0].state == "closed"


def test_one_background_probe_at_a_time_while_half_open(server: ValkeyProcess) -> None:
    from django_valkey._core.breaker import Circuit

    changes: list[str] = []
    Circuit.listeners.append(lambda circuit, state: changes.append(state))
    try:
        cache = make(f"{server.url}/0", IGNORE_EXCEPTIONS=True, CIRCUIT_BREAKER={"FAILURES": 2}, **SICK)
        with paused(server):
            cache.get("k")
            cache.get("k")
            circuit = cache.client._circuits[0]
            assert circuit.state == "open" and changes == ["open"]
            time.sleep(0.15)  # OPEN_SECONDS (0.1) passed: the next call starts a probe
            durations: list[float] = []
            go = threading.Barrier(8)

            def call() -> None:
                go.wait()
                before = time.monotonic()
                cache.get("k")
                durations.append(time.monotonic() - before)

            threads = [threading.Thread(target=call) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert max(durations) < 0.1  # no caller waited for the probe's 0.2 s timeout
            assert circuit.state == "half-open" and changes == ["open", "half-open"]
            assert wait_for(lambda: circuit.state == "open", timeout=1.0)  # the PING timed out
        assert changes[:3] == ["open", "half-open", "open"]
        # The server answers again: the next probe closes the circuit.
        time.sleep(0.15)
        cache.get("k")
        assert wait_for(lambda: circuit.state == "closed", timeout=1.0)
        assert changes[-1] == "closed"
    finally:
        Circuit.listeners.pop()


def test_circuits_are_shared_by_the_cache_objects_of_a_process(server: ValkeyProcess) -> None:
    one = make(f"{server.url}/0", **SICK)
    two = make(f"{server.url}/0", KEY_PREFIX="other", **SICK)  # another cache, same server
    with paused(server):
        for _ in range(5):
            with pytest.raises(ConnectionInterrupted):
                one.get("k")
        before = time.monotonic()
        with pytest.raises(CircuitOpen):
            two.get("k")
        assert time.monotonic() - before < 0.05


def test_the_breaker_can_be_turned_off(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", IGNORE_EXCEPTIONS=True, CIRCUIT_BREAKER=False, **SICK)
    with paused(server):
        before = time.monotonic()
        for _ in range(7):
            cache.get("k")
        assert time.monotonic() - before > 7 * 0.2 - 0.05  # every call waited its timeout


def test_an_error_reply_is_not_a_sick_server(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", **SICK)
    with server.client() as conn:
        conn.rpush(cache.make_key("list"), "x")
    for _ in range(10):
        with pytest.raises(CommandError):  # WRONGTYPE (see test_error_policy)
            cache.get("list")
    assert cache.client._circuits[0].state == "closed"
    assert cache.client._circuits[0].failures == 0


# ------------------------------------------------------------------ the breaker, async


@pytest.mark.parametrize("ignore", [True, False], ids=["ignore", "raise"])
async def test_async_hung_server_fails_at_once_once_open(server: ValkeyProcess, ignore: bool) -> None:
    cache = make_async(f"{server.url}/0", IGNORE_EXCEPTIONS=ignore, **SICK)
    await cache.aset("k", 1)
    durations: list[float] = []
    with paused(server):
        started = time.monotonic()
        for _ in range(100):
            before = time.monotonic()
            try:
                assert await cache.aget("k", "fallback") == "fallback"
            except ConnectionInterrupted:
                assert not ignore
            durations.append(time.monotonic() - before)
        total = time.monotonic() - started
    slow = [d for d in durations if d > 0.15]  # a timeout is 0.2 s
    assert 1 <= len(slow) <= 5
    assert p99(durations[len(slow) :]) < 0.02
    assert total < 1.5
    resumed = time.monotonic()
    while True:
        try:
            if await cache.aget("k", "fallback") == 1:
                break
        except CircuitOpen:
            pass
        assert time.monotonic() - resumed < 1.0
        await asyncio.sleep(0.001)  # an application's loop does other work too: the probe runs
    await cache.aclose()


async def test_async_concurrent_calls_on_a_hung_server(server: ValkeyProcess) -> None:
    cache = make_async(f"{server.url}/0", IGNORE_EXCEPTIONS=True, **SICK)
    await cache.aset("k", 1)
    with paused(server):
        before = time.monotonic()
        results = await asyncio.gather(*(cache.aget("k", "fallback") for _ in range(200)))
        first = time.monotonic() - before
        before = time.monotonic()
        again = await asyncio.gather(*(cache.aget("k", "fallback") for _ in range(200)))
        second = time.monotonic() - before
    assert results == again == ["fallback"] * 200
    # 200 calls wait about one timeout together, not 200 timeouts (40 s) one after the other.
    assert first < 2.0
    # The circuit is open: none of the 200 calls touches the network (each would wait 0.2 s).
    assert second < 0.5
    await cache.aclose()


# ------------------------------------------------------------------ replicas


@pytest.fixture
def replicated() -> Iterator[tuple[ValkeyProcess, list[ValkeyProcess]]]:
    primary = ValkeyProcess().start()
    with primary.client() as conn:
        conn.config_set("repl-diskless-sync-delay", 0)
    replicas = [ValkeyProcess("--replicaof", "127.0.0.1", str(primary.port)).start() for _ in range(2)]
    yield primary, replicas
    for process in (primary, *replicas):
        if process.process is not None:
            os.kill(process.process.pid, signal.SIGCONT)
        process.cleanup()


@pytest.mark.valkey_py(reason="GLIDE's request timeout is per client, not per call")
def test_reads_skip_a_hung_replica(replicated: tuple[ValkeyProcess, list[ValkeyProcess]]) -> None:
    primary, replicas = replicated
    cache = make([f"{p.url}/0" for p in (primary, *replicas)], **SICK)
    cache.set("k", "v")
    stored = cache.make_key("k")
    for replica in replicas:
        assert wait_for(lambda: replica.client().get(stored) is not None)
    durations: list[float] = []
    with paused(replicas[0]):
        for _ in range(200):
            before = time.monotonic()
            assert cache.get("k") == "v"  # never an error: the primary answers a hung replica's reads
            durations.append(time.monotonic() - before)
    slow = [d for d in durations if d > 0.15]  # a timeout is 0.2 s
    assert 1 <= len(slow) <= 5
    assert p99(durations[durations.index(slow[-1]) + 1 :]) < 0.02  # far below one timeout (0.2 s)
    # open, or half-open if its OPEN_SECONDS (0.1 s) passed since and a probe is on its way
    assert cache.client._circuits[1].state in ("open", "half-open")
    assert cache.client._circuits[2].state == "closed"


# ------------------------------------------------------------------ the deadline


async def test_async_deadline_cuts_the_call(server: ValkeyProcess) -> None:
    cache = make_async(f"{server.url}/0", DEADLINE=0.15, SOCKET_TIMEOUT=5, SOCKET_CONNECT_TIMEOUT=5)
    await cache.aset("k", 1)
    with paused(server):
        before = time.monotonic()
        with pytest.raises(ConnectionInterrupted) as caught:
            await cache.aget("k")
        elapsed = time.monotonic() - before
    assert elapsed < 0.15 + 0.05
    assert isinstance(caught.value, DeadlineExceeded) or "timed out" in str(caught.value)
    await cache.aclose()


@pytest.mark.valkey_py(reason="per-call socket timeouts are valkey-py's")
def test_sync_deadline_bounds_the_call(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", DEADLINE=0.2, SOCKET_TIMEOUT=5, SOCKET_CONNECT_TIMEOUT=5)
    cache.set("k", 1)
    with paused(server):
        before = time.monotonic()
        with pytest.raises(
            DeadlineExceeded,
            match=r"GET ':1:k' on valkey://127\.0\.0\.1:\d+/0 did not finish within its deadline of 0.2 s",
        ):
            cache.get("k")
        assert time.monotonic() - before < 0.2 + 0.05


@pytest.mark.pooled(reason="the wait for a free pooled connection")
@pytest.mark.valkey_py(reason="valkey-py pool wait")
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "IGNORE_EXCEPTIONS"])
def test_sync_deadline_covers_the_pool_wait_and_the_read_together(server: ValkeyProcess, ignore: bool) -> None:
    # One pooled connection, held by another thread for 0.25 s, and a hung server: the call
    # waits 0.25 s for the connection, then its read is cut at what is left of 0.4 s (each
    # timeout alone would allow 0.4 s more).
    cache = make(
        f"{server.url}/0",
        DEADLINE=0.4,
        SOCKET_TIMEOUT=5,
        SOCKET_CONNECT_TIMEOUT=5,
        IGNORE_EXCEPTIONS=ignore,
        CONNECTION_POOL_KWARGS={"max_connections": 1},
    )
    cache.set("k", 1)
    pool = cache.get_client().connection_pool
    assert pool.connection_class.__name__ == "DeadlineConnection"
    held = pool.get_connection("GET")
    release = threading.Timer(0.25, lambda: pool.release(held))
    with paused(server):
        release.start()
        before = time.monotonic()
        if ignore:
            assert cache.get("k", "fallback") == "fallback"
        else:
            with pytest.raises(DeadlineExceeded):
                cache.get("k")
        elapsed = time.monotonic() - before
        release.join()
    assert 0.25 <= elapsed < 0.4 + 0.05, elapsed
    assert cache.get("k") == 1  # the connection whose read was cut was not reused with a reply pending


@pytest.mark.valkey_py(reason="valkey-py handshake timeouts")
def test_sync_deadline_in_the_connection_handshake(server: ValkeyProcess) -> None:
    # A new connection's handshake (valkey-py's CLIENT SETINFO) to a hung server is cut too.
    cache = make(f"{server.url}/0", DEADLINE=0.3, SOCKET_TIMEOUT=5, SOCKET_CONNECT_TIMEOUT=5)
    with paused(server):
        before = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            cache.get("k")
        assert time.monotonic() - before < 0.3 + 0.05


@pytest.mark.valkey_py(reason="valkey-py connections")
def test_without_a_deadline_the_connections_are_valkey_pys(server: ValkeyProcess) -> None:
    pool = make(f"{server.url}/0").get_client().connection_pool
    assert pool.connection_class.__name__ == "Connection"


# ------------------------------------------------------------------ retries


@pytest.mark.valkey_py(reason="GLIDE reports a stopped server as a timeout while it reconnects")
def test_a_restarted_server_is_retried_within_the_budget(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", RETRY={"ATTEMPTS": 8, "BASE": 0.05, "CAP": 0.2}, **SICK)
    cache.set("k", 1)
    port = server.port
    server.kill()  # kill -9: every pooled connection is dead, the port refuses
    restart = threading.Timer(0.2, lambda: server.start(port=port))
    restart.start()
    try:
        before = time.monotonic()
        cache.set("k", 2)  # no error: the refused connections were retried until the restart
        assert time.monotonic() - before >= 0.15  # it did wait for the restart
    finally:
        restart.join()
    assert cache.get("k") == 2


@pytest.mark.valkey_py(reason="GLIDE reports a stopped server as a timeout while it reconnects")
def test_no_retry_when_told_so(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", RETRY=False, **SICK)
    cache.set("k", 1)
    server.kill()
    with pytest.raises(ConnectionInterrupted, match="Connection refused|connecting"):
        cache.set("k", 2)


def test_retries_stop_at_the_deadline(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", DEADLINE=0.3, RETRY={"ATTEMPTS": 50, "BASE": 0.05, "CAP": 0.1}, **SICK)
    cache.set("k", 1)
    server.kill()
    before = time.monotonic()
    with pytest.raises(ConnectionInterrupted):
        cache.set("k", 2)
    assert time.monotonic() - before < 0.3


async def test_async_retries_stop_at_the_deadline(server: ValkeyProcess) -> None:
    cache = make_async(f"{server.url}/0", DEADLINE=0.3, RETRY={"ATTEMPTS": 50, "BASE": 0.05, "CAP": 0.1}, **SICK)
    await cache.aset("k", 1)
    server.kill()
    before = time.monotonic()
    with pytest.raises(ConnectionInterrupted):
        await cache.aset("k", 2)
    assert time.monotonic() - before < 0.3 + 0.05


# ------------------------------------------------------------------ a failover under a static LOCATION list


def fail_over(old: ValkeyProcess, new: ValkeyProcess) -> None:
    """Promote ``new`` and make ``old`` its replica, as an operator's failover would."""
    with new.client() as conn:
        conn.execute_command("REPLICAOF", "NO", "ONE")
        conn.config_set("repl-diskless-sync-delay", 0)
    with old.client() as conn:
        conn.execute_command("REPLICAOF", "127.0.0.1", str(new.port))
    assert wait_for(lambda: old.client().info("replication")["master_link_status"] == "up")


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_writes_follow_a_failover_within_the_location_list(
    replicated: tuple[ValkeyProcess, list[ValkeyProcess]], mode: str
) -> None:
    primary, replicas = replicated
    location = [f"{p.url}/0" for p in (primary, *replicas)]
    sync_cache = make(location, **SICK)
    async_cache = make_async(location, **SICK)

    async def write(key: str, value: int) -> None:
        if mode == "sync":
            sync_cache.set(key, value)
        else:
            await async_cache.aset(key, value)

    await write("before", 1)
    fail_over(primary, replicas[0])
    await write("after", 2)  # READONLY from the old primary: the new one is found and used
    with replicas[0].client() as conn:
        assert conn.exists(sync_cache.make_key("after")) == 1
    client = sync_cache.client if mode == "sync" else async_cache.client
    assert client.servers[0] == f"{replicas[0].url}/0"  # the promoted server is now the primary
    assert client.servers[1] == f"{primary.url}/0"
    await write("again", 3)
    await async_cache.aclose()


def test_an_event_loop_per_call_still_closes_the_circuit(server: ValkeyProcess) -> None:
    # asyncio.run() per call (a management command, async_to_sync) ends the loop the moment
    # the call returns: the probe runs on a loop of its own, so it is not cancelled with it
    # (it was, and the circuit stayed half-open for good).
    cache = make_async(f"{server.url}/0", IGNORE_EXCEPTIONS=True, **SICK)
    asyncio.run(cache.aset("k", 1))
    with paused(server):
        for _ in range(8):
            asyncio.run(cache.aget("k"))
        circuit = cache.client._circuits[0]
        assert circuit.state == "open"
        time.sleep(0.15)
        assert asyncio.run(cache.aget("k", "fallback")) == "fallback"  # starts the probe
    resumed = time.monotonic()
    assert wait_for(lambda: asyncio.run(cache.aget("k")) == 1, timeout=2.0, interval=0.01)
    assert time.monotonic() - resumed < 1.0
    assert circuit.state == "closed"
