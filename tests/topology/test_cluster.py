"""ClusterValkeyCache on a real 6-node cluster (3 primaries, 3 replicas).

One module-scoped cluster; the resharding and failover tests run last, in that order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import valkey
from django.core.cache.backends.base import InvalidCacheKey
from valkey.connection import Connection

from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.exceptions import ConnectionInterrupted
from tests.api_modes import Api
from tests.helpers import DRIVER, Recorder, cache_params
from tests.servers import ValkeyProcess
from tests.topology.launchers import ClusterTopology, check_queryset_set_many, poll

BACKEND = "django_valkey.cluster_cache.cache.ClusterValkeyCache"


def make_cluster_cache(topo: ClusterTopology, **options: Any) -> ClusterValkeyCache:
    """A ClusterValkeyCache of ``topo``'s primaries (short timeouts), built with ``options``."""
    location = [node.url for node in topo.nodes[:3]]
    params = cache_params(location, BACKEND, **{"SOCKET_TIMEOUT": 2, "SOCKET_CONNECT_TIMEOUT": 0.5, **options})
    return ClusterValkeyCache(params["LOCATION"], params)


@pytest.fixture
def ccache(cluster: ClusterTopology) -> Iterator[ClusterValkeyCache]:
    cache = make_cluster_cache(cluster)
    cache.clear()
    yield cache
    cache.client.close()


class SendCounter:
    """Counts this thread's socket writes (one per command or per pipelined batch) per node
    (other threads, such as a circuit's probe, are not the call being counted)."""

    def __init__(self) -> None:
        self.sends: list[int] = []
        self._original = Connection.send_packed_command
        self._thread = threading.get_ident()

    def __enter__(self) -> SendCounter:
        counter = self

        def counting(conn: Any, command: Any, check_health: bool = True) -> None:
            if threading.get_ident() == counter._thread:
                counter.sends.append(conn.port)
            counter._original(conn, command, check_health)

        Connection.send_packed_command = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Connection.send_packed_command = self._original  # type: ignore[method-assign]


def test_django_api_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    ccache.set("a", {"x": 1}, timeout=100)
    assert ccache.get("a") == {"x": 1}
    assert ccache.add("a", 2) is False and ccache.add("b", 2) is True
    assert ccache.incr("b", 3) == 5 and ccache.decr("b") == 4
    assert ccache.touch("a", 50) is True and 0 < (ccache.ttl("a") or 0) <= 50
    assert ccache.has_key("a") and not ccache.has_key("zz")
    assert ccache.delete("a") is True and ccache.get("a") is None
    assert ccache.get_or_set("gs", lambda: "made") == "made"
    assert ccache.sadd("s", 1, 2) == 2 and ccache.smembers("s") == {1, 2}
    assert ccache.hset("h", "f", [1]) == 1 and ccache.hget("h", "f") == [1]
    with ccache.lock("lk", timeout=5):
        assert ccache.has_key("lk")


def test_hashes_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    names = [f"h{i}" for i in range(12)]
    assert len({slot_of(ccache.make_key(name)) for name in names}) > 6
    for name in names:
        assert ccache.hset(name, mapping={"a": 1, "b": [name]}) == 2
        assert ccache.hincrby(name, "a", 2) == 3 and ccache.hincrbyfloat(name, "a", 0.5) == 3.5
        assert ccache.hexpire(name, 100, "b") == [True]
    for name in names:
        assert ccache.hmget(name, "b", "zz") == [[name], None]
        assert ccache.hscan(name, count=1) == {"a": 3.5, "b": [name]} == ccache.hgetall(name)
        assert ccache.httl(name, "a") == [None]
    ccache.set("str", 1)
    with pytest.raises(TypeError, match="'str' holds another type of value, not a hash"):
        ccache.hgetall("str")


def test_lists_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    names = [f"l{i}" for i in range(12)]
    for name in names:
        assert ccache.rpush(name, 1, [name]) == 2 and ccache.lrange(name) == [1, [name]]
        assert ccache.lpop(name) == 1 and ccache.rpop(name) == [name]
    # Keys sharing a hash tag share a slot: LMOVE over them works.
    assert ccache.rpush("{q}a", "job") == 1
    assert ccache.lmove("{q}a", "{q}b") == "job" and ccache.lrange("{q}b") == ["job"]


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connections")
def test_blocking_pops_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    for name in [f"l{i}" for i in range(12)]:
        assert ccache.rpush(name, [name]) == 1 and ccache.brpop(name, timeout=0.1) == (name, [name])
    # Keys sharing a hash tag share a slot: blocking pops over them work.
    assert ccache.rpush("{q}a", "job") == 1
    assert ccache.lmove("{q}a", "{q}b") == "job" and ccache.blpop("{q}a", "{q}b", timeout=0.1) == ("{q}b", "job")
    assert ccache.blmove("{q}a", "{q}b", 0.05) is None


