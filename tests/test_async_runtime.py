"""The asyncio runtime: no thread hop, no blocking call on the loop, pools per event loop,
hundreds of concurrent tasks, and connections released under ASGI and WSGI."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import valkey
import valkey.asyncio.connection
import valkey.connection
from django.core.cache.backends.base import BaseCache
from django.test import AsyncClient, Client, override_settings

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.async_cache.pool import loop_pools
from django_valkey.cache import ValkeyCache
from tests.helpers import cache_params
from tests.servers import ValkeyProcess


def connected(server: ValkeyProcess) -> int:
    """Client connections the server has open, not counting the one asking."""
    with server.client() as conn:
        return int(conn.info("clients")["connected_clients"]) - 1


def new_cache(server: ValkeyProcess, backend: type[BaseCache] = ValkeyCache, **options: Any) -> Any:
    params = cache_params(f"{server.url}/0", backend, **options)
    return backend(params["LOCATION"], params)


@pytest.fixture
def server(valkey_server: ValkeyProcess) -> Iterator[ValkeyProcess]:
    with valkey_server.client() as conn:
        conn.flushall()
    yield valkey_server


# ------------------------------------------------------------------ native: no thread hop


async def test_a_methods_are_native(server: ValkeyProcess) -> None:
    cache = new_cache(server)
    assert type(cache).aget is not BaseCache.aget
    threads = threading.active_count()
    await cache.aset("k", 1)
    assert await cache.aget("k") == 1
    assert await cache.aget_many(["k"]) == {"k": 1}
    assert cache._client is None  # the sync client was never built: no sync path ran
    assert threading.active_count() == threads  # and no worker thread was started


# ------------------------------------------------------------------ hundreds of tasks


@pytest.mark.parametrize("backend", [ValkeyCache, AsyncValkeyCache])
async def test_hundreds_of_concurrent_tasks(server: ValkeyProcess, backend: type[BaseCache]) -> None:
    cache = new_cache(server, backend)
    tasks = 300

    async def work(i: int) -> tuple[Any, int]:
        await cache.aset(f"key:{i}", {"i": i})
        got = await cache.aget(f"key:{i}")
        return got, await cache.aincr("counter")

    await cache.aset("counter", 0)
    results = await asyncio.wait_for(asyncio.gather(*(work(i) for i in range(tasks))), 30)
    assert [got for got, _ in results] == [{"i": i} for i in range(tasks)]
    assert sorted(n for _, n in results) == list(range(1, tasks + 1))
    assert len(await cache.aget_many([f"key:{i}" for i in range(tasks)])) == tasks


async def test_bounded_pool_under_load(server: ValkeyProcess) -> None:
    """A BlockingConnectionPool of 4: 300 tasks queue for connections, none fails, <= 4 open."""
    cache = new_cache(
        server,
        AsyncValkeyCache,
        CONNECTION_POOL_CLASS="valkey.asyncio.BlockingConnectionPool",
        CONNECTION_POOL_KWARGS={"max_connections": 4, "timeout": 20},
    )
    before = connected(server)
    peak = 0

    async def work(i: int) -> int:
        nonlocal peak
        await cache.set(f"k{i}", i)
        peak = max(peak, connected(server) - before) if i % 50 == 0 else peak
        return int(await cache.get(f"k{i}"))

    assert await asyncio.wait_for(asyncio.gather(*(work(i) for i in range(300))), 30) == list(range(300))
    assert 1 <= connected(server) - before <= 4
    assert peak <= 4


# ------------------------------------------------------------------ nothing blocks the loop


async def measure_loop_lag(operation: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    """Run ``operation`` while a ticker measures how late the loop wakes it (max lag, seconds)."""
    lag = 0.0
    done = False

    async def ticker() -> None:
        nonlocal lag
        while not done:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            lag = max(lag, time.perf_counter() - start - 0.005)

    watch = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    try:
        result = await operation()
    finally:
        done = True
        await watch
    return lag, result


@pytest.mark.parametrize("backend", [ValkeyCache, AsyncValkeyCache])
async def test_no_blocking_call_on_the_loop(server: ValkeyProcess, backend: type[BaseCache]) -> None:
    """The server holds writes for 300 ms (CLIENT PAUSE). A blocking client would freeze the loop
    that long; the detector proves it on the sync API, then the async API must keep it live."""
    cache = new_cache(server, backend)
    sync_cache = new_cache(server)
    sync_cache.set("warm", 1)
    await cache.aset("warm", 1)  # connections open before the pause
    with server.client() as admin:
        admin.execute_command("CLIENT", "PAUSE", "300", "WRITE")

        async def blocking() -> object:
            return sync_cache.set("k", "sync")

        blocked_lag, _ = await measure_loop_lag(blocking)
        assert blocked_lag > 0.15, "the detector must see a blocking call"

        admin.execute_command("CLIENT", "PAUSE", "300", "WRITE")

        async def native() -> object:
            started = time.perf_counter()
            await cache.aset("k", "async")
            return time.perf_counter() - started

        lag, took = await measure_loop_lag(native)
    assert isinstance(took, float) and took > 0.15  # it really waited for the server...
    assert lag < 0.1, f"the loop stalled {lag:.3f}s during an async call"  # ...without stalling
    assert await cache.aget("k") == "async"
    sync_cache.close()


# ------------------------------------------------------------------ pools per event loop


def test_pools_are_per_loop_and_closed_with_it(server: ValkeyProcess) -> None:
    cache = new_cache(server)
    seen: list[tuple[Any, Any]] = []

    async def use(value: int) -> Any:
        await cache.aset("k", value)
        raw = await cache.aget_client()
        seen.append((raw, raw.connection_pool))
        assert list(loop_pools().values()) == [raw.connection_pool]
        assert connected(server) >= 1
        return await cache.aget("k")

    baseline = connected(server)
    assert asyncio.run(use(1)) == 1
    assert connected(server) == baseline  # the loop's pool was disconnected at shutdown
    assert asyncio.run(use(2)) == 2
    assert connected(server) == baseline
    (raw1, pool1), (raw2, pool2) = seen
    assert raw1 is not raw2 and pool1 is not pool2  # nothing crossed from the first loop


def test_loop_closed_without_shutdown_is_swept(server: ValkeyProcess) -> None:
    cache = new_cache(server, AsyncValkeyCache)
    baseline = connected(server)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(cache.set("k", 1))
    assert connected(server) == baseline + 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop.close()  # no shutdown_asyncgens: its pool cannot be closed on it any more
        assert asyncio.run(cache.get("k")) == 1  # the next loop sweeps the closed one
        del loop
        gc.collect()
    assert connected(server) == baseline
    assert [str(w.message) for w in caught] == []


def test_two_threads_two_loops_one_cache(server: ValkeyProcess) -> None:
    cache = new_cache(server)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        async def work() -> None:
            for i in range(50):
                await cache.aset(f"{name}:{i}", i)
                assert await cache.aget(f"{name}:{i}") == i

        try:
            asyncio.run(work())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"t{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(cache.get_many([f"t{n}:{i}" for n in range(2) for i in range(50)])) == 100


# ------------------------------------------------------------------ closing under WSGI and ASGI


@pytest.fixture
def web_caches(server: ValkeyProcess) -> Iterator[None]:
    default = cache_params(f"{server.url}/0")
    async_params = cache_params(f"{server.url}/0", AsyncValkeyCache, KEY_PREFIX="a")
    with override_settings(CACHES={"default": default, "async": async_params}):
        yield


PATHS = ("/async/sync/", "/async/native/", "/async/async-backend/")


def test_wsgi_requests_release_connections(server: ValkeyProcess, web_caches: None) -> None:
    client = Client()
    baseline = connected(server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(10):
            for path in PATHS:
                assert client.get(path, {"n": n}).json() == {"value": str(n)}
        after_10 = connected(server)
        for n in range(30):
            for path in PATHS:
                assert client.get(path, {"n": n}).json() == {"value": str(n)}
        gc.collect()
    after_40 = connected(server)
    assert after_40 <= after_10 <= baseline + 2  # the sync pool's connection; async ones closed
    assert [str(w.message) for w in caught] == []  # no "coroutine ... was never awaited"


async def test_asgi_requests_release_connections(server: ValkeyProcess, web_caches: None) -> None:
    client = AsyncClient()
    baseline = connected(server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(10):
            for path in PATHS:
                assert (await client.get(path, {"n": n})).json() == {"value": str(n)}
        after_10 = connected(server)
        for n in range(30):
            for path in PATHS:
                assert (await client.get(path, {"n": n})).json() == {"value": str(n)}
        gc.collect()
    after_40 = connected(server)
    assert after_40 <= after_10 <= baseline + 3  # one per pool: sync, and this loop's async pool
    assert [str(w.message) for w in caught] == []


async def test_aclose_with_close_connection(server: ValkeyProcess) -> None:
    cache = new_cache(server, AsyncValkeyCache, CLOSE_CONNECTION=True)
    baseline = connected(server)
    await cache.set("k", 1)
    assert connected(server) == baseline + 1
    assert cache.close() is None  # what Django calls: a plain method, nothing to await
    await cache.aclose()
    assert connected(server) == baseline
    assert await cache.get("k") == 1  # and the next call reconnects


async def test_aclose_keeps_connections_by_default(server: ValkeyProcess) -> None:
    cache = new_cache(server)
    await cache.aset("k", 1)
    open_now = connected(server)
    await cache.aclose()
    assert connected(server) == open_now


# ------------------------------------------------------------------ configuration


def test_wrong_base_order_is_refused() -> None:
    from django_valkey.async_cache.client import AsyncDefaultClient
    from django_valkey.base import AsyncBackendCommands, BaseValkeyCache

    with pytest.raises(TypeError, match="before BaseValkeyCache"):

        class Wrong(BaseValkeyCache[AsyncDefaultClient, Any], AsyncBackendCommands):  # type: ignore[misc]
            DEFAULT_CLIENT_CLASS = "django_valkey.async_cache.client.AsyncDefaultClient"


async def test_sync_factory_for_async_client_is_named(server: ValkeyProcess) -> None:
    from django.core.exceptions import ImproperlyConfigured

    cache = new_cache(server, AsyncValkeyCache, CONNECTION_FACTORY="django_valkey.pool.ConnectionFactory")
    with pytest.raises(ImproperlyConfigured, match="must be coroutines"):
        await cache.get("k")


async def test_async_options_overlay(server: ValkeyProcess) -> None:
    """A sync cache's pool class does not leak into its async client; ASYNC_OPTIONS can set one."""
    cache = new_cache(
        server,
        CONNECTION_POOL_CLASS="valkey.connection.BlockingConnectionPool",
        ASYNC_OPTIONS={"CONNECTION_POOL_CLASS": "valkey.asyncio.BlockingConnectionPool"},
    )
    await cache.aset("k", 1)
    raw = await cache.aget_client()
    assert type(raw.connection_pool).__module__ == "valkey.asyncio.connection"
    assert type(raw.connection_pool).__name__ == "BlockingConnectionPool"
    assert cache.get("k") == 1
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="ASYNC_OPTIONS"):  # when the cache is built
        new_cache(server, ASYNC_OPTIONS="nope")


