"""Django's cache API and the extended API, run through the sync API *and* both async APIs.

The cases are written once (through ``Api``, see ``tests/api_modes.py``); each runs four times:
``ValkeyCache`` sync and ``a*`` methods, ``AsyncValkeyCache`` plain coroutine names and ``a*`` names.
"""

from __future__ import annotations

import asyncio
import pickle
import re
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.cache.backends.base import CacheKeyWarning, default_key_func

from django_valkey._core.commands import INCR_SHA
from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import ConnectionInterrupted, SerializerError
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.helpers import RefusesPickle
from tests.servers import free_port

MakeApi = Any


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Which face of the API ``api`` / ``make_api`` go through (see ``tests/api_modes.py``)."""
    return str(request.param)


@pytest.fixture
async def make_api(mode: str, valkey_server: Any) -> AsyncIterator[Callable[..., Api]]:
    """Build ``Api`` objects (on db 0 of the session server, flushed first) in this test's mode."""
    made: list[AnyCache] = []

    def make(location: str | None = None, **options: Any) -> Api:
        cache = build_cache(mode, location or f"{valkey_server.url}/0", **options)
        made.append(cache)
        return Api(cache, mode)

    with valkey_server.client() as conn:
        conn.flushall()
    yield make
    for cache in made:
        if cache._client is not None and isinstance(cache, ValkeyCache):
            cache._client.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    """A default ``Api`` on db 0 of the session server, empty at the start of the test."""
    return make_api()


# ------------------------------------------------------------------ get / set / add


@pytest.mark.parametrize("value", ["text", "", b"bytes", 0, 42, -7, 2**70, 1.5, True, None, [1, "a"], {"k": (1, 2)}])
async def test_round_trip(api: Api, value: Any) -> None:
    assert await api.set("key", value) is None
    got = await api.get("key", "missing")
    assert got == value
    assert type(got) is type(value)


async def test_get_default(api: Api) -> None:
    sentinel = object()
    assert await api.get("nope") is None
    assert await api.get("nope", "dflt") == "dflt"
    assert await api.get("nope", default=sentinel) is sentinel


async def test_set_nx_xx(api: Api) -> None:
    assert await api.set("k", 1, nx=True) is True
    assert await api.set("k", 2, nx=True) is False
    assert await api.set("k", 3, xx=True) is True
    assert await api.set("other", 3, xx=True) is False
    assert await api.get("k") == 3
    assert await api.get("other") is None


async def test_add(api: Api) -> None:
    assert await api.add("k", "first") is True
    assert await api.add("k", "second") is False
    assert await api.get("k") == "first"
    assert await api.add("gone", "v", timeout=0) is True  # Django: stored and expired at once
    assert await api.get("gone") is None


async def test_get_or_set(api: Api) -> None:
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return "computed"

    assert await api.get_or_set("k", compute) == "computed"
    assert await api.get_or_set("k", compute) == "computed"
    assert calls == [1]
    assert await api.get_or_set("plain", 5, timeout=10) == 5
    assert await api.get_or_set("none", None) is None


async def test_touch(api: Api) -> None:
    await api.set("k", "v", timeout=100)
    assert await api.touch("k", 10) is True
    assert 0 < (await api.ttl("k")) <= 10
    assert await api.touch("k", None) is True
    assert await api.ttl("k") is None
    assert await api.touch("missing", 10) is False
    assert await api.touch("k", 0) is True
    assert await api.has_key("k") is False


async def test_delete_and_has_key(api: Api) -> None:
    await api.set("k", "v")
    assert await api.has_key("k") is True
    assert await api.delete("k") is True
    assert await api.delete("k") is False
    assert await api.has_key("k") is False


async def test_get_many_set_many(api: Api) -> None:
    assert await api.set_many({"a": 1, "b": "two", "c": [3]}) == []
    assert await api.get_many(["a", "b", "c", "missing"]) == {"a": 1, "b": "two", "c": [3]}
    assert await api.get_many([]) == {}
    assert await api.set_many({"v": 1}, version=2) == []
    assert await api.get_many(["v"]) == {}
    assert await api.get_many(["v"], version=2) == {"v": 1}
    assert await api.mset({"m": 1}) == []
    assert await api.mget(["m", "a"]) == {"m": 1, "a": 1}


async def test_set_many_timeouts(api: Api) -> None:
    await api.set_many({"a": 1, "b": 2}, timeout=50)
    ttl = await api.ttl("a")
    assert ttl is not None and 0 < ttl <= 50
    await api.set_many({"a": 1, "b": 2}, timeout=0)
    assert await api.get_many(["a", "b"]) == {}