def test_sorted_sets_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    names = [f"z{i}" for i in range(12)]
    for name in names:
        assert ccache.zadd(name, {"a": 1, name: 2}) == 2 and ccache.zadd(name, {"a": 0.5}, incr=True) == 1.5
    for name in names:
        assert ccache.zrange(name, 0, "+inf", byscore=True, withscores=True) == [("a", 1.5), (name, 2.0)]
        assert ccache.zmscore(name, "a", "zz") == [1.5, None] and ccache.zrank(name, name) == 1
        assert ccache.zscan(name) == [("a", 1.5), (name, 2.0)] and ccache.zpopmin(name) == [("a", 1.5)]


def test_multi_key_operations_across_slots(ccache: ClusterValkeyCache) -> None:
    data = {f"key{i}": i * 10 for i in range(300)}
    assert len({slot_of(ccache.make_key(key)) for key in data}) > 250  # really spread over slots
    assert ccache.set_many(data, timeout=100) == []
    assert ccache.get_many([*data, "absent"]) == data
    ccache.delete_many(list(data)[:150])
    assert ccache.get_many(list(data)) == dict(list(data.items())[150:])
    assert ccache.set_many({"n1": 1, "n2": "two"}, timeout=None) == []
    assert ccache.get_many(["n1", "n2"]) == {"n1": 1, "n2": "two"}


@pytest.mark.valkey_py(reason="counts valkey-py's socket writes")
def test_multi_key_operations_one_round_trip_per_node(ccache: ClusterValkeyCache) -> None:
    data = {f"rt{i}": i for i in range(100)}
    ccache.set_many(data)
    ccache.get("warm")  # the slot map is loaded
    with SendCounter() as counter:
        assert ccache.get_many(list(data)) == data
    print(f"cluster get_many(100 keys): {len(counter.sends)} socket writes to {len(set(counter.sends))} nodes")
    assert len(counter.sends) <= 3 and len(set(counter.sends)) == len(counter.sends)
    with SendCounter() as counter:
        ccache.set_many(data, timeout=30)
    assert len(counter.sends) <= 3
    # Keys sharing a hash tag share a slot: one MGET.
    tagged = {f"{{user7}}:{i}": i for i in range(20)}
    ccache.set_many(tagged)
    with SendCounter() as counter:
        assert ccache.get_many(list(tagged)) == tagged
    assert len(counter.sends) == 1


def test_key_space_on_every_primary(ccache: ClusterValkeyCache) -> None:
    ccache.set_many({f"user:{i}": i for i in range(90)})
    ccache.set("other", 1)
    assert sorted(ccache.keys("user:*")) == sorted(f"user:{i}" for i in range(90))
    assert sorted(ccache.iter_keys("user:*", itersize=7)) == sorted(f"user:{i}" for i in range(90))
    assert ccache.delete_pattern("user:*", itersize=10) == 90
    assert ccache.keys("*") == ["other"]
    ccache.clear()
    assert ccache.keys("*") == []


def test_incr_version_across_slots(ccache: ClusterValkeyCache) -> None:
    ccache.set("iv", "value", timeout=100)
    assert slot_of(ccache.make_key("iv", 1)) != slot_of(ccache.make_key("iv", 2))
    assert ccache.incr_version("iv") == 2
    assert ccache.get("iv", version=2) == "value" and ccache.get("iv") is None
    assert 90 < (ccache.ttl("iv", version=2) or 0) <= 100
    assert ccache.decr_version("iv", version=2) == 1
    with pytest.raises(ValueError, match="not found"):
        ccache.incr_version("missing")


def test_bad_input_leaves_nothing_written(ccache: ClusterValkeyCache) -> None:
    with pytest.raises(Exception, match="serialize"):
        ccache.set_many({"ok1": 1, "ok2": "x", "bad": lambda: None})
    assert ccache.get_many(["ok1", "ok2"]) == {}


