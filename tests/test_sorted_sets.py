"""The sorted-set API on the session server, through the sync and both async faces (``tests/api_modes.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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


async def test_zadd_flags(api: Api) -> None:
    assert await api.zadd("z", {"a": 1, ("t", 2): 2.5, 3: -1}) == 3
    assert await api.zadd("z", {}) == 0
    assert await api.zscore("z", ("t", 2)) == 2.5 and await api.zscore("z", 3) == -1.0
    assert await api.zadd("z", {"a": 5}, nx=True) == 0 and await api.zscore("z", "a") == 1.0
    assert await api.zadd("z", {"new": 5}, xx=True) == 0 and await api.zscore("z", "new") is None
    assert await api.zadd("z", {"a": 0.5}, gt=True) == 0 and await api.zscore("z", "a") == 1.0
    assert await api.zadd("z", {"a": 0.5}, lt=True, ch=True) == 1 and await api.zscore("z", "a") == 0.5
    score = await api.zadd("z", {"a": 2.25}, incr=True)
    assert score == 2.75 and type(score) is float
    assert await api.zadd("z", {"a": 1}, nx=True, incr=True) is None  # nx stopped it
    assert await api.zadd("z", {"b": float("inf")}) == 1 and await api.zscore("z", "b") == float("inf")
    with pytest.raises(ValueError, match="nx or xx"):
        await api.zadd("z", {"a": 1}, nx=True, xx=True)
    with pytest.raises(ValueError, match="gt and lt"):
        await api.zadd("z", {"a": 1}, gt=True, lt=True)
    with pytest.raises(ValueError, match="one member"):
        await api.zadd("z", {"a": 1, "b": 2}, incr=True)
    with pytest.raises(ValueError, match="NaN"):
        await api.zadd("z", {"a": float("nan")})
    with pytest.raises(TypeError, match="score must be a number"):
        await api.zadd("z", {"a": "1"})
    with pytest.raises(ValueError, match="out of range"):
        await api.zadd("z", {"a": 10**400})


async def test_scores_and_ranks(api: Api) -> None:
    await api.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert await api.zincrby("z", 1.5, "a") == 2.5
    assert await api.zincrby("z", 4, "new") == 4.0
    assert await api.zmscore("z", "a", "nope", "c") == [2.5, None, 3.0]
    assert await api.zmscore("z") == []
    assert await api.zrank("z", "b") == 0 and await api.zrevrank("z", "b") == 3
    assert await api.zrank("z", "nope") is None and await api.zrevrank("missing", "a") is None
    assert await api.zcard("z") == 4 and await api.zcard("missing") == 0
    assert await api.zcount("z", 2, 3) == 3 and await api.zcount("z", "(2", "+inf") == 3
    assert await api.zscore("missing", "a") is None


async def test_zrange(api: Api) -> None:
    await api.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert await api.zrange("z") == ["a", "b", "c", "d"]
    assert await api.zrange("z", 1, 2) == ["b", "c"]
    assert await api.zrange("z", 0, 1, rev=True) == ["d", "c"]
    assert await api.zrange("z", 0, -1, withscores=True) == [("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)]
    assert await api.zrange("z", 2, "(4", byscore=True) == ["b", "c"]
    assert await api.zrange("z", "+inf", 2, byscore=True, rev=True, offset=1, count=2, withscores=True) == [
        ("c", 3.0),
        ("b", 2.0),
    ]
    assert await api.zrange("missing") == []
    with pytest.raises(ValueError, match="byscore or bylex"):
        await api.zrange("z", 0, 1, byscore=True, bylex=True)
    with pytest.raises(ValueError, match="only with byscore or bylex"):
        await api.zrange("z", 0, 1, offset=0, count=1)
    with pytest.raises(TypeError, match="start must be an int"):
        await api.zrange("z", "(1", 2)
    with pytest.raises(ValueError, match="lex range"):
        await api.zrange("z", "a", "+", bylex=True)


async def test_zrange_by_lex_compares_stored_bytes(make_cache: MakeCache) -> None:
    # Lex ranges compare the stored bytes: meaningful with a text serializer such as JSON.
    cache = make_cache(SERIALIZER="django_valkey.serializers.json.JSONSerializer")
    cache.zadd("z", {"apple": 0, "banana": 0, "cherry": 0})
    assert cache.zrange("z", '["b', "+", bylex=True) == ["banana", "cherry"]
    assert await cache.azrange("z", "-", '("c', bylex=True) == ["apple", "banana"]


async def test_zrem_and_ranges(api: Api) -> None:
    await api.zadd("z", {m: i for i, m in enumerate("abcdefg")})
    assert await api.zrem("z", "a", "nope") == 1 and await api.zrem("z") == 0
    assert await api.zremrangebyscore("z", 1, "(3") == 2  # b, c
    assert await api.zremrangebyrank("z", 0, 0) == 1  # d
    assert await api.zrange("z") == ["e", "f", "g"]
    assert await api.zpopmin("z") == [("e", 4.0)]
    assert await api.zpopmax("z", 5) == [("g", 6.0), ("f", 5.0)]
    assert await api.zpopmin("z") == [] and await api.zpopmax("missing", 2) == []


async def test_zscan(api: Api) -> None:
    members = {f"m{i}": float(i) for i in range(30)}
    await api.zadd("z", members)
    assert dict(await api.zscan("z", count=5)) == members
    assert len(await api.collect("zscan_iter", "z", None, 7)) == 30
    assert await api.zscan("missing") == []


WRONG_TYPE: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("zadd", ("s", {"a": 1}), {}),
    ("zadd", ("s", {"a": 1}), {"incr": True}),
    ("zincrby", ("s", 1, "a"), {}),
    ("zscore", ("s", "a"), {}),
    ("zmscore", ("s", "a"), {}),
    ("zrank", ("s", "a"), {}),
    ("zrevrank", ("s", "a"), {}),
    ("zrange", ("s",), {}),
    ("zrange", ("s", 0, 1), {"byscore": True, "withscores": True}),
    ("zrem", ("s", "a"), {}),
    ("zremrangebyscore", ("s", 0, 1), {}),
    ("zremrangebyrank", ("s", 0, 1), {}),
    ("zcard", ("s",), {}),
    ("zcount", ("s", 0, 1), {}),
    ("zpopmin", ("s",), {}),
    ("zpopmax", ("s", 2), {}),
    ("zscan", ("s",), {}),
]


@pytest.mark.parametrize("name, args, kwargs", WRONG_TYPE, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG_TYPE)])
async def test_wrong_type_names_the_key(api: Api, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    await api.set("s", "a string")
    method: Callable[..., Any] = getattr(api, name)
    with pytest.raises(TypeError, match=r"'s' holds another type of value, not a sorted set"):
        await method(*args, **kwargs)


def test_sorted_set_keys_and_members_as_stored(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="p", VERSION=3)
    cache.zadd("z", {7: 1.5, "x": 2})
    assert raw.zscore("p:3:z", "7") == 1.5 and raw.zcard("p:3:z") == 2
    assert cache.zcard("z", version=2) == 0
    assert cache.zadd("z", {"y": 1}, version=2, incr=True) == 1.0 and raw.zcard("p:2:z") == 1
