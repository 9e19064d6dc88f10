"""ShardClient on three real servers: placement, grouped multi-key operations, key space."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache.backends.base import InvalidCacheKey
from django.core.exceptions import ImproperlyConfigured

from django_valkey.cache import ValkeyCache
from django_valkey.client import ShardClient
from django_valkey.hash_ring import CompatHashRing, HashRing
from tests.helpers import cache_params, ring_0_4
from tests.servers import ValkeyProcess


@pytest.fixture
def shard_cache(shard_servers: list[ValkeyProcess]) -> Iterator[ValkeyCache]:
    for server in shard_servers:
        with server.client() as conn:
            conn.flushall()
    params = cache_params([f"{s.url}/0" for s in shard_servers], CLIENT_CLASS="django_valkey.client.ShardClient")
    cache = ValkeyCache(params["LOCATION"], params)
    yield cache
    cache.client.close()


def _client(cache: ValkeyCache) -> ShardClient:
    client: Any = cache.client
    assert isinstance(client, ShardClient)
    return client


def _per_server(servers: list[ValkeyProcess]) -> list[int]:
    counts = []
    for server in servers:
        with server.client() as conn:
            counts.append(int(conn.dbsize()))
    return counts


def shard_cache_with(servers: list[ValkeyProcess], **options: Any) -> ValkeyCache:
    params = cache_params([f"{s.url}/0" for s in servers], CLIENT_CLASS="django_valkey.client.ShardClient", **options)
    return ValkeyCache(params["LOCATION"], params)


@pytest.mark.parametrize(("placement", "spread"), [("0.4", 0.5), ("even", 0.15)])
def test_keys_spread_over_every_server(shard_servers: list[ValkeyProcess], placement: str, spread: float) -> None:
    for server in shard_servers:
        with server.client() as conn:
            conn.flushall()
    cache = shard_cache_with(shard_servers, SHARD_PLACEMENT=placement)
    data = {f"k{i}": i for i in range(3000)}
    assert cache.set_many(data) == []
    counts = _per_server(shard_servers)
    print(f"keys per server (3000 keys, {placement} placement):", counts)
    assert sum(counts) == 3000
    # 0.4's ring has 128 points per server, HashRing 1024: its spread is the evener.
    assert all(abs(count - 1000) <= 1000 * spread for count in counts)
    assert cache.get_many(list(data)) == data
    assert cache.get("k42") == 42
    cache.client.close()


def test_default_placement_is_0_4s_ring(shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]) -> None:
    """Every key is where django-valkey 0.4's HashRing put it for the same LOCATION list (computed
    here with the documented algorithm), so a sharded cache moved from 0.4 reads what 0.4 wrote."""
    urls = [f"{s.url}/0" for s in shard_servers]
    by_url = dict(zip(urls, shard_servers))
    assert type(_client(shard_cache).ring) is CompatHashRing
    # Values as 0.4 stored them (pickled; plain ints as digits), each on the server 0.4 picked.
    written = {f"old{i}": {"n": i} for i in range(60)} | {f"count{i}": i for i in range(20)}
    for key, value in written.items():
        made = shard_cache.make_key(key)
        with by_url[ring_0_4(urls, made)].client() as conn:
            conn.set(made, value if isinstance(value, int) else pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    assert shard_cache.get_many(list(written)) == written
    assert all(shard_cache.get(key) == value for key, value in written.items())
    assert shard_cache.incr("count3", 10) == 13
    # New keys go where 0.4 would put them too, prefix and version included.
    for key in ["new", "user:1", "{cart9}:a", "x" * 40]:
        shard_cache.set(key, 1, version=3)
        made = shard_cache.make_key(key, version=3)
        for url, server in by_url.items():
            with server.client() as conn:
                assert conn.exists(made) == (url == ring_0_4(urls, made)), (key, url)


def test_hash_tags_keep_keys_on_one_server(shard_cache: ValkeyCache) -> None:
    """0.4's ring places a key by its hash tag: multi-key commands over tagged keys work."""
    client = _client(shard_cache)
    owners = {client.get_server_for_key(f"{{cart9}}:{i}").connection_pool.connection_kwargs["port"] for i in range(30)}
    assert len(owners) == 1
    shard_cache.sadd("{cart9}:a", 1, 2, 3)
    shard_cache.sadd("{cart9}:b", 2, 3, 4)
    assert shard_cache.sinter("{cart9}:a", "{cart9}:b") == {2, 3}
    assert shard_cache.sunionstore("{cart9}:all", "{cart9}:a", "{cart9}:b") == 4
    shard_cache.rpush("{q}:in", "job")
    assert shard_cache.lmove("{q}:in", "{q}:out") == "job"