# ------------------------------------------------------------------ the default parser


async def test_default_parser_and_stale_reply(server: ValkeyProcess) -> None:
    """The default parser's non-waiting check still catches a connection left with a reply."""
    from django_valkey.async_cache.parser import AsyncLibvalkeyParser, default_async_parser

    cache = new_cache(server, AsyncValkeyCache)
    await cache.set("k", "value")
    raw = await cache.get_client()
    pool = raw.connection_pool
    assert pool.connection_kwargs["parser_class"] is default_async_parser() is AsyncLibvalkeyParser
    conn = await pool.get_connection("GET")
    await conn.send_command("GET", cache.make_key("k"))  # the reply is never read
    await asyncio.sleep(0.05)
    await pool.release(conn)
    assert await cache.get("k") == "value"  # dirty connection detected and replaced
    assert await cache.get_many(["k", "zz"]) == {"k": "value"}


async def test_sync_and_async_caches_on_one_location(server: ValkeyProcess) -> None:
    """django-valkey 0.4 keyed pools by URL only, so a sync and an async cache on one LOCATION
    broke each other. Here the key includes the factory class and the pool class."""
    sync_cache = new_cache(server)
    async_cache = new_cache(server, AsyncValkeyCache)
    sync_cache.set("k", "from sync")
    assert await async_cache.get("k") == "from sync"
    await async_cache.set("k", "from async")
    assert sync_cache.get("k") == "from async"
    sync_pool = sync_cache.get_client().connection_pool
    async_pool = (await async_cache.get_client()).connection_pool
    assert isinstance(sync_pool, valkey.connection.ConnectionPool)
    assert isinstance(async_pool, valkey.asyncio.connection.ConnectionPool)
    assert not isinstance(sync_pool, valkey.asyncio.connection.ConnectionPool)
    sync_factory, async_factory = sync_cache.client.connection_factory, async_cache.client.connection_factory
    params = sync_factory.make_connection_params(f"{server.url}/0")
    assert sync_factory.pool_key(params) != async_factory.pool_key(
        async_factory.make_connection_params(f"{server.url}/0")
    )
    sync_cache.close()


