"""Pipelines (``django_valkey.pipeline``): commands queued through make_key and the serializer, sent
in one round trip, on the session server, in the four API modes (``tests/api_modes.py``):
``ValkeyCache.pipeline()`` (sync), ``ValkeyCache.apipeline()``, ``AsyncValkeyCache.pipeline()`` and
``AsyncValkeyCache.apipeline()`` (async pipelines)."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import valkey

from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import ConnectionInterrupted
from django_valkey.pipeline import AsyncCachePipeline, CachePipeline, Queued
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.servers import ValkeyProcess

Pipeline = CachePipeline | AsyncCachePipeline


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make_api(mode: str, valkey_server: Any) -> AsyncIterator[Callable[..., Api]]:
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
    return make_api(KEY_PREFIX="p")


def pipeline(api: Api, **options: Any) -> Pipeline:
    """The pipeline of this mode's face: ``pipeline()`` or ``apipeline()``."""
    made: Pipeline = getattr(api.cache, api.prefix + "pipeline")(**options)
    assert isinstance(made, AsyncCachePipeline if api.awaits else CachePipeline)
    return made


async def execute(api: Api, pipe: Pipeline, **options: Any) -> list[Any]:
    if isinstance(pipe, AsyncCachePipeline):
        return await pipe.execute(**options)
    return pipe.execute(**options)


def command_count(server: ValkeyProcess, name: str) -> int:
    with server.client() as conn:
        stats = conn.info("commandstats").get(f"cmdstat_{name}")
    return int(stats["calls"]) if stats else 0


async def test_commands_go_through_make_key_and_the_serializer(api: Api, raw: Any) -> None:
    pipe = pipeline(api)
    stored = pipe.set("a", {"x": [1, 2]}, timeout=60)
    hits = pipe.incr("hits", 5, ignore_key_check=True)
    got = pipe.get("a")
    missing = pipe.get("nope", "dflt")
    assert len(pipe) == 4 and not hits.done
    results = await execute(api, pipe)
    assert results == [True, 5, {"x": [1, 2]}, "dflt"]
    assert stored.value is True and hits.value == 5 and got.value == {"x": [1, 2]} and missing.value == "dflt"
    assert len(pipe) == 0 and hits.done
    assert raw.get("p:1:a") == pickle.dumps({"x": [1, 2]}, pickle.HIGHEST_PROTOCOL)  # KEY_PREFIX, VERSION
    assert raw.get("p:1:hits") == b"5"  # plain ints as digits, as cache.set stores them
    assert 0 < raw.ttl("p:1:a") <= 60
    assert await api.get("a") == {"x": [1, 2]}  # the cache reads what the pipeline wrote


async def test_the_core_commands(api: Api) -> None:
    await api.set("old", 1)
    pipe = pipeline(api)
    queued: list[Queued[Any]] = [
        pipe.add("old", 2),
        pipe.add("new", [3]),
        pipe.set("x", 1, nx=True),
        pipe.set("x", 2, xx=True),
        pipe.touch("x", 100),
        pipe.has_key("x"),
        pipe.decr("x", 5),
        pipe.set_many({"m1": 1, "m2": "two"}, timeout=30),
        pipe.get_many(["m1", "m2", "zz"]),
        pipe.delete_many(["m1", "m2", "zz"]),
        pipe.delete("old"),
        pipe.expire("new", 50),
        pipe.ttl("new"),
        pipe.pexpire("new", 40_000),
        pipe.pttl("new"),
        pipe.persist("new"),
        pipe.ttl("new"),
        pipe.expire_at("new", 4_102_444_800),
        pipe.pexpire_at("new", 4_102_444_800_000),
        pipe.sadd("s", 1, (2, 3)),
        pipe.srem("s", 1),
        pipe.sismember("s", (2, 3)),
        pipe.scard("s"),
        pipe.smembers("s"),
        pipe.hset("h", "f", {"v": 1}, mapping={"g": 2}),
        pipe.hget("h", "f"),
        pipe.hincrby("h", "g", 3),
        pipe.hexists("h", "nope"),
        pipe.hgetall("h"),
        pipe.hdel("h", "f"),
        pipe.hlen("h"),
        pipe.rpush("l", "a", ["b"]),
        pipe.lpush("l", 0),
        pipe.lrange("l"),
        pipe.lpop("l"),
        pipe.rpop("l"),
        pipe.llen("l"),
        pipe.zadd("z", {"m": 1.5, ("t",): 3}),
        pipe.zincrby("z", 1, "m"),
        pipe.zscore("z", ("t",)),
        pipe.zrem("z", "m"),
        pipe.zcard("z"),
    ]
    values = await execute(api, pipe)
    assert [q.value for q in queued] == values
    assert 48 <= values[12] <= 50 and 39_000 <= values[14] <= 40_000  # ttl, pttl
    values[12:15:2] = ["ttl", "pttl"]
    assert values == [
        False, True, True, True, True, True, -3,
        [], {"m1": 1, "m2": "two"}, 2, True,
        True, "ttl", True, "pttl", True, None, True, True,
        2, 1, True, 1, {(2, 3)},
        2, {"v": 1}, 5, False, {"f": {"v": 1}, "g": 5}, 1, 1,
        2, 3, [0, "a", ["b"]], 0, ["b"], 1,
        2, 2.5, 3.0, 1, 1,
    ]  # fmt: skip


