"""The GLIDE driver (``django_valkey.glide``) on real servers: what is its own.

The whole API runs on it too: ``.ci/run`` runs the API, error, replica, resilience, client-cache
and cluster suites again with ``DJANGO_VALKEY_TEST_DRIVER=glide`` (tests/helpers.py), and Django's
own cache suite has ``glide`` configurations (one server, a cluster). Here: the factory's conformance, one connection per process
whatever the number of threads and cache objects, what it refuses and how, and the failure paths
(a paused server, a killed and restarted one, a fork).
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import threading
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured

from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted
from django_valkey.glide import (
    AsyncGlideConnectionFactory,
    AsyncGlideRawClient,
    GlideConnectionFactory,
    GlideRawClient,
)
from django_valkey.protocols import AsyncConnectionFactoryProtocol, ConnectionFactoryProtocol
from tests.faults import kill9, paused, restart
from tests.helpers import make, make_async
from tests.servers import ValkeyProcess, named_connections

GLIDE = "django_valkey.glide.GlideConnectionFactory"
ASYNC_GLIDE = "django_valkey.glide.AsyncGlideConnectionFactory"


def glide_cache(location: str, **options: Any) -> ValkeyCache:
    return make(location, CONNECTION_FACTORY=GLIDE, **options)


def test_the_factories_conform_without_inheriting() -> None:
    assert isinstance(GlideConnectionFactory({}), ConnectionFactoryProtocol)
    assert isinstance(AsyncGlideConnectionFactory({}), AsyncConnectionFactoryProtocol)
    for factory in (GlideConnectionFactory, AsyncGlideConnectionFactory):  # no Protocol among the bases
        assert not any(getattr(cls, "_is_protocol", False) for cls in factory.__mro__)


def test_one_option_selects_the_driver_for_sync_and_async(valkey_server: ValkeyProcess) -> None:
    cache = glide_cache(f"{valkey_server.url}/0")
    cache.set("k", {"v": 1})
    assert isinstance(cache.get_client(), GlideRawClient)

    async def both() -> Any:
        raw = await cache.async_client.get_client()
        assert isinstance(raw, AsyncGlideRawClient)
        asynchronous = make_async(f"{valkey_server.url}/0", CONNECTION_FACTORY=GLIDE)  # the sync name will do
        assert isinstance(await asynchronous.client.get_client(), AsyncGlideRawClient)
        return await cache.aget("k"), await asynchronous.get("k")

    assert asyncio.run(both()) == ({"v": 1}, {"v": 1})


def test_one_connection_per_process_whatever_the_threads(valkey_server: ValkeyProcess) -> None:
    name = "glide-one-connection"
    location = f"{valkey_server.url}/0"
    options = {"CONNECTION_POOL_KWARGS": {"client_name": name}}
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            for round_ in range(50):
                cache = glide_cache(location, **options)  # a cache object per "request"
                cache.set(f"t{index}", round_)
                assert cache.get(f"t{index}") == round_
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert named_connections(valkey_server, name) == 1


def test_an_event_loop_has_one_connection_whatever_the_tasks(valkey_server: ValkeyProcess) -> None:
    name = "glide-loop-connection"
    location = f"{valkey_server.url}/0"

    async def main() -> int:
        async def task(index: int) -> None:
            cache = make_async(location, CONNECTION_FACTORY=ASYNC_GLIDE, CONNECTION_POOL_KWARGS={"client_name": name})
            for round_ in range(20):
                await cache.set(f"a{index}", round_)
                assert await cache.get(f"a{index}") == round_

        await asyncio.gather(*(task(i) for i in range(200)))
        return named_connections(valkey_server, name)

    assert asyncio.run(main()) == 1


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts file descriptors in /proc")
@pytest.mark.parametrize("shutdown", ["asyncio.run", "async_to_sync", "loop.close() alone"])
def test_an_event_loop_that_ends_takes_its_glide_client_with_it(valkey_server: ValkeyProcess, shutdown: str) -> None:
    """A GLIDE asyncio client refers to its loop; kept per loop, it kept the loop and its
    sockets alive for the life of the process (5 descriptors per loop), which a WSGI view that
    calls ``async_to_sync`` (a new loop per call) would run out of. Each ending loop's client is
    now closed with it, or dropped once the loop is seen closed."""
    location = f"{valkey_server.url}/0"
    name = f"glide-loop-end-{shutdown.split('.')[0].split(' ')[0]}"
    sync_cache = glide_cache(location, CONNECTION_POOL_KWARGS={"client_name": name})
    async_cache = make_async(location, CONNECTION_FACTORY=ASYNC_GLIDE, CONNECTION_POOL_KWARGS={"client_name": name})

    async def calls() -> None:
        await sync_cache.aset("k", 1)
        assert await sync_cache.aget("k") == 1
        await async_cache.set("k", 2)
        assert await async_cache.get("k") == 2

    def one_loop() -> None:
        if shutdown == "asyncio.run":
            asyncio.run(calls())
        elif shutdown == "async_to_sync":
            async_to_sync(calls)()
        else:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(calls())
            finally:
                loop.close()  # no shutdown_asyncgens(): nothing is awaited on the way out
        gc.collect()

    one_loop()
    one_loop()
    before = _open_fds()
    for _ in range(15):
        one_loop()
    assert _open_fds() - before <= 3  # at most the last loop's client, not one per loop
    assert named_connections(valkey_server, name) <= 2


@pytest.mark.parametrize(
    ("location", "options", "message"),
    [
        ("unix:///tmp/valkey.sock", {}, "over TCP only"),
        ("valkey://127.0.0.1:1/0", {"CONNECTION_POOL_KWARGS": {"max_connections": 5}}, "max_connections"),
        ("valkey://127.0.0.1:1/0", {"CONNECTION_POOL_CLASS": "valkey.ConnectionPool"}, "CONNECTION_POOL_CLASS"),
        ("valkey://127.0.0.1:1/0", {"PARSER_CLASS": "valkey.connection._RESP2Parser"}, "PARSER_CLASS"),
        ("valkey://127.0.0.1:1/x", {}, "must be a number"),
        ("valkeys://127.0.0.1:1/0", {"CONNECTION_POOL_KWARGS": {"ssl_certfile": "client.pem"}}, "ssl_certfile"),
    ],
)
def test_what_it_cannot_do_is_refused_by_name(location: str, options: dict[str, Any], message: str) -> None:
    cache = glide_cache(location, **options)
    with pytest.raises(ImproperlyConfigured, match=message):
        cache.get("k")


def test_a_blocking_command_is_refused_and_nothing_is_sent(valkey_server: ValkeyProcess) -> None:
    cache = glide_cache(f"{valkey_server.url}/0")
    cache.rpush("q", "job")
    with pytest.raises(NotImplementedError, match="BLPOP blocks its connection"):
        cache.blpop(["q"], timeout=0.5)
    assert cache.lrange("q", 0, -1) == ["job"]  # not popped


def test_the_password_is_in_no_repr_or_error(own_server: ValkeyProcess) -> None:
    with own_server.client() as conn:
        conn.config_set("requirepass", "s3cret-pw")
    cache = glide_cache(f"valkey://:s3cret-pw@127.0.0.1:{own_server.port}/0")
    cache.set("k", 1)
    raw = cache.get_client()
    assert cache.get("k") == 1
    assert "s3cret-pw" not in repr(raw) + repr(raw.settings) + repr(cache.client.connection_factory)
    wrong = glide_cache(f"valkey://:wrong-pw@127.0.0.1:{own_server.port}/0")
    with pytest.raises(ConnectionInterrupted) as info:
        wrong.get("k")
    assert "wrong-pw" not in str(info.value) and "s3cret-pw" not in str(info.value)


def test_a_paused_server_times_out_at_the_socket_timeout(own_server: ValkeyProcess) -> None:
    cache = glide_cache(own_server.url, SOCKET_TIMEOUT=0.3)
    ignoring = glide_cache(own_server.url, SOCKET_TIMEOUT=0.3, IGNORE_EXCEPTIONS=True)
    cache.set("k", 1)
    with paused(own_server):
        started = time.monotonic()
        with pytest.raises(CacheTimeout):
            cache.get("k")
        assert 0.25 < time.monotonic() - started < 1.5
        assert ignoring.get("k", "fallback") == "fallback"
    assert cache.get("k") == 1  # the same connection serves again once resumed


def test_a_killed_and_restarted_server_is_served_again(own_server: ValkeyProcess) -> None:
    cache = glide_cache(own_server.url, SOCKET_TIMEOUT=0.3, CIRCUIT_BREAKER=False)
    cache.set("k", 1)
    kill9(own_server)
    with pytest.raises(ConnectionInterrupted):
        cache.get("k")
    restart(own_server, keep_data=False)
    deadline = time.monotonic() + 10
    while True:  # GLIDE reconnects in the background
        try:
            cache.set("k", 2)
            break
        except ConnectionInterrupted:
            assert time.monotonic() < deadline, "GLIDE did not reconnect within 10 s"
            time.sleep(0.1)
    assert cache.get("k") == 2


def _in_child(location: str, queue: Any) -> None:
    cache = glide_cache(location)
    queue.put((cache.get("forked"), cache.get_client() is not None))


def test_a_forked_child_builds_its_own_client(valkey_server: ValkeyProcess) -> None:
    location = f"{valkey_server.url}/0"
    cache = glide_cache(location)
    cache.set("forked", "parent's")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(location, queue))
    child.start()
    assert queue.get(timeout=20) == ("parent's", True)
    child.join(10)
    assert child.exitcode == 0
    assert cache.get("forked") == "parent's"  # the parent's connection is untouched


def test_an_acl_user_without_info_cannot_connect_and_is_told_why(own_server: ValkeyProcess) -> None:
    # GLIDE sends INFO REPLICATION when it connects to find the primary: a user that may not
    # run INFO cannot use this driver (the valkey-py driver needs no INFO).
    with own_server.client() as conn:
        conn.acl_setuser("reader", enabled=True, passwords=["+pw"], keys=["*"], commands=["+get", "+ping", "+hello"])
    cache = glide_cache(f"valkey://reader:pw@127.0.0.1:{own_server.port}/0")
    with pytest.raises(ConnectionInterrupted, match="no permissions to run the 'info' command"):
        cache.get("k")


_CLOSE_UNDER_TRAFFIC = """
import sys, threading, time
from django_valkey.glide import GlideConnectionFactory
raw = GlideConnectionFactory({}).get_or_create_connection_pool({"url": sys.argv[1]})
raw.execute_command("SET", "close-k", "v")
stop = threading.Event()
failures = []
def work():
    while not stop.is_set():
        try:
            if raw.execute_command("GET", "close-k") != b"v":
                failures.append("wrong value")
        except Exception as exc:
            failures.append(repr(exc))
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for _ in range(150):
    time.sleep(0.005)
    raw.close()
stop.set()
for thread in threads:
    thread.join()
print("failures", len(failures), failures[:3])
"""


def test_closing_under_traffic_waits_for_the_calls_in_flight(valkey_server: ValkeyProcess) -> None:
    # GLIDE's sync client frees its core in close() even under another thread's command, which
    # crashed the process (heap corruption, a Rust panic): the raw client now closes a native
    # client only once the last call holding it has handed it back. Run in a child process, so
    # a crash shows as its exit status.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _CLOSE_UNDER_TRAFFIC, valkey_server.url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "failures 0 []" in done.stdout
