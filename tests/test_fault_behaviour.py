"""What the cache does today under each fault of tests/faults.py, where it is already right:
on real servers, in the four API modes of tests/api_modes.py (``sync``, ``sync.a``, ``async``,
``async.a``; the faults that cost a socket timeout per call run in ``sync`` and ``async.a`` only).

* A server that cannot be reached or does not answer (SIGSTOP, blackhole, a delay past the
  socket timeout, connection reset or refused, a reply cut short, DEBUG SLEEP, CLIENT PAUSE,
  LOADING, kill -9): the call raises ``ConnectionInterrupted`` with the valkey-py error in its
  chain, or with ``IGNORE_EXCEPTIONS`` returns its fallback; either within about the socket
  timeout. Once the fault is gone the same cache object answers again, with the right values
  (no reply left over from the call that failed is handed to the next one).
* A server that refuses the write (OOM under ``noeviction``, a READONLY replica): a
  ``ConnectionInterrupted`` (``WriteRefused``), or the fallback with ``IGNORE_EXCEPTIONS``;
  reads are still served.
* A user without the permission (NOPERM) is a misconfiguration: it raises even with
  ``IGNORE_EXCEPTIONS``.
* A read replica that hangs or resets: reads are served by the primary.

The upper bounds on time are loose on purpose: the circuit breaker of issue 10 makes these calls
faster, not slower; and after a fault each test waits for a call to succeed again (``settled``)
before it checks the answers, as a breaker may hold calls back a moment.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from valkey.exceptions import BusyLoadingError, NoPermissionError, OutOfMemoryError, ReadOnlyError
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import ConnectionInterrupted
from tests import faults
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.faults import FaultProxy
from tests.servers import ValkeyProcess, running
from tests.topology.launchers import poll

TIMEOUT = 0.2  # SOCKET_TIMEOUT and SOCKET_CONNECT_TIMEOUT of every cache here
SLACK = 1.0  # what a call may take beyond the socket timeout on a loaded machine
FAST_MODES = ("sync", "async.a")  # for the faults that cost a timeout per call

MakeApi = Callable[..., Api]


@pytest.fixture(scope="module")
def server() -> Iterator[ValkeyProcess]:
    proc = ValkeyProcess(*faults.DEBUG_ARGS).start()
    yield proc
    proc.cleanup()


@pytest.fixture
def proxy(server: ValkeyProcess) -> Iterator[FaultProxy]:
    with server.client() as conn:
        conn.flushall()
    with FaultProxy(server.port) as p:
        yield p


@pytest.fixture
async def make_api(mode: str, proxy: FaultProxy) -> AsyncIterator[MakeApi]:
    """``make_api(location=None, **options)``: an ``Api`` in this test's mode, through the proxy
    by default, with short socket timeouts."""
    made: list[AnyCache] = []

    def make(location: str | list[str] | None = None, **options: Any) -> Api:
        # Without retries: each fault is seen by the one call that meets it (what is retried,
        # and how a retry ends, is tests/test_resilience_faults.py's subject).
        options = {"SOCKET_TIMEOUT": TIMEOUT, "SOCKET_CONNECT_TIMEOUT": TIMEOUT, "RETRY": False, **options}
        cache = build_cache(mode, location or f"{proxy.url}/0", **options)  # type: ignore[arg-type]
        made.append(cache)
        return Api(cache, mode)

    yield make
    for cache in made:
        if isinstance(cache, ValkeyCache) and cache._client is not None:
            cache._client.close()


async def timed(call: Any) -> tuple[float, Any, BaseException | None]:
    """(seconds, result, error) of awaiting ``call``."""
    started = time.monotonic()
    try:
        result = await call
    except Exception as exc:
        return time.monotonic() - started, None, exc
    return time.monotonic() - started, result, None


async def settled(api: Api, timeout: float = 5.0) -> None:
    """Wait until ``api`` (one without ``IGNORE_EXCEPTIONS``) answers a call again. Today it does
    at once; a circuit breaker may hold calls back a moment after the fault is gone (until its
    probe succeeds): what is pinned here is what the answers are once they come."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await api.get("faults:settle")
            return
        except ConnectionInterrupted:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


Fault = Callable[[ValkeyProcess, FaultProxy], AbstractContextManager[Any]]

#: Faults after which a call fails at once (nothing to wait for).
QUICK: dict[str, Fault] = {
    "reset": lambda server, proxy: proxy.reset(),
    "refuse": lambda server, proxy: proxy.refuse(),
    "cut": lambda server, proxy: proxy.cut(5),
    "loading": lambda server, proxy: faults.loading(server, 0.3),
}

