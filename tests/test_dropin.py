"""Call sites written for django-valkey 0.4 keep working (issue 11's drop-in list), on the session
server, through the sync API and both async APIs (``tests/api_modes.py``).

The topology items (cluster methods, Sentinel ports, shard placement) are tested with their
topologies under ``tests/topology/``.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import django
import pytest
import valkey
from django.core import signals
from django.core.cache import caches, close_caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.test import override_settings

from django_valkey.base import close_async_caches
from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted, WriteRefused
from tests import servers
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.helpers import ASYNC_BACKEND, cache_params
from tests.servers import ValkeyProcess, wait_for


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make_api(mode: str, valkey_server: Any) -> AsyncIterator[Callable[..., Api]]:
    """``Api`` objects on db 0 of the session server (flushed first), in this test's mode."""
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
    return make_api()


# ------------------------------------------------------------------ 1. incr(..., ignore_key_check=True)


async def test_incr_with_ignore_key_check_creates_a_missing_key(api: Api, raw: Any) -> None:
    assert await api.incr("made", 5, None, True) == 5  # positional, as 0.4 call sites pass it
    assert await api.get("made") == 5
    assert raw.get(":1:made") == b"5" and raw.ttl(":1:made") == -1  # digits, no expiry
    assert await api.incr("made", 2, ignore_key_check=True) == 7  # an existing key: a plain incr
    assert await api.decr("down", 3, ignore_key_check=True) == -3
    assert await api.decr("down", 1, ignore_key_check=True) == -4
    assert await api.incr("v2", version=2, ignore_key_check=True) == 1
    assert await api.get("v2", version=2) == 1 and await api.get("v2") is None
    # Exact beyond 64 bits, as a plain incr is.
    assert await api.incr("big", 2**70, ignore_key_check=True) == 2**70
    assert await api.incr("big", 1) == 2**70 + 1


async def test_incr_with_ignore_key_check_keeps_ttl_and_refuses_bad_input(api: Api) -> None:
    await api.set("ttl", 10, timeout=100)
    assert await api.incr("ttl", 1, ignore_key_check=True) == 11
    assert 0 < (await api.ttl("ttl") or 0) <= 100
    with pytest.raises(ValueError, match="not found"):
        await api.incr("absent")  # without the flag a missing key is still an error
    with pytest.raises(ValueError, match="not found"):
        await api.decr("absent", ignore_key_check=False)
    assert await api.get("absent") is None
    await api.set("text", "abc")
    with pytest.raises(TypeError, match="not an integer"):
        await api.incr("text", ignore_key_check=True)
    with pytest.raises(TypeError, match="ignore_key_check must be True or False"):
        await api.incr("ttl", 1, None, "yes")


# ------------------------------------------------------------------ 2. expire / pexpire(key, DEFAULT_TIMEOUT)


@pytest.mark.parametrize("name", ["expire", "pexpire"])
async def test_expire_with_default_timeout_uses_the_cache_timeout(make_api: Callable[..., Api], name: str) -> None:
    api = make_api(TIMEOUT=120)
    await api.set("k", 1, timeout=None)
    assert await api.ttl("k") is None
    assert await getattr(api, name)("k", DEFAULT_TIMEOUT) is True
    # The cache's TIMEOUT in seconds for both (0.4's pexpire read it as milliseconds).
    assert 118_000 < (await api.pttl("k") or 0) <= 120_000
    assert await getattr(api, name)("missing", DEFAULT_TIMEOUT) is False
    assert await getattr(api, name)("k", timeout=DEFAULT_TIMEOUT, version=None) is True


@pytest.mark.parametrize("name", ["expire", "pexpire"])
async def test_expire_with_default_timeout_and_no_cache_timeout(make_api: Callable[..., Api], name: str) -> None:
    forever = make_api(TIMEOUT=None)
    await forever.set("k", 1, timeout=50)
    assert await getattr(forever, name)("k", DEFAULT_TIMEOUT) is True
    assert await forever.ttl("k") is None  # TIMEOUT: None, so the key stops expiring
    assert await getattr(forever, name)("missing", DEFAULT_TIMEOUT) is False
    at_once = make_api(TIMEOUT=0)
    await at_once.set("gone", 1, timeout=50)
    assert await getattr(at_once, name)("gone", DEFAULT_TIMEOUT) is True
    assert await at_once.get("gone") is None  # TIMEOUT: 0 expires at once
    with pytest.raises(TypeError, match="must be a number"):
        await getattr(at_once, name)("gone", object())


# ------------------------------------------------------------------ 3. make_key(key, version=None, prefix=None)