HUGE = 10**5000


def test_huge_ints_and_bad_keys_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    """Issue 8: a >4,300-digit int round-trips (it used to crash the packer); a lone surrogate in
    a key is InvalidCacheKey, and a set_many holding one writes nothing."""
    ccache.set("huge", HUGE)
    assert ccache.get("huge") == HUGE
    data = {f"k{i}": HUGE if i % 2 else i for i in range(20)}
    assert ccache.set_many(data, timeout=30) == []
    assert ccache.get_many(list(data)) == data
    with pytest.raises(InvalidCacheKey, match=r"\\ud800"):
        ccache.get("bad\ud800")
    with pytest.raises(InvalidCacheKey):
        ccache.set_many({"fine": 1, "bad\ud800": 2}, timeout=30)
    assert ccache.get("fine") is None


async def test_huge_ints_on_an_async_cluster(cluster: ClusterTopology) -> None:
    cache = make_async_cluster_cache(cluster)
    await cache.set("huge", -HUGE)
    assert await cache.get("huge") == -HUGE
    assert await cache.set_many({"a": HUGE, "b": 1}, timeout=30) == []
    assert await cache.get_many(["a", "b"]) == {"a": HUGE, "b": 1}
    with pytest.raises(InvalidCacheKey):
        await cache.get("bad\ud800")
    await cache.aclose()


def make_async_cluster_cache(topo: ClusterTopology, **options: Any) -> AsyncClusterValkeyCache:
    location = [node.url for node in topo.nodes[:3]]
    params = cache_params(
        location,
        "django_valkey.cluster_cache.cache.AsyncClusterValkeyCache",
        SOCKET_TIMEOUT=2,
        SOCKET_CONNECT_TIMEOUT=0.5,
        **options,
    )
    return AsyncClusterValkeyCache(params["LOCATION"], params)


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connections")
async def test_async_blocking_pop_on_a_cluster(cluster: ClusterTopology) -> None:
    cache = make_async_cluster_cache(cluster)
    try:
        assert await cache.rpush("{l}3", 1) == 1 and await cache.rpush("{l}4", 2) == 1
        assert await cache.ablpop("{l}4", "{l}3", timeout=0.1) == ("{l}4", 2)
    finally:
        await cache.aclose()


async def test_async_cluster_backend(cluster: ClusterTopology) -> None:
    cache = make_async_cluster_cache(cluster)
    await cache.clear()
    await cache.set("a", {"x": 1}, timeout=100)
    assert await cache.get("a") == {"x": 1}
    assert await cache.aget("a") == {"x": 1}
    assert await cache.add("b", 1) is True and await cache.incr("b", 2) == 3
    data = {f"akey{i}": i for i in range(200)}
    assert await cache.set_many(data, timeout=60) == []
    assert await cache.get_many([*data, "absent"]) == data
    await cache.delete_many(list(data)[:100])
    assert len(await cache.get_many(list(data))) == 100
    assert sorted(await cache.keys("akey1*")) == sorted(k for k in list(data)[100:] if k.startswith("akey1"))
    assert sorted([k async for k in cache.iter_keys("akey*", itersize=9)]) == sorted(list(data)[100:])
    assert await cache.delete_pattern("akey*", itersize=25) == 100
    assert await cache.incr_version("a") == 2 and await cache.get("a", version=2) == {"x": 1}
    assert await cache.hset("h", mapping={"f": [1], "g": 2}) == 2 and await cache.ahgetall("h") == {"f": [1], "g": 2}
    assert await cache.hincrby("h", "g") == 3 and await cache.ahexpire("h", 50, "f") == [True]
    assert await cache.rpush("{l}1", 1, [2]) == 2 and await cache.almove("{l}1", "{l}2") == 1
    assert await cache.alpop("{l}2") == 1
    assert await cache.zadd("z", {"m": 1}) == 1 and await cache.azadd("z", {"m": 1}, incr=True) == 2.0
    assert await cache.azrange("z", withscores=True) == [("m", 2.0)]
    await cache.clear()
    assert await cache.keys("*") == []
    await cache.aclose()


@pytest.mark.django_db(transaction=True)
async def test_async_cluster_set_many_of_querysets(cluster: ClusterTopology) -> None:
    cache = make_async_cluster_cache(cluster)
    await check_queryset_set_many(cache)
    await cache.aclose()


