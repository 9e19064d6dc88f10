"""The list API on the session server, through the sync and both async faces (``tests/api_modes.py``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.helpers import MakeCache, cache_params


@pytest.fixture(params=MODES)
async def api(request: pytest.FixtureRequest, valkey_server: Any) -> AsyncIterator[Api]:
    """A cache on db 0 of the session server (flushed) in each of the four API modes."""
    mode = str(request.param)
    with valkey_server.client() as conn:
        conn.flushall()
    cache: AnyCache = build_cache(mode, f"{valkey_server.url}/0")
    yield Api(cache, mode)
    if isinstance(cache, ValkeyCache) and cache._client is not None:
        cache._client.close()


async def test_push_pop_range(api: Api) -> None:
    assert await api.rpush("l", 1, [2], {"three": 3}) == 3
    assert await api.lpush("l", "zero", None) == 5  # pushed one after the other: None ends first
    assert await api.rpush("l") == 5  # nothing to push: the length
    assert await api.lrange("l") == [None, "zero", 1, [2], {"three": 3}]
    assert await api.lrange("l", 1, 2) == ["zero", 1]
    assert await api.llen("l") == 5 and await api.llen("missing") == 0
    assert await api.lpop("l") is None and await api.rpop("l") == {"three": 3}
    assert await api.lpop("l", 2) == ["zero", 1]
    assert await api.rpop("l", 5) == [[2]]
    assert await api.lpop("l") is None and await api.lpop("l", 3) == [] and await api.rpop("missing", 1) == []
    assert await api.lrange("missing") == []


async def test_index_set_rem_trim_insert(api: Api) -> None:
    await api.rpush("l", "a", "b", "a", "c", "a")
    assert await api.lindex("l", 1) == "b" and await api.lindex("l", -1) == "a" and await api.lindex("l", 9) is None
    assert await api.lset("l", 1, ["B"]) is True and await api.lindex("l", 1) == ["B"]
    with pytest.raises(IndexError, match=r"index 9 is out of range for the list 'l'"):
        await api.lset("l", 9, "x")
    with pytest.raises(ValueError, match=r"Key 'missing' not found"):
        await api.lset("missing", 0, "x")
    assert await api.lrem("l", 1, "a") == 1  # the first one
    assert await api.lrange("l") == [["B"], "a", "c", "a"]
    assert await api.lrem("l", 0, "a") == 2 and await api.lrange("l") == [["B"], "c"]
    assert await api.linsert("l", "BEFORE", "c", 7) == 3
    assert await api.linsert("l", "AFTER", "c", 8) == 4
    assert await api.linsert("l", "AFTER", "nope", 9) == -1
    assert await api.linsert("missing", "AFTER", "c", 9) == 0
    assert await api.lrange("l") == [["B"], 7, "c", 8]
    assert await api.ltrim("l", 1, 2) is True and await api.lrange("l") == [7, "c"]
    with pytest.raises(ValueError, match="where must be 'BEFORE' or 'AFTER'"):
        await api.linsert("l", "INSIDE", "c", 1)
    with pytest.raises(ValueError, match="out of range"):
        await api.lindex("l", 2**64)
    with pytest.raises(TypeError, match="count must be an int"):
        await api.lpop("l", 1.5)


async def test_lmove(api: Api) -> None:
    await api.rpush("src", 1, 2, 3)
    assert await api.lmove("src", "dst") == 1
    assert await api.lmove("src", "dst", "RIGHT", "LEFT") == 3
    assert await api.lrange("src") == [2] and await api.lrange("dst") == [3, 1]
    assert await api.lmove("missing", "dst") is None
    with pytest.raises(ValueError, match="src must be 'LEFT' or 'RIGHT'"):
        await api.lmove("src", "dst", "UP")


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connection")
async def test_blocking_pops(api: Api) -> None:
    await api.rpush("b", "x", "y")
    assert await api.blpop("a", "b", timeout=0.5) == ("b", "x")
    assert await api.brpop("a", "b", timeout=0.5) == ("b", "y")
    started = time.monotonic()
    assert await api.blpop("a", "b", timeout=0.05) is None
    assert time.monotonic() - started < 1
    await api.rpush("b", 1)
    assert await api.blmove("b", "c", 0.5, "RIGHT", "LEFT") == 1 and await api.lrange("c") == [1]
    assert await api.blmove("b", "c", 0.02) is None


@pytest.mark.parametrize("timeout", [None, 0, -1, 0.0001, 5, 60, float("nan")])
async def test_blocking_timeout_is_bounded(api: Api, timeout: Any) -> None:
    # The default socket timeout is valkey-py's 5 seconds: a pop must give up before it does.
    with pytest.raises((ValueError, TypeError), match="timeout"):
        await api.blpop("a", timeout=timeout)
    with pytest.raises((ValueError, TypeError), match="timeout"):
        await api.blmove("a", "b", timeout)


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connection")
def test_blocking_timeout_follows_the_socket_timeout(make_cache: MakeCache) -> None:
    short = make_cache(SOCKET_TIMEOUT=0.5)
    with pytest.raises(ValueError, match=r"shorter than the socket timeout \(0.5 s\)"):
        short.brpop("a", timeout=0.5)
    assert short.brpop("a", timeout=0.01) is None
    forever = make_cache(CONNECTION_POOL_KWARGS={"socket_timeout": None})
    forever.rpush("a", 1)
    assert forever.blpop("a", timeout=600) == ("a", 1)
    with pytest.raises(ValueError, match="at least one key"):
        forever.blpop(timeout=1)


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connection")
async def test_async_blpop_waits_for_a_push(valkey_server: Any) -> None:
    params = cache_params(f"{valkey_server.url}/0", AsyncValkeyCache)
    cache = AsyncValkeyCache(params["LOCATION"], params)
    await cache.delete("q")

    async def push_later() -> None:
        await asyncio.sleep(0.05)
        await cache.rpush("q", {"job": 1})

    pusher = asyncio.create_task(push_later())
    assert await cache.ablpop("q", timeout=0.9) == ("q", {"job": 1})
    await pusher
    await cache.aclose()


WRONG_TYPE: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("lpush", ("s", 1), {}),
    ("rpush", ("s", 1), {}),
    ("lpop", ("s",), {}),
    ("rpop", ("s", 2), {}),
    ("lrange", ("s",), {}),
    ("llen", ("s",), {}),
    ("lindex", ("s", 0), {}),
    ("lset", ("s", 0, 1), {}),
    ("lrem", ("s", 0, 1), {}),
    ("ltrim", ("s", 0, 1), {}),
    ("linsert", ("s", "BEFORE", 1, 2), {}),
]


@pytest.mark.parametrize("name, args, kwargs", WRONG_TYPE, ids=[name for name, _, _ in WRONG_TYPE])
async def test_wrong_type_names_the_key(api: Api, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    await api.set("s", "a string")
    method: Callable[..., Any] = getattr(api, name)
    with pytest.raises(TypeError, match=r"'s' holds another type of value, not a list"):
        await method(*args, **kwargs)


async def test_wrong_type_of_several_keys(api: Api) -> None:
    await api.set("s", "a string")
    await api.rpush("l", 1)
    with pytest.raises(TypeError, match=r"one of 'l', 's' holds another type of value, not a list"):
        await api.lmove("l", "s")


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connection")
async def test_wrong_type_of_several_keys_blocking(api: Api) -> None:
    await api.set("s", "a string")
    await api.rpush("l", 1)
    with pytest.raises(TypeError, match=r"one of 's', 'l' holds another type of value, not a list"):
        await api.blpop("s", "l", timeout=0.1)
    with pytest.raises(TypeError, match=r"not a list"):
        await api.blmove("s", "l", 0.1)


def test_list_keys_and_values_as_stored(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="p", VERSION=3)
    cache.rpush("l", 1, "two")
    assert raw.lindex("p:3:l", 0) == b"1" and raw.llen("p:3:l") == 2
    cache.rpush("l", "v2", version=2)
    assert cache.lpop("l", version=2) == "v2" and not raw.exists("p:2:l")
    assert cache.lmove("l", "m") == 1 and raw.lrange("p:3:m", 0, -1) == [b"1"]


@pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connection")
def test_blocking_pop_names_the_key_as_given(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="p", VERSION=3)
    cache.rpush("l", "v2", version=2)
    assert raw.llen("p:2:l") == 1
    assert cache.blpop("l", timeout=0.1, version=2) == ("l", "v2")