async def test_debug_mode_reports_no_slow_callback(server: ValkeyProcess, caplog: pytest.LogCaptureFixture) -> None:
    """asyncio's debug mode logs every callback step longer than ``slow_callback_duration``: it
    names the blocking sync call, and stays silent for a burst of async calls."""
    loop = asyncio.get_running_loop()
    cache = new_cache(server, AsyncValkeyCache)
    sync_cache = new_cache(server)
    sync_cache.set("warm", 1)
    await cache.set("warm", 1)
    debug, slow = loop.get_debug(), loop.slow_callback_duration
    loop.set_debug(True)
    loop.slow_callback_duration = 0.15  # debug mode itself is slow (it records where each task was made)
    try:
        with caplog.at_level("WARNING", logger="asyncio"):
            with server.client() as admin:
                admin.execute_command("CLIENT", "PAUSE", "250", "WRITE")

            async def blocking() -> None:
                sync_cache.set("k", 1)

            await asyncio.create_task(blocking())
            assert any("took" in record.getMessage() for record in caplog.records)
            caplog.clear()
            with server.client() as admin:
                admin.execute_command("CLIENT", "PAUSE", "250", "WRITE")
            await asyncio.gather(*(cache.set(f"k{i}", i) for i in range(100)))
            assert await cache.get_many([f"k{i}" for i in range(100)]) == {f"k{i}": i for i in range(100)}
            slow_steps = [record.getMessage() for record in caplog.records if "took" in record.getMessage()]
    finally:
        loop.set_debug(debug)
        loop.slow_callback_duration = slow
        sync_cache.close()
    assert slow_steps == []
