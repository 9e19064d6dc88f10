"""The extended API of django-valkey 0.4 (expiry, locks, key space, sets, hashes, raw clients)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from django.test import override_settings

import django_valkey
from django_valkey.cache import ValkeyCache
from tests.helpers import MakeCache, cache_params

# ------------------------------------------------------------------ expiry


def test_ttl_and_pttl(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=100)
    ttl = cache.ttl("k")
    pttl = cache.pttl("k")
    assert ttl is not None and 98 <= ttl <= 100
    assert pttl is not None and 98_000 < pttl <= 100_000
    cache.set("forever", "v", timeout=None)
    assert cache.ttl("forever") is None
    assert cache.pttl("forever") is None
    assert cache.ttl("missing") == 0
    assert cache.pttl("missing") == 0


@pytest.mark.parametrize("timeout", [50, 50.0, timedelta(seconds=50)])
def test_expire(cache: ValkeyCache, timeout: Any) -> None:
    cache.set("k", "v", timeout=None)
    assert cache.expire("k", timeout) is True
    ttl = cache.ttl("k")
    assert ttl is not None and 48 <= ttl <= 50
    assert cache.expire("missing", timeout) is False


@pytest.mark.parametrize("timeout", [20_000, timedelta(seconds=20)])
def test_pexpire(cache: ValkeyCache, timeout: Any) -> None:
    cache.set("k", "v", timeout=None)
    assert cache.pexpire("k", timeout) is True
    pttl = cache.pttl("k")
    assert pttl is not None and 19_000 < pttl <= 20_000
    assert cache.pexpire("missing", timeout) is False


def test_expire_non_positive_removes(cache: ValkeyCache) -> None:
    cache.set("k", "v")
    assert cache.expire("k", 0) is True
    assert "k" not in cache


@pytest.mark.parametrize("as_datetime", [True, False])
def test_expire_at(cache: ValkeyCache, as_datetime: bool) -> None:
    cache.set("k", "v", timeout=None)
    when = datetime.now(timezone.utc) + timedelta(seconds=60)
    assert cache.expire_at("k", when if as_datetime else int(when.timestamp())) is True
    ttl = cache.ttl("k")
    assert ttl is not None and 57 <= ttl <= 60
    assert cache.expire_at("missing", when) is False


@pytest.mark.parametrize("as_datetime", [True, False])
def test_pexpire_at(cache: ValkeyCache, as_datetime: bool) -> None:
    cache.set("k", "v", timeout=None)
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert cache.pexpire_at("k", when if as_datetime else int(when.timestamp() * 1000)) is True
    pttl = cache.pttl("k")
    assert pttl is not None and 28_000 < pttl <= 30_000


def test_expire_at_in_the_past_removes(cache: ValkeyCache) -> None:
    cache.set("k", "v")
    assert cache.expire_at("k", datetime.now(timezone.utc) - timedelta(seconds=5)) is True
    assert "k" not in cache


def test_persist(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=100)
    assert cache.persist("k") is True
    assert cache.ttl("k") is None
    assert cache.persist("missing") is False


@pytest.mark.parametrize("method", ["expire", "pexpire", "expire_at", "pexpire_at"])
def test_expiry_rejects_bad_types(cache: ValkeyCache, method: str) -> None:
    cache.set("k", "v", timeout=None)
    with pytest.raises(TypeError, match="'soon'"):
        getattr(cache, method)("k", "soon")
    assert cache.ttl("k") is None


# ------------------------------------------------------------------ locks


@pytest.mark.parametrize("method", ["lock", "get_lock"])
def test_lock_key_goes_through_make_key(make_cache: MakeCache, raw: Any, method: str) -> None:
    cache = make_cache(KEY_PREFIX="app")
    lock = getattr(cache, method)("job", timeout=10)
    assert lock.acquire(blocking=False) is True
    assert raw.exists("app:1:job") == 1
    assert lock.owned()
    other = cache.lock("job", timeout=10)
    assert other.acquire(blocking=False) is False
    lock.release()
    assert raw.exists("app:1:job") == 0
    assert other.acquire(blocking=False) is True
    other.release()


def test_lock_context_manager_and_version(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="app")
    with cache.lock("job", version=3, timeout=5, blocking_timeout=1):
        assert raw.exists("app:3:job") == 1
    assert raw.exists("app:3:job") == 0


def test_lock_blocking_timeout(cache: ValkeyCache) -> None:
    held = cache.lock("job", timeout=5)
    assert held.acquire()
    started = time.monotonic()
    assert cache.lock("job", blocking_timeout=0.2, sleep=0.05).acquire() is False
    assert time.monotonic() - started < 2
    held.release()


# ------------------------------------------------------------------ key space


def test_keys_and_iter_keys_honour_prefix(make_cache: MakeCache) -> None:
    mine = make_cache(KEY_PREFIX="mine")
    other = make_cache(KEY_PREFIX="other")
    mine.set_many({"user:1": 1, "user:2": 2, "post:1": 3})
    other.set_many({"user:9": 9})
    assert sorted(mine.keys("user:*")) == ["user:1", "user:2"]
    assert sorted(mine.keys("*")) == ["post:1", "user:1", "user:2"]
    assert sorted(mine.iter_keys("user:*")) == ["user:1", "user:2"]
    assert sorted(other.keys("*")) == ["user:9"]
    assert mine.keys("nothing*") == []


def test_keys_version(cache: ValkeyCache) -> None:
    cache.set("a", 1)
    cache.set("b", 1, version=2)
    assert cache.keys("*") == ["a"]
    assert cache.keys("*", version=2) == ["b"]
    assert list(cache.iter_keys("*", version=2)) == ["b"]


def test_iter_keys_is_lazy_and_itersize(cache: ValkeyCache) -> None:
    cache.set_many({f"k{i}": i for i in range(25)})
    it = cache.iter_keys("k*", itersize=3)
    assert iter(it) is it
    assert sorted(it, key=lambda k: int(k[1:])) == [f"k{i}" for i in range(25)]


GLOB_PREFIXES = ["a*b", "a?b", "a[b]c", "x]y", "back\\slash", "br[ck"]


@pytest.mark.parametrize("prefix", GLOB_PREFIXES)
def test_glob_characters_in_prefix_are_literal(make_cache: MakeCache, prefix: str) -> None:
    mine = make_cache(KEY_PREFIX=prefix)
    # Keys a glob reading of the prefix would also match.
    lookalikes = [make_cache(KEY_PREFIX=p) for p in ("axb", "ab", "abc", "a]b", "y", "backslash", "b")]
    mine.set_many({"k1": 1, "k2": 2})
    for cache in lookalikes:
        cache.set("k3", 3)
    assert sorted(mine.keys("k*")) == ["k1", "k2"]
    assert sorted(mine.iter_keys("k*")) == ["k1", "k2"]
    assert mine.delete_pattern("k*") == 2
    for cache in lookalikes:
        assert cache.get("k3") == 3


def test_delete_pattern(make_cache: MakeCache) -> None:
    cache = make_cache(KEY_PREFIX="p")
    other = make_cache(KEY_PREFIX="q")
    cache.set_many({f"tmp:{i}": i for i in range(7)})
    cache.set("keep", 1)
    other.set("tmp:1", 1)
    assert cache.delete_pattern("tmp:*", itersize=2) == 7
    assert cache.keys("*") == ["keep"]
    assert other.get("tmp:1") == 1
    assert cache.delete_pattern("tmp:*") == 0


def test_delete_pattern_prefix_and_version(make_cache: MakeCache) -> None:
    cache = make_cache(KEY_PREFIX="p")
    other = make_cache(KEY_PREFIX="q")
    other.set_many({"a": 1, "b": 2})
    cache.set("a", 1, version=2)
    cache.set("a", 1)
    assert cache.delete_pattern("*", prefix="q") == 2
    assert other.get_many(["a", "b"]) == {}
    assert cache.delete_pattern("*", version=2) == 1
    assert cache.get("a") == 1


def test_scan_itersize_option(make_cache: MakeCache) -> None:
    cache = make_cache(SCAN_ITERSIZE=2)
    cache.set_many({f"k{i}": i for i in range(5)})
    assert len(list(cache.iter_keys("k*"))) == 5
    assert cache.delete_pattern("k*") == 5


def test_mget_mset(cache: ValkeyCache) -> None:
    assert cache.mset({"a": 1, "b": "two"}) == []
    assert cache.mget(["a", "b", "c"]) == {"a": 1, "b": "two"}
    cache.mset({"t": 1}, timeout=20)
    ttl = cache.ttl("t")
    assert ttl is not None and 18 <= ttl <= 20


def test_make_pattern(make_cache: MakeCache) -> None:
    cache = make_cache(KEY_PREFIX="a*")
    assert cache.make_pattern("x*") == "a\\*:1:x*"
    assert cache.make_pattern("x*", version=2, prefix="b") == "b:2:x*"


# ------------------------------------------------------------------ sets


def test_set_commands(cache: ValkeyCache) -> None:
    assert cache.sadd("s", 1, "two", (3, 3)) == 3
    assert cache.sadd("s", 1) == 0
    assert cache.sadd("s") == 0
    assert cache.scard("s") == 3
    assert cache.smembers("s") == {1, "two", (3, 3)}
    assert cache.sismember("s", "two") is True
    assert cache.sismember("s", "nope") is False
    assert cache.smismember("s", 1, "nope", (3, 3)) == [True, False, True]
    assert cache.smismember("s") == []
    assert cache.srem("s", 1, "nope") == 1
    assert cache.srem("s") == 0
    assert cache.smembers("s") == {"two", (3, 3)}
    assert cache.scard("missing") == 0
    assert cache.smembers("missing") == set()


def test_set_members_are_serialized(cache: ValkeyCache, raw: Any) -> None:
    cache.sadd("s", "text", 5)
    stored = raw.smembers(cache.make_key("s"))
    assert b"5" in stored
    assert b"text" not in stored  # pickled, not raw text


def test_smove(cache: ValkeyCache) -> None:
    cache.sadd("a", "x", "y")
    assert cache.smove("a", "b", "x") is True
    assert cache.smove("a", "b", "nope") is False
    assert cache.smembers("a") == {"y"}
    assert cache.smembers("b") == {"x"}


def test_spop(cache: ValkeyCache) -> None:
    cache.sadd("s", "a", "b", "c")
    one = cache.spop("s")
    assert one in {"a", "b", "c"}
    rest = cache.spop("s", 5)
    assert isinstance(rest, set)
    assert rest | {one} == {"a", "b", "c"}
    assert cache.spop("s") is None
    assert cache.spop("s", 2) == set()
    assert cache.scard("s") == 0


def test_srandmember(cache: ValkeyCache) -> None:
    cache.sadd("s", "a", "b", "c")
    assert cache.srandmember("s") in {"a", "b", "c"}
    two = cache.srandmember("s", 2)
    assert isinstance(two, list) and len(two) == 2 and set(two) <= {"a", "b", "c"}
    repeats = cache.srandmember("s", -7)
    assert len(repeats) == 7 and set(repeats) <= {"a", "b", "c"}
    assert cache.scard("s") == 3
    assert cache.srandmember("missing") is None
    assert cache.srandmember("missing", 3) == []


def test_set_algebra(cache: ValkeyCache) -> None:
    cache.sadd("a", 1, 2, 3, "x")
    cache.sadd("b", 2, 3, 4)
    cache.sadd("c", 3, "x")
    assert cache.sdiff("a", "b") == {1, "x"}
    assert cache.sinter("a", "b") == {2, 3}
    assert cache.sinter("a", "b", "c") == {3}
    assert cache.sunion("b", "c") == {2, 3, 4, "x"}
    assert cache.sdiffstore("d", "a", "b") == 2
    assert cache.smembers("d") == {1, "x"}
    assert cache.sinterstore("i", "a", "c") == 2
    assert cache.smembers("i") == {3, "x"}
    assert cache.sunionstore("u", "a", "b") == 5
    assert cache.smembers("u") == {1, 2, 3, 4, "x"}


def test_set_algebra_version(cache: ValkeyCache) -> None:
    cache.sadd("a", 1, 2, version=2)
    cache.sadd("b", 2, version=2)
    assert cache.sdiff("a", "b") == set()
    assert cache.sdiff("a", "b", version=2) == {1}
    assert cache.sunionstore("u", "a", "b", version=2) == 2
    assert cache.smembers("u", version=2) == {1, 2}


def test_sscan(cache: ValkeyCache) -> None:
    members = {f"m{i}" for i in range(40)} | set(range(30))
    cache.sadd("s", *members)
    assert cache.sscan("s") == members
    assert cache.sscan("s", count=5) == members
    assert set(cache.sscan_iter("s", count=7)) == members
    assert cache.sscan("missing") == set()
    # match runs on the stored bytes: ints are stored as digits, so it can select them.
    assert cache.sscan("s", match="2*") == {2} | set(range(20, 30))


# ------------------------------------------------------------------ hashes


def test_hash_commands(cache: ValkeyCache) -> None:
    assert cache.hset("h", "f1", {"a": 1}) == 1
    assert cache.hset("h", "f2", 2) == 1
    assert cache.hset("h", "f2", 3) == 0
    assert cache.hget("h", "f1") == {"a": 1}
    assert cache.hget("h", "f2") == 3
    assert cache.hget("h", "missing") is None
    assert cache.hget("h", "missing", "dflt") == "dflt"
    assert cache.hlen("h") == 2
    assert sorted(cache.hkeys("h")) == ["f1", "f2"]
    assert cache.hexists("h", "f1") is True
    assert cache.hexists("h", "nope") is False
    assert cache.hdel("h", "f1") == 1
    assert cache.hdel("h", "f1") == 0
    assert cache.hkeys("h") == ["f2"]
    assert cache.hlen("missing") == 0
    assert cache.hkeys("missing") == []


def test_hash_name_goes_through_make_key(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="p")
    cache.hset("h", "f", 1, version=2)
    assert raw.hget("p:2:h", "f") == b"1"
    assert cache.hget("h", "f") is None
    assert cache.hget("h", "f", version=2) == 1


# ------------------------------------------------------------------ raw clients


@pytest.mark.valkey_py(reason="the raw client is valkey.Valkey")
def test_get_client(cache: ValkeyCache, valkey_server: Any) -> None:
    for write in (True, False):
        client = cache.get_client(write=write)
        assert client.connection_pool.connection_kwargs["port"] == valkey_server.port
        assert client.ping() is True
    assert cache.get_client() is cache.get_client(write=True)


@pytest.mark.valkey_py(reason="get_valkey_connection returns a valkey.Valkey")
def test_get_valkey_connection(django_caches: None, valkey_server: Any) -> None:
    from django.core.cache import cache

    cache.set("k", 5)
    conn = django_valkey.get_valkey_connection("default")
    assert conn.get(cache.make_key("k")) == b"5"
    assert django_valkey.get_valkey_connection(write=False).ping() is True


def test_get_valkey_connection_rejects_other_backends() -> None:
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem), pytest.raises(TypeError, match="not a django-valkey cache"):
        django_valkey.get_valkey_connection()


@pytest.mark.valkey_py(reason="get_valkey_connection returns a valkey.Valkey")
def test_get_valkey_connection_other_alias(valkey_server: Any) -> None:
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "valkey": cache_params(f"{valkey_server.url}/3"),
    }
    with override_settings(CACHES=caches):
        conn = django_valkey.get_valkey_connection("valkey")
        assert conn.connection_pool.connection_kwargs["db"] == 3


@pytest.mark.parametrize("prefix", ["site:one", "a:b:c", ":", ""])
def test_keys_with_colons_in_prefix(make_cache: MakeCache, prefix: str) -> None:
    cache = make_cache(KEY_PREFIX=prefix)
    cache.set_many({"k": 1, "x:y": 2})
    cache.set("v", 3, version=12)
    assert sorted(cache.keys("*")) == ["k", "x:y"]
    assert sorted(cache.iter_keys("*")) == ["k", "x:y"]
    assert cache.keys("*", version=12) == ["v"]