async def test_make_key_takes_a_prefix(make_api: Callable[..., Api], raw: Any) -> None:
    api = make_api(KEY_PREFIX="site")
    cache = api.cache
    assert cache.make_key("k") == "site:1:k"
    assert cache.make_key("k", prefix="other") == "other:1:k"
    assert cache.make_key("k", 3, "other") == "other:3:k"  # positional, as 0.4 call sites pass it
    assert cache.make_key("k", version=None, prefix=None) == "site:1:k"
    assert cache.make_key("k", prefix="") == ":1:k"  # an empty prefix, not KEY_PREFIX
    # The made key is used as it is by every method.
    made = cache.make_key("shared", prefix="other")
    await api.set(made, {"a": 1})
    assert raw.exists("other:1:shared") and not raw.exists("site:1:shared")
    assert await api.get(made) == {"a": 1}
    assert await api.get("shared") is None


# ------------------------------------------------------------------ 4. *store(dest, *keys, version_dest=, version_keys=)


@pytest.mark.parametrize(
    ("name", "expected"), [("sdiffstore", {1}), ("sinterstore", {2, 3}), ("sunionstore", {1, 2, 3, 4})]
)
async def test_set_store_commands_take_a_version_per_side(api: Api, raw: Any, name: str, expected: set[int]) -> None:
    await api.sadd("a", 1, 2, 3, version=2)
    await api.sadd("b", 2, 3, 4, version=2)
    await api.sadd("a", 99)  # version 1: must not be read
    store = getattr(api, name)
    assert await store("dest", "a", "b", version_dest=5, version_keys=2) == len(expected)
    assert await api.smembers("dest", version=5) == expected
    assert not raw.exists(":1:dest") and not raw.exists(":2:dest")
    # Each side defaults to ``version``, which defaults to the cache's VERSION.
    assert await store("d2", "a", "b", version=2) == len(expected)
    assert await api.smembers("d2", version=2) == expected
    assert await store("d3", "a", "b", version=2, version_dest=7) == len(expected)
    assert await api.smembers("d3", version=7) == expected
    assert await store("d4", "a", version_keys=None) == 1  # version 1's "a": {99}
    assert await api.smembers("d4") == {99}
    assert await store("d5", "a", version=1, version_keys=2) == 3
    assert await api.smembers("d5", version=1) == {1, 2, 3}


# ------------------------------------------------------------------ 5. django_valkey.base.close_async_caches


