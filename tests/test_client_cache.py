"""The client-side cache (``OPTIONS["CLIENT_CACHE"]``) on real servers: hits served from process
memory, invalidated by the server's tracking pushes, bypassed while tracking is down."""

from __future__ import annotations

import asyncio
import os
import pickle
import select
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient
from django_valkey.client_cache import ClientCache
from django_valkey.exceptions import ConnectionInterrupted
from tests.faults import Failover, sentinel_failover
from tests.helpers import make, make_async
from tests.servers import ValkeyProcess, running, wait_for
from tests.topology.launchers import SentinelTopology


def local_of(cache: Any) -> ClientCache:
    store = cache.client._local
    assert isinstance(store, ClientCache)
    return store


def cached(location: str, **client_cache: Any) -> ValkeyCache:
    """A ValkeyCache with its own store (a fresh KEY_PREFIX), tracking already up."""
    cache = make(location, KEY_PREFIX=uuid.uuid4().hex[:8], CLIENT_CACHE=client_cache or True)
    assert local_of(cache).wait_until_tracking(5)
    return cache


def stored(cache: ValkeyCache, key: str) -> str:
    return str(cache.make_key(key))


def held(cache: Any, key: str) -> Any:
    """``cache.get(key)`` until the store holds it: a fill is cancelled when an invalidation of
    the key arrives while it is on the way (such as the push of this process's own last write)."""
    store, made = local_of(cache), stored(cache, key)
    for _ in range(100):
        value = cache.get(key)
        if made in store._entries:
            return value
    raise AssertionError(f"{key} never stayed in the store")


def until_pushed(store: ClientCache, timeout: float = 2.0) -> None:
    """Wait until an invalidation push is readable on the tracking socket (without reading it)."""
    assert select.select(store._fds, [], [], timeout)[0], "no invalidation arrived"


@pytest.fixture
def server() -> Iterator[ValkeyProcess]:
    with running() as proc:
        yield proc


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"MAX_ENTRIES": 0}, "MAX_ENTRIES"),
        ({"MAX_BYTES": -1}, "MAX_BYTES"),
        ({"MAX_AGE": "1"}, "MAX_AGE"),
        ({"HEARTBEAT": 0}, "HEARTBEAT"),
        ({"KEY_PREFIXES": "user:"}, "KEY_PREFIXES"),
        ({"KEY_PREFIXES": [1]}, "KEY_PREFIXES"),
        ({"SIZE": 10}, r"unknown keys \['SIZE'\]"),
        ("yes", "must be a dict"),
    ],
)
def test_bad_settings_name_the_problem(valkey_server: ValkeyProcess, given: object, named: str) -> None:
    cache = make(valkey_server.url, CLIENT_CACHE=given)
    with pytest.raises(ImproperlyConfigured, match=named):
        cache.get("k")


def test_off_by_default(valkey_server: ValkeyProcess) -> None:
    cache = make(valkey_server.url, KEY_PREFIX="off")
    assert cache.client._local is None
    assert cache.client_cache_stats() is None
    assert make(valkey_server.url, CLIENT_CACHE=False).client._local is None


class NoTrackingClient(DefaultClient):
    """A client of one's own that says it cannot track keys."""

    TRACKER_FACTORY_PATH = None


def test_a_client_without_tracking_refuses_it(valkey_server: ValkeyProcess) -> None:
    cache = make(valkey_server.url, CLIENT_CLASS=NoTrackingClient, CLIENT_CACHE=True)
    with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['CLIENT_CACHE'\] is not supported by NoTrackingClient"):
        cache.get("k")


# ---------------------------------------------------------------- hits and invalidation