async def test_sync_cluster_cache_async_methods(cluster: ClusterTopology) -> None:
    """ClusterValkeyCache's a* methods run on AsyncDefaultClusterClient, on the same data."""
    cache = make_cluster_cache(cluster)
    cache.set_many({f"both{i}": i for i in range(30)})
    assert await cache.aget_many([f"both{i}" for i in range(30)]) == {f"both{i}": i for i in range(30)}
    assert type(cache.async_client).__name__ == "AsyncDefaultClusterClient"
    cache.delete_many([f"both{i}" for i in range(30)])
    cache.client.close()


@pytest.mark.parametrize("mode", ["sync", "sync.a", "async", "async.a"])
async def test_an_observer_sees_each_cluster_operation_once(cluster: ClusterTopology, mode: str) -> None:
    recorder = Recorder()
    options = {"OBSERVER": recorder, "OBSERVER_ALIAS": "cluster"}
    cache = (
        make_cluster_cache(cluster, **options)
        if mode.startswith("sync")
        else make_async_cluster_cache(cluster, **options)
    )
    api = Api(cache, mode)
    data = {f"obs{i}": i for i in range(40)}
    assert await api.set_many(data, timeout=60) == []
    assert await api.get_many([*data, "absent"]) == data
    assert await api.get("obs1") == 1 and await api.get("absent") is None
    assert await api.get_or_set("obs-made", 5) == 5
    assert sorted(await api.collect("iter_keys", "obs*", itersize=9)) == sorted([*data, "obs-made"])
    assert await api.hset(f"{{h}}{mode}", "f", 1) == 1
    with pytest.raises(ValueError):
        await api.incr("absent")
    assert await api.delete_pattern("obs*") == 41
    events = recorder.take()
    assert [(e.operation, e.outcome, e.key_count, e.hits, e.misses) for e in events] == [
        ("set_many", "ok", 40, 0, 0),
        ("get_many", "ok", 41, 40, 1),
        ("get", "ok", 1, 1, 0),
        ("get", "ok", 1, 0, 1),
        ("get_or_set", "ok", 1, 0, 1),
        ("iter_keys", "ok", 0, 0, 0),
        ("hset", "ok", 1, 0, 0),
        ("incr", "error", 1, 0, 0),
        ("delete_pattern", "ok", 0, 0, 0),
    ]
    startup = ",".join(node.url for node in cluster.nodes[:3])
    assert all(e.alias == "cluster" and e.server == startup and e.is_async is (mode != "sync") for e in events)
    assert [c.state for c in recorder.circuits] == ["closed"]  # told once, when first used
    if isinstance(cache, ClusterValkeyCache):
        cache.client.close()
    else:
        await cache.aclose()


def _migrate_slot(cluster: ClusterTopology, slot: int, source: ValkeyProcess, target: ValkeyProcess) -> int:
    """Move ``slot`` from ``source`` to ``target`` as valkey-cli does: IMPORTING / MIGRATING,
    MIGRATE the keys a few at a time, then SETSLOT NODE everywhere. Returns keys moved."""
    target_id, source_id = cluster.node_id(target), cluster.node_id(source)
    moved = 0
    with source.client() as src, target.client() as dst:
        dst.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        src.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        for _ in range(1000):  # bounded
            keys = src.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 5)
            if not keys:
                break
            src.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys)
            moved += len(keys)
            time.sleep(0.01)  # let traffic meet the half-moved slot (ASK / TRYAGAIN)
        dst.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
        src.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
    for node in cluster.nodes[:3]:
        if node.running and node not in (source, target):
            with node.client() as conn:
                conn.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
    return moved


def test_a_hung_node_fails_only_its_own_keys(cluster: ClusterTopology) -> None:
    import os
    import signal

    cache = make_cluster_cache(cluster, IGNORE_EXCEPTIONS=True, SOCKET_TIMEOUT=0.2, SOCKET_CONNECT_TIMEOUT=0.2)
    keys = [f"spread{i}" for i in range(30)]
    for key in keys:
        cache.set(key, key)
    victim = cluster.primary_for_slot(slot_of(cache.make_key(keys[0])))
    healthy = [key for key in keys if cluster.primary_for_slot(slot_of(cache.make_key(key))) is not victim]
    assert victim.process is not None and healthy
    os.kill(victim.process.pid, signal.SIGSTOP)
    try:
        # The hung node's key: its fallback (until the cluster promotes the node's replica,
        # after its node timeout of 1 s).
        assert cache.get(keys[0], "fallback") == "fallback"
        # One circuit stands for the cluster: a node's timeouts do not open it, so the keys of
        # the other nodes keep their values.
        assert [cache.get(key) for key in healthy] == healthy
        assert cache.client._circuits[0].state == "closed"
    finally:
        os.kill(victim.process.pid, signal.SIGCONT)
    assert cache.get(keys[0]) == keys[0]
    cache.client.close()