#: Faults that hold each call until the socket timeout.
HANGING: dict[str, Fault] = {
    "sigstop": lambda server, proxy: faults.paused(server),
    "blackhole": lambda server, proxy: proxy.blackhole(),
    "delay": lambda server, proxy: proxy.delay(TIMEOUT * 1000 * 3),
    "debug-sleep": lambda server, proxy: faults.sleeping(server, 4 * TIMEOUT),
    "client-pause": lambda server, proxy: faults.client_paused(server, 4 * TIMEOUT),
}

#: The valkey-py errors a fault of each kind shows up as, in the chain of ours.
WIRE_ERRORS = (ValkeyConnectionError, ValkeyTimeoutError, OSError)


async def check_unavailable(make_api: MakeApi, server: ValkeyProcess, proxy: FaultProxy, fault: Fault) -> None:
    strict, lenient = make_api(), make_api(IGNORE_EXCEPTIONS=True)
    await strict.set_many({"k": "v", "other": "o", "big": "x" * 50_000})
    assert await lenient.get("k") == "v"  # both hold a pooled connection now
    with fault(server, proxy):
        elapsed, _, error = await timed(strict.get("big"))
        assert isinstance(error, ConnectionInterrupted), error
        assert faults.caused_by(error, WIRE_ERRORS)
        assert elapsed < TIMEOUT + SLACK
        elapsed, result, error = await timed(lenient.get("big", "fallback"))
        assert error is None and result == "fallback"
        assert elapsed < TIMEOUT + SLACK
        elapsed, _, error = await timed(lenient.set("k2", "v2"))
        assert error is None and elapsed < TIMEOUT + SLACK
    # The same objects answer again, each call with its own reply.
    await settled(strict)
    assert await strict.get("other") == "o"
    assert await strict.get("big") == "x" * 50_000
    assert await lenient.get("k") == "v"
    assert await lenient.get_many(["other", "k"]) == {"other": "o", "k": "v"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(QUICK))
async def test_quick_faults(make_api: MakeApi, server: ValkeyProcess, proxy: FaultProxy, name: str) -> None:
    await check_unavailable(make_api, server, proxy, QUICK[name])


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("name", list(HANGING))
async def test_hanging_faults(make_api: MakeApi, server: ValkeyProcess, proxy: FaultProxy, name: str) -> None:
    await check_unavailable(make_api, server, proxy, HANGING[name])


@pytest.mark.parametrize("mode", FAST_MODES)
async def test_loading_is_a_busy_loading_error_in_the_chain(
    make_api: MakeApi, server: ValkeyProcess, proxy: FaultProxy
) -> None:
    api = make_api()
    await api.set("k", "v")
    with faults.loading(server, 0.3):
        _, _, error = await timed(api.get("k"))
        assert isinstance(error, ConnectionInterrupted) and faults.caused_by(error, BusyLoadingError)
    assert await api.get("k") == "v"


@pytest.mark.parametrize("mode", FAST_MODES)
async def test_a_slow_answer_within_the_timeout_is_an_answer(make_api: MakeApi, proxy: FaultProxy) -> None:
    api = make_api()
    await api.set("k", "v")
    with proxy.delay(TIMEOUT * 1000 / 4):
        elapsed, result, error = await timed(api.get("k"))
    assert error is None and result == "v" and elapsed >= TIMEOUT / 4


@pytest.mark.parametrize("mode", FAST_MODES)
async def test_kill_and_restart_on_the_same_port(make_api: MakeApi) -> None:
    """A crash, the server down for a moment, then back on its port with its saved data: the
    same cache objects fail fast while it is down (connection refused) and answer once it is
    back, without being rebuilt."""
    with running() as proc:
        strict = make_api(f"{proc.url}/0")
        lenient = make_api(f"{proc.url}/0", IGNORE_EXCEPTIONS=True)
        await strict.set("k", "v")
        assert await lenient.get("k") == "v"
        with proc.client() as conn:
            conn.save()
        faults.kill9(proc)
        for attempt in range(3):
            elapsed, _, error = await timed(strict.get("k"))
            assert isinstance(error, ConnectionInterrupted)
            if attempt == 0:  # (later ones may be a circuit breaker's, which has no wire error)
                assert faults.caused_by(error, ValkeyConnectionError)
            assert elapsed < TIMEOUT + SLACK
            elapsed, result, error = await timed(lenient.get("k", "fallback"))
            assert error is None and result == "fallback" and elapsed < TIMEOUT + SLACK
        faults.restart(proc)
        await settled(strict)
        assert await strict.get("k") == "v"
        assert await lenient.get("k") == "v"
        await strict.set("k", "w")
        assert await lenient.get("k") == "w"


