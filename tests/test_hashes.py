"""The hash API on the session server, through the sync and both async faces (``tests/api_modes.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from django_valkey.cache import ValkeyCache
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.helpers import MakeCache


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


async def test_hset_with_a_mapping_and_hgetall(api: Api) -> None:
    assert await api.hset("h", "a", 1) == 1
    assert await api.hset("h", mapping={"b": [2], "c": {"x": None}}) == 2
    assert await api.hset("h", "a", "one", mapping={"d": 4}) == 1  # a updated, d new
    assert await api.hset("h", mapping={}) == 0
    assert await api.hgetall("h") == {"a": "one", "b": [2], "c": {"x": None}, "d": 4}
    assert await api.hgetall("missing") == {}
    with pytest.raises(TypeError, match="a field and a value, or a mapping"):
        await api.hset("h")


async def test_hmget_hvals_hsetnx_hstrlen(api: Api) -> None:
    await api.hset("h", mapping={"a": 1, "b": "two"})
    assert await api.hmget("h", "a", "nope", "b") == [1, None, "two"]
    assert await api.hmget("h") == []
    assert sorted(map(str, await api.hvals("h"))) == ["1", "two"]
    assert await api.hvals("missing") == []
    assert await api.hsetnx("h", "a", 99) is False
    assert await api.hsetnx("h", "c", 3) is True
    assert await api.hget("h", "a") == 1 and await api.hget("h", "c") == 3
    assert await api.hstrlen("h", "a") == 1  # plain ints are stored as digits
    assert await api.hstrlen("h", "nope") == 0


async def test_hincrby_and_hincrbyfloat(api: Api) -> None:
    assert await api.hincrby("h", "n") == 1
    assert await api.hincrby("h", "n", 41) == 42
    assert await api.hget("h", "n") == 42
    await api.hset("h", "m", 10)  # an int set through hset is stored as digits
    assert await api.hincrby("h", "m", -3) == 7
    result = await api.hincrbyfloat("h", "f", 1.5)
    assert result == 1.5 and type(result) is float
    assert await api.hincrbyfloat("h", "m", 0.5) == 7.5
    # The server stores the sum as text: the hash reads give it back as a float.
    assert await api.hget("h", "m") == 7.5 and await api.hmget("h", "f") == [1.5]
    assert await api.hincrbyfloat("h", "m", 0.5) == 8.0
    assert await api.hget("h", "m") == 8  # a whole number is stored as digits: read as an int
    await api.hset("h", "list", [1])
    with pytest.raises(TypeError, match=r"field 'list' of 'h': its value is not an integer"):
        await api.hincrby("h", "list")
    with pytest.raises(TypeError, match=r"field 'list' of 'h': its value is not a float"):
        await api.hincrbyfloat("h", "list", 1.0)
    with pytest.raises(ValueError, match="out of range"):
        await api.hincrby("h", "n", 2**64)
    with pytest.raises(TypeError, match="amount must be an int"):
        await api.hincrby("h", "n", 1.5)
    with pytest.raises(ValueError, match="NaN"):
        await api.hincrbyfloat("h", "n", float("nan"))
    with pytest.raises(ValueError, match="overflow"):
        await api.hincrby("h", "n", 2**63 - 1)


async def test_hscan(api: Api) -> None:
    fields = {f"f{i}": [i] for i in range(30)}
    await api.hset("h", mapping=fields)
    assert await api.hscan("h", count=5) == fields
    assert sorted(await api.collect("hscan_iter", "h", "f1*", 5)) == sorted(
        (name, value) for name, value in fields.items() if name.startswith("f1")
    )
    assert await api.hscan("missing") == {}


async def test_field_expiry(api: Api) -> None:
    await api.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    assert await api.hexpire("h", 100, "a", "nope") == [True, False]
    assert await api.hpexpire("h", timedelta(seconds=50), "b") == [True]
    ttl_a, ttl_b, ttl_c, ttl_nope = await api.httl("h", "a", "b", "c", "nope")
    assert 90 < ttl_a <= 100 and 40 < ttl_b <= 50 and ttl_c is None and ttl_nope == 0
    (pttl_b,) = await api.hpttl("h", "b")
    assert 40_000 < pttl_b <= 50_000
    assert await api.hpersist("h", "a", "c", "nope") == [True, False, False]
    assert await api.httl("h", "a") == [None]
    assert await api.hexpire("h", 0, "c") == [True]  # a TTL in the past deletes the field
    await api.hset("h", "d", 4)
    assert await api.hpexpire("h", -5, "d") == [True]
    assert await api.hgetall("h") == {"a": 1, "b": 2}
    assert await api.hpexpire("h", 1, "b") == [True]
    with pytest.raises(ValueError, match="at least one field"):
        await api.httl("h")
    with pytest.raises(TypeError, match="number of seconds"):
        await api.hexpire("h", "soon", "a")


WRONG_TYPE: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("hset", ("s", "f", 1), {}),
    ("hset", ("s",), {"mapping": {"f": 1}}),
    ("hsetnx", ("s", "f", 1), {}),
    ("hget", ("s", "f"), {}),
    ("hmget", ("s", "f"), {}),
    ("hgetall", ("s",), {}),
    ("hvals", ("s",), {}),
    ("hdel", ("s", "f"), {}),
    ("hlen", ("s",), {}),
    ("hkeys", ("s",), {}),
    ("hexists", ("s", "f"), {}),
    ("hstrlen", ("s", "f"), {}),
    ("hincrby", ("s", "f"), {}),
    ("hincrbyfloat", ("s", "f", 1.0), {}),
    ("hscan", ("s",), {}),
    ("hexpire", ("s", 10, "f"), {}),
    ("hpexpire", ("s", 10, "f"), {}),
    ("httl", ("s", "f"), {}),
    ("hpttl", ("s", "f"), {}),
    ("hpersist", ("s", "f"), {}),
]


@pytest.mark.parametrize("name, args, kwargs", WRONG_TYPE, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG_TYPE)])
async def test_wrong_type_names_the_key(api: Api, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    await api.set("s", "a string")
    method: Callable[..., Any] = getattr(api, name)
    with pytest.raises(TypeError, match=r"'s' holds another type of value, not a hash"):
        await method(*args, **kwargs)


def test_hash_name_and_fields_as_stored(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="p", VERSION=3)
    cache.hset("h", mapping={"a": 1, "b": [2]})
    assert raw.hget("p:3:h", "a") == b"1" and set(raw.hkeys("p:3:h")) == {b"a", b"b"}
    assert cache.hgetall("h", version=2) == {}
    cache.hset("h", mapping={"z": 1}, version=2)
    assert raw.hgetall("p:2:h") == {b"z": b"1"}
    assert cache.hexpire("h", 100, "a", version=2) == [False]
