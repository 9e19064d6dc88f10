"""Retries and failovers under the faults of tests/faults.py: what is sent again, what is not,
and how soon a failover is over for the caller (sync and async)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from valkey.exceptions import BusyLoadingError

from django_valkey.exceptions import ConnectionInterrupted
from tests.faults import DEBUG_ARGS, FaultProxy, caused_by, kill9, loading, restart, sentinel_failover
from tests.helpers import make, make_async
from tests.servers import ValkeyProcess
from tests.topology.launchers import SentinelTopology

QUICK = {"SOCKET_TIMEOUT": 0.3, "SOCKET_CONNECT_TIMEOUT": 0.3}


@pytest.fixture
def server() -> Iterator[ValkeyProcess]:
    process = ValkeyProcess(*DEBUG_ARGS).start()
    yield process
    process.cleanup()


@pytest.fixture
def proxy(server: ValkeyProcess) -> Iterator[FaultProxy]:
    with FaultProxy(server.port) as running:
        yield running


def calls(server: ValkeyProcess, command: str) -> int:
    with server.client() as conn:
        stats = conn.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


def test_a_lost_reply_resends_only_what_is_safe(server: ValkeyProcess, proxy: FaultProxy) -> None:
    retry = {"ATTEMPTS": 2, "BASE": 0.01, "CAP": 0.01}
    cache = make(f"{proxy.url}/0", RETRY=retry, CIRCUIT_BREAKER=False, **QUICK)
    cache.set("n", 1)
    assert cache.incr("n") == 2  # the script is loaded (a first EVALSHA would meet NOSCRIPT)
    cache.set("k", "v")
    with server.client() as conn:
        conn.config_resetstat()
    with proxy.cut(0):  # the request reaches the server, no reply comes back
        with pytest.raises(ConnectionInterrupted):
            cache.incr("n")
    # Each new connection is let through its handshake replies (two CLIENT SETINFO +OK) and the
    # first byte of the GET's reply, then cut.
    gets_before = calls(server, "get")  # the incr script runs a GET of its own
    with proxy.cut(len(b"+OK\r\n") * 2 + 1):
        with pytest.raises(ConnectionInterrupted):
            cache.get("k")
    assert calls(server, "evalsha") == 1  # incr ran once and was not sent again
    assert calls(server, "get") - gets_before == 3  # get was sent again, twice: reading twice changes nothing
    assert cache.get("n") == 3  # applied exactly once


async def test_async_a_lost_reply_resends_only_what_is_safe(server: ValkeyProcess, proxy: FaultProxy) -> None:
    retry = {"ATTEMPTS": 2, "BASE": 0.01, "CAP": 0.01}
    cache = make_async(f"{proxy.url}/0", RETRY=retry, CIRCUIT_BREAKER=False, **QUICK)
    await cache.aset("n", 1)
    assert await cache.aincr("n") == 2
    await cache.aset("k", "v")
    with server.client() as conn:
        conn.config_resetstat()
    with proxy.cut(0):  # the request reaches the server, no reply comes back
        with pytest.raises(ConnectionInterrupted):
            await cache.aincr("n")
    # Each new connection is let through its handshake replies (two CLIENT SETINFO +OK) and the
    # first byte of the GET's reply, then cut.
    gets_before = calls(server, "get")  # the incr script runs a GET of its own
    with proxy.cut(len(b"+OK\r\n") * 2 + 1):
        with pytest.raises(ConnectionInterrupted):
            await cache.aget("k")
    assert calls(server, "evalsha") == 1
    assert calls(server, "get") - gets_before == 3
    assert await cache.aget("n") == 3
    await cache.aclose()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_loading_is_retried_until_the_server_has_loaded(server: ValkeyProcess, mode: str) -> None:
    retry = {"ATTEMPTS": 20, "BASE": 0.05, "CAP": 0.1}
    sync_cache = make(f"{server.url}/0", RETRY=retry, **QUICK)
    async_cache = make_async(f"{server.url}/0", RETRY=retry, **QUICK)
    sync_cache.set("k", 1)
    with loading(server, 0.4):
        before = time.monotonic()
        if mode == "sync":
            sync_cache.set("k", 2)  # LOADING: not run, so sent again until the load is over
        else:
            await async_cache.aset("k", 2)
        waited = time.monotonic() - before
    assert waited > 0.05
    assert sync_cache.get("k") == 2
    await async_cache.aclose()


@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
def test_loading_without_retries_is_unavailable(server: ValkeyProcess, ignore: bool) -> None:
    cache = make(f"{server.url}/0", RETRY=False, IGNORE_EXCEPTIONS=ignore, **QUICK)
    cache.set("k", 1)
    with loading(server, 0.3):
        if ignore:
            assert cache.get("k", "fallback") == "fallback"
        else:
            with pytest.raises(ConnectionInterrupted) as caught:
                cache.get("k")
            assert caused_by(caught.value, BusyLoadingError)


def test_sentinel_failover_reaches_no_caller() -> None:
    topology = SentinelTopology().start()
    try:
        options = {
            "CLIENT_CLASS": "django_valkey.client.SentinelClient",
            "SENTINELS": topology.sentinel_addresses,
            "RETRY": {"ATTEMPTS": 30, "BASE": 0.05, "CAP": 0.2},
            **QUICK,
        }
        cache = make("valkey://mymaster/0", **options)
        cache.set("k", 0)
        errors: list[BaseException] = []
        done = threading.Event()
        writes = [0]

        def writer() -> None:
            while not done.is_set():
                try:
                    cache.set("k", writes[0])
                    writes[0] += 1
                except Exception as error:
                    errors.append(error)
                time.sleep(0.01)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            failover = sentinel_failover(topology)
            time.sleep(0.3)
        finally:
            done.set()
            thread.join()
        print(f"sentinel failover: {failover.seconds:.2f}s, {writes[0]} writes, errors: {errors[:2]}")
        assert errors == []  # READONLY from the demoted primary never reached the caller
        assert cache.get("k") == writes[0] - 1
    finally:
        topology.cleanup()


# ------------------------------------------------------------------ kill -9 and restart


SLACK = 0.03  # the probe's interval (0.01 s) and a loaded machine


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_fallback_once_a_restarted_server_answers(server: ValkeyProcess, mode: str) -> None:
    # IGNORE_EXCEPTIONS on: while the server is down every call returns its fallback at once;
    # once it answers again (``restart`` returns: it has seen the server answer), the calls
    # succeed, within the probe's interval, and once one has succeeded, none falls back.
    import asyncio

    cache = (make_async if mode == "async" else make)(
        f"{server.url}/0", IGNORE_EXCEPTIONS=True, SOCKET_TIMEOUT=0.2, SOCKET_CONNECT_TIMEOUT=0.2
    )

    def get() -> object:
        return asyncio.run(cache.aget("k", "fallback")) if mode == "async" else cache.get("k", "fallback")

    if mode == "async":
        asyncio.run(cache.aset("k", "v", timeout=None))
    else:
        cache.set("k", "v", timeout=None)
    with server.client() as conn:
        conn.save()
    calls: list[tuple[float, float, object]] = []
    answered: list[float] = []
    back = threading.Thread(target=lambda: (time.sleep(0.3), restart(server), answered.append(time.monotonic())))
    kill9(server)
    back.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            started = time.monotonic()
            value = get()
            calls.append((started, time.monotonic() - started, value))
            if answered and started > answered[0] + 0.2:
                break
            time.sleep(0.002)
    finally:
        back.join()
    assert answered, "the server did not come back"
    down = [value for started, _, value in calls if started < answered[0]]
    assert down and "fallback" in down
    late = [(round(started - answered[0], 4), value) for started, _, value in calls if started > answered[0] + SLACK]
    assert late and all(value == "v" for _, value in late), late
    first = next(index for index, (_, _, value) in enumerate(calls) if value == "v")
    assert all(value == "v" for _, _, value in calls[first:])  # no flapping once it answers
    first_ok = calls[first][0] - answered[0]
    longest = max(spent for _, spent, _ in calls)
    print(
        f"kill/restart ({mode}): first success {first_ok * 1000:.1f} ms after restart() saw it answer; longest call {longest * 1000:.1f} ms"
    )
    assert longest < 0.5