def test_a_second_read_is_a_local_hit(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    cache.set("k", {"a": 1}, 30)
    assert held(cache, "k") == {"a": 1}
    before = cache.client_cache_stats()
    assert before is not None
    assert cache.get("k") == {"a": 1}
    after = cache.client_cache_stats()
    assert after is not None and after.hits == before.hits + 1 and after.misses == before.misses


def test_cache_objects_share_the_store(valkey_server: ValkeyProcess) -> None:
    prefix = uuid.uuid4().hex[:8]
    one = make(valkey_server.url, KEY_PREFIX=prefix, CLIENT_CACHE=True)
    two = make(valkey_server.url, KEY_PREFIX=prefix, CLIENT_CACHE=True)
    assert local_of(one) is local_of(two)


def test_hits_never_share_a_mutable_value(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    cache.set("k", {"items": [1]})
    first = cache.get("k")
    first["items"].append(2)
    assert cache.get("k") == {"items": [1]}


def test_a_missing_key_is_remembered_until_someone_writes_it(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    store = local_of(cache)
    assert held(cache, "absent") is None
    hits = store.stats().hits
    assert cache.get("absent", "d") == "d"
    assert store.stats().hits == hits + 1
    other = valkey_server.client()
    other.set(stored(cache, "absent"), pickle.dumps("now"))
    until_pushed(store)
    assert cache.get("absent") == "now"


def test_another_clients_write_is_seen_once_its_push_has_arrived(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    store = local_of(cache)
    other = valkey_server.client()
    for round_ in range(50):
        cache.set("k", round_)
        assert cache.get("k") == round_
        assert cache.get("k") == round_  # a hit
        other.set(stored(cache, "k"), pickle.dumps(f"other {round_}"))
        until_pushed(store)
        assert cache.get("k") == f"other {round_}"


@pytest.mark.parametrize(
    "command",
    [
        lambda raw, key: raw.delete(key),
        lambda raw, key: raw.pexpire(key, 1),
        lambda raw, key: raw.rename(key, key + "-moved"),
        lambda raw, key: raw.flushall(),
        lambda raw, key: raw.flushdb(),
    ],
    ids=["DEL", "PEXPIRE", "RENAME", "FLUSHALL", "FLUSHDB"],
)
def test_other_changes_invalidate(valkey_server: ValkeyProcess, command: Any) -> None:
    cache = cached(valkey_server.url)
    store = local_of(cache)
    cache.set("k", "v")
    assert cache.get("k") == "v"
    command(valkey_server.client(), stored(cache, "k"))
    until_pushed(store)
    time.sleep(0.005)  # a PEXPIRE of 1 ms: let it pass
    assert cache.get("k") is None


def test_own_writes_are_exact_at_once(valkey_server: ValkeyProcess) -> None:
    """Every write through this process is seen by its next read, without waiting for a push."""
    cache = cached(valkey_server.url)

    def fill(value: Any) -> None:
        cache.set("k", value)
        assert cache.get("k") == value
        assert cache.get("k") == value

    fill(1)
    cache.incr("k", 5)
    assert cache.get("k") == 6
    cache.decr("k")
    assert cache.get("k") == 5
    fill("a")
    cache.set("k", "b")
    assert cache.get("k") == "b"
    cache.delete("k")
    assert cache.get("k") is None
    fill("c")
    cache.set_many({"k": "d", "j": "e"})
    assert cache.get("k") == "d"
    cache.delete_many(["k"])
    assert cache.get("k") is None
    fill("f")
    assert cache.add("k", "g") is False
    cache.clear()
    assert cache.get("k") is None
    fill("h")
    cache.delete_pattern("k*")
    assert cache.get("k") is None
    fill("i")
    assert cache.touch("k", 0.05)
    time.sleep(0.08)
    assert cache.get("k") is None
    fill("j")
    cache.expire("k", 0)
    assert cache.get("k") is None
    fill("k")
    cache.incr_version("k")
    assert cache.get("k") is None
    assert cache.get("k", version=2) == "k"
    fill("l")
    with cache.pipeline() as pipe:
        pipe.set("k", "m")
        pipe.execute()
    assert cache.get("k") == "m"


def test_a_local_entry_never_outlives_the_servers_ttl(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    cache.set("short", "v", 0.3)
    assert cache.get("short") == "v"
    assert cache.get("short") == "v"
    time.sleep(0.32)
    # The server may not have expired it actively yet: the local entry ends on its own.
    assert cache.get("short") is None


def test_a_ttl_set_by_another_client_counts(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    other = valkey_server.client()
    other.set(stored(cache, "k"), pickle.dumps("v"), px=200)
    until_pushed(local_of(cache))
    assert cache.get("k") == "v"
    assert cache.get("k") == "v"
    time.sleep(0.22)
    assert cache.get("k") is None


def test_max_age_bounds_an_entry(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url, MAX_AGE=0.1)
    store = local_of(cache)
    cache.set("k", "v")
    held(cache, "k")
    misses = store.stats().misses
    time.sleep(0.12)
    assert cache.get("k") == "v"
    assert store.stats().misses == misses + 1


def test_entries_and_bytes_are_bounded_lru(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url, MAX_ENTRIES=3)
    store = local_of(cache)
    for name in "abcdef":
        cache.set(name, name)
    for name in "abcde":
        held(cache, name)
    cache.get("c")  # c is now the most recent
    held(cache, "f")
    stats = store.stats()
    assert stats.entries == 3 and stats.evictions >= 3
    assert set(store._entries) == {stored(cache, k) for k in "def"} - {stored(cache, "d")} | {stored(cache, "c")}

    small = cached(valkey_server.url, MAX_BYTES=1000)
    small.set("big", "x" * 5000)
    small.set("s1", "x" * 300)
    small.set("s2", "x" * 300)
    small.set("s3", "x" * 300)
    small.get("big")
    for name in ("s1", "s2"):
        held(small, name)
    assert local_of(small).stats().bytes <= 1000
    assert stored(small, "big") not in local_of(small)._entries


def test_key_prefixes_limit_what_is_kept(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url, KEY_PREFIXES=["user:"])
    store = local_of(cache)
    cache.set("user:1", 1)
    cache.set("page:1", 2)
    assert held(cache, "user:1") == 1
    for _ in range(3):
        assert cache.get("page:1") == 2
    assert set(store._entries) == {stored(cache, "user:1")}


def test_a_custom_key_function_tracks_every_key(valkey_server: ValkeyProcess) -> None:
    cache = make(
        valkey_server.url, KEY_FUNCTION="tests.test_client_cache.plain_key", CLIENT_CACHE=True, KEY_PREFIX="pk"
    )
    store = local_of(cache)
    assert store.prefix is None
    assert store.wait_until_tracking(5)
    cache.set("any", 1)
    assert cache.get("any") == 1
    valkey_server.client().set(cache.make_key("any"), 2)
    until_pushed(store)
    assert cache.get("any") == 2


def plain_key(key: str, key_prefix: str, version: int) -> str:
    return f"pk-{version}-{key}"


def test_a_reassigned_key_prefix_bypasses(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    cache.key_prefix = "moved"
    cache.set("k", 1)
    cache.get("k")
    cache.get("k")
    assert local_of(cache).stats().entries == 0


# ---------------------------------------------------------------- a sick tracking connection


def test_an_unparsable_push_flushes_and_reconnects(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    store = local_of(cache)
    cache.set("k", "v")
    held(cache, "k")
    valkey_server.client().publish("__redis__:invalidate", "not a list of keys")
    until_pushed(store)
    assert cache.get("k") == "v"  # from the server: the store was flushed and is bypassed
    stats = store.stats()
    assert stats.entries == 0 and not stats.tracking
    assert store.wait_until_tracking(5)
    assert cache.get("k") == "v"
    assert cache.get("k") == "v"
    assert store.stats().hits >= 1


def test_a_killed_server_is_never_served_from_memory(server: ValkeyProcess) -> None:
    cache = cached(server.url, HEARTBEAT=0.05)
    store = local_of(cache)
    cache.set("k", "old")
    assert cache.get("k") == "old"
    port = server.port
    server.kill()
    assert wait_for(lambda: not store.tracking, 2)
    assert store.stats().entries == 0
    with pytest.raises(ConnectionInterrupted):  # the server is down: nothing from memory
        cache.get_many(["k", "m"])
    server.start(port=port)  # a new, empty server on the same port
    server.client().set(stored(cache, "k"), pickle.dumps("new"))
    assert cache.get_many(["k", "m"]) == {"k": "new"}  # tracking may still be down: bypassed
    assert cache.get("k") == "new"
    assert store.wait_until_tracking(5)
    assert cache.get("k") == "new"
    assert cache.get("k") == "new"


def test_a_server_that_stays_down_is_logged_once_and_retried_with_backoff(
    server: ValkeyProcess, caplog: pytest.LogCaptureFixture
) -> None:
    cache = cached(server.url, HEARTBEAT=0.05)
    store = local_of(cache)
    tracker = store._trackers[0]
    port = server.port
    server.kill()
    assert wait_for(lambda: not store.tracking, 2)
    time.sleep(1.5)
    records = [r.getMessage() for r in caplog.records if r.name == "django_valkey.client_cache"]
    assert len(records) == 1 and "lost (ConnectionError)" in records[0], records  # not one per reconnect
    # 0.05, 0.1, 0.2, 0.4, 0.8 s apart (a fixed heartbeat would have tried 30 times)
    assert 3 <= tracker.failures <= 7
    assert tracker.retry_at - time.monotonic() <= 2.0  # MAX_BACKOFF
    server.start(port=port)
    assert store.wait_until_tracking(5)
    cache.set("k", 1)
    assert held(cache, "k") == 1
    assert wait_for(lambda: tracker.failures == 0, 2)  # answered a PING: the outage is over


def test_a_paused_server_stops_local_hits_within_two_heartbeats(server: ValkeyProcess) -> None:
    cache = cached(server.url, HEARTBEAT=0.05)
    store = local_of(cache)
    cache.set("k", "v")
    cache.get("k")
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        paused = time.monotonic()
        assert wait_for(lambda: not store.tracking, 2, interval=0.005)
        assert time.monotonic() - paused < 0.25  # two heartbeats and the thread's wake-up
        assert store.stats().entries == 0
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    assert store.wait_until_tracking(5)
    assert cache.get("k") == "v"


def test_script_flush_keeps_incr_exact(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    cache.set("n", 1)
    assert cache.get("n") == 1
    valkey_server.client().script_flush()
    assert cache.incr("n") == 2
    assert cache.get("n") == 2


def test_a_forked_child_makes_its_own_tracking_connection(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    store = local_of(cache)
    cache.set("k", "parent")
    assert cache.get("k") == "parent"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            if store.stats().entries == 0 and store.wait_until_tracking(5):
                assert cache.get("k") == "parent"
                valkey_server.client().set(stored(cache, "k"), pickle.dumps("outside"))
                until_pushed(store)
                code = 0 if cache.get("k") == "outside" else 2
        finally:
            os.write(write, bytes([code]))
            os._exit(0)
    os.close(write)
    result = os.read(read, 1)
    os.waitpid(pid, 0)
    assert result == b"\x00"
    until_pushed(store)  # the child's write reached the parent's own tracking connection too
    assert cache.get("k") == "outside"
    assert store.tracking


# ---------------------------------------------------------------- replicas, sentinel, async


def test_with_replicas_fills_read_the_primary(valkey_server: ValkeyProcess, replica_server: ValkeyProcess) -> None:
    cache = make([valkey_server.url, replica_server.url], KEY_PREFIX=uuid.uuid4().hex[:8], CLIENT_CACHE=True)
    store = local_of(cache)
    assert store.wait_until_tracking(5)
    primary = valkey_server.client()
    primary.set(stored(cache, "k"), pickle.dumps("v1"))
    until_pushed(store)
    assert cache.get("k") == "v1"  # read from the primary, even if the replica lags
    primary.set(stored(cache, "k"), pickle.dumps("v2"))
    until_pushed(store)
    assert cache.get("k") == "v2"


def test_get_many_is_served_from_memory_and_kept_true(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)
    store = local_of(cache)
    data = {f"k{i}": [i] for i in range(10)}
    cache.set_many(data)
    wanted = [*data, "absent", "k3"]  # a missing key, and one asked twice
    assert cache.get_many(wanted) == data  # one round trip: MGET and each key's PTTL
    assert wait_for(lambda: cache.get_many(wanted) == data and len(store._entries) == 11, 2)
    hits = store.stats().hits
    first = cache.get_many(wanted)
    assert first == data and store.stats().hits == hits + len(wanted)  # no round trip
    first["k0"].append("changed")  # decoded per call: nobody else sees it
    assert cache.get_many(["k0"]) == {"k0": [0]} and cache.get("k0") == [0]
    with valkey_server.client() as other:
        other.set(stored(cache, "k1"), pickle.dumps("theirs"))
        other.set(stored(cache, "absent"), pickle.dumps("now here"))
    until_pushed(store)
    assert cache.get_many(["k1", "absent", "k2"]) == {"k1": "theirs", "absent": "now here", "k2": [2]}
    cache.delete_many(["k2", "k3"])
    assert cache.get_many(["k2", "k3", "k4"]) == {"k4": [4]}  # own writes: at once


def test_async_cache_hits_and_invalidation(valkey_server: ValkeyProcess) -> None:
    cache = make_async(valkey_server.url, KEY_PREFIX=uuid.uuid4().hex[:8], CLIENT_CACHE=True)
    other = valkey_server.client()

    async def main() -> None:
        store = local_of(cache)
        assert store.wait_until_tracking(5)  # an async cache connects it in the background
        await cache.aset("k", [1])
        made = stored(cache, "k")
        while made not in store._entries:
            assert await cache.aget("k") == [1]
        hits = store.stats().hits
        assert await cache.aget("k") == [1]
        assert store.stats().hits == hits + 1
        other.set(stored(cache, "k"), pickle.dumps("x"))  # type: ignore[arg-type]
        until_pushed(store)
        assert await cache.aget("k") == "x"
        await cache.adelete("k")
        assert await cache.aget("k") is None
        await cache.aset_many({"a": 1, "b": 2})
        assert await cache.aget_many(["a", "b", "c"]) == {"a": 1, "b": 2}
        hits = store.stats().hits
        assert await cache.aget_many(["a", "b", "c"]) == {"a": 1, "b": 2}
        assert store.stats().hits >= hits + 1  # from memory (an own-write push may cancel a fill)

    asyncio.run(main())


def test_a_sync_caches_native_async_methods_share_the_store(valkey_server: ValkeyProcess) -> None:
    cache = cached(valkey_server.url)

    store = local_of(cache)

    async def main() -> None:
        await cache.aset("k", 1)
        while stored(cache, "k") not in store._entries:
            assert await cache.aget("k") == 1
        hits = store.stats().hits
        assert await cache.aget("k") == 1
        assert store.stats().hits == hits + 1
        cache.set("k", 2)  # a sync write: the async half sees it at once
        assert await cache.aget("k") == 2

    asyncio.run(main())
    assert cache.get("k") == 2


def test_herd_client_keeps_its_contract(valkey_server: ValkeyProcess) -> None:
    cache = make(
        valkey_server.url,
        KEY_PREFIX=uuid.uuid4().hex[:8],
        CLIENT_CLASS="django_valkey.client.HerdClient",
        CLIENT_CACHE=True,
    )
    assert local_of(cache).wait_until_tracking(5)
    cache.set("k", "v", 30)
    assert held(cache, "k") == "v"
    hits = local_of(cache).stats().hits
    assert cache.get("k") == "v"
    assert local_of(cache).stats().hits == hits + 1


def test_no_secret_in_its_log_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    with running() as proc:
        proc.client().config_set("requirepass", "s3cret-pw")
        url = f"valkey://:s3cret-pw@127.0.0.1:{proc.port}/0"
        cache = make(url, KEY_PREFIX="sec", CLIENT_CACHE={"HEARTBEAT": 0.05})
        store = local_of(cache)
        assert store.wait_until_tracking(5)
        cache.set("k", 1)
        assert cache.get("k") == 1
        proc.kill()
        assert wait_for(lambda: not store.tracking, 2)
        time.sleep(0.1)
    assert "tracking connection" in caplog.text
    assert "s3cret-pw" not in caplog.text
    assert "s3cret-pw" not in repr(store._trackers[0].label)


def test_valkey_py_client_errors_stay_ours(server: ValkeyProcess) -> None:
    cache = cached(server.url, HEARTBEAT=0.05)
    cache.set("k", 1)
    cache.get("k")
    server.kill()
    from django_valkey.exceptions import ConnectionInterrupted

    with pytest.raises(ConnectionInterrupted):
        cache.get("k")


SENTINEL_OPTIONS: dict[str, Any] = {
    "CLIENT_CLASS": "django_valkey.client.SentinelClient",
    "RETRY": {"ATTEMPTS": 30, "BASE": 0.05, "CAP": 0.2},
    "SOCKET_TIMEOUT": 0.5,
    "SOCKET_CONNECT_TIMEOUT": 0.5,
}


def sentinel_cached(topology: SentinelTopology, prefix: str) -> ValkeyCache:
    """A SentinelClient cache of ``topology``'s service with a store of its own, tracking up."""
    cache = make(
        "valkey://mymaster/0",
        SENTINELS=topology.sentinel_addresses,
        KEY_PREFIX=prefix,
        CLIENT_CACHE={"HEARTBEAT": 0.05},
        **SENTINEL_OPTIONS,
    )
    assert local_of(cache).wait_until_tracking(10)
    return cache


@pytest.mark.parametrize(
    "mode, kill",
    [("sync", False), ("sync", True), ("async", False)],
    ids=["sync-graceful", "sync-kill", "async-graceful"],
)
def test_a_sentinel_failover_empties_the_store(mode: str, kill: bool) -> None:
    """After a failover, the store is emptied, tracking follows the new primary, and so do the
    reads (valkey-py's Sentinel pools alone keep reading the old primary until a write fails):
    a value another process writes on the new primary is read, and never the old one again."""
    topology = SentinelTopology().start()
    try:
        cache = sentinel_cached(topology, "failover")
        store = local_of(cache)
        old_port = topology.primary_address()[1]

        def another_process_writes(failover: Failover, value: str) -> None:
            with failover.new.client() as raw:
                raw.set(stored(cache, "k"), pickle.dumps(value))

        async def on_one_loop() -> list[Any]:
            await cache.aset("k", "before")
            assert await cache.aget("k") == "before"
            assert await cache.aget("k") == "before"
            failover = await asyncio.to_thread(sentinel_failover, topology, kill=kill)
            another_process_writes(failover, "after")
            end = time.monotonic() + 3
            while await cache.aget("k") != "after" and time.monotonic() < end:
                await asyncio.sleep(0.01)
            return [await cache.aget("k") for _ in range(200)]

        flushes = store.stats().flushes
        if mode == "async":
            reads = asyncio.run(on_one_loop())
        else:
            cache.set("k", "before")
            assert held(cache, "k") == "before"
            failover = sentinel_failover(topology, kill=kill)
            another_process_writes(failover, "after")
            assert wait_for(lambda: cache.get("k") == "after", 3)
            reads = [cache.get("k") for _ in range(200)]
        assert reads == ["after"] * 200
        assert store.stats().flushes > flushes
        assert store.wait_until_tracking(5)
        tracker = store._trackers[0]
        assert tracker.conn is not None and tracker.conn.port != old_port
        if mode == "sync":
            assert held(cache, "k") == "after"  # kept again, from the new primary
    finally:
        topology.cleanup()


def test_sentinels_that_do_not_answer_stop_local_hits() -> None:
    topology = SentinelTopology().start()
    try:
        cache = sentinel_cached(topology, "mute")
        store = local_of(cache)
        cache.set("k", 1)
        assert held(cache, "k") == 1
        for sentinel in topology.sentinels:
            assert sentinel.process is not None
            os.kill(sentinel.process.pid, signal.SIGSTOP)
        try:
            # each sentinel is asked in turn, within SENTINEL_KWARGS' timeouts (0.5 s here)
            assert wait_for(lambda: not store.tracking, 5)
            assert store.stats().entries == 0
            assert cache.get("k") == 1  # from the server, which still answers
        finally:
            for sentinel in topology.sentinels:
                assert sentinel.process is not None
                os.kill(sentinel.process.pid, signal.SIGCONT)
        assert store.wait_until_tracking(10)
        assert held(cache, "k") == 1
    finally:
        topology.cleanup()


def test_a_failover_within_the_location_list_moves_tracking() -> None:
    """A LOCATION of a primary and its replica: after an operator's failover (the replica
    promoted, the old primary made its replica), the write that meets READONLY finds the new
    primary (``ROLE``) and the store follows it: another process's write there is seen."""
    with running() as primary:
        with primary.client() as conn:
            conn.config_set("repl-diskless-sync-delay", 0)
        with running("--replicaof", "127.0.0.1", str(primary.port)) as replica:
            location = [f"{primary.url}/0", f"{replica.url}/0"]
            cache = make(location, KEY_PREFIX="moved", CLIENT_CACHE={"HEARTBEAT": 0.05}, SOCKET_TIMEOUT=0.5)
            store = local_of(cache)
            assert store.wait_until_tracking(5)
            cache.set("k", "before")
            assert held(cache, "k") == "before"
            with replica.client() as conn:
                conn.execute_command("REPLICAOF", "NO", "ONE")
            with primary.client() as conn:
                conn.execute_command("REPLICAOF", "127.0.0.1", str(replica.port))
            assert wait_for(lambda: primary.client().info("replication")["master_link_status"] == "up")
            cache.set("w", 1)  # READONLY from the old primary: the promoted one takes it
            assert cache.client.servers[0] == f"{replica.url}/0"
            assert store.wait_until_tracking(5)
            assert store._trackers[0].conn.port == replica.port
            with replica.client() as conn:
                conn.set(stored(cache, "k"), pickle.dumps("after"))
            until_pushed(store, 2)
            assert cache.get("k") == "after"
            assert held(cache, "k") == "after"
