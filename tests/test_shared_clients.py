"""Cache objects that use the same pool share its valkey-py client (Django builds a cache object
per thread and per ASGI request; a valkey-py client costs tens of microseconds to build)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
import valkey
import valkey.asyncio

from tests.helpers import make, make_async
from tests.servers import ValkeyProcess


@pytest.fixture
def server(valkey_server: ValkeyProcess) -> ValkeyProcess:
    return valkey_server


def test_cache_objects_share_the_raw_client(server: ValkeyProcess) -> None:
    one, two = make(server.url), make(server.url)
    assert one.get_client() is two.get_client()
    one.set("k", 1)
    assert two.get("k") == 1


def test_threads_share_it(server: ValkeyProcess) -> None:
    seen: list[object] = []

    def build() -> None:
        cache = make(server.url)
        cache.set("t", 1)
        seen.append(cache.get_client())

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1


def test_other_client_kwargs_get_their_own(server: ValkeyProcess) -> None:
    plain = make(server.url)
    decoded = make(server.url, BASE_CLIENT_KWARGS={"client_name": "other"})
    assert plain.get_client() is not decoded.get_client()
    assert plain.get_client().connection_pool is decoded.get_client().connection_pool


def test_a_single_connection_client_is_never_shared(server: ValkeyProcess) -> None:
    one = make(server.url, BASE_CLIENT_KWARGS={"single_connection_client": True})
    two = make(server.url, BASE_CLIENT_KWARGS={"single_connection_client": True})
    assert one.get_client() is not two.get_client()
    one.set("s", 1)
    assert two.get("s") == 1


def test_closing_one_cache_leaves_the_others_working(server: ValkeyProcess) -> None:
    one, two = make(server.url), make(server.url)
    one.set("c", 1)
    one.close()
    assert two.get("c") == 1
    assert one.get("c") == 1


def test_async_caches_share_the_loops_client(server: ValkeyProcess) -> None:
    async def main() -> None:
        one, two = make_async(server.url), make_async(server.url)
        assert await one.get_client() is await two.get_client()
        await one.aset("a", 1)
        assert await two.aget("a") == 1

    asyncio.run(main())


@pytest.mark.pooled(reason="inspects the pool's idle connections (tests/test_autopipeline_threads.py forks too)")
def test_a_forked_child_makes_its_own_connections(server: ValkeyProcess) -> None:
    # The fork check runs only after a fork (os.register_at_fork), not per checkout: a child
    # still never uses a socket of its parent's.
    import os

    cache = make(server.url)
    cache.set("f", 1)
    pool = cache.get_client().connection_pool
    parent_conns = {id(conn) for conn in pool._available_connections}
    assert parent_conns
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave at once
        try:
            ok = cache.get("f") == 1 and pool.pid == os.getpid()
            mine = pool._available_connections
            fresh = bool(mine) and all(conn.pid == os.getpid() for conn in mine)  # made in the child
            os.write(write, b"ok" if ok and fresh else b"bad")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 8)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert cache.get("f") == 1  # the parent's pool is untouched
    assert {id(conn) for conn in pool._available_connections} == parent_conns


class CountingValkey(valkey.Valkey):
    """A BASE_CLIENT_CLASS of a user's: its execute_command must still see every command."""

    calls: list[str] = []

    def execute_command(self, *args: Any, **options: Any) -> Any:
        CountingValkey.calls.append(str(args[0]))
        return super().execute_command(*args, **options)


def test_a_client_class_of_ones_own_sees_every_command(server: ValkeyProcess) -> None:
    # The plain valkey.Valkey takes a leaner path than execute_command (send_one); a subclass
    # does not, so what it overrides still runs.
    cache = make(server.url, BASE_CLIENT_CLASS="tests.test_shared_clients.CountingValkey")
    CountingValkey.calls.clear()
    cache.set("sub", 1)
    assert cache.get("sub") == 1
    assert cache.delete("sub") is True
    assert [call.upper() for call in CountingValkey.calls] == ["SET", "GET", "DEL"]


def test_the_lean_path_keeps_valkey_pys_reply_callbacks(server: ValkeyProcess) -> None:
    cache = make(server.url)
    pool = cache.get_client().connection_pool
    in_use = len(pool._in_use_connections)  # the pool is the process's: other tests' threads may hold some
    assert cache.set("cb", 1) is None and cache.add("cb", 2) is False  # SET ... NX: None -> False
    assert cache.touch("cb", 10) is True and cache.ttl("cb") in (9, 10)
    assert len(pool._in_use_connections) == in_use  # every checkout released


def test_a_cancelled_aget_leaves_no_reply_for_the_next_call(server: ValkeyProcess) -> None:
    # One pooled connection; an aget is cancelled while its reply is on the way: the next call
    # on that pool gets its own reply, not the cancelled one's.
    from tests.faults import paused

    async def main() -> None:
        cache = make_async(server.url, CONNECTION_POOL_KWARGS={"max_connections": 1}, SOCKET_TIMEOUT=5)
        await cache.aset("one", "first")
        await cache.aset("two", "second")
        with paused(server):
            task = asyncio.ensure_future(cache.aget("one"))
            await asyncio.sleep(0.05)  # sent, waiting for the reply
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert await cache.aget("two") == "second"
        assert await cache.aget("one") == "first"

    asyncio.run(main())


class CountingAsyncValkey(valkey.asyncio.Valkey):
    calls: list[str] = []

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        CountingAsyncValkey.calls.append(str(args[0]))
        return await super().execute_command(*args, **options)


def test_an_async_client_class_of_ones_own_sees_every_command(server: ValkeyProcess) -> None:
    async def main() -> None:
        cache = make_async(server.url, BASE_CLIENT_CLASS="tests.test_shared_clients.CountingAsyncValkey")
        CountingAsyncValkey.calls.clear()
        await cache.aset("sub", 1)
        assert await cache.aget("sub") == 1
        assert [call.upper() for call in CountingAsyncValkey.calls] == ["SET", "GET"]

    asyncio.run(main())