@pytest.mark.parametrize("mode", MODES)
async def test_out_of_memory_refuses_writes_serves_reads(make_api: MakeApi, server: ValkeyProcess) -> None:
    strict, lenient = make_api(), make_api(IGNORE_EXCEPTIONS=True)
    await strict.set("k", "v")
    with faults.out_of_memory(server):
        _, _, error = await timed(strict.set("k", "new"))
        assert isinstance(error, ConnectionInterrupted) and faults.caused_by(error, OutOfMemoryError)
        assert await lenient.set("k", "new") in (None, False)
        assert await lenient.add("k2", "new") is False
        assert await strict.get("k") == "v"  # reads are served; nothing was written
        assert await strict.get("k2") is None
    await settled(strict)
    await strict.set("k", "new")
    assert await strict.get("k") == "new"


@pytest.mark.parametrize("mode", MODES)
async def test_read_only_refuses_writes(make_api: MakeApi, server: ValkeyProcess) -> None:
    strict, lenient = make_api(), make_api(IGNORE_EXCEPTIONS=True)
    await strict.set("k", "v")
    with running() as primary, faults.read_only(server, primary):
        _, _, error = await timed(strict.set("k", "new"))
        assert isinstance(error, ConnectionInterrupted) and faults.caused_by(error, ReadOnlyError)
        assert await lenient.set("k", "new") in (None, False)
        assert await lenient.get("k", "fallback") in ("fallback", None, "v")  # the replica's data
    assert faults.wait_ready(server)
    await settled(strict)
    await strict.set("k", "w")
    assert await strict.get("k") == "w"


@pytest.mark.parametrize("mode", MODES)
async def test_no_permission_raises_even_when_ignoring(
    make_api: MakeApi, server: ValkeyProcess, proxy: FaultProxy
) -> None:
    with faults.acl_user(server) as who:
        lenient = make_api(
            f"valkey://{who['username']}:{who['password']}@127.0.0.1:{proxy.port}/0", IGNORE_EXCEPTIONS=True
        )
        assert await lenient.get("k", "missing") == "missing"  # GET is allowed
        _, _, error = await timed(lenient.set("k", "v"))
        assert error is not None and faults.caused_by(error, NoPermissionError)


@pytest.mark.parametrize("mode", FAST_MODES)
async def test_write_pause_still_serves_reads(make_api: MakeApi, server: ValkeyProcess) -> None:
    strict, lenient = make_api(), make_api(IGNORE_EXCEPTIONS=True)
    await strict.set("k", "v")
    with faults.client_paused(server, 5, write_only=True):
        _, result, error = await timed(strict.get("k"))
        assert error is None and result == "v"  # not held by the pause
        _, _, error = await timed(strict.set("k", "new"))
        assert isinstance(error, ConnectionInterrupted) and faults.caused_by(error, ValkeyTimeoutError)
        elapsed, _, error = await timed(lenient.set("k", "new"))
        assert error is None and elapsed < TIMEOUT + SLACK


# --- A read replica that fails ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica(server: ValkeyProcess) -> Iterator[ValkeyProcess]:
    with server.client() as conn:
        conn.config_set("repl-diskless-sync-delay", 0)
    proc = ValkeyProcess("--replicaof", "127.0.0.1", str(server.port)).start()
    yield proc
    proc.cleanup()


def gets(server: ValkeyProcess) -> int:
    """How many GETs ``server`` has run."""
    with server.client(socket_timeout=1) as conn:
        stats = conn.info("commandstats").get("cmdstat_get")
    return int(stats["calls"]) if stats else 0


def replicated(replica: ValkeyProcess, key: str) -> bool:
    with replica.client(socket_timeout=1) as conn:
        return bool(conn.exists(key))


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("name", ["blackhole", "reset", "refuse"])
async def test_a_failing_replica_falls_back_to_the_primary(
    make_api: MakeApi, server: ValkeyProcess, replica: ValkeyProcess, name: str
) -> None:
    with server.client() as conn:
        conn.flushall()
    with FaultProxy(replica.port) as replica_proxy:
        api = make_api([f"{server.url}/0", f"{replica_proxy.url}/0"])
        await api.set("k", "v")
        assert poll(lambda: replicated(replica, api.cache.make_key("k")), 5)
        before = gets(server)
        assert await api.get("k") == "v"
        assert replica_proxy.accepted >= 1 and gets(server) == before  # the read went to the replica
        fault = {"blackhole": replica_proxy.blackhole, "reset": replica_proxy.reset, "refuse": replica_proxy.refuse}
        with fault[name]():
            for _ in range(2):
                elapsed, result, error = await timed(api.get("k"))
                assert error is None and result == "v"
                assert elapsed < TIMEOUT + SLACK
            assert gets(server) == before + 2  # both served by the primary
        assert await api.get("k") == "v"