async def test_delete_many(api: Api) -> None:
    await api.set_many({"a": 1, "b": 2, "c": 3})
    assert await api.delete_many(["a", "b", "zz"]) is None
    assert await api.get_many(["a", "b", "c"]) == {"c": 3}
    assert await api.delete_many([]) is None


async def test_incr_decr(api: Api) -> None:
    await api.set("n", 10, timeout=100)
    assert await api.incr("n") == 11
    assert await api.incr("n", 5) == 16
    assert await api.decr("n", 6) == 10
    ttl = await api.ttl("n")
    assert ttl is not None and ttl > 90  # the TTL survives
    with pytest.raises(ValueError, match="not found"):
        await api.incr("missing")
    assert await api.has_key("missing") is False
    await api.set("text", "abc")
    with pytest.raises(TypeError, match="not an integer"):
        await api.incr("text")
    with pytest.raises(TypeError, match="delta"):
        await api.incr("n", 1.5)


async def test_decr_names_the_delta_the_caller_gave(api: Api) -> None:
    await api.set("n", 5)
    for delta in (1.5, "1", None, True):
        with pytest.raises(TypeError, match=rf"^delta must be an int, got {re.escape(repr(delta))}$"):
            await api.decr("n", delta)
    assert await api.get("n") == 5


async def test_scripts_resent_after_noscript(api: Api, raw: Any) -> None:
    """incr and touch(None) run cached scripts (EVALSHA); a server that lost its script cache
    (restart, failover, SCRIPT FLUSH) answers NOSCRIPT and gets the script itself (EVAL)."""
    await api.set("n", 1, timeout=100)
    raw.script_flush()
    assert await api.incr("n") == 2
    assert raw.script_exists(INCR_SHA) == [True]  # EVAL cached it: the next call is an EVALSHA hit
    assert await api.decr("n", 5) == -3
    raw.script_flush()
    with pytest.raises(ValueError, match="not found"):
        await api.incr("missing")  # errors still come through the fallback
    assert await api.has_key("missing") is False
    raw.script_flush()
    await api.set("text", "abc")
    with pytest.raises(TypeError, match="'text'"):
        await api.incr("text")
    raw.script_flush()
    assert await api.touch("n", None) is True
    assert await api.ttl("n") is None
    assert await api.get("n") == -3


async def test_incr_version(api: Api) -> None:
    await api.set("k", "v", timeout=100)
    assert await api.incr_version("k") == 2
    assert await api.get("k") is None
    assert await api.get("k", version=2) == "v"
    assert await api.decr_version("k", version=2) == 1
    assert await api.get("k") == "v"
    with pytest.raises(ValueError, match="not found"):
        await api.incr_version("missing")


async def test_clear(api: Api) -> None:
    await api.set_many({"a": 1, "b": 2})
    assert await api.clear() is None
    assert await api.get_many(["a", "b"]) == {}


@pytest.mark.parametrize("timeout", [0, -1])
async def test_non_positive_timeout_removes(api: Api, timeout: int) -> None:
    await api.set("k", "old")
    await api.set("k", "new", timeout=timeout)
    assert await api.get("k") is None


async def test_timeout_none_and_float(api: Api) -> None:
    await api.set("forever", 1, timeout=None)
    assert await api.ttl("forever") is None
    await api.set("short", 1, timeout=0.25)
    pttl = await api.pttl("short")
    assert pttl is not None and 0 < pttl <= 250


async def test_prefix_version_and_make_key(make_api: MakeApi, raw: Any) -> None:
    api = make_api(KEY_PREFIX="pre", VERSION=3)
    await api.set("k", "v")
    assert api.cache.make_key("k") == "pre:3:k"
    assert raw.exists("pre:3:k") == 1
    other = make_api(KEY_PREFIX="other")
    assert await other.get("k") is None


async def test_key_warnings(api: Api) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await api.set("bad key", 1)
        await api.get("x" * 300)
    assert [w.category for w in caught] == [CacheKeyWarning, CacheKeyWarning]


async def test_key_settings_reassigned_on_a_live_cache(make_api: MakeApi, raw: Any) -> None:
    # Django's BaseCache reads key_func, key_prefix and version on every call, and Django's own
    # cache tests swap key_func on a live cache: the clients already built follow.
    api = make_api(KEY_PREFIX="pre")
    await api.set("k", "v")  # the clients exist now
    assert raw.exists("pre:1:k") == 1
    api.cache.key_func = lambda key, prefix, version: f"custom|{key}"
    await api.set("k", "w")
    assert raw.get("custom|k") is not None
    assert api.cache.make_key("k") == "custom|k"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await api.get("key with spaces")
    assert [str(w.message) for w in caught] == [
        "Cache key contains characters that will cause errors if used with memcached: 'custom|key with spaces'"
    ]
    assert await api.get_many(["k", "missing"]) == {"k": "w"}
    api.cache.key_func = default_key_func
    api.cache.key_prefix = "other"
    api.cache.version = 2
    await api.set("k", "x")
    assert raw.exists("other:2:k") == 1
    assert await api.get("k") == "x"
    assert await api.get("k", version=1) is None
    assert await api.collect("iter_keys", "*") == ["k"]