def test_even_placement_on_request(shard_servers: list[ValkeyProcess]) -> None:
    cache = shard_cache_with(shard_servers, SHARD_PLACEMENT="even")
    urls = [f"{s.url}/0" for s in shard_servers]
    ring = _client(cache).ring
    assert type(ring) is HashRing
    for i in range(30):
        cache.set(f"even{i}", i)
        made = cache.make_key(f"even{i}")
        owner = dict(zip(urls, shard_servers))[HashRing(urls).get_node(made)]
        with owner.client() as conn:
            assert conn.exists(made) == 1
    differ = [i for i in range(200) if ring.get_node(f":1:p{i}") != ring_0_4(urls, f":1:p{i}")]
    assert len(differ) > 50  # the two placements really differ: switching moves keys
    cache.client.close()
    bad = shard_cache_with(shard_servers, SHARD_PLACEMENT="ring")
    with pytest.raises(
        ImproperlyConfigured, match=r"OPTIONS\['SHARD_PLACEMENT'\] must be '0.4'.*or 'even'.*got 'ring'"
    ):
        bad.get("k")


async def test_async_shard_client_uses_the_same_placement(
    shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]
) -> None:
    from django_valkey.async_cache.cache import AsyncValkeyCache

    params = cache_params(
        [f"{s.url}/0" for s in shard_servers], CLIENT_CLASS="django_valkey.async_cache.client.AsyncShardClient"
    )
    acache = AsyncValkeyCache(params["LOCATION"], params)
    data = {f"both{i}": i for i in range(50)}
    shard_cache.set_many(data)
    assert await acache.get_many(list(data)) == data
    assert await shard_cache.aget_many(list(data)) == data  # ValkeyCache's a* side: the same ring
    await acache.set("{t}:x", 1)
    assert shard_cache.get("{t}:x") == 1
    await acache.aclose()


def test_key_lives_on_the_server_the_ring_picks(shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]) -> None:
    client = _client(shard_cache)
    for i in range(20):
        shard_cache.set(f"where{i}", "v")
        owner = client.get_server_for_key(f"where{i}")
        stored = shard_cache.make_key(f"where{i}")
        assert owner.exists(stored) == 1
        others = [s for s in shard_servers if s.port != owner.connection_pool.connection_kwargs["port"]]
        for server in others:
            with server.client() as conn:
                assert conn.exists(stored) == 0


def test_get_valkey_connection_with_key(shard_servers: list[ValkeyProcess], settings: Any) -> None:
    from django.core.cache import caches

    from django_valkey import get_valkey_connection

    params = cache_params([f"{s.url}/0" for s in shard_servers], CLIENT_CLASS="django_valkey.client.ShardClient")
    settings.CACHES = {"default": params}
    caches["default"].set("routed", 1)
    conn = get_valkey_connection("default", key="routed")
    assert conn.exists(caches["default"].make_key("routed")) == 1
    caches["default"].delete("routed")


def test_multi_key_operations_one_request_per_server(shard_cache: ValkeyCache) -> None:
    client = _client(shard_cache)
    sent: list[int] = []
    original = client._execute

    def counting(raw: Any, req: Any) -> Any:
        sent.append(id(raw))
        return original(raw, req)

    client._execute = counting  # type: ignore[method-assign]
    data = {f"m{i}": f"value{i}" for i in range(200)}
    shard_cache.set_many(data, timeout=60)
    assert len(sent) == 3 and len(set(sent)) == 3
    sent.clear()
    assert shard_cache.get_many([*data, "absent"]) == data
    assert len(sent) == 3
    sent.clear()
    shard_cache.delete_many(list(data)[:100])
    assert len(sent) <= 3
    assert len(shard_cache.get_many(list(data))) == 100


