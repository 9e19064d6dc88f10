"""A server that refuses writes (out of memory under ``noeviction``): multi-key writes are all or
nothing, the error is ours (naming the keys, never the values) and ``IGNORE_EXCEPTIONS`` fails
open on it. Keys that are not valid text get a clear error and nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache.backends.base import InvalidCacheKey
from valkey.exceptions import OutOfMemoryError

from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import ConnectionInterrupted, WriteRefused
from tests.helpers import cache_params
from tests.servers import ValkeyProcess

VALUE = b"v" * 10_000
MARKER = "PAYLOAD-MARKER-" * 20


@pytest.fixture(scope="module")
def full_server() -> Iterator[ValkeyProcess]:
    """A server with ``noeviction``; each test sets its ``maxmemory``."""
    server = ValkeyProcess("--maxmemory-policy", "noeviction").start()
    with server.client() as conn:
        for i in range(50):
            conn.set(f"ballast{i}", b"x" * 10_000)
    yield server
    server.cleanup()


@pytest.fixture
def limit(full_server: ValkeyProcess) -> Iterator[Any]:
    """``limit(extra)``: maxmemory = memory in use + ``extra`` bytes; reset afterwards."""
    conn = full_server.client()

    def set_limit(extra: int) -> None:
        used = int(conn.info("memory")["used_memory"])
        conn.config_set("maxmemory", max(used + extra, 1))

    yield set_limit
    conn.config_set("maxmemory", 0)
    conn.delete(*[key for key in conn.scan_iter("*") if not key.startswith(b"ballast")] or ["-"])
    conn.close()


def _cache(server: ValkeyProcess, **options: Any) -> ValkeyCache:
    params = cache_params(f"{server.url}/0", **options)
    return ValkeyCache(params["LOCATION"], params)


def _stored(server: ValkeyProcess, cache: ValkeyCache, keys: list[str]) -> int:
    with server.client() as conn:
        return sum(int(conn.exists(cache.make_key(key))) for key in keys)


DATA = {f"k{i}": VALUE + MARKER.encode() for i in range(60)}


@pytest.mark.parametrize("extra", [-100_000, 100_000, 300_000, 600_000, 800_000, 3_000_000])
def test_set_many_with_a_timeout_is_all_or_nothing(full_server: ValkeyProcess, limit: Any, extra: int) -> None:
    """A pipeline of SETs left 17-44 of 60 keys stored when memory ran out part-way."""
    cache = _cache(full_server)
    limit(extra)
    try:
        failed = cache.set_many(DATA, timeout=60)
    except WriteRefused:
        assert _stored(full_server, cache, list(DATA)) == 0
    else:
        assert failed == []
        assert _stored(full_server, cache, list(DATA)) == len(DATA)


@pytest.mark.parametrize("timeout", [60, None])
def test_refused_set_many_names_keys_not_values(full_server: ValkeyProcess, limit: Any, timeout: Any) -> None:
    cache = _cache(full_server)
    limit(-100_000)
    with pytest.raises(WriteRefused) as info:
        cache.set_many(DATA, timeout=timeout)
    message = str(info.value)
    assert "PAYLOAD-MARKER" not in message and len(message) < 400
    assert "out of memory" in message.lower() or "maxmemory" in message
    assert isinstance(info.value, ConnectionInterrupted)  # code catching the old error keeps working
    assert isinstance(info.value.__cause__, OutOfMemoryError)
    assert "set_many of ':1:k0', ':1:k1', ':1:k2' and 57 more" in message
    assert _stored(full_server, cache, list(DATA)) == 0


def test_refused_writes_fail_open_with_ignore_exceptions(full_server: ValkeyProcess, limit: Any) -> None:
    cache = _cache(full_server, IGNORE_EXCEPTIONS=True)
    limit(-100_000)
    assert sorted(cache.set_many(DATA, timeout=60)) == sorted(DATA)  # Django: the keys not stored
    assert sorted(cache.set_many(DATA)) == sorted(DATA)
    cache.set("one", VALUE)
    assert cache.add("two", VALUE) is False
    assert cache.get("one") is None
    assert cache.sadd("s", "member") == 0
    assert _stored(full_server, cache, [*DATA, "one", "two", "s"]) == 0


def test_refused_single_writes_raise_write_refused(full_server: ValkeyProcess, limit: Any) -> None:
    cache = _cache(full_server)
    limit(-100_000)
    for write in (lambda: cache.set("one", VALUE), lambda: cache.sadd("s", 1), lambda: cache.hset("h", "f", 1)):
        with pytest.raises(WriteRefused, match="refused"):
            write()
    assert cache.get("ballast1") is None  # reads still work while writes are refused


async def test_refused_async_set_many(full_server: ValkeyProcess, limit: Any) -> None:
    cache = _cache(full_server)
    limit(-100_000)
    with pytest.raises(WriteRefused):
        await cache.aset_many(DATA, timeout=60)
    ignoring = _cache(full_server, IGNORE_EXCEPTIONS=True)
    assert sorted(await ignoring.aset_many(DATA, timeout=60)) == sorted(DATA)
    assert _stored(full_server, cache, list(DATA)) == 0
    await cache.aclose()
    await ignoring.aclose()


# ------------------------------------------------------------------ keys that are not text


BAD = "bad\ud800key"


def test_a_lone_surrogate_in_a_key_is_invalid_cache_key(cache: ValkeyCache, raw: Any) -> None:
    """It used to escape as a raw UnicodeEncodeError from the command packer."""
    calls = [
        lambda: cache.get(BAD),
        lambda: cache.set(BAD, 1),
        lambda: cache.add(BAD, 1),
        lambda: cache.delete(BAD),
        lambda: cache.get_many(["fine", BAD]),
        lambda: cache.set_many({"fine": 1, BAD: 2}),
        lambda: cache.set_many({"fine": 1, BAD: 2}, timeout=30),
        lambda: cache.delete_many(["fine", BAD]),
        lambda: cache.incr(BAD),
        lambda: cache.hset("h", BAD, 1),
        lambda: cache.sadd(BAD, 1),
    ]
    for call in calls:
        with pytest.raises(InvalidCacheKey, match=r"bad\\ud800key"):
            call()
    assert raw.keys("*") == []  # nothing half-written


async def test_a_lone_surrogate_in_a_key_async(cache: ValkeyCache, raw: Any) -> None:
    with pytest.raises(InvalidCacheKey, match=r"bad\\ud800key"):
        await cache.aset(BAD, 1)
    with pytest.raises(InvalidCacheKey):
        await cache.aset_many({"fine": 1, BAD: 2}, timeout=30)
    with pytest.raises(InvalidCacheKey):
        await cache.aget(BAD)
    assert raw.keys("*") == []


def test_invalid_cache_key_is_raised_even_when_ignoring_errors(make_cache: Any) -> None:
    cache = make_cache(IGNORE_EXCEPTIONS=True)
    with pytest.raises(InvalidCacheKey):
        cache.set(BAD, 1)
