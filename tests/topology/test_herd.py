"""HerdClient on a real server: one recomputation per expiry under concurrent readers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_valkey._core.herd import HEADER_LENGTH, MAGIC
from django_valkey.cache import ValkeyCache
from tests.helpers import cache_params
from tests.servers import ValkeyProcess

HERD = "django_valkey.client.HerdClient"


@pytest.fixture
def make_herd(valkey_server: ValkeyProcess) -> Iterator[Callable[..., ValkeyCache]]:
    made: list[ValkeyCache] = []

    def make(client_class: str = HERD, **options: Any) -> ValkeyCache:
        params = cache_params(f"{valkey_server.url}/0", CLIENT_CLASS=client_class, **options)
        cache = ValkeyCache(params["LOCATION"], params)
        made.append(cache)
        return cache

    with valkey_server.client() as conn:
        conn.flushall()
    yield make
    for cache in made:
        cache.client.close()


def _stampede(cache: ValkeyCache, key: str, callers: int = 16) -> tuple[int, list[Any]]:
    """``callers`` threads read ``key`` at once; a miss recomputes (slowly) and stores it."""
    barrier = threading.Barrier(callers)
    lock = threading.Lock()
    recomputed = [0]
    seen: list[Any] = []

    def reader() -> None:
        barrier.wait(5)
        value = cache.get(key)
        if value is None:
            with lock:
                recomputed[0] += 1
            time.sleep(0.05)  # the expensive computation
            value = "fresh"
            cache.set(key, value, timeout=30)
        with lock:
            seen.append(value)

    threads = [threading.Thread(target=reader) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return recomputed[0], seen


def test_one_caller_recomputes_the_others_get_the_stale_value(make_herd: Callable[..., ValkeyCache]) -> None:
    cache = make_herd()
    cache.set("report", "stale", timeout=0.2)
    time.sleep(0.25)  # the soft expiry has passed; the value is still stored
    recomputed, seen = _stampede(cache, "report")
    print(f"HerdClient: 16 concurrent readers after the soft expiry -> {recomputed} recomputation(s)")
    assert recomputed == 1
    assert seen.count("stale") == 15 and seen.count("fresh") == 1
    assert cache.get("report") == "fresh"


def test_default_client_recomputes_once_per_reader(make_herd: Callable[..., ValkeyCache]) -> None:
    """The problem HerdClient solves, measured the same way."""
    cache = make_herd("django_valkey.client.DefaultClient")
    cache.set("report", "stale", timeout=0.2)
    time.sleep(0.25)
    recomputed, _ = _stampede(cache, "report")
    print(f"DefaultClient: 16 concurrent readers after expiry -> {recomputed} recomputation(s)")
    assert recomputed > 1


def test_repeated_stampedes_stay_at_one(make_herd: Callable[..., ValkeyCache]) -> None:
    cache = make_herd()
    counts = []
    for round_ in range(3):
        cache.set("page", f"old{round_}", timeout=0.15)
        time.sleep(0.2)
        counts.append(_stampede(cache, "page", callers=8)[0])
    assert counts == [1, 1, 1]


def test_fresh_values_and_real_ttl(make_herd: Callable[..., ValkeyCache], valkey_server: ValkeyProcess) -> None:
    with override_settings(CACHE_HERD_TIMEOUT=20):
        cache = make_herd()
        cache.client
    cache.set("k", {"a": 1}, timeout=10)
    assert cache.get("k") == {"a": 1}
    ttl = cache.ttl("k") or 0
    assert 25 < ttl <= 30  # timeout + CACHE_HERD_TIMEOUT
    with valkey_server.client() as conn:
        raw = conn.get(cache.make_key("k"))
    assert raw is not None and raw.startswith(MAGIC) and len(raw) > HEADER_LENGTH
    # No timeout: stored plain, no soft expiry.
    cache.set("forever", "x", timeout=None)
    assert cache.ttl("forever") is None and cache.get("forever") == "x"
    # Ints stay raw, so incr works.
    cache.set("n", 5, timeout=10)
    assert cache.incr("n") == 6 and cache.get("n") == 6
    assert cache.get_many(["k", "forever", "n", "missing"]) == {"k": {"a": 1}, "forever": "x", "n": 6}


def test_get_many_claims_stale_values_once(make_herd: Callable[..., ValkeyCache]) -> None:
    cache = make_herd()
    cache.set_many({"a": "old-a", "b": "old-b"}, timeout=0.15)
    cache.set("c", "fresh-c", timeout=60)
    time.sleep(0.2)
    assert cache.get_many(["a", "b", "c"]) == {"c": "fresh-c"}  # a and b claimed: misses
    assert cache.get_many(["a", "b", "c"]) == {"a": "old-a", "b": "old-b", "c": "fresh-c"}


def test_get_or_set_replaces_a_claimed_value(make_herd: Callable[..., ValkeyCache]) -> None:
    cache = make_herd()
    cache.set("g", "old", timeout=0.15)
    time.sleep(0.2)
    assert cache.get_or_set("g", lambda: "new", timeout=60) == "new"
    assert cache.get("g") == "new"
    assert cache.add("g", "other") is False


def test_a_lost_claim_is_retried_after_the_herd_timeout(make_herd: Callable[..., ValkeyCache]) -> None:
    with override_settings(CACHE_HERD_TIMEOUT=0.3):
        cache = make_herd()
        cache.client
    cache.set("w", "old", timeout=0.1)
    time.sleep(0.15)
    assert cache.get("w") is None  # claimed; the claimer never stores a value
    assert cache.get("w") == "old"
    time.sleep(0.35)  # the claim's own soft expiry passed
    assert cache.get("w") is None  # a new reader takes over


def test_touch_moves_the_soft_expiry(make_herd: Callable[..., ValkeyCache]) -> None:
    cache = make_herd()
    cache.set("t", "v", timeout=0.15)
    assert cache.touch("t", 60) is True
    time.sleep(0.2)
    assert cache.get("t") == "v"
    assert cache.touch("t", None) is True and cache.get("t") == "v"
    assert cache.touch("missing", 10) is False


def test_soft_expiry_is_expiry_for_djangos_api(make_herd: Callable[..., ValkeyCache]) -> None:
    """Past its soft expiry a value is kept on the server for the herd, but has_key, add and touch
    answer as Django's contract says for an expired key (Django's own cache tests check this)."""
    cache = make_herd()
    cache.set_many({"a": "old-a", "b": "old-b", "c": "old-c"}, timeout=0.15)
    time.sleep(0.2)
    assert (cache.ttl("a") or 0) > 0  # still stored, for the herd
    assert cache.has_key("a") is False
    assert cache.touch("b", 60) is False
    assert cache.get("b") is None  # not revived by the touch: this reader claims it
    assert cache.add("c", "new-c") is True and cache.get("c") == "new-c"
    assert cache.get("a") is None  # claimed by this reader...
    assert cache.has_key("a") is True  # ...and served stale to the others until it is replaced
    assert cache.add("a", "new-a") is True and cache.get("a") == "new-a"
    # Fresh, timeless and int values are there, as with any client.
    cache.set("f", "v", timeout=60)
    cache.set("p", "v", timeout=None)
    cache.set("n", 5, timeout=60)
    for key in ("f", "p", "n", "c"):
        assert cache.has_key(key) is True, key
        assert cache.add(key, "other") is False, key
    assert cache.touch("f", 30) is True and cache.get("f") == "v"
    assert cache.has_key("missing") is False and cache.touch("missing") is False
    assert cache.add("missing", "m") is True


async def test_soft_expiry_is_expiry_for_the_async_client(valkey_server: ValkeyProcess) -> None:
    params = cache_params(f"{valkey_server.url}/0", CLIENT_CLASS=HERD)
    cache = ValkeyCache(params["LOCATION"], params)
    await cache.aset("s", "old", timeout=0.15)
    await cache.aset("t", "old", timeout=0.15)
    await asyncio.sleep(0.2)
    assert await cache.ahas_key("s") is False
    assert await cache.atouch("t", 60) is False
    assert await cache.aadd("s", "new") is True and await cache.aget("s") == "new"
    assert await cache.ahas_key("s") is True
    await cache.adelete_many(["s", "t"])
    await cache.aclose()


def test_bad_herd_timeout_setting(make_herd: Callable[..., ValkeyCache]) -> None:
    with override_settings(CACHE_HERD_TIMEOUT="soon"):
        with pytest.raises(ImproperlyConfigured, match="CACHE_HERD_TIMEOUT"):
            make_herd().client


# ------------------------------------------------------------------ plain ints expire on time


def _server_ms(valkey_server: ValkeyProcess, cache: ValkeyCache, key: str) -> int:
    with valkey_server.client() as conn:
        return int(conn.pttl(cache.make_key(key)))


def test_plain_ints_get_no_herd_time_on_the_server(
    make_herd: Callable[..., ValkeyCache], valkey_server: ValkeyProcess
) -> None:
    """An int carries no soft expiry, so the herd's extra CACHE_HERD_TIMEOUT would keep it alive
    past its timeout (``set("k", 222, timeout=3)`` was still there four seconds later)."""
    cache = make_herd()
    cache.set("int", 222, timeout=3)
    cache.set("text", "222", timeout=3)
    assert 2000 < _server_ms(valkey_server, cache, "int") <= 3000
    assert _server_ms(valkey_server, cache, "text") > 60_000  # enveloped: kept for the herd
    cache.set_many({"many_int": 5, "many_text": "5"}, timeout=3)
    assert 2000 < _server_ms(valkey_server, cache, "many_int") <= 3000
    assert _server_ms(valkey_server, cache, "many_text") > 60_000
    assert cache.add("added", 7, timeout=3) is True
    assert 2000 < _server_ms(valkey_server, cache, "added") <= 3000
    assert cache.touch("int", 4) is True
    assert 3000 < _server_ms(valkey_server, cache, "int") <= 4000
    cache.set("forever", 9, timeout=None)
    assert cache.touch("forever", 2) is True
    assert 1000 < _server_ms(valkey_server, cache, "forever") <= 2000
    assert cache.get("int") == 222 and cache.get("many_int") == 5


async def test_plain_ints_get_no_herd_time_async(
    make_herd: Callable[..., ValkeyCache], valkey_server: ValkeyProcess
) -> None:
    cache = make_herd(ASYNC_OPTIONS={"CLIENT_CLASS": "django_valkey.async_cache.client.AsyncHerdClient"})
    await cache.aset("int", 222, timeout=3)
    assert 2000 < _server_ms(valkey_server, cache, "int") <= 3000
    await cache.aset_many({"m": 1}, timeout=3)
    assert 2000 < _server_ms(valkey_server, cache, "m") <= 3000
    await cache.aclose()


def test_a_plain_int_expires_at_its_timeout(make_herd: Callable[..., ValkeyCache]) -> None:
    cache = make_herd()
    cache.set("k", 222, timeout=1)
    time.sleep(1.2)
    assert cache.get("k") is None
    assert cache.has_key("k") is False


def test_pipeline_reads_a_stale_value_as_it_is(make_herd: Callable[..., ValkeyCache]) -> None:
    """A pipeline cannot claim a stale value (that takes another round trip): it reads it, as every
    reader but the claiming one does; the next plain get still claims it."""
    cache = make_herd()
    cache.set("h", "old", timeout=0.05)
    cache.set("other", "fresh", timeout=60)
    time.sleep(0.1)  # past the soft expiry, within the herd timeout
    with cache.pipeline() as pipe:
        one = pipe.get("h")
        many = pipe.get_many(["h", "other"])
        alive = pipe.has_key("h")
    assert one.value == "old" and many.value == {"h": "old", "other": "fresh"}
    assert alive.value is False  # expired for Django's API
    assert cache.get("h") is None  # this reader wins the claim: a miss, so it recomputes