# ------------------------------------------------------------------ expiry


async def test_ttl_expire_persist(api: Api) -> None:
    await api.set("k", "v", timeout=None)
    assert await api.expire("k", 100) is True
    ttl = await api.ttl("k")
    assert ttl is not None and 98 <= ttl <= 100
    assert await api.pexpire("k", 5000) is True
    pttl = await api.pttl("k")
    assert pttl is not None and 0 < pttl <= 5000
    assert await api.expire("k", timedelta(seconds=30)) is True
    assert await api.persist("k") is True
    assert await api.ttl("k") is None
    assert await api.ttl("missing") == 0
    assert await api.expire("missing", 10) is False


async def test_expire_at(api: Api) -> None:
    await api.set("k", "v")
    when = datetime.now(timezone.utc) + timedelta(seconds=60)
    assert await api.expire_at("k", when) is True
    ttl = await api.ttl("k")
    assert ttl is not None and 55 <= ttl <= 60
    assert await api.pexpire_at("k", int((time.time() + 30) * 1000)) is True
    ttl = await api.ttl("k")
    assert ttl is not None and 25 <= ttl <= 30
    assert await api.expire_at("k", datetime.now(timezone.utc) - timedelta(seconds=1)) is True
    assert await api.has_key("k") is False
    with pytest.raises(TypeError, match="when"):
        await api.expire_at("k", "tomorrow")


# ------------------------------------------------------------------ key space


async def test_keys_iter_keys_delete_pattern(make_api: MakeApi) -> None:
    api = make_api(KEY_PREFIX="p")
    other = make_api(KEY_PREFIX="q")
    await api.set_many({"user:1": 1, "user:2": 2, "item:1": 3})
    await other.set("user:9", 9)
    assert sorted(await api.keys("user:*")) == ["user:1", "user:2"]
    assert sorted(await api.collect("iter_keys", "user:*", itersize=1)) == ["user:1", "user:2"]
    assert await api.delete_pattern("user:*", itersize=1) == 2
    assert await api.keys("*") == ["item:1"]
    assert await other.keys("*") == ["user:9"]  # another prefix is untouched
    assert await api.delete_pattern("nothing:*") == 0


async def test_lock(api: Api, raw: Any) -> None:
    lock = await api.lock("res", timeout=5)
    if api.awaits:
        async with lock:
            assert await lock.locked() is True
            assert raw.exists(api.cache.make_key("res")) == 1
        assert await lock.locked() is False
        other = await api.get_lock("res2", blocking_timeout=0.05)
        assert await other.acquire() is True
        blocked = await api.get_lock("res2", blocking_timeout=0.05)
        assert await blocked.acquire() is False
        await other.release()
    else:
        with lock:
            assert lock.locked() is True
            assert raw.exists(api.cache.make_key("res")) == 1
        assert lock.locked() is False


# ------------------------------------------------------------------ sets


async def test_set_commands(api: Api) -> None:
    assert await api.sadd("s", 1, "two", (3,)) == 3
    assert await api.sadd("s", 1) == 0
    assert await api.sadd("s") == 0
    assert await api.scard("s") == 3
    assert await api.sismember("s", "two") is True
    assert await api.smismember("s", 1, "nope") == [True, False]
    assert await api.smembers("s") == {1, "two", (3,)}
    assert await api.srem("s", "two", "nope") == 1
    assert await api.smove("s", "t", 1) is True
    assert await api.smembers("t") == {1}
    assert await api.srandmember("s") == (3,)
    assert await api.srandmember("s", 5) == [(3,)]
    assert await api.spop("s") == (3,)
    assert await api.spop("s") is None
    assert await api.spop("t", 3) == {1}


async def test_set_algebra_and_scan(api: Api) -> None:
    await api.sadd("a", 1, 2, 3)
    await api.sadd("b", 2, 3, 4)
    assert await api.sdiff("a", "b") == {1}
    assert await api.sinter("a", "b") == {2, 3}
    assert await api.sunion("a", "b") == {1, 2, 3, 4}
    assert await api.sdiffstore("d", "a", "b") == 1
    assert await api.sinterstore("i", "a", "b") == 2
    assert await api.sunionstore("u", "a", "b") == 4
    assert await api.smembers("u") == {1, 2, 3, 4}
    assert await api.sscan("u", count=1) == {1, 2, 3, 4}
    assert sorted(await api.collect("sscan_iter", "u", count=1)) == [1, 2, 3, 4]