async def test_with_block_runs_the_pipeline(api: Api) -> None:
    if api.awaits:
        async with pipeline(api) as pipe:
            n = pipe.incr("n", ignore_key_check=True)
    else:
        with pipeline(api) as pipe:
            n = pipe.incr("n", ignore_key_check=True)
    assert n.value == 1 and await api.get("n") == 1
    # A block that raises sends nothing.
    with pytest.raises(KeyError):
        if api.awaits:
            async with pipeline(api) as pipe:
                m = pipe.incr("n")
                raise KeyError("stop")
        else:
            with pipeline(api) as pipe:
                m = pipe.incr("n")
                raise KeyError("stop")
    assert not m.done and await api.get("n") == 1
    with pytest.raises(RuntimeError, match="has not run yet"):
        m.value


async def test_failed_commands_name_the_problem_and_the_others_run(api: Api) -> None:
    await api.rpush("list", 1)
    pipe = pipeline(api)
    before = pipe.set("before", 1)
    wrong = pipe.incr("list")
    absent = pipe.incr("absent")
    after = pipe.set("after", 2)
    with pytest.raises(valkey.exceptions.ResponseError, match="WRONGTYPE"):  # what cache.incr("list") raises
        await execute(api, pipe)
    assert before.value is True and after.value is True  # the other commands ran
    assert await api.get_many(["before", "after"]) == {"before": 1, "after": 2}
    with pytest.raises(valkey.exceptions.ResponseError, match="WRONGTYPE"):
        wrong.value
    with pytest.raises(valkey.exceptions.ResponseError, match="WRONGTYPE"):
        await api.incr("list")
    # An error the single call makes clearer is made clearer in a pipeline too.
    await api.set("text", "abc")
    bad = pipe.incr("text")
    with pytest.raises(TypeError, match="cannot increment 'text': its value is not an integer"):
        await execute(api, pipe)
    with pytest.raises(TypeError, match="not an integer"):
        bad.value
    with pytest.raises(ValueError, match="'absent' not found"):
        absent.value
    # raise_on_error=False: the errors in place of the results.
    pipe.incr("absent")
    pipe.get("before")
    results = await execute(api, pipe, raise_on_error=False)
    assert isinstance(results[0], ValueError) and results[1] == 1


async def test_bad_input_raises_when_queued(api: Api) -> None:
    pipe = pipeline(api)
    with pytest.raises(TypeError, match="delta must be an int"):
        pipe.incr("k", 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ignore_key_check must be True or False"):
        pipe.incr("k", 1, None, "yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="zadd takes nx or xx"):
        pipe.zadd("z", {"a": 1}, nx=True, xx=True)
    assert len(pipe) == 0 and await execute(api, pipe) == []  # nothing queued, nothing sent
    with pytest.raises(TypeError, match="transaction must be True or False"):
        pipeline(api, transaction="no")


async def test_one_round_trip_and_transactions(api: Api, valkey_server: ValkeyProcess) -> None:
    execs = command_count(valkey_server, "exec")
    pipe = pipeline(api)
    for i in range(20):
        pipe.set(f"k{i}", i)
    await execute(api, pipe)
    assert command_count(valkey_server, "exec") == execs + 1  # one MULTI/EXEC around all of them
    plain = pipeline(api, transaction=False)
    assert plain.transaction is False
    for i in range(20):
        plain.get(f"k{i}")
    assert await execute(api, plain) == list(range(20))
    assert command_count(valkey_server, "exec") == execs + 1  # no transaction this time


async def test_connection_errors_raise_even_when_ignored(make_api: Callable[..., Api]) -> None:
    server = ValkeyProcess().start()
    url = f"{server.url}/0"
    server.cleanup()
    api = make_api(url, IGNORE_EXCEPTIONS=True, SOCKET_CONNECT_TIMEOUT=0.3, SOCKET_TIMEOUT=0.3)
    assert await api.get("k", "dflt") == "dflt"  # the cache's own calls fail open
    pipe = pipeline(api)
    queued = pipe.set("k", 1)
    with pytest.raises(ConnectionInterrupted) as info:
        await execute(api, pipe)
    assert isinstance(info.value, valkey.exceptions.ConnectionError)
    with pytest.raises(ConnectionInterrupted):
        queued.value
    assert len(pipe) == 0  # what was queued is dropped, as valkey-py's pipelines do


@pytest.fixture
def counting_cache(valkey_server: ValkeyProcess) -> Iterator[ValkeyCache]:
    from tests.helpers import cache_params

    params = cache_params(f"{valkey_server.url}/0", CLIENT_CLASS="typecheck.custom.client.CountingClient")
    cache = ValkeyCache(params["LOCATION"], params)
    yield cache
    cache.client.close()


def test_a_client_without_requests_cannot_pipeline(counting_cache: ValkeyCache) -> None:
    with pytest.raises(TypeError, match="CountingClient cannot run a pipeline: pipelines need a client built on"):
        counting_cache.pipeline()