# ------------------------------------------------------------------ django-valkey 0.4's cluster commands


def test_cluster_commands_of_0_4(cluster: ClusterTopology, ccache: ClusterValkeyCache) -> None:
    data = {f"ck{i}": i for i in range(40)}
    ccache.set_many(data)
    # keys: every primary by default (0.4 asked its default node only); target_nodes picks others.
    assert sorted(ccache.keys("ck*")) == sorted(data)
    assert sorted(ccache.keys("ck*", target_nodes="primaries")) == sorted(data)
    raw: Any = ccache.get_client()
    # The replicas the cluster client knows: it may have read the slot map before the last one joined.
    if DRIVER == "glide":
        assert poll(lambda: len(raw.list_nodes("replica")) == 3, 10)
    else:
        assert poll(lambda: raw.nodes_manager.initialize() or len(raw.get_replicas()) == 3, 10)
    assert poll(lambda: sorted(ccache.keys("ck*", target_nodes="all")) == sorted(data), 5)  # each key once
    assert poll(lambda: sorted(ccache.keys("ck*", target_nodes="replicas")) == sorted(data), 5)
    owner = cluster.primary_for_slot(slot_of(ccache.make_key("ck0")))
    node = ccache.get_client().get_node(host="127.0.0.1", port=owner.port)
    on_node = {key for key in data if cluster.primary_for_slot(slot_of(ccache.make_key(key))) is owner}
    assert set(ccache.keys("ck*", target_nodes=node)) == on_node
    assert set(ccache.keys("ck*", target_nodes=[node])) == on_node
    assert set(ccache.keys("ck*", target_nodes="random")) <= set(data)
    with pytest.raises(ValueError, match="target_nodes must be one of 'all', 'default-node'"):
        ccache.keys("ck*", target_nodes="primary")
    # keyslot: the slot of the stored key, as the server computes it.
    made = ccache.make_key("ck1", version=3)
    with owner.client() as conn:
        assert ccache.keyslot("ck1", version=3) == conn.execute_command("CLUSTER", "KEYSLOT", made)
    assert ccache.keyslot("{tag}a") == ccache.keyslot("{tag}b")
    # msetnx: all or nothing, no expiry, keys in one slot.
    assert ccache.msetnx({"{u}a": 1, "{u}b": [2]}) is True
    assert ccache.get_many(["{u}a", "{u}b"]) == {"{u}a": 1, "{u}b": [2]} and ccache.ttl("{u}a") is None
    assert ccache.msetnx({"{u}a": 9, "{u}c": 3}) is False
    assert ccache.get("{u}a") == 1 and ccache.get("{u}c") is None
    assert ccache.msetnx({}) is True
    with pytest.raises(ValueError, match="msetnx needs every key in one hash slot"):
        ccache.msetnx({"x1": 1, "x2": 2, "x3": 3})
    assert ccache.get_many(["x1", "x2", "x3"]) == {}
    # mget_nonatomic / mset_nonatomic: one command per slot; the values never expire (as in 0.4).
    assert ccache.mget_nonatomic(["ck1", "ck2", "nope"]) == {"ck1": 1, "ck2": 2}
    values = {f"mn{i}": [i] for i in range(30)}
    stored = ccache.mset_nonatomic(values)
    assert stored == [True] * len({ccache.keyslot(key) for key in values})
    assert ccache.get_many(list(values)) == values and ccache.ttl("mn0") is None
    if DRIVER == "glide":  # GLIDE's replica reads are set when it is built: test_glide_cluster.py
        assert ccache.readonly("replicas") is True and ccache.readwrite("replicas") is True
    else:
        _replica_reads_switch(ccache, raw)
    # flushall: every primary.
    assert ccache.flushall() is True and ccache.keys("*") == []
    ccache.set("again", 1)
    assert ccache.flushall(asynchronous=True) is True
    assert poll(lambda: ccache.keys("*") == [], 5)