def test_key_space_visits_every_server(shard_cache: ValkeyCache) -> None:
    shard_cache.set_many({f"user:{i}": i for i in range(60)})
    shard_cache.set("other", 1)
    assert sorted(shard_cache.keys("user:*")) == sorted(f"user:{i}" for i in range(60))
    assert sorted(shard_cache.iter_keys("user:*", itersize=7)) == sorted(f"user:{i}" for i in range(60))
    assert shard_cache.delete_pattern("user:*", itersize=10) == 60
    assert shard_cache.keys("*") == ["other"]
    shard_cache.clear()
    assert shard_cache.keys("*") == []


def test_single_key_api(shard_cache: ValkeyCache) -> None:
    assert shard_cache.add("a", 1) is True
    assert shard_cache.add("a", 2) is False
    assert shard_cache.incr("a", 5) == 6
    assert shard_cache.decr("a") == 5
    assert shard_cache.touch("a", 100) is True
    assert 0 < (shard_cache.ttl("a") or 0) <= 100
    assert shard_cache.has_key("a")
    assert shard_cache.delete("a") is True
    assert shard_cache.sadd("s", 1, 2, 3) == 3
    assert shard_cache.smembers("s") == {1, 2, 3}
    assert shard_cache.hset("h", "f", "v") == 1
    assert shard_cache.hget("h", "f") == "v"
    with shard_cache.lock("lk", timeout=5):
        assert shard_cache.has_key("lk")


def test_hashes_on_shards(shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]) -> None:
    names = [f"h{i}" for i in range(60)]  # enough that every server holds some, whatever the ports
    for name in names:
        assert shard_cache.hset(name, mapping={"a": 1, "b": [name]}) == 2
        assert shard_cache.hincrby(name, "a", 2) == 3
        assert shard_cache.hexpire(name, 100, "b") == [True]
    assert all(count > 0 for count in _per_server(shard_servers))  # the hashes really are spread
    for name in names:
        assert shard_cache.hgetall(name) == {"a": 3, "b": [name]}
        assert shard_cache.hscan(name, count=1) == {"a": 3, "b": [name]}
        assert shard_cache.httl(name, "a") == [None]


def test_incr_version_moves_across_servers(shard_cache: ValkeyCache) -> None:
    client = _client(shard_cache)
    # Find keys whose version 1 and version 2 live on different servers, and one that stays.
    crossing = next(
        f"iv{i}"
        for i in range(500)
        if client._router.node_of(shard_cache.make_key(f"iv{i}", 1))
        != client._router.node_of(shard_cache.make_key(f"iv{i}", 2))
    )
    shard_cache.set(crossing, {"x": 1}, timeout=100)
    assert shard_cache.incr_version(crossing) == 2
    assert shard_cache.get(crossing, version=2) == {"x": 1}
    assert shard_cache.get(crossing, version=1) is None
    assert 90 < (shard_cache.ttl(crossing, version=2) or 0) <= 100
    with pytest.raises(ValueError, match="not found"):
        shard_cache.incr_version("never-set")


def test_cross_server_set_algebra_is_refused(shard_cache: ValkeyCache) -> None:
    client = _client(shard_cache)
    a = "sa"
    b = next(
        f"sb{i}"
        for i in range(500)
        if client._router.node_of(shard_cache.make_key(f"sb{i}")) != client._router.node_of(shard_cache.make_key(a))
    )
    with pytest.raises(ValueError, match="different servers"):
        shard_cache.sunion(a, b)