def closing_caches(server: ValkeyProcess) -> dict[str, dict[str, Any]]:
    """A sync and an async cache with CLOSE_CONNECTION, their connections named for CLIENT LIST."""
    sync = cache_params(f"{server.url}/0", CLOSE_CONNECTION=True, CONNECTION_POOL_KWARGS={"client_name": "dv-close"})
    asyn = cache_params(
        f"{server.url}/0", ASYNC_BACKEND, CLOSE_CONNECTION=True, CONNECTION_POOL_KWARGS={"client_name": "dv-close"}
    )
    return {"sync": sync, "async": asyn, "other": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def named_connections(server: ValkeyProcess) -> int:
    return servers.named_connections(server, "dv-close")


async def use_every_pool() -> None:
    caches["sync"].set("a", 1)
    await caches["sync"].aset("b", 2)
    await caches["async"].set("c", 3)  # AsyncValkeyCache: the plain names are coroutines
    caches["other"].set("d", 4)


async def test_close_async_caches_closes_sync_and_async_pools(valkey_server: ValkeyProcess) -> None:
    with override_settings(CACHES=closing_caches(valkey_server)):
        await use_every_pool()
        # The sync pool's connection, and one of this loop's async pool (both async sides share it).
        assert named_connections(valkey_server) == 2
        assert await close_async_caches() is None
        assert wait_for(lambda: named_connections(valkey_server) == 0)
        await use_every_pool()  # the next call reconnects
        assert await caches["async"].get("c") == 3 and caches["sync"].get("a") == 1
        await close_async_caches(signal=signals.request_finished, sender=None)  # as a receiver is called
        assert wait_for(lambda: named_connections(valkey_server) == 0)


# request_finished also runs Django's close_old_connections, which checks the database connection.
@pytest.mark.django_db(transaction=True)
async def test_close_async_caches_in_0_4s_test_layout(valkey_server: ValkeyProcess) -> None:
    """0.4's tests swap the receivers around a test; here close_async_caches is not connected at
    first, so the swap is a no-op that leaves Django's own receiver in place."""
    assert signals.request_finished.disconnect(close_async_caches) is False
    signals.request_finished.connect(close_caches)
    try:
        with override_settings(CACHES=closing_caches(valkey_server)):
            await use_every_pool()
            signals.request_finished.send(sender=None)  # Django's close_caches: the sync pool only
            assert wait_for(lambda: named_connections(valkey_server) == 1)
    finally:
        assert signals.request_finished.disconnect(close_caches) is True
        signals.request_finished.connect(close_caches)  # as Django connects it


# request_finished also runs Django's close_old_connections, which checks the database connection.
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(django.VERSION < (5, 0), reason="Django 5.0's signals are the first to await async receivers")
async def test_close_async_caches_as_a_request_finished_receiver(valkey_server: ValkeyProcess) -> None:
    signals.request_finished.connect(close_async_caches)
    try:
        with override_settings(CACHES=closing_caches(valkey_server)):
            await use_every_pool()
            await signals.request_finished.asend(sender=None)  # what an ASGI handler does
            assert wait_for(lambda: named_connections(valkey_server) == 0)
    finally:
        assert signals.request_finished.disconnect(close_async_caches) is True


# ------------------------------------------------------------------ 7. except valkey.exceptions.ConnectionError


@pytest.fixture(scope="module")
def dead_url() -> Iterator[str]:
    """A server that was started, then stopped: nothing listens there now."""
    server = ValkeyProcess().start()
    url = f"{server.url}/0"
    server.cleanup()
    yield url


@pytest.fixture(scope="module")
def silent_url() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"valkey://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


FAST = {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3}


async def test_valkey_connection_error_catches_a_dead_server(make_api: Callable[..., Api], dead_url: str) -> None:
    api = make_api(dead_url, **FAST)
    try:
        await api.get("k")
    except valkey.exceptions.ConnectionError as exc:  # what 0.4 and django-redis code catches
        caught: BaseException = exc
    else:
        pytest.fail("a call to a dead server raised nothing")
    assert isinstance(caught, ConnectionInterrupted) and not isinstance(caught, CacheTimeout)
    assert isinstance(caught.__cause__, valkey.exceptions.ConnectionError)
    assert caught.connection is None  # the attribute 0.4 code may read
    for call in (api.set("k", 1), api.incr("n", ignore_key_check=True), api.delete_many(["a"])):
        with pytest.raises(valkey.exceptions.ConnectionError):
            await call
    with pytest.raises(valkey.exceptions.ValkeyError):
        await api.ttl("k")


async def test_valkey_timeout_error_catches_a_server_that_does_not_answer(
    make_api: Callable[..., Api], silent_url: str
) -> None:
    api = make_api(silent_url, **FAST)
    with pytest.raises(valkey.exceptions.TimeoutError) as info:
        await api.get("k")
    assert isinstance(info.value, CacheTimeout) and isinstance(info.value, ConnectionInterrupted)
    assert isinstance(info.value, valkey.exceptions.ConnectionError)
    assert isinstance(info.value.__cause__, valkey.exceptions.TimeoutError)
    assert "timed out" in str(info.value)
    # With IGNORE_EXCEPTIONS a timeout fails open like any lost connection.
    assert await make_api(silent_url, IGNORE_EXCEPTIONS=True, **FAST).get("k", "dflt") == "dflt"


async def test_valkey_response_error_catches_a_refused_write(
    make_api: Callable[..., Api], replica_server: ValkeyProcess
) -> None:
    api = make_api(f"{replica_server.url}/0")  # a read-only replica as the primary
    with pytest.raises(valkey.exceptions.ResponseError) as info:
        await api.set("k", 1)
    assert isinstance(info.value, WriteRefused) and isinstance(info.value, valkey.exceptions.ConnectionError)
    assert isinstance(info.value.__cause__, valkey.exceptions.ReadOnlyError)


# ------------------------------------------------------------------ 10. Django's return values, and the replacements


async def test_delete_many_returns_none_and_the_client_gives_the_count(api: Api) -> None:
    await api.set_many({"a": 1, "b": 2, "c": 3})
    assert await api.delete_many(["a", "b", "missing"]) is None  # Django's contract (0.4: the count, 2)
    # The documented replacement for the count: the client's delete_many.
    await api.set_many({"a": 1, "b": 2})
    if api.awaits:
        assert await api.cache.async_client.delete_many(["a", "b", "missing"]) == 2
    else:
        assert isinstance(api.cache, ValkeyCache)
        assert api.cache.client.delete_many(["a", "b", "missing"]) == 2
    assert await api.get_many(["a", "b", "c"]) == {"c": 3}


async def test_set_with_nx_returns_a_bool(api: Api) -> None:
    assert await api.set("k", 1, nx=True) is True
    assert await api.set("k", 2, nx=True) is False  # 0.4 returned None here: both are falsy
    assert await api.set("absent", 1, xx=True) is False
    assert await api.set("k", 3) is None  # Django's contract without the flags
    assert await api.get("k") == 3