def _replica_reads_switch(ccache: ClusterValkeyCache, raw: Any) -> None:
    """readonly / readwrite: valkey-py's, which switch the cluster client's replica reads."""
    try:
        assert ccache.readonly("replicas") is True and raw.read_from_replicas is True
        assert poll(lambda: ccache.get("ck7") == 7, 5)
        assert ccache.readonly() is True  # the default node
    finally:
        assert ccache.readwrite("replicas") is True and raw.read_from_replicas is False
    assert ccache.readwrite() is True


async def test_cluster_commands_of_0_4_async(cluster: ClusterTopology) -> None:
    """The same commands as coroutines: AsyncClusterValkeyCache (plain and a* names) and
    ClusterValkeyCache's a* methods."""
    acache = make_async_cluster_cache(cluster)
    scache = make_cluster_cache(cluster)
    try:
        for keys, msetnx, mget, mset, readonly, readwrite, flushall in (
            (acache.keys, acache.msetnx, acache.mget_nonatomic, acache.mset_nonatomic, acache.readonly,
             acache.readwrite, acache.flushall),
            (acache.akeys, acache.amsetnx, acache.amget_nonatomic, acache.amset_nonatomic, acache.areadonly,
             acache.areadwrite, acache.aflushall),
            (scache.akeys, scache.amsetnx, scache.amget_nonatomic, scache.amset_nonatomic, scache.areadonly,
             scache.areadwrite, scache.aflushall),
        ):  # fmt: skip
            stored = await mset({f"am{i}": i for i in range(20)})
            assert stored and all(stored)
            assert await mget(["am1", "am2", "nope"]) == {"am1": 1, "am2": 2}
            assert sorted(await keys("am*")) == sorted(f"am{i}" for i in range(20))
            assert poll(lambda: scache.keys("am*", target_nodes="all") != [], 5)
            assert sorted(await keys("am*", target_nodes="primaries")) == sorted(f"am{i}" for i in range(20))
            raw = await acache.get_client()
            owner = cluster.primary_for_slot(acache.keyslot("am0"))
            node = raw.get_node(host="127.0.0.1", port=owner.port)
            assert node is not None and "am0" in await keys("am*", target_nodes=node)
            assert await msetnx({"{t}a": 1, "{t}b": 2}) is True and await msetnx({"{t}a": 0}) is False
            with pytest.raises(ValueError, match="one hash slot"):
                await msetnx({"x1": 1, "x2": 2, "x3": 3})
            assert await readonly() is True and await readwrite() is True
            assert await flushall() is True
            assert await keys("*") == []
        assert acache.keyslot("k", version=2) == scache.keyslot("k", version=2) == slot_of(":2:k")
    finally:
        await acache.aclose()
        scache.client.close()


def test_pipelines_on_a_cluster(ccache: ClusterValkeyCache) -> None:
    """A cluster pipeline routes each command to its slot's node; multi-key commands are split by
    slot, as the cache's own are; MULTI/EXEC cannot span nodes, so a transaction is refused."""
    data = {f"cp{i}": [i] for i in range(60)}
    with ccache.pipeline(transaction=False) as pipe:
        stored = pipe.set_many(data, timeout=60)
        counts = [pipe.incr(f"cn{i}", i, ignore_key_check=True) for i in range(10)]
        got = pipe.get_many([*data, "nope"])
        gone = pipe.delete_many(list(data)[:10])
    assert stored.value == [] and [c.value for c in counts] == list(range(10))
    assert got.value == data and gone.value == 10
    assert ccache.get_many(list(data)) == dict(list(data.items())[10:])
    with pytest.raises(ValueError, match="cannot be a transaction.*transaction=False"):
        with ccache.pipeline() as pipe:
            pipe.set("x", 1)
    assert ccache.get("x") is None


async def test_async_pipelines_on_a_cluster(cluster: ClusterTopology) -> None:
    acache = make_async_cluster_cache(cluster)
    try:
        async with acache.pipeline(transaction=False) as pipe:
            pipe.set_many({f"ap{i}": i for i in range(30)})
            many = pipe.get_many([f"ap{i}" for i in range(30)])
        assert many.value == {f"ap{i}": i for i in range(30)}
        with pytest.raises(ValueError, match="cannot be a transaction"):
            async with acache.apipeline() as apipe:
                apipe.get("ap1")
    finally:
        await acache.aclose()


