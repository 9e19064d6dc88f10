"""Auto-pipelining (``django_valkey.async_cache.autopipeline``) on real servers.

The whole async API runs on it too: ``DJANGO_VALKEY_TEST_DRIVER=autopipeline`` re-runs the API
suites with it (tests/helpers.py). Here: what is its own, one connection whatever the tasks and
cache objects, each reply to its caller, cancellation, the bound, the commands that keep a
connection of their own, and a paused, a killed and a restarted server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import valkey.asyncio
from django.core.exceptions import ImproperlyConfigured
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import DataError, ResponseError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core import autopipeline as shared_autopipeline
from django_valkey.async_cache.autopipeline import AutoPipelineValkey
from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted
from tests.faults import kill9, pause, paused, restart, resume
from tests.helpers import AUTOPIPELINE, make, make_async
from tests.servers import ValkeyProcess, named_connections


def muxed(location: str, **options: Any) -> AsyncValkeyCache:
    return make_async(location, BASE_CLIENT_CLASS=AUTOPIPELINE, **options)


@pytest.fixture
async def raw(valkey_server: ValkeyProcess) -> AsyncIterator[AutoPipelineValkey]:
    """An auto-pipelining raw client of its own pool, on database 0, emptied."""
    client = AutoPipelineValkey.from_url(f"{valkey_server.url}/0", client_name="ap-raw")
    await client.flushdb()
    yield client
    await client.aclose()
    await client.connection_pool.disconnect()


def multiplexer(client: AutoPipelineValkey) -> Any:
    mux: Any = client._django_valkey_mux  # pyright: ignore[reportPrivateUsage]
    assert mux is not None
    return mux


async def test_one_connection_serves_every_task_and_cache_object(valkey_server: ValkeyProcess) -> None:
    name = "ap-one-connection"
    location = f"{valkey_server.url}/0"

    async def task(index: int) -> None:
        cache = muxed(location, CONNECTION_POOL_KWARGS={"client_name": name})  # a cache object per "request"
        for round_ in range(10):
            await cache.set(f"ap{index}", {"round": round_, "task": index})
            assert await cache.get(f"ap{index}") == {"round": round_, "task": index}
            assert await cache.incr(f"ap-n{index}", 1) if round_ else await cache.set(f"ap-n{index}", 0) is None

    await asyncio.gather(*(task(i) for i in range(300)))
    assert named_connections(valkey_server, name) == 1
    assert await muxed(location).get_many([f"ap-n{i}" for i in range(3)]) == {f"ap-n{i}": 9 for i in range(3)}


async def test_commands_of_one_loop_turn_share_one_write(raw: AutoPipelineValkey) -> None:
    await raw.set("k", "v")
    mux = multiplexer(raw)
    writes: list[int] = []
    writer = mux._conn._writer
    real = writer.writelines

    def counting(chunks: Any) -> None:
        writes.append(1)
        real(chunks)

    writer.writelines = counting
    try:
        replies = await asyncio.gather(*(raw.get("k") for _ in range(50)))
    finally:
        writer.writelines = real
    assert replies == [b"v"] * 50
    assert len(writes) == 1


async def test_each_reply_reaches_its_own_caller(raw: AutoPipelineValkey) -> None:
    await raw.mset({f"k{i}": f"v{i}" for i in range(200)})

    async def check(i: int) -> None:
        for _ in range(5):
            assert await raw.get(f"k{i}") == f"v{i}".encode()
            assert await raw.incr(f"n{i}") > 0
            assert await raw.exists(f"k{i}", f"missing{i}") == 1

    await asyncio.gather(*(check(i) for i in range(200)))
    assert [int(n) for n in await raw.mget([f"n{i}" for i in range(200)])] == [5] * 200


async def test_an_error_reply_goes_to_its_caller_alone(raw: AutoPipelineValkey) -> None:
    await raw.set("text", "not a number")
    await raw.set("k", "v")
    results = await asyncio.gather(raw.get("k"), raw.incr("text"), raw.get("k"), return_exceptions=True)
    assert results[0] == b"v" and results[2] == b"v"
    assert isinstance(results[1], ResponseError) and "not an integer" in str(results[1])
    assert await raw.get("k") == b"v"


async def test_a_bad_argument_is_refused_to_its_caller_and_nothing_is_sent(raw: AutoPipelineValkey) -> None:
    await raw.set("k", "v")
    bad: Any = {"a": 1}
    results = await asyncio.gather(raw.get("k"), raw.set("bad", bad), raw.get("k"), return_exceptions=True)
    assert results[0] == b"v" and results[2] == b"v"
    assert isinstance(results[1], DataError) and "dict" in str(results[1])
    assert await raw.exists("bad") == 0


async def test_a_call_cancelled_on_the_wire_leaves_the_stream_in_step(own_server: ValkeyProcess) -> None:
    client = AutoPipelineValkey.from_url(own_server.url, socket_timeout=5)
    await client.mset({"a": "A", "b": "B"})
    pause(own_server)
    try:
        early = asyncio.ensure_future(client.get("a"))
        await asyncio.sleep(0.05)  # written: its reply is what the server sends next
        assert len(multiplexer(client)._in_flight) == 1
        early.cancel()
        with pytest.raises(asyncio.CancelledError):
            await early
    finally:
        resume(own_server)
    assert await client.get("b") == b"B"  # not "A", the cancelled call's reply
    assert await client.get("a") == b"A"
    await client.aclose()
    await client.connection_pool.disconnect()


async def test_a_call_cancelled_before_the_write_is_never_sent(raw: AutoPipelineValkey) -> None:
    await raw.set("n", 0)
    task = asyncio.ensure_future(raw.incr("n"))
    await asyncio.sleep(0)  # the task has queued its command; the write is due next
    assert len(multiplexer(raw)._queue) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await raw.get("n") == b"0"


async def test_a_paused_server_fails_what_is_on_the_wire_at_the_socket_timeout(own_server: ValkeyProcess) -> None:
    cache = muxed(own_server.url, SOCKET_TIMEOUT=0.3, CIRCUIT_BREAKER=False)
    ignoring = muxed(own_server.url, SOCKET_TIMEOUT=0.3, CIRCUIT_BREAKER=False, IGNORE_EXCEPTIONS=True)
    await cache.set("k", 1)
    with paused(own_server):
        started = time.monotonic()
        results = await asyncio.gather(*(cache.get("k") for _ in range(20)), return_exceptions=True)
        assert all(isinstance(result, CacheTimeout) for result in results), results
        assert 0.25 < time.monotonic() - started < 1.5
        assert await ignoring.get("k", "fallback") == "fallback"
    assert await cache.get("k") == 1  # a new connection, once the server answers again
    assert await asyncio.gather(*(cache.get("k") for _ in range(20))) == [1] * 20


async def test_a_killed_and_restarted_server_is_served_again(own_server: ValkeyProcess) -> None:
    cache = muxed(own_server.url, SOCKET_TIMEOUT=1, CIRCUIT_BREAKER=False)
    await cache.set("k", 1)
    pause(own_server)
    waiting = asyncio.gather(*(cache.get("k") for _ in range(10)), return_exceptions=True)
    await asyncio.sleep(0.05)
    kill9(own_server)
    results = await waiting
    assert all(isinstance(result, ConnectionInterrupted) for result in results), results
    with pytest.raises(ConnectionInterrupted):
        await cache.get("k")  # nothing listens: the reconnect fails, and says so
    restart(own_server, keep_data=False)
    await cache.set("k", 2)
    assert await asyncio.gather(*(cache.get("k") for _ in range(10))) == [2] * 10


async def test_at_most_max_in_flight_wait_on_the_connection(
    own_server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_autopipeline, "MAX_IN_FLIGHT", 5)
    client = AutoPipelineValkey.from_url(own_server.url, socket_timeout=5, client_name="ap-bound")
    await client.set("k", "v")
    pause(own_server)
    try:
        waiting = asyncio.gather(*(client.get("k") for _ in range(20)))
        await asyncio.sleep(0.1)
        mux = multiplexer(client)
        assert len(mux._in_flight) + len(mux._queue) == 5
        pool: Any = client.connection_pool
        assert len(pool._in_use_connections) == 1 + 15  # the multiplexed one, one per overflow call
    finally:
        resume(own_server)
    assert await waiting == [b"v"] * 20
    await client.aclose()
    await client.connection_pool.disconnect()


async def test_a_blocking_command_keeps_its_own_connection(
    raw: AutoPipelineValkey, valkey_server: ValkeyProcess
) -> None:
    await raw.set("k", "v")
    popping = asyncio.ensure_future(raw.blpop(["queue"], timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    assert await asyncio.gather(*(raw.get("k") for _ in range(20))) == [b"v"] * 20
    assert time.monotonic() - started < 0.5  # not stuck behind BLPOP
    assert not popping.done()
    with valkey_server.client() as other:
        other.rpush("queue", "job")
    assert await popping == (b"queue", b"job")
    assert named_connections(valkey_server, "ap-raw") == 2  # the multiplexed one and BLPOP's


async def test_closing_fails_what_waits_and_the_next_command_reconnects(own_server: ValkeyProcess) -> None:
    client = AutoPipelineValkey.from_url(own_server.url, socket_timeout=5)
    await client.set("k", "v")
    pause(own_server)
    try:
        waiting = asyncio.gather(*(client.get("k") for _ in range(5)), return_exceptions=True)
        await asyncio.sleep(0.05)
        await client.aclose()
        results = await waiting
    finally:
        resume(own_server)
    assert all(isinstance(result, (ValkeyConnectionError, asyncio.CancelledError)) for result in results), results
    assert await client.get("k") == b"v"
    await client.aclose()
    await client.connection_pool.disconnect()


async def test_a_connect_failure_reaches_every_queued_caller() -> None:
    from tests.servers import free_port

    client = AutoPipelineValkey.from_url(f"valkey://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    results = await asyncio.gather(*(client.get("k") for _ in range(5)), return_exceptions=True)
    assert all(isinstance(result, ValkeyConnectionError) for result in results), results
    assert len({id(result) for result in results}) == 5  # one exception each, not one shared
    await client.connection_pool.disconnect()


async def test_a_timeout_gives_each_caller_its_own_exception(own_server: ValkeyProcess) -> None:
    client = AutoPipelineValkey.from_url(own_server.url, socket_timeout=0.2)
    await client.set("k", "v")
    with paused(own_server):
        results = await asyncio.gather(*(client.get("k") for _ in range(5)), return_exceptions=True)
    assert all(isinstance(result, ValkeyTimeoutError) for result in results), results
    assert len({id(result) for result in results}) == 5
    assert await client.get("k") == b"v"
    await client.connection_pool.disconnect()


def test_a_sync_cache_multiplexes_its_async_methods_only(valkey_server: ValkeyProcess) -> None:
    location = f"{valkey_server.url}/0"
    cache = make(location, ASYNC_OPTIONS={"BASE_CLIENT_CLASS": AUTOPIPELINE})
    cache.set("k", "v")
    assert type(cache.get_client()) is not AutoPipelineValkey  # the sync client keeps its pool

    async def main() -> tuple[list[Any], type[Any]]:
        values = await asyncio.gather(*(cache.aget("k") for _ in range(20)))
        raw = await cache.aget_client()
        return values, type(raw)

    values, raw_type = asyncio.run(main())
    assert values == ["v"] * 20
    assert raw_type is AutoPipelineValkey


async def test_pipelines_and_transactions_use_a_pooled_connection(raw: AutoPipelineValkey) -> None:
    async with raw.pipeline(transaction=True) as pipe:
        pipe.set("x", 1).incr("x")
        assert await pipe.execute() == [True, 2]
    assert await raw.get("x") == b"2"
    assert isinstance(raw, valkey.asyncio.Valkey)


def test_an_asyncio_client_class_for_sync_methods_is_refused_by_name() -> None:
    cache = make("valkey://127.0.0.1:1/0", BASE_CLIENT_CLASS=AUTOPIPELINE)
    with pytest.raises(ImproperlyConfigured, match=r"AutoPipelineValkey is an asyncio client.*ASYNC_OPTIONS"):
        cache.get("k")


async def test_a_sync_client_class_for_async_methods_is_refused_by_name() -> None:
    cache = make_async("valkey://127.0.0.1:1/0", BASE_CLIENT_CLASS="valkey.Valkey")
    with pytest.raises(
        ImproperlyConfigured, match="Valkey is a sync client, but this connection factory builds an asyncio"
    ):
        await cache.get("k")


def test_a_plain_client_class_for_a_cluster_is_refused_by_name() -> None:
    from django_valkey.cluster_cache.cache import ClusterValkeyCache

    params = {"OPTIONS": {"BASE_CLIENT_CLASS": "valkey.Valkey"}}
    cache = ClusterValkeyCache("valkey://127.0.0.1:1", params)
    with pytest.raises(
        ImproperlyConfigured, match="Valkey is a sync client, but this connection factory builds a sync cluster"
    ):
        cache.get("k")


async def test_a_key_that_cannot_be_encoded_is_refused_to_its_caller(raw: AutoPipelineValkey) -> None:
    await raw.set("k", "v")
    results = await asyncio.gather(raw.get("k"), raw.set("bad\ud800key", 1), raw.get("k"), return_exceptions=True)
    assert results[0] == b"v" and results[2] == b"v"
    assert isinstance(results[1], UnicodeEncodeError)
    assert await raw.keys("*") == [b"k"]


async def test_closing_the_cache_closes_the_shared_connection_when_idle(valkey_server: ValkeyProcess) -> None:
    name = "ap-close"
    cache = muxed(f"{valkey_server.url}/0", CLOSE_CONNECTION=True, CONNECTION_POOL_KWARGS={"client_name": name})
    await cache.set("k", 1)
    assert named_connections(valkey_server, name) == 1
    await cache.aclose()  # what Django's request_finished does for CLOSE_CONNECTION
    assert named_connections(valkey_server, name) == 0
    assert await cache.get("k") == 1  # opened again
    assert named_connections(valkey_server, name) == 1


async def test_a_connection_dropped_silently_while_idle_is_replaced_before_use(own_server: ValkeyProcess) -> None:
    from tests.test_pool_bounds import BlackholeProxy

    proxy = BlackholeProxy(own_server.port)
    try:
        kwargs = {"health_check_interval": 0.5}
        cache = muxed(f"valkey://127.0.0.1:{proxy.port}/0", SOCKET_TIMEOUT=0.3, CONNECTION_POOL_KWARGS=kwargs)
        await cache.set("k", "v")
        proxy.blackhole()
        await asyncio.sleep(0.7)
        started = time.monotonic()
        assert await cache.get("k") == "v"  # on a new connection: nothing was written on the dead one
        assert time.monotonic() - started < 0.25
        assert proxy.accepted == 2
    finally:
        proxy.close()


async def test_a_connection_closed_by_the_server_while_idle_is_replaced(own_server: ValkeyProcess) -> None:
    cache = muxed(own_server.url, CONNECTION_POOL_KWARGS={"health_check_interval": 0})
    await cache.set("k", "v")
    with own_server.client() as conn:
        conn.config_set("timeout", 1)
    await asyncio.sleep(2.2)  # the server closes the idle connection
    assert await cache.get("k") == "v"


async def test_a_deadline_cuts_one_callers_wait_and_the_stream_stays_in_step(own_server: ValkeyProcess) -> None:
    from django_valkey.exceptions import DeadlineExceeded

    cache = muxed(own_server.url, DEADLINE=0.2, SOCKET_TIMEOUT=5, CIRCUIT_BREAKER=False)
    await cache.set_many({"a": "A", "b": "B"})
    with paused(own_server):
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            await cache.get("a")
        assert time.monotonic() - started < 0.2 + 0.1
    assert await cache.get("b") == "B"  # not "A", the abandoned call's reply
    assert await cache.get("a") == "A"
