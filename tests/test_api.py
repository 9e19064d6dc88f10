"""Django's cache API on ValkeyCache, with Django's documented semantics, against a real server."""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import pytest
from django.core.cache.backends.base import CacheKeyWarning

from django_valkey.cache import ValkeyCache
from tests.helpers import MakeCache, cache_params


def custom_key(key: str, key_prefix: str, version: int) -> str:
    """A KEY_FUNCTION for the tests: version first."""
    return f"v{version}|{key_prefix}|{key}"


# ------------------------------------------------------------------ get / set / add


@pytest.mark.parametrize(
    "value",
    ["text", "", b"bytes", 0, 42, -7, 2**70, 1.5, True, False, None, [1, "a"], {"k": (1, 2)}, {1, 2}],
)
def test_set_get_round_trip(cache: ValkeyCache, value: Any) -> None:
    assert cache.set("key", value) is None
    got = cache.get("key", "missing")
    assert got == value
    assert type(got) is type(value)


def test_get_default_and_missing(cache: ValkeyCache) -> None:
    assert cache.get("nope") is None
    assert cache.get("nope", "dflt") == "dflt"
    sentinel = object()
    assert cache.get("nope", default=sentinel) is sentinel


def test_set_overwrites(cache: ValkeyCache) -> None:
    cache.set("k", "one")
    cache.set("k", "two")
    assert cache.get("k") == "two"


def test_set_nx_xx_return_bool(cache: ValkeyCache) -> None:
    assert cache.set("k", 1, nx=True) is True
    assert cache.set("k", 2, nx=True) is False
    assert cache.get("k") == 1
    assert cache.set("other", 1, xx=True) is False
    assert "other" not in cache
    assert cache.set("k", 3, xx=True) is True
    assert cache.get("k") == 3


def test_add(cache: ValkeyCache) -> None:
    assert cache.add("k", "first") is True
    assert cache.add("k", "second") is False
    assert cache.get("k") == "first"


def test_add_honours_timeout(cache: ValkeyCache) -> None:
    assert cache.add("k", "v", timeout=30) is True
    ttl = cache.ttl("k")
    assert ttl is not None and 28 <= ttl <= 30


def test_add_with_zero_timeout(cache: ValkeyCache) -> None:
    # Absent: "added" and expired at once (Django's locmem says True too); nothing is stored.
    assert cache.add("k", "v", timeout=0) is True
    assert "k" not in cache
    # Present: not added, and the existing value is left alone.
    cache.set("k", "old")
    assert cache.add("k", "new", timeout=0) is False
    assert cache.get("k") == "old"


def test_get_or_set(cache: ValkeyCache) -> None:
    assert cache.get_or_set("k", "dflt") == "dflt"
    assert cache.get("k") == "dflt"
    assert cache.get_or_set("k", "other") == "dflt"


def test_get_or_set_callable_called_only_on_miss(cache: ValkeyCache) -> None:
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return "computed"

    assert cache.get_or_set("k", compute, timeout=30) == "computed"
    assert cache.get_or_set("k", compute) == "computed"
    assert calls == [1]
    ttl = cache.ttl("k")
    assert ttl is not None and 28 <= ttl <= 30


def test_get_or_set_none_default(cache: ValkeyCache) -> None:
    assert cache.get_or_set("k", None) is None
    assert "k" in cache  # None is stored, like Django's backends


# ------------------------------------------------------------------ touch / delete / has_key


def test_touch(cache: ValkeyCache) -> None:
    assert cache.touch("missing", 10) is False
    cache.set("k", "v", timeout=5)
    assert cache.touch("k", 100) is True
    ttl = cache.ttl("k")
    assert ttl is not None and 98 <= ttl <= 100


def test_touch_none_makes_persistent(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=5)
    assert cache.touch("k", None) is True
    assert cache.ttl("k") is None
    # Already persistent: still True, as the key exists.
    assert cache.touch("k", None) is True
    assert cache.touch("missing", None) is False


def test_touch_default_timeout(make_cache: MakeCache) -> None:
    cache = make_cache(TIMEOUT=50)
    cache.set("k", "v", timeout=None)
    assert cache.touch("k") is True
    ttl = cache.ttl("k")
    assert ttl is not None and 48 <= ttl <= 50


@pytest.mark.parametrize("timeout", [0, -1])
def test_touch_non_positive_expires(cache: ValkeyCache, timeout: int) -> None:
    cache.set("k", "v")
    assert cache.touch("k", timeout) is True
    assert "k" not in cache


def test_delete(cache: ValkeyCache) -> None:
    cache.set("k", "v")
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    assert cache.get("k") is None