def redirections(topo: ClusterTopology) -> dict[str, int]:
    """The MOVED, ASK and TRYAGAIN replies every node of ``topo`` sent since its last RESETSTAT."""
    counts = {"MOVED": 0, "ASK": 0, "TRYAGAIN": 0}
    for node in topo.nodes:
        with node.client() as conn:
            stats = conn.info("errorstats")
        for name in counts:
            counts[name] += int(stats.get(f"errorstat_{name}", {}).get("count", 0))
    return counts


def test_resharding_under_traffic(cluster: ClusterTopology, ccache: ClusterValkeyCache) -> None:
    tagged = [f"{{hot}}:{i}" for i in range(40)]
    plain = [f"plain{i}" for i in range(200)]
    slots = sorted({slot_of(ccache.make_key(key)) for key in [*tagged, *plain]})
    hot_slot = slot_of(ccache.make_key(tagged[0]))
    ccache.set_many({key: key for key in [*tagged, *plain]})
    source = cluster.primary_for_slot(hot_slot)
    target = next(node for node in cluster.nodes[:3] if node is not source)
    to_move = [slot for slot in slots if cluster.primary_for_slot(slot) is source]

    stop = threading.Event()
    stats = {"ops": 0, "errors": 0}
    failures: list[str] = []

    def traffic() -> None:
        i = 0
        while not stop.is_set() and i < 50_000:
            i += 1
            key = tagged[i % len(tagged)] if i % 2 else plain[i % len(plain)]
            try:
                ccache.set(key, key)
                if ccache.get(key) != key:
                    failures.append(f"wrong value for {key}")
                if i % 10 == 0:
                    found = ccache.get_many(tagged[:10] + plain[:10])
                    if len(found) != 20:
                        failures.append(f"get_many found {len(found)} of 20")
                stats["ops"] += 1
            except Exception as exc:  # counted, reported below
                stats["errors"] += 1
                failures.append(repr(exc))

    # The redirections the traffic met, as the servers count them (any driver: valkey-py
    # follows them itself, GLIDE inside its core).
    for node in cluster.nodes:
        with node.client() as conn:
            conn.execute_command("CONFIG", "RESETSTAT")
    worker = threading.Thread(target=traffic)
    started = time.monotonic()
    worker.start()
    moved = 0
    try:
        for slot in to_move:
            moved += _migrate_slot(cluster, slot, source, target)
    finally:
        time.sleep(0.2)
        stop.set()
        worker.join(30)
    redirects = redirections(cluster)
    elapsed = time.monotonic() - started
    print(
        f"resharding: moved {len(to_move)} slots ({moved} keys) in {elapsed:.1f}s under traffic: "
        f"{stats['ops']} op rounds, {stats['errors']} errors, redirections met: {redirects}; "
        f"failures: {failures[:3]}"
    )
    assert redirects["MOVED"] + redirects["ASK"] > 0  # the traffic really crossed the moving slots
    assert stats["ops"] > 0
    assert not failures
    assert cluster.primary_for_slot(hot_slot) is target
    assert ccache.get_many([*tagged, *plain]) == {key: key for key in [*tagged, *plain]}


def test_primary_failover_recovers(cluster: ClusterTopology, ccache: ClusterValkeyCache) -> None:
    key = "failover-key"
    ccache.set(key, "before")
    slot = slot_of(ccache.make_key(key))
    victim = cluster.primary_for_slot(slot)
    victim.kill()
    killed_at = time.monotonic()
    failed = 0
    recovered: float | None = None
    for i in range(2000):  # bounded: 2000 attempts and 30 s
        if time.monotonic() - killed_at > 30:
            break
        try:
            ccache.set(key, i)
            assert ccache.get(key) == i
        except (ConnectionInterrupted, valkey.exceptions.ValkeyError):
            failed += 1
            time.sleep(0.05)
            continue
        recovered = time.monotonic() - killed_at
        break
    print(f"cluster failover: recovered {recovered}s after killing a primary, {failed} failed calls meanwhile")
    assert recovered is not None, "the cache did not recover within 30 s"
    # The node asked may learn of the promotion a little after the client did (gossip).
    assert poll(lambda: cluster.primary_for_slot(slot) is not victim, 10)
    data = {f"post{i}": i for i in range(100)}
    assert ccache.set_many(data) == []
    assert ccache.get_many(list(data)) == data
    assert poll(lambda: ccache.get(key) is not None, 1)
