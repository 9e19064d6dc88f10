"""Auto-pipelining for threads (``django_valkey.autopipeline``) on real servers.

``DJANGO_VALKEY_TEST_DRIVER=autopipeline`` re-runs the API suites with it on every sync method
(tests/helpers.py). Here: one connection whatever the threads and cache objects, each reply to
its caller, the bound, the commands that keep a connection of their own, the parser it needs, a
paused, a killed and a restarted server, a fork, and close.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from valkey.exceptions import DataError, ResponseError

from django_valkey._core import autopipeline as shared_autopipeline
from django_valkey.autopipeline import AutoPipelineValkey
from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted
from tests.faults import kill9, pause, paused, restart, resume
from tests.helpers import THREAD_AUTOPIPELINE, in_threads, make, run_threads
from tests.servers import ValkeyProcess, named_connections


def muxed(location: str, **options: Any) -> ValkeyCache:
    return make(location, BASE_CLIENT_CLASS=THREAD_AUTOPIPELINE, **options)


@pytest.fixture
def raw(valkey_server: ValkeyProcess) -> Iterator[AutoPipelineValkey]:
    """A thread auto-pipelining raw client of its own pool, on database 0, emptied."""
    client = AutoPipelineValkey.from_url(f"{valkey_server.url}/0", client_name="apt-raw")
    client.flushdb()
    yield client
    client.close()
    client.connection_pool.disconnect()


def mux_of(client: Any) -> Any:
    mux = client._django_valkey_mux
    assert mux is not None
    return mux


def test_one_connection_serves_every_thread_and_cache_object(valkey_server: ValkeyProcess) -> None:
    name = "apt-one-connection"
    location = f"{valkey_server.url}/0"

    def work(index: int) -> None:
        cache = muxed(location, CONNECTION_POOL_KWARGS={"client_name": name})  # one per thread, as Django does
        for round_ in range(50):
            cache.set(f"apt{index}", {"round": round_, "thread": index})
            assert cache.get(f"apt{index}") == {"round": round_, "thread": index}
            assert cache.incr(f"apt-n{index}", 1) if round_ else cache.set(f"apt-n{index}", 0) is None

    run_threads(16, work)
    assert named_connections(valkey_server, name) == 1
    assert muxed(location).get_many([f"apt-n{i}" for i in range(3)]) == {f"apt-n{i}": 49 for i in range(3)}


def test_each_reply_reaches_its_own_caller(raw: AutoPipelineValkey) -> None:
    raw.mset({f"k{i}": f"v{i}" for i in range(32)})

    def work(i: int) -> None:
        for _ in range(100):
            assert raw.get(f"k{i}") == f"v{i}".encode()
            assert raw.exists(f"k{i}", f"missing{i}") == 1

    run_threads(32, work)


def test_an_error_reply_or_a_bad_argument_goes_to_its_caller_alone(raw: AutoPipelineValkey) -> None:
    raw.set("text", "not a number")
    raw.set("k", "v")
    refused: list[BaseException] = []

    def work(i: int) -> None:
        for _ in range(50):
            try:
                if i == 0:
                    raw.incr("text")
                elif i == 1:
                    bad: Any = {"a": 1}
                    raw.set("bad", bad)
                elif i == 2:
                    raw.set("bad\ud800key", 1)
                else:
                    assert raw.get("k") == b"v"
            except (ResponseError, DataError, UnicodeEncodeError) as error:
                assert i in (0, 1, 2)
                refused.append(error)

    run_threads(8, work)
    assert len(refused) == 150
    assert {type(error) for error in refused} == {ResponseError, DataError, UnicodeEncodeError}
    assert sorted(raw.keys("*")) == [b"k", b"text"]  # nothing of the refused ones


def test_a_paused_server_fails_every_waiting_caller_at_the_socket_timeout(own_server: ValkeyProcess) -> None:
    cache = muxed(own_server.url, SOCKET_TIMEOUT=0.3, CIRCUIT_BREAKER=False)
    ignoring = muxed(own_server.url, SOCKET_TIMEOUT=0.3, CIRCUIT_BREAKER=False, IGNORE_EXCEPTIONS=True)
    cache.set("k", 1)
    timings: list[float] = []

    def work(_: int) -> None:
        started = time.monotonic()
        try:
            cache.get("k")
        finally:
            timings.append(time.monotonic() - started)

    with paused(own_server):
        _, errors = in_threads(8, work)
        assert len(errors) == 8 and all(isinstance(error, CacheTimeout) for error in errors), errors
        assert all(0.25 < taken < 1.5 for taken in timings), timings
        assert ignoring.get("k", "fallback") == "fallback"
    assert cache.get("k") == 1  # a new connection, once the server answers again
    assert run_threads(8, lambda _: cache.get("k")) == [1] * 8


def test_a_killed_and_restarted_server_is_served_again(own_server: ValkeyProcess) -> None:
    cache = muxed(own_server.url, SOCKET_TIMEOUT=2, CIRCUIT_BREAKER=False)
    cache.set("k", 1)
    pause(own_server)
    results: list[object] = []

    def work(_: int) -> None:
        try:
            cache.get("k")
        except Exception as error:
            results.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    kill9(own_server)
    for thread in threads:
        thread.join(10)
    assert len(results) == 6 and all(isinstance(error, ConnectionInterrupted) for error in results), results
    with pytest.raises(ConnectionInterrupted):
        cache.get("k")  # nothing listens: the reconnect fails, and says so
    restart(own_server, keep_data=False)
    cache.set("k", 2)
    assert cache.get("k") == 2


def test_at_most_max_in_flight_wait_on_the_connection(
    own_server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_autopipeline, "MAX_IN_FLIGHT", 3)
    client = AutoPipelineValkey.from_url(own_server.url, socket_timeout=5)
    client.set("k", "v")
    replies: list[object] = []
    pause(own_server)
    try:
        threads = [threading.Thread(target=lambda: replies.append(client.get("k"))) for _ in range(10)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        link = mux_of(client)._link
        assert len(link.in_flight) == 3
        pool: Any = client.connection_pool
        assert len(pool._in_use_connections) == 1 + 7  # the multiplexed one, one per overflow call
    finally:
        resume(own_server)
    for thread in threads:
        thread.join(10)
    assert replies == [b"v"] * 10
    client.close()
    client.connection_pool.disconnect()


def test_a_blocking_command_keeps_its_own_connection(raw: AutoPipelineValkey, valkey_server: ValkeyProcess) -> None:
    raw.set("k", "v")
    popped: list[object] = []
    popper = threading.Thread(target=lambda: popped.append(raw.blpop(["queue"], timeout=5)))
    popper.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert [raw.get("k") for _ in range(20)] == [b"v"] * 20
    assert time.monotonic() - started < 0.5  # not stuck behind BLPOP
    assert named_connections(valkey_server, "apt-raw") == 2  # the multiplexed one and BLPOP's
    with valkey_server.client() as other:
        other.rpush("queue", "job")
    popper.join(5)
    assert popped == [(b"queue", b"job")]


def test_without_libvalkeys_parser_the_pool_serves_every_command(valkey_server: ValkeyProcess) -> None:
    name = "apt-plain-parser"
    cache = muxed(
        f"{valkey_server.url}/0",
        PARSER_CLASS="valkey.connection._RESP2Parser",
        CONNECTION_POOL_KWARGS={"client_name": name},
    )
    cache.set("k", 1)
    assert run_threads(4, lambda _: cache.get("k")) == [1] * 4
    assert mux_of(cache.get_client()).pool_only
    assert cache.get("k") == 1


def _in_child(location: str, queue: Any) -> None:
    cache = muxed(location)
    cache.set("child", "child's")
    queue.put((cache.get("forked"), cache.get("child")))


def test_a_forked_child_opens_its_own_connection(valkey_server: ValkeyProcess) -> None:
    location = f"{valkey_server.url}/0"
    cache = muxed(location)
    cache.set("forked", "parent's")
    assert cache.get("forked") == "parent's"  # the parent's connection is open
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(location, queue))
    child.start()
    assert queue.get(timeout=20) == ("parent's", "child's")
    child.join(10)
    assert cache.get("child") == "child's"  # and the parent's still serves
    assert run_threads(4, lambda _: cache.get("forked")) == ["parent's"] * 4


def test_closing_the_cache_closes_the_shared_connection_when_idle(valkey_server: ValkeyProcess) -> None:
    name = "apt-close"
    cache = muxed(f"{valkey_server.url}/0", CLOSE_CONNECTION=True, CONNECTION_POOL_KWARGS={"client_name": name})
    cache.set("k", 1)
    assert named_connections(valkey_server, name) == 1
    cache.close()  # what Django's request_finished does
    assert named_connections(valkey_server, name) == 0
    assert cache.get("k") == 1  # opened again
    assert named_connections(valkey_server, name) == 1


def test_pipelines_and_transactions_use_a_pooled_connection(raw: AutoPipelineValkey) -> None:
    with raw.pipeline(transaction=True) as pipe:
        pipe.set("x", 1).incr("x")
        assert pipe.execute() == [True, 2]
    assert raw.get("x") == b"2"


def test_a_connection_dropped_silently_while_idle_is_replaced_before_use(own_server: ValkeyProcess) -> None:
    from tests.test_pool_bounds import BlackholeProxy

    proxy = BlackholeProxy(own_server.port)
    try:
        kwargs = {"health_check_interval": 0.5}
        cache = muxed(f"valkey://127.0.0.1:{proxy.port}/0", SOCKET_TIMEOUT=0.3, CONNECTION_POOL_KWARGS=kwargs)
        cache.set("k", "v")
        proxy.blackhole()
        time.sleep(0.7)
        started = time.monotonic()
        assert cache.get("k") == "v"  # on a new connection: nothing was written on the dead one
        assert time.monotonic() - started < 0.25
        assert proxy.accepted == 2
    finally:
        proxy.close()


def test_a_connection_closed_by_the_server_while_idle_is_replaced(own_server: ValkeyProcess) -> None:
    cache = muxed(own_server.url, CONNECTION_POOL_KWARGS={"health_check_interval": 0})
    cache.set("k", "v")
    with own_server.client() as conn:
        conn.config_set("timeout", 1)
    time.sleep(2.2)  # the server closes the idle connection
    assert cache.get("k") == "v"


def test_a_deadline_cuts_one_callers_wait_and_the_stream_stays_in_step(own_server: ValkeyProcess) -> None:
    from django_valkey.exceptions import DeadlineExceeded

    cache = muxed(own_server.url, DEADLINE=0.2, SOCKET_TIMEOUT=5, CIRCUIT_BREAKER=False)
    cache.set_many({"a": "A", "b": "B"})
    with paused(own_server):
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            cache.get("a")
        assert time.monotonic() - started < 0.2 + 0.1
    assert cache.get("b") == "B"  # not "A", the abandoned call's reply
    assert cache.get("a") == "A"


def test_a_lone_caller_reads_its_own_reply_and_the_reader_thread_serves_a_crowd(valkey_server: ValkeyProcess) -> None:
    """One thread at a time: no other thread is involved in a call (no reader thread exists).
    Many at once: the reader thread reads for them, and every reply reaches its own caller."""
    cache = muxed(f"{valkey_server.url}/0", CONNECTION_POOL_KWARGS={"client_name": "apt-lone-then-crowd"})
    cache.set_many({f"k{i}": i for i in range(32)})
    for i in range(200):
        assert cache.get(f"k{i % 32}") == i % 32
    link = mux_of(cache.get_client())._link
    assert link is not None and link.reader_thread is None

    def work(index: int) -> list[object]:
        return [cache.get(f"k{(index + n) % 32}") for n in range(100)]

    results = run_threads(16, work)
    assert results == [[(index + n) % 32 for n in range(100)] for index in range(16)]
    assert link.reader_thread is not None and link is mux_of(cache.get_client())._link


def test_a_reading_caller_past_its_deadline_leaves_the_reading_to_the_others(own_server: ValkeyProcess) -> None:
    """The caller that reads gives up at its deadline while another still waits: the reader
    thread reads on, so the other gets its own reply once the server answers."""
    from django_valkey._sync.deadline import DeadlineReached, scope

    client = AutoPipelineValkey.from_url(own_server.url, socket_timeout=5)
    client.mset({"a": "A", "b": "B"})
    seen: list[object] = []
    later = threading.Timer(0.05, lambda: seen.append(client.get("b")))
    try:
        with paused(own_server):
            with pytest.raises(DeadlineReached), scope(0.2):
                later.start()  # queues behind this call, which is first in line and so reads
                client.get("a")
            time.sleep(0.2)
            assert seen == []
        later.join(5)
        assert seen == [b"B"]
        assert client.get("a") == b"A" and client.get("b") == b"B"
    finally:
        client.close()