# ------------------------------------------------------------------ hashes


async def test_hash_commands(api: Api, raw: Any) -> None:
    assert await api.hset("h", "f1", {"v": 1}) == 1
    assert await api.hset("h", "f2", 2) == 1
    assert await api.hget("h", "f1") == {"v": 1}
    assert await api.hget("h", "nope", "dflt") == "dflt"
    assert await api.hlen("h") == 2
    assert sorted(await api.hkeys("h")) == ["f1", "f2"]
    assert await api.hexists("h", "f2") is True
    assert await api.hdel("h", "f2") == 1
    assert await api.hexists("h", "f2") is False
    assert raw.exists(api.cache.make_key("h")) == 1


# ------------------------------------------------------------------ failure paths


async def test_unpicklable_value_writes_nothing(api: Api, raw: Any) -> None:
    await api.set("k", "old")
    with pytest.raises(SerializerError, match="PickleSerializer"):
        await api.set("k", lambda: None)
    with pytest.raises(SerializerError):
        await api.set_many({"ok": 1, "bad": lambda: None})
    assert await api.get("k") == "old"
    assert raw.exists(api.cache.make_key("ok")) == 0


async def test_pickle_errors_stay_pickle_errors(api: Api, raw: Any) -> None:
    # As with Django's backends, a pickle failure is catchable as pickle.PickleError.
    with pytest.raises(pickle.PicklingError) as info:
        await api.set("k", RefusesPickle())
    assert isinstance(info.value, SerializerError)
    with pytest.raises(pickle.PickleError):
        await api.add("k", RefusesPickle())
    with pytest.raises(pickle.PickleError):
        await api.set_many({"k": RefusesPickle()})
    assert raw.exists(api.cache.make_key("k")) == 0
    raw.set(api.cache.make_key("bad"), b"\x80\x05truncated")
    with pytest.raises(pickle.UnpicklingError) as loading:
        await api.get("bad")
    assert isinstance(loading.value, SerializerError)


async def test_corrupted_value(api: Api, raw: Any) -> None:
    raw.set(api.cache.make_key("k"), b"\x80not a pickle")
    with pytest.raises(SerializerError, match="stored at"):
        await api.get("k")


async def test_dead_server_raises(make_api: MakeApi) -> None:
    api = make_api(f"valkey://127.0.0.1:{free_port()}/0", SOCKET_CONNECT_TIMEOUT=0.5)
    with pytest.raises(ConnectionInterrupted) as info:
        await api.get("k")
    assert info.value.__cause__ is not None
    with pytest.raises(ConnectionInterrupted):
        await api.set("k", 1)


async def test_dead_server_ignored(make_api: MakeApi) -> None:
    api = make_api(f"valkey://127.0.0.1:{free_port()}/0", SOCKET_CONNECT_TIMEOUT=0.5, IGNORE_EXCEPTIONS=True)
    assert await api.get("k", "dflt") == "dflt"
    assert await api.set("k", 1) is None
    assert await api.add("k", 1) is False
    assert await api.get_many(["a"]) == {}
    assert await api.set_many({"a": 1}) == ["a"]
    assert await api.ttl("k") == 0
    assert await api.smembers("s") == set()
    assert await api.collect("iter_keys", "*") == []
    with pytest.raises(ValueError, match="not found"):
        await api.incr("k")


async def test_many_concurrent_calls_agree(api: Api) -> None:
    """Interleaved calls (tasks on the async APIs) see one consistent counter."""
    await api.set("counter", 0)
    results = await asyncio.gather(*(api.incr("counter") for _ in range(50)))
    assert sorted(results) == list(range(1, 51))


@pytest.mark.django_db(transaction=True)
async def test_a_queryset_is_pickled_off_the_loop(api: Api) -> None:
    """Pickling a QuerySet runs its query, which Django forbids on the event loop; Django's own
    async cache methods serialize in a thread, so ``aset(key, queryset)`` must keep working."""
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Group

    await sync_to_async(Group.objects.create)(name="editors")
    if api.mode == "sync":  # the sync API called on the loop: Django forbids the query, as anywhere
        with pytest.raises(SerializerError, match="async context"):
            await api.set("qs", Group.objects.all())
        assert await api.has_key("qs") is False
        return
    assert await api.set("qs", Group.objects.all()) is None
    assert await api.add("qs2", Group.objects.filter(name="editors")) is True
    assert await api.set_many({"qs3": Group.objects.all(), "n": 1}) == []
    for key in ("qs", "qs2", "qs3"):
        assert [group.name for group in await api.get(key)] == ["editors"]
    # Any other serializer error is not retried in a thread: it names the problem at once.
    with pytest.raises(SerializerError, match="lock"):
        await api.set("bad", threading.Lock())
    assert await api.has_key("bad") is False