def test_lists_on_shards(shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]) -> None:
    client = _client(shard_cache)
    names = [f"l{i}" for i in range(60)]  # enough that every server holds some, whatever the ports
    for name in names:
        assert shard_cache.rpush(name, 1, [name]) == 2
        assert shard_cache.lrange(name) == [1, [name]] and shard_cache.lindex(name, 1) == [name]
        assert shard_cache.blpop(name, timeout=0.1) == (name, 1)
    assert all(count > 0 for count in _per_server(shard_servers))
    a = names[0]
    same = next(
        n
        for n in names[1:]
        if client._router.node_of(shard_cache.make_key(n)) == client._router.node_of(shard_cache.make_key(a))
    )
    other = next(
        n
        for n in names[1:]
        if client._router.node_of(shard_cache.make_key(n)) != client._router.node_of(shard_cache.make_key(a))
    )
    assert shard_cache.lmove(a, same) == [a] and shard_cache.rpop(same) == [a]
    assert shard_cache.blpop(a, same, timeout=0.1) == (same, [same])
    with pytest.raises(ValueError, match="different servers"):
        shard_cache.lmove(a, other)
    with pytest.raises(ValueError, match="different servers"):
        shard_cache.brpop(a, other, timeout=0.1)


def test_sorted_sets_on_shards(shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]) -> None:
    names = [f"z{i}" for i in range(60)]  # enough that every server holds some, whatever the ports
    for name in names:
        assert shard_cache.zadd(name, {"a": 1, name: 2}) == 2
        assert shard_cache.zadd(name, {"a": 0.5}, incr=True) == 1.5
    assert all(count > 0 for count in _per_server(shard_servers))
    for name in names:
        assert shard_cache.zrange(name, withscores=True) == [("a", 1.5), (name, 2.0)]
        assert shard_cache.zscan(name, count=1) == [("a", 1.5), (name, 2.0)]
        assert shard_cache.zpopmax(name) == [(name, 2.0)]


def test_duplicate_location_is_refused(shard_servers: list[ValkeyProcess]) -> None:
    url = f"{shard_servers[0].url}/0"
    params = cache_params([url, url], CLIENT_CLASS="django_valkey.client.ShardClient")
    with pytest.raises(ImproperlyConfigured, match="twice"):
        ValkeyCache(params["LOCATION"], params).client


def test_huge_ints_and_bad_keys_on_shards(shard_cache: ValkeyCache, shard_servers: list[ValkeyProcess]) -> None:
    """Issue 8: huge ints round-trip on every shard; a bad key is InvalidCacheKey (the ring hashes
    the key before anything is sent) and nothing is written."""
    data = {f"k{i}": 10**5000 + i for i in range(12)}
    assert shard_cache.set_many(data, timeout=30) == []
    assert shard_cache.get_many(list(data)) == data
    with pytest.raises(InvalidCacheKey, match=r"\\ud800"):
        shard_cache.set("bad\ud800", 1)
    with pytest.raises(InvalidCacheKey):
        shard_cache.set_many({"fine": 1, "bad\ud800": 2})
    assert shard_cache.get("fine") is None
    assert sum(_per_server(shard_servers)) == len(data)


def test_pipeline_on_the_server_that_owns_its_keys(shard_cache: ValkeyCache) -> None:
    with shard_cache.pipeline() as pipe:
        stored = pipe.set("{cart9}:a", [1])
        n = pipe.incr("{cart9}:n", ignore_key_check=True)
        both = pipe.get_many(["{cart9}:a", "{cart9}:n"])
    assert stored.value is True and n.value == 1 and both.value == {"{cart9}:a": [1], "{cart9}:n": 1}
    assert shard_cache.get("{cart9}:a") == [1]
    spread = shard_cache.pipeline()
    for i in range(30):
        spread.set(f"spread{i}", i)
    with pytest.raises(ValueError, match="different servers.*hash tag"):
        spread.execute()
    assert shard_cache.get_many([f"spread{i}" for i in range(30)]) == {}  # nothing was sent


async def test_async_pipeline_on_shards(shard_cache: ValkeyCache) -> None:
    async with shard_cache.apipeline(transaction=False) as pipe:
        first = pipe.rpush("{q}:jobs", "a", "b")
        popped = pipe.lpop("{q}:jobs")
    assert first.value == 2 and popped.value == "a"
    assert shard_cache.lrange("{q}:jobs") == ["b"]