def test_has_key_and_in(cache: ValkeyCache) -> None:
    cache.set("k", None)
    assert cache.has_key("k") is True
    assert "k" in cache
    assert cache.has_key("nope") is False
    assert "nope" not in cache
    cache.set("v2", 1, version=2)
    assert cache.has_key("v2") is False
    assert cache.has_key("v2", version=2) is True


# ------------------------------------------------------------------ many


def test_get_many(cache: ValkeyCache) -> None:
    cache.set("a", 1)
    cache.set("b", "two")
    cache.set("c", None)
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": 1, "b": "two", "c": None}
    assert cache.get_many([]) == {}
    assert cache.get_many(iter(["a"])) == {"a": 1}


def test_get_many_version(cache: ValkeyCache) -> None:
    cache.set("a", 1, version=3)
    assert cache.get_many(["a"]) == {}
    assert cache.get_many(["a"], version=3) == {"a": 1}


def test_set_many_returns_failed_keys(cache: ValkeyCache) -> None:
    assert cache.set_many({"a": 1, "b": [2], "c": "x"}) == []
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": [2], "c": "x"}
    assert cache.set_many({}) == []


def test_set_many_timeout(cache: ValkeyCache) -> None:
    assert cache.set_many({"a": 1, "b": 2}, timeout=40) == []
    for key in ("a", "b"):
        ttl = cache.ttl(key)
        assert ttl is not None and 38 <= ttl <= 40
    assert cache.set_many({"a": 1}, timeout=None) == []
    assert cache.ttl("a") is None


def test_set_many_default_timeout(make_cache: MakeCache) -> None:
    cache = make_cache(TIMEOUT=70)
    cache.set_many({"a": 1})
    ttl = cache.ttl("a")
    assert ttl is not None and 68 <= ttl <= 70


@pytest.mark.parametrize("timeout", [0, -5])
def test_set_many_non_positive_timeout_removes(cache: ValkeyCache, timeout: int) -> None:
    cache.set_many({"a": 1, "b": 2})
    assert cache.set_many({"a": 10, "b": 20}, timeout=timeout) == []
    assert cache.get_many(["a", "b"]) == {}


def test_delete_many(cache: ValkeyCache) -> None:
    cache.set_many({"a": 1, "b": 2, "c": 3})
    assert cache.delete_many(["a", "b", "missing"]) is None
    assert cache.get_many(["a", "b", "c"]) == {"c": 3}
    cache.delete_many([])


# ------------------------------------------------------------------ incr / decr


def test_incr_decr(cache: ValkeyCache) -> None:
    cache.set("n", 10)
    assert cache.incr("n") == 11
    assert cache.incr("n", 9) == 20
    assert cache.decr("n") == 19
    assert cache.decr("n", 20) == -1
    assert cache.incr("n", -4) == -5
    assert cache.get("n") == -5


def test_incr_stored_as_digits(cache: ValkeyCache, raw: Any) -> None:
    cache.set("n", 41)
    assert raw.get(cache.make_key("n")) == b"41"
    raw.incr(cache.make_key("n"))
    assert cache.get("n") == 42


def test_bool_is_not_stored_as_int(cache: ValkeyCache, raw: Any) -> None:
    cache.set("b", True)
    assert raw.get(cache.make_key("b")) not in (b"1", b"True")
    assert cache.get("b") is True


@pytest.mark.parametrize("method", ["incr", "decr"])
def test_incr_missing_key_raises_and_creates_nothing(cache: ValkeyCache, method: str) -> None:
    with pytest.raises(ValueError, match="not found"):
        getattr(cache, method)("missing")
    assert "missing" not in cache


def test_incr_keeps_ttl(cache: ValkeyCache) -> None:
    cache.set("n", 1, timeout=100)
    cache.incr("n")
    cache.decr("n", 3)
    ttl = cache.ttl("n")
    assert ttl is not None and 98 <= ttl <= 100
    cache.set("p", 1, timeout=None)
    cache.incr("p")
    assert cache.ttl("p") is None


def test_incr_is_atomic(cache: ValkeyCache) -> None:
    cache.set("n", 0)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                cache.incr("n")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert cache.get("n") == 200


# ------------------------------------------------------------------ versions


def test_incr_version(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=100)
    assert cache.incr_version("k") == 2
    assert cache.get("k") is None
    assert cache.get("k", version=2) == "v"
    ttl = cache.ttl("k", version=2)
    assert ttl is not None and 98 <= ttl <= 100
    assert cache.incr_version("k", 3, version=2) == 5
    assert cache.get("k", version=5) == "v"
    assert cache.decr_version("k", version=5) == 4
    assert cache.get("k", version=4) == "v"
    assert cache.get("k", version=5) is None


