"""Operation hooks (``OPTIONS["OBSERVER"]``) on a real server: every operation of every API mode
is seen once, with its outcome, keys, hits and misses; the circuit breaker's state changes too.

With no observer nothing changes: the cache keeps its plain class and its plain guard, so a call
runs no extra code (measured in docs/observability.md).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_valkey._async.cache_commands import AsyncCacheCommands
from django_valkey._core.guard import ErrorGuard
from django_valkey._observe import ObservingGuard, _operation_methods
from django_valkey._sync.cache_commands import CacheCommands
from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import CircuitOpen, ConnectionInterrupted
from django_valkey.observers import CircuitEvent, Observer, OperationEvent
from tests.api_modes import MODES, AnyCache, Api, build_cache
from tests.helpers import MakeCache, Recorder, cache_params
from tests.servers import ValkeyProcess, free_port, wait_for

# Every operation, with arguments that make it succeed on the data ``seed`` writes.
NOW = datetime.now(timezone.utc)
CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "get": (("k",), {}),
    "set": (("k", 2), {}),
    "add": (("new", 1), {}),
    "get_or_set": (("k", 9), {}),
    "touch": (("k", 100), {}),
    "delete": (("k",), {}),
    "get_many": ((["k", "n", "missing"],), {}),
    "set_many": (({"a": 1, "b": 2},), {}),
    "delete_many": ((["k", "n"],), {}),
    "has_key": (("k",), {}),
    "incr": (("n",), {}),
    "decr": (("n",), {}),
    "incr_version": (("k",), {}),
    "decr_version": (("k",), {}),
    "clear": ((), {}),
    "ttl": (("k",), {}),
    "pttl": (("k",), {}),
    "expire": (("k", 100), {}),
    "pexpire": (("k", 100_000), {}),
    "expire_at": (("k", NOW + timedelta(hours=1)), {}),
    "pexpire_at": (("k", NOW + timedelta(hours=1)), {}),
    "persist": (("k",), {}),
    "get_lock": (("lk",), {"timeout": 5}),
    "lock": (("lk",), {"timeout": 5}),
    "keys": (("*",), {}),
    "iter_keys": (("*",), {}),
    "delete_pattern": (("k*",), {}),
    "mget": ((["k", "n"],), {}),
    "mset": (({"m": 1},), {}),
    "sadd": (("s", 3), {}),
    "srem": (("s", 1), {}),
    "scard": (("s",), {}),
    "sismember": (("s", 1), {}),
    "smismember": (("s", 1, 5), {}),
    "smembers": (("s",), {}),
    "smove": (("s", "s2", 1), {}),
    "spop": (("s",), {}),
    "srandmember": (("s",), {}),
    "sdiff": (("s", "s2"), {}),
    "sinter": (("s", "s2"), {}),
    "sunion": (("s", "s2"), {}),
    "sdiffstore": (("d", "s", "s2"), {}),
    "sinterstore": (("d", "s", "s2"), {}),
    "sunionstore": (("d", "s", "s2"), {}),
    "sscan": (("s",), {}),
    "sscan_iter": (("s",), {}),
    "hset": (("h", "g", 2), {}),
    "hsetnx": (("h", "g", 2), {}),
    "hget": (("h", "f"), {}),
    "hmget": (("h", "f", "nope"), {}),
    "hgetall": (("h",), {}),
    "hvals": (("h",), {}),
    "hdel": (("h", "f"), {}),
    "hlen": (("h",), {}),
    "hkeys": (("h",), {}),
    "hexists": (("h", "f"), {}),
    "hstrlen": (("h", "f"), {}),
    "hincrby": (("h", "f"), {}),
    "hincrbyfloat": (("h", "f", 0.5), {}),
    "hscan": (("h",), {}),
    "hscan_iter": (("h",), {}),
    "hexpire": (("h", 100, "f"), {}),
    "hpexpire": (("h", 100_000, "f"), {}),
    "httl": (("h", "f"), {}),
    "hpttl": (("h", "f"), {}),
    "hpersist": (("h", "f"), {}),
    "lpush": (("l", 0), {}),
    "rpush": (("l", 4), {}),
    "lpop": (("l",), {}),
    "rpop": (("l",), {}),
    "lrange": (("l",), {}),
    "llen": (("l",), {}),
    "lindex": (("l", 0), {}),
    "lset": (("l", 0, 9), {}),
    "lrem": (("l", 0, 2), {}),
    "ltrim": (("l", 0, 1), {}),
    "linsert": (("l", "BEFORE", 1, 0), {}),
    "lmove": (("l", "l2"), {}),
    "blpop": (("l",), {"timeout": 0.1}),
    "brpop": (("l",), {"timeout": 0.1}),
    "blmove": (("l", "l2", 0.1), {}),
    "zadd": (("z", {"y": 2.0}), {}),
    "zincrby": (("z", 1.0, "x"), {}),
    "zscore": (("z", "x"), {}),
    "zmscore": (("z", "x", "nope"), {}),
    "zrank": (("z", "x"), {}),
    "zrevrank": (("z", "x"), {}),
    "zrange": (("z",), {}),
    "zrem": (("z", "x"), {}),
    "zremrangebyscore": (("z", 0, 10), {}),
    "zremrangebyrank": (("z", 0, 0), {}),
    "zcard": (("z",), {}),
    "zcount": (("z", 0, 10), {}),
    "zpopmin": (("z",), {}),
    "zpopmax": (("z",), {}),
    "zscan": (("z",), {}),
    "zscan_iter": (("z",), {}),
}
ITERATORS = {"iter_keys", "sscan_iter", "hscan_iter", "zscan_iter"}
# (key_count, hits, misses) where they are not (1, 0, 0).
EXPECTED: dict[str, tuple[int, int, int]] = {
    "get": (1, 1, 0),
    "get_or_set": (1, 1, 0),
    "get_many": (3, 2, 1),
    "mget": (2, 2, 0),
    "set_many": (2, 0, 0),
    "delete_many": (2, 0, 0),
    "mset": (1, 0, 0),
    "clear": (0, 0, 0),
    "keys": (0, 0, 0),
    "iter_keys": (0, 0, 0),
    "delete_pattern": (0, 0, 0),
    "hget": (1, 1, 0),
    "hmget": (1, 1, 1),
    "smove": (2, 0, 0),
    "sdiff": (2, 0, 0),
    "sinter": (2, 0, 0),
    "sunion": (2, 0, 0),
    "sdiffstore": (3, 0, 0),
    "sinterstore": (3, 0, 0),
    "sunionstore": (3, 0, 0),
    "lmove": (2, 0, 0),
    "blmove": (2, 0, 0),
}


async def seed(api: Api) -> None:
    await api.set("k", 1)
    await api.set("n", 5)
    await api.sadd("s", 1, 2)
    await api.sadd("s2", 2)
    await api.hset("h", mapping={"f": 1})
    await api.rpush("l", 1, 2, 3)
    await api.zadd("z", {"x": 1.0})


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def observed(mode: str, valkey_server: ValkeyProcess, recorder: Recorder) -> Callable[..., Api]:
    with valkey_server.client() as conn:
        conn.flushall()

    def make(location: str | None = None, **options: Any) -> Api:
        options.setdefault("OBSERVER", recorder)
        return Api(build_cache(mode, location or f"{valkey_server.url}/0", **options), mode)

    return make


def test_the_call_table_lists_every_operation() -> None:
    """So that a new command cannot be added without being seen by the sweep below."""
    assert set(CALLS) == set(_operation_methods(ValkeyCache).values())
    assert set(CALLS) == set(_operation_methods(AsyncValkeyCache).values())


async def test_every_operation_is_seen_once(observed: Callable[..., Api], recorder: Recorder, mode: str) -> None:
    api = observed(OBSERVER_ALIAS="sweep")
    for operation, (args, kwargs) in CALLS.items():
        await api.clear()
        await seed(api)
        recorder.take()
        if operation in ITERATORS:
            await api.collect(operation, *args, **kwargs)
        else:
            await getattr(api, operation)(*args, **kwargs)
        events = recorder.take()
        assert [event.operation for event in events] == [operation], operation
        event = events[0]
        assert event.method == api.prefix + operation
        assert event.is_async is (mode != "sync")
        assert event.outcome == "ok" and event.error is None, (operation, event.error)
        assert event.alias == "sweep"
        assert event.server == f"{api.cache._server}"
        assert event.cache is api.cache
        assert (event.key_count, event.hits, event.misses) == EXPECTED.get(operation, (1, 0, 0)), operation
        assert event.duration > 0
        assert event.args == args and dict(event.kwargs) == kwargs


async def test_reads_count_hits_and_misses(observed: Callable[..., Api], recorder: Recorder) -> None:
    api = observed()
    await api.set("a", None)
    sentinel = object()
    await api.get("a", sentinel)  # a stored None, read with a default of its own: a hit
    await api.get("a")  # the same read with default=None cannot tell: a miss
    await api.get("missing", default=sentinel)
    await api.get_or_set("made", lambda: "v")  # not there: a miss, then set
    await api.get_or_set("made", lambda: "v")
    await api.get_many(iter(["a", "made", "x", "y"]))  # a one-shot iterator of keys
    counts = [(e.operation, e.key_count, e.hits, e.misses) for e in recorder.take() if e.operation != "set"]
    assert counts == [
        ("get", 1, 1, 0),
        ("get", 1, 0, 1),
        ("get", 1, 0, 1),
        ("get_or_set", 1, 0, 1),
        ("get_or_set", 1, 1, 0),
        ("get_many", 4, 2, 2),
    ]


def test_calls_inside_get_or_set(make_cache: MakeCache, recorder: Recorder) -> None:
    """The default callable of get_or_set runs inside it: a read of the same cache there is part
    of the get_or_set (as the debug toolbar counts it), a read of another cache is its own."""
    cache, other = make_cache(OBSERVER=recorder), make_cache(OBSERVER=recorder, KEY_PREFIX="other")
    other.set("source", 41)
    cache.set("base", 1)
    recorder.take()

    def compute() -> int:
        return int(other.get("source")) + int(cache.get("base"))

    assert cache.get_or_set("made", compute) == 42
    events = recorder.take()
    assert [(e.operation, e.cache) for e in events] == [("get", other), ("get_or_set", cache)]
    assert (events[0].hits, events[1].hits, events[1].misses) == (1, 0, 1)


async def test_key_names(observed: Callable[..., Api], recorder: Recorder) -> None:
    api = observed()
    await api.set_many({"a": 1, "b": 2})
    await api.get_many(keys=iter(["a", "b", "c"]))
    await api.hset("h", "field", 1)
    await api.sdiffstore("dest", "s1", "s2")
    await api.keys("*")
    assert [e.key_names() for e in recorder.take()] == [("a", "b"), ("a", "b", "c"), ("h",), ("dest", "s1", "s2"), ()]


async def test_an_error_is_reported_and_raised(observed: Callable[..., Api], recorder: Recorder) -> None:
    api = observed()
    with pytest.raises(ValueError):
        await api.incr("missing")
    [event] = recorder.take()
    assert (event.operation, event.outcome, type(event.error)) == ("incr", "error", ValueError)
    assert event.result is None


async def test_an_iterator_closed_early_is_reported_once(observed: Callable[..., Api], recorder: Recorder) -> None:
    api = observed()
    await api.set_many({f"k{i}": i for i in range(30)})
    recorder.take()
    items = getattr(api.cache, api.prefix + "iter_keys")("k*", itersize=5)
    if api.awaits:
        assert await items.__anext__()
        await items.aclose()
    else:
        assert next(items)
        items.close()
    [event] = recorder.take()
    assert (event.operation, event.outcome) == ("iter_keys", "ok")


# ------------------------------------------------------------------ outcomes of a sick server

SICK = {"SOCKET_TIMEOUT": 0.2, "SOCKET_CONNECT_TIMEOUT": 0.2, "RETRY": False}


async def test_ignored_then_circuit_open(observed: Callable[..., Api], recorder: Recorder) -> None:
    dead = f"valkey://:pw@127.0.0.1:{free_port()}/0"
    api = observed(dead, IGNORE_EXCEPTIONS=True, CIRCUIT_BREAKER={"FAILURES": 2}, **SICK)
    for _ in range(3):
        assert await api.get("k", "fallback") == "fallback"
    assert await api.get_many(["a", "b"]) == {}
    events = recorder.take()
    assert [e.outcome for e in events] == ["ignored", "ignored", "circuit-open", "circuit-open"]
    assert isinstance(events[0].error, ConnectionInterrupted | OSError) or events[0].error is not None
    assert isinstance(events[2].error, CircuitOpen)
    assert all(e.hits == e.misses == 0 for e in events)
    assert events[0].server == dead.replace(":pw@", ":***@")
    assert [c.state for c in recorder.circuits] == ["closed", "open"]


async def test_raised_then_circuit_open(observed: Callable[..., Api], recorder: Recorder) -> None:
    api = observed(f"valkey://127.0.0.1:{free_port()}/0", CIRCUIT_BREAKER={"FAILURES": 2}, **SICK)
    for _ in range(3):
        with pytest.raises(ConnectionInterrupted):
            await api.get("k")
    events = recorder.take()
    assert [e.outcome for e in events] == ["error", "error", "circuit-open"]
    assert isinstance(events[2].error, CircuitOpen)


def test_circuit_state_changes(recorder: Recorder) -> None:
    server = ValkeyProcess().start()
    port = server.port
    params = cache_params(
        f"{server.url}/0", OBSERVER=recorder, IGNORE_EXCEPTIONS=True, CIRCUIT_BREAKER={"OPEN_SECONDS": 0.2}, **SICK
    )
    cache = ValkeyCache(params["LOCATION"], params)
    try:
        cache.set("k", 1)
        server.stop()
        for _ in range(6):
            cache.get("k")
        server.start(port=port)
        assert wait_for(lambda: cache.set("k", 2) is None and cache.get("k") == 2, timeout=5)
    finally:
        cache.client.close()
        server.cleanup()
    states = [c.state for c in recorder.circuits]
    assert states[:2] == ["closed", "open"] and states[-2:] == ["half-open", "closed"], states
    assert {c.server for c in recorder.circuits} == {f"valkey://127.0.0.1:{port}/0"}
    assert isinstance(recorder.circuits[1], CircuitEvent) and recorder.circuits[1].failures >= 5


# ------------------------------------------------------------------ the alias


def _caches(location: str, recorder: Recorder) -> dict[str, Any]:
    shared = {"OBSERVER": recorder}
    return {
        "default": {
            "BACKEND": "django_valkey.cache.ValkeyCache",
            "LOCATION": location,
            "OPTIONS": {"OBSERVER": recorder},
        },
        "other": {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": location, "OPTIONS": dict(shared)},
        "prefixed": {
            "BACKEND": "django_valkey.cache.ValkeyCache",
            "LOCATION": location,
            "KEY_PREFIX": "p",
            "OPTIONS": shared,
        },
        "same-options": {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": location, "OPTIONS": shared},
        "async": {
            "BACKEND": "django_valkey.async_cache.cache.AsyncValkeyCache",
            "LOCATION": location,
            "OPTIONS": shared,
        },
        "named": {
            "BACKEND": "django_valkey.cache.ValkeyCache",
            "LOCATION": location,
            "OPTIONS": {"OBSERVER": recorder, "OBSERVER_ALIAS": "sessions"},
        },
    }


async def test_the_alias_is_the_caches_entry(valkey_server: ValkeyProcess, recorder: Recorder) -> None:
    with override_settings(CACHES=_caches(f"{valkey_server.url}/0", recorder)):
        for alias in ("default", "other", "prefixed", "same-options", "named"):
            caches[alias].get("k")
        await caches["async"].get("k")
        # built by hand from a copy of an entry: matched by equality
        entry = {**_caches(f"{valkey_server.url}/0", recorder)["other"]}
        location = entry.pop("LOCATION")
        entry.pop("BACKEND")
        ValkeyCache(location, entry).get("k")
    assert [e.alias for e in recorder.take()] == [
        "default",
        "other",
        "prefixed",
        "same-options",
        "sessions",
        "async",
        "default",  # equal to "default" in everything (its OPTIONS are an equal dict): the first
    ]


def test_a_cache_built_by_hand_has_no_alias(make_cache: MakeCache, recorder: Recorder) -> None:
    make_cache(OBSERVER=recorder).get("k")
    assert [e.alias for e in recorder.take()] == [""]


def test_observer_alias_must_be_a_string(make_cache: MakeCache, recorder: Recorder) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['OBSERVER_ALIAS'\] must be a string"):
        make_cache(OBSERVER=recorder, OBSERVER_ALIAS=3)


# ------------------------------------------------------------------ configuration


class Counting(Observer):
    built = 0

    def __init__(self) -> None:
        Counting.built += 1
        self.events: list[OperationEvent] = []

    def on_operation(self, event: OperationEvent) -> None:
        self.events.append(event)


class NoCircuit:
    def on_operation(self, event: OperationEvent) -> None:
        pass


class AsyncHook(Observer):
    async def on_operation(self, event: OperationEvent) -> None:  # type: ignore[override]
        pass


class NeedsArgs(Observer):
    def __init__(self, where: str) -> None:
        self.where = where


SHARED = Counting()


def test_a_class_is_built_once_per_process(make_cache: MakeCache) -> None:
    before = Counting.built
    first = make_cache(OBSERVER=Counting)
    second = make_cache(OBSERVER=f"{__name__}.Counting")
    first.get("k")
    second.get("k")
    assert Counting.built - before <= 1
    observer = first._observation.observers[0]
    assert observer is second._observation.observers[0]
    assert isinstance(observer, Counting) and len(observer.events) == 2


def test_a_dotted_path_to_an_object_and_a_list(make_cache: MakeCache, recorder: Recorder) -> None:
    cache = make_cache(OBSERVER=[f"{__name__}.SHARED", recorder])
    cache.get("k")
    assert len(SHARED.events) >= 1 and len(recorder.events) == 1
    assert make_cache(OBSERVER=[])._guard.__class__ is ErrorGuard  # an empty list: no observer


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nowhere.Observer", r"OPTIONS\['OBSERVER'\] = 'nowhere.Observer' cannot be imported"),
        (
            NoCircuit,
            r"OPTIONS\['OBSERVER'\]: NoCircuit does not implement ObserverProtocol; missing: on_circuit_change",
        ),
        (AsyncHook(), r"these must be plain methods \(not async\): on_operation"),
        (NeedsArgs, r"NeedsArgs\(\) cannot be built without arguments .*put an instance in OPTIONS instead"),
        ([Recorder(), 42], r"OPTIONS\['OBSERVER'\]\[1\] must be an observer, its class or a dotted path, got 42"),
        ({"class": "x"}, r"must be an observer"),
    ],
    ids=["path", "missing", "async", "arguments", "list", "dict"],
)
def test_a_bad_observer_is_named(make_cache: MakeCache, value: object, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        make_cache(OBSERVER=value)


def test_observer_options_are_not_async_options(make_cache: MakeCache, recorder: Recorder) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"unknown OPTIONS\['ASYNC_OPTIONS'\] key: 'OBSERVER'"):
        make_cache(ASYNC_OPTIONS={"OBSERVER": recorder})


class Raising(Observer):
    def on_operation(self, event: OperationEvent) -> None:
        raise RuntimeError("observer bug")

    def on_circuit_change(self, event: CircuitEvent) -> None:
        raise RuntimeError("observer bug")


async def test_a_raising_observer_does_not_break_the_call(
    observed: Callable[..., Api], recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    api = observed(OBSERVER=[Raising(), recorder])
    with caplog.at_level(logging.ERROR, logger="django_valkey"):
        await api.set("k", 1)
        assert await api.get("k") == 1
    assert [e.operation for e in recorder.take()] == ["set", "get"]
    logged = [r for r in caplog.records if "observer" in r.getMessage()]
    assert len(logged) == 1 and "Raising" in logged[0].getMessage() and logged[0].exc_info is not None


# ------------------------------------------------------------------ zero cost when off; signatures kept


def test_no_observer_no_change(make_cache: MakeCache) -> None:
    cache = make_cache()
    assert type(cache) is ValkeyCache
    assert type(cache._guard) is ErrorGuard
    assert "_observation" not in vars(cache)
    assert ValkeyCache.get is CacheCommands.get and ValkeyCache.aget is AsyncCacheCommands.aget


@pytest.mark.parametrize("backend", [ValkeyCache, AsyncValkeyCache])
def test_an_observed_cache_keeps_its_api(
    valkey_server: ValkeyProcess, recorder: Recorder, backend: type[AnyCache]
) -> None:
    params = cache_params(f"{valkey_server.url}/0", OBSERVER=recorder)
    cache = backend(params["LOCATION"], params)
    kind = type(cache)
    assert kind is not backend and issubclass(kind, backend)
    assert (kind.__name__, kind.__qualname__, kind.__module__) == (
        backend.__name__,
        backend.__qualname__,
        backend.__module__,
    )
    assert isinstance(cache._guard, ObservingGuard)
    assert type(cache) is type(backend(params["LOCATION"], params))  # one subclass per class
    for name in _operation_methods(backend):
        wrapped, plain = getattr(kind, name), getattr(backend, name)
        assert wrapped is not plain and wrapped.__wrapped__ is plain, name
        assert inspect.signature(wrapped) == inspect.signature(plain), name
        assert inspect.iscoroutinefunction(wrapped) == inspect.iscoroutinefunction(plain), name
        assert inspect.isasyncgenfunction(wrapped) == inspect.isasyncgenfunction(plain), name
        assert wrapped.__doc__ == plain.__doc__
    assert repr(cache) == f"<{backend.__qualname__} '{valkey_server.url}/0'>"


# ------------------------------------------------------------------ servers


def test_reads_name_the_replica(
    valkey_server: ValkeyProcess, replica_server: ValkeyProcess, recorder: Recorder
) -> None:
    primary, replica = f"{valkey_server.url}/0", f"{replica_server.url}/0"
    params = cache_params([primary, replica], OBSERVER=recorder)
    cache = ValkeyCache(params["LOCATION"], params)
    cache.set("k", 1)
    assert wait_for(lambda: cache.get("k") == 1, timeout=5)
    events = recorder.take()
    assert events[0].operation == "set" and events[0].server == primary
    assert events[-1].operation == "get" and events[-1].server == replica
    assert {c.server for c in recorder.circuits} == {primary, replica}


def test_a_call_to_several_shards_names_every_server(recorder: Recorder) -> None:
    servers = [ValkeyProcess().start() for _ in range(3)]
    try:
        locations = [f"{server.url}/0" for server in servers]
        params = cache_params(locations, CLIENT_CLASS="django_valkey.client.ShardClient", OBSERVER=recorder)
        cache = ValkeyCache(params["LOCATION"], params)
        cache.set_many({f"k{i}": i for i in range(30)})
        cache.get("k1")
        events = recorder.take()
        assert events[0].server == ",".join(locations)
        assert events[1].server in locations
        cache.client.close()
    finally:
        for server in servers:
            server.cleanup()


def test_an_observer_sees_calls_of_every_thread(make_cache: MakeCache, recorder: Recorder) -> None:
    import threading

    cache = make_cache(OBSERVER=recorder)

    def work() -> None:
        for i in range(50):
            cache.set(f"t{i}", i)
            time.sleep(0)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = recorder.take()
    assert len(events) == 200 and all(e.operation == "set" and e.outcome == "ok" for e in events)