def test_decr_version_keeps_ttl(cache: ValkeyCache) -> None:
    cache.set("k", "v", version=3, timeout=100)
    assert cache.decr_version("k", version=3) == 2
    ttl = cache.ttl("k", version=2)
    assert ttl is not None and 98 <= ttl <= 100


@pytest.mark.parametrize("method", ["incr_version", "decr_version"])
def test_version_change_missing_raises(cache: ValkeyCache, method: str) -> None:
    with pytest.raises(ValueError, match="not found"):
        getattr(cache, method)("missing")


def test_incr_version_uses_cache_version(make_cache: MakeCache) -> None:
    cache = make_cache(VERSION=7)
    cache.set("k", "v")
    assert cache.incr_version("k") == 8
    assert cache.get("k", version=8) == "v"


# ------------------------------------------------------------------ clear / close


def test_clear(cache: ValkeyCache) -> None:
    cache.set_many({"a": 1, "b": 2})
    assert cache.clear() is None
    assert cache.get_many(["a", "b"]) == {}


def _named_connections(raw: Any, name: str) -> int:
    return sum(1 for entry in raw.client_list() if entry.get("name") == name)


def test_close_keeps_connections_by_default(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(CONNECTION_POOL_KWARGS={"client_name": "dv-keep"})
    cache.set("k", 1)
    assert _named_connections(raw, "dv-keep") == 1
    cache.close()
    assert _named_connections(raw, "dv-keep") == 1
    assert cache.get("k") == 1


def test_close_connection_disconnects(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(CLOSE_CONNECTION=True, CONNECTION_POOL_KWARGS={"client_name": "dv-close"})
    cache.set("k", 1)
    assert _named_connections(raw, "dv-close") == 1
    cache.close()
    deadline = time.monotonic() + 5
    while _named_connections(raw, "dv-close") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _named_connections(raw, "dv-close") == 0
    assert cache.get("k") == 1  # reconnects on the next call


# ------------------------------------------------------------------ timeouts


def test_timeout_none_is_forever(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=None)
    assert cache.ttl("k") is None
    assert cache.pttl("k") is None


@pytest.mark.parametrize("timeout", [0, -1, -10.5])
def test_non_positive_timeout_stores_nothing_and_removes_old(cache: ValkeyCache, timeout: float) -> None:
    cache.set("k", "old")
    assert cache.set("k", "new", timeout=timeout) is None
    assert "k" not in cache
    assert cache.set("fresh", "v", timeout=timeout) is None
    assert "fresh" not in cache


def test_float_timeout_to_the_millisecond(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=0.5)
    pttl = cache.pttl("k")
    assert pttl is not None and 0 < pttl <= 500
    cache.set("long", "v", timeout=12.25)
    pttl = cache.pttl("long")
    assert pttl is not None and 12000 < pttl <= 12250


def test_short_timeout_really_expires(cache: ValkeyCache) -> None:
    cache.set("k", "v", timeout=0.05)
    deadline = time.monotonic() + 3
    while cache.get("k") is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cache.get("k") is None


def test_default_timeout_from_settings(make_cache: MakeCache) -> None:
    cache = make_cache(TIMEOUT=60)
    assert cache.default_timeout == 60
    cache.set("k", "v")
    ttl = cache.ttl("k")
    assert ttl is not None and 58 <= ttl <= 60
    cache.set("k2", "v", timeout=10)
    ttl = cache.ttl("k2")
    assert ttl is not None and 8 <= ttl <= 10


def test_default_timeout_300(cache: ValkeyCache) -> None:
    cache.set("k", "v")
    ttl = cache.ttl("k")
    assert ttl is not None and 298 <= ttl <= 300


def test_default_timeout_none(make_cache: MakeCache) -> None:
    cache = make_cache(TIMEOUT=None)
    cache.set("k", "v")
    cache.add("a", "v")
    cache.set_many({"m": 1})
    assert cache.ttl("k") is None
    assert cache.ttl("a") is None
    assert cache.ttl("m") is None


def test_default_timeout_zero_disables(make_cache: MakeCache) -> None:
    cache = make_cache(TIMEOUT=0)
    cache.set("k", "v")
    assert cache.get("k") is None


# ------------------------------------------------------------------ keys: prefix, version, key function


def test_key_prefix_and_version_in_stored_key(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="site1", VERSION=4)
    cache.set("k", "v")
    assert cache.make_key("k") == "site1:4:k"
    assert raw.exists("site1:4:k") == 1
    cache.set("k", "v9", version=9)
    assert raw.exists("site1:9:k") == 1


def test_prefixes_keep_caches_apart(make_cache: MakeCache) -> None:
    one = make_cache(KEY_PREFIX="one")
    two = make_cache(KEY_PREFIX="two")
    one.set("k", 1)
    assert two.get("k") is None
    two.set("k", 2)
    assert one.get("k") == 1


def test_version_param(cache: ValkeyCache) -> None:
    cache.set("k", "v1", version=1)
    cache.set("k", "v2", version=2)
    assert cache.get("k") == "v1"
    assert cache.get("k", version=2) == "v2"
    cache.delete("k", version=2)
    assert cache.get("k", version=2) is None
    assert cache.get("k", version=1) == "v1"


@pytest.mark.parametrize("key_function", ["tests.test_api.custom_key", custom_key])
def test_key_function(make_cache: MakeCache, raw: Any, key_function: Any) -> None:
    cache = make_cache(KEY_PREFIX="p", KEY_FUNCTION=key_function)
    cache.set("k", "v")
    cache.set_many({"m": 1})
    assert raw.exists("v1|p|k") == 1
    assert raw.exists("v1|p|m") == 1
    assert cache.get("k") == "v"
    assert cache.get_many(["k", "m"]) == {"k": "v", "m": 1}


@pytest.mark.parametrize("key", ["has space", "ctrl\x01char", "x" * 260])
def test_memcached_unsafe_keys_warn(cache: ValkeyCache, key: str) -> None:
    with pytest.warns(CacheKeyWarning):
        cache.set(key, "v")
    with pytest.warns(CacheKeyWarning):
        assert cache.get(key) == "v"
    with pytest.warns(CacheKeyWarning):
        cache.get_many([key])


def test_safe_keys_do_not_warn(cache: ValkeyCache) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.set("plain-key_1:é", "v")
        assert cache.get("plain-key_1:é") == "v"


class StrictCache(ValkeyCache):
    """A cache that turns key warnings into errors, as Django's docs suggest."""

    seen: list[str]

    def validate_key(self, key: str) -> None:
        self.seen.append(key)
        if " " in key:
            raise ValueError(f"bad key {key!r}")


def test_overridden_validate_key_is_called(valkey_server: Any, raw: Any) -> None:
    params = cache_params(f"{valkey_server.url}/0", KEY_PREFIX="s")
    cache = StrictCache(params["LOCATION"], params)
    cache.seen = []
    raw.flushdb()
    try:
        cache.set("ok", 1)
        cache.get_many(["ok", "ok2"])
        assert cache.seen == ["s:1:ok", "s:1:ok", "s:1:ok2"]
        with pytest.raises(ValueError, match="bad key"):
            cache.set("not ok", 1)
        assert raw.dbsize() == 1
    finally:
        cache.client.close()


def test_incr_exact_beyond_double_precision(cache: ValkeyCache) -> None:
    cache.set("n", 2**62)
    assert cache.incr("n") == 2**62 + 1
    assert cache.decr("n", 2) == 2**62 - 1
    assert cache.get("n") == 2**62 - 1


@pytest.mark.parametrize("start", [2**53 - 2, 2**53 - 1, 2**53, -(2**53) + 2, -(2**53) + 1, -(2**53)])
def test_incr_exact_at_the_double_precision_boundary(cache: ValkeyCache, raw: Any, start: int) -> None:
    # Below 2**53 the script returns INCRBY's reply (a Lua double, exact there); from 2**53 on it
    # reads the digits back instead. Both sides of the boundary, up and down, must stay exact.
    for delta in (1, -1, 2, -2):
        cache.set("n", start)
        assert cache.incr("n", delta) == start + delta
        assert raw.get(cache.make_key("n")) == str(start + delta).encode()
        assert cache.decr("n", delta) == start
        assert type(cache.incr("n", 0)) is int


@pytest.mark.valkey_py(reason="valkey-py pool connections")
def test_close_spares_connections_in_use(make_cache: MakeCache) -> None:
    # The pool is process-wide: another thread may be in the middle of a command on it.
    cache = make_cache(CLOSE_CONNECTION=True, CONNECTION_POOL_KWARGS={"client_name": "dv-busy"})
    cache.set("k", 1)
    pool = cache.get_client().connection_pool
    busy = pool.get_connection("GET")
    try:
        assert busy._sock is not None
        cache.close()
        assert busy._sock is not None
        busy.send_command("PING")
        assert busy.read_response() == b"PONG"
    finally:
        pool.release(busy)


def test_cache_page_decorator(django_caches: None) -> None:
    # Django's own per-view cache (pickled HttpResponse objects, get_many/set with its own keys).
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory
    from django.views.decorators.cache import cache_page

    calls: list[int] = []

    @cache_page(60)
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse(f"body {len(calls)}")

    factory = RequestFactory()
    first = view(factory.get("/page"))
    second = view(factory.get("/page"))
    other = view(factory.get("/page?x=1"))
    assert first.content == second.content == b"body 1"
    assert other.content == b"body 2"
    assert calls == [1, 1]
