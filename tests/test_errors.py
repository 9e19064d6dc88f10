"""Failure paths: a dead server (with and without IGNORE_EXCEPTIONS), bad input, bad config."""

from __future__ import annotations

import logging
import pickle
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from valkey.exceptions import ConnectionError as ValkeyConnectionError

from django_valkey.cache import ValkeyCache
from django_valkey.exceptions import (
    ConnectionInterrupted,
    SerializerError,
    SerializerPicklingError,
    SerializerUnpicklingError,
)
from tests.helpers import MakeCache, RefusesPickle
from tests.servers import ValkeyProcess

FAST = {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3}


@pytest.fixture(scope="module")
def dead_url() -> Iterator[str]:
    """The URL of a server that was started, then stopped: nothing listens there now."""
    server = ValkeyProcess().start()
    url = f"{server.url}/0"
    server.cleanup()
    yield url


Call = Callable[[ValkeyCache], Any]

# Every cache call, and what it returns when the server is down and errors are ignored.
CALLS: list[tuple[str, Call, Any]] = [
    ("get", lambda c: c.get("k"), None),
    ("get default", lambda c: c.get("k", "dflt"), "dflt"),
    ("set", lambda c: c.set("k", 1), None),
    ("set nx", lambda c: c.set("k", 1, nx=True), False),
    ("add", lambda c: c.add("k", 1), False),
    ("get_or_set", lambda c: c.get_or_set("k", "dflt"), "dflt"),
    ("touch", lambda c: c.touch("k"), False),
    ("delete", lambda c: c.delete("k"), False),
    ("get_many", lambda c: c.get_many(["a", "b"]), {}),
    ("set_many", lambda c: c.set_many({"a": 1, "b": 2}), ["a", "b"]),
    ("delete_many", lambda c: c.delete_many(["a"]), None),
    ("has_key", lambda c: c.has_key("k"), False),
    ("in", lambda c: "k" in c, False),
    ("clear", lambda c: c.clear(), None),
    ("ttl", lambda c: c.ttl("k"), 0),
    ("pttl", lambda c: c.pttl("k"), 0),
    ("expire", lambda c: c.expire("k", 5), False),
    ("persist", lambda c: c.persist("k"), False),
    ("keys", lambda c: c.keys("*"), []),
    ("iter_keys", lambda c: list(c.iter_keys("*")), []),
    ("delete_pattern", lambda c: c.delete_pattern("*"), 0),
    ("sadd", lambda c: c.sadd("s", 1), 0),
    ("smembers", lambda c: c.smembers("s"), set()),
    ("sismember", lambda c: c.sismember("s", 1), False),
    ("spop", lambda c: c.spop("s"), None),
    ("sscan", lambda c: c.sscan("s"), set()),
    ("hset", lambda c: c.hset("h", "f", 1), 0),
    ("hget", lambda c: c.hget("h", "f", "dflt"), "dflt"),
    ("hlen", lambda c: c.hlen("h"), 0),
    ("hset mapping", lambda c: c.hset("h", mapping={"f": 1}), 0),
    ("hsetnx", lambda c: c.hsetnx("h", "f", 1), False),
    ("hmget", lambda c: c.hmget("h", "a", "b"), [None, None]),
    ("hgetall", lambda c: c.hgetall("h"), {}),
    ("hvals", lambda c: c.hvals("h"), []),
    ("hincrby", lambda c: c.hincrby("h", "f"), 0),
    ("hincrbyfloat", lambda c: c.hincrbyfloat("h", "f"), 0.0),
    ("hscan", lambda c: c.hscan("h"), {}),
    ("hscan_iter", lambda c: list(c.hscan_iter("h")), []),
    ("hexpire", lambda c: c.hexpire("h", 5, "a", "b"), [False, False]),
    ("httl", lambda c: c.httl("h", "a"), [0]),
    ("hpersist", lambda c: c.hpersist("h", "a"), [False]),
    ("rpush", lambda c: c.rpush("l", 1), 0),
    ("lpop", lambda c: c.lpop("l"), None),
    ("rpop count", lambda c: c.rpop("l", 2), []),
    ("lrange", lambda c: c.lrange("l"), []),
    ("llen", lambda c: c.llen("l"), 0),
    ("lindex", lambda c: c.lindex("l", 0), None),
    ("lset", lambda c: c.lset("l", 0, 1), False),
    ("lrem", lambda c: c.lrem("l", 0, 1), 0),
    ("ltrim", lambda c: c.ltrim("l", 0, 1), False),
    ("linsert", lambda c: c.linsert("l", "AFTER", 1, 2), 0),
    ("lmove", lambda c: c.lmove("l", "m"), None),
    ("blpop", lambda c: c.blpop("l", timeout=0.1), None),
    ("blmove", lambda c: c.blmove("l", "m", 0.1), None),
    ("zadd", lambda c: c.zadd("z", {"a": 1}), 0),
    ("zadd incr", lambda c: c.zadd("z", {"a": 1}, incr=True), None),
    ("zincrby", lambda c: c.zincrby("z", 1, "a"), 0.0),
    ("zscore", lambda c: c.zscore("z", "a"), None),
    ("zmscore", lambda c: c.zmscore("z", "a", "b"), [None, None]),
    ("zrank", lambda c: c.zrank("z", "a"), None),
    ("zrange", lambda c: c.zrange("z", withscores=True), []),
    ("zrem", lambda c: c.zrem("z", "a"), 0),
    ("zremrangebyscore", lambda c: c.zremrangebyscore("z", 0, 1), 0),
    ("zcard", lambda c: c.zcard("z"), 0),
    ("zcount", lambda c: c.zcount("z", "-inf", "+inf"), 0),
    ("zpopmin", lambda c: c.zpopmin("z"), []),
    ("zscan", lambda c: c.zscan("z"), []),
    ("zscan_iter", lambda c: list(c.zscan_iter("z")), []),
]
# GLIDE refuses blocking commands (tests/test_glide.py checks the refusal).
_BLOCKING = pytest.mark.valkey_py(reason="blocking commands are refused on GLIDE's shared connection")
PARAMS = [pytest.param(*call, id=call[0], marks=_BLOCKING if call[0] in ("blpop", "blmove") else ()) for call in CALLS]


@pytest.mark.parametrize("name, call, fallback", PARAMS)
def test_dead_server_raises_connection_interrupted(
    make_cache: MakeCache, dead_url: str, name: str, call: Call, fallback: Any
) -> None:
    cache = make_cache(dead_url, **FAST)
    with pytest.raises(ConnectionInterrupted) as info:
        call(cache)
    assert isinstance(info.value.__cause__, ValkeyConnectionError)
    assert "Connection refused" in str(info.value) or "connecting" in str(info.value)


@pytest.mark.parametrize("name", ["incr", "decr", "incr_version"])
def test_dead_server_incr_raises_connection_interrupted(make_cache: MakeCache, dead_url: str, name: str) -> None:
    cache = make_cache(dead_url, **FAST)
    with pytest.raises(ConnectionInterrupted):
        getattr(cache, name)("k")


@pytest.mark.parametrize("name, call, fallback", PARAMS)
def test_ignore_exceptions_option(make_cache: MakeCache, dead_url: str, name: str, call: Call, fallback: Any) -> None:
    cache = make_cache(dead_url, IGNORE_EXCEPTIONS=True, **FAST)
    assert call(cache) == fallback


def test_ignore_exceptions_incr_raises_value_error(make_cache: MakeCache, dead_url: str) -> None:
    # incr has no value to return: like a missing key.
    cache = make_cache(dead_url, IGNORE_EXCEPTIONS=True, **FAST)
    with pytest.raises(ValueError):
        cache.incr("k")


def test_ignore_exceptions_setting(make_cache: MakeCache, dead_url: str) -> None:
    with override_settings(DJANGO_VALKEY_IGNORE_EXCEPTIONS=True):
        cache = make_cache(dead_url, **FAST)
        strict = make_cache(dead_url, IGNORE_EXCEPTIONS=False, **FAST)
    assert cache.get("k", "dflt") == "dflt"
    assert cache.set_many({"a": 1}) == ["a"]
    # The option wins over the setting.
    with pytest.raises(ConnectionInterrupted):
        strict.get("k")


def test_log_ignored_exceptions(make_cache: MakeCache, dead_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with override_settings(DJANGO_VALKEY_LOGGER="my.cache.log"):
        cache = make_cache(dead_url, IGNORE_EXCEPTIONS=True, LOG_IGNORED_EXCEPTIONS=True, **FAST)
    with caplog.at_level(logging.WARNING, logger="my.cache.log"):
        assert cache.get("k", 1) == 1
    records = [r for r in caplog.records if r.name == "my.cache.log"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    logged = records[0].exc_info[1]
    assert isinstance(logged, ConnectionInterrupted) and isinstance(logged.__cause__, ValkeyConnectionError)
    assert "GET ':1:k' on valkey://127.0.0.1:" in str(logged)


def test_log_ignored_exceptions_setting_and_default_logger(
    make_cache: MakeCache, dead_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(DJANGO_VALKEY_LOG_IGNORED_EXCEPTIONS=True, DJANGO_VALKEY_IGNORE_EXCEPTIONS=True):
        cache = make_cache(dead_url, **FAST)
    with caplog.at_level(logging.WARNING, logger="django_valkey"):
        cache.set("k", 1)
    assert [r.name for r in caplog.records] == ["django_valkey"]


def test_no_log_without_the_option(make_cache: MakeCache, dead_url: str, caplog: pytest.LogCaptureFixture) -> None:
    cache = make_cache(dead_url, IGNORE_EXCEPTIONS=True, **FAST)
    with caplog.at_level(logging.DEBUG):
        cache.get("k")
    assert not [r for r in caplog.records if r.name.startswith("django_valkey")]


@pytest.mark.valkey_py(reason="GLIDE reports a stopped server as a timeout while it reconnects")
def test_server_stopped_under_an_open_pool(make_cache: MakeCache) -> None:
    server = ValkeyProcess().start()
    try:
        cache = make_cache(f"{server.url}/0", **FAST)
        ignoring = make_cache(f"{server.url}/0", IGNORE_EXCEPTIONS=True, KEY_PREFIX="i", **FAST)
        cache.set("k", 1)
        ignoring.set("k", 1)
        assert cache.get("k") == 1 and ignoring.get("k") == 1
        server.stop()
        with pytest.raises(ConnectionInterrupted) as info:
            cache.get("k")
        assert isinstance(info.value.__cause__, (ValkeyConnectionError, OSError))
        assert ignoring.get("k", "dflt") == "dflt"
    finally:
        server.cleanup()


def test_errors_that_are_not_connection_errors_propagate(make_cache: MakeCache) -> None:
    cache = make_cache(IGNORE_EXCEPTIONS=True)
    cache.set("s", "text")
    with pytest.raises(Exception, match="WRONGTYPE"):
        cache.sadd("s", 1)


# ------------------------------------------------------------------ bad input: values


@pytest.mark.parametrize("value, type_name", [(lambda: 1, "function"), (threading.Lock(), "lock")])
def test_unpicklable_value(cache: ValkeyCache, raw: Any, value: Any, type_name: str) -> None:
    cache.set("k", "old")
    with pytest.raises(SerializerError, match=type_name) as info:
        cache.set("k", value)
    assert info.value.__cause__ is not None
    assert "PickleSerializer" in str(info.value)
    assert cache.get("k") == "old"
    with pytest.raises(SerializerError):
        cache.add("new", value)
    with pytest.raises(SerializerError):
        cache.sadd("s", "fine", value)
    with pytest.raises(SerializerError):
        cache.hset("h", "f", value)
    assert raw.dbsize() == 1


def test_pickle_errors_stay_pickle_errors(cache: ValkeyCache, raw: Any) -> None:
    # Django's backends let pickle's error through (its cache tests assert pickle.PickleError
    # for set and add); ours is a SerializerError that is also a pickle.PicklingError.
    for call in (
        lambda: cache.set("k", RefusesPickle()),
        lambda: cache.add("k", RefusesPickle()),
        lambda: cache.set_many({"k": RefusesPickle()}),
    ):
        with pytest.raises(pickle.PicklingError) as info:
            call()
        assert isinstance(info.value, SerializerPicklingError)
        assert isinstance(info.value, SerializerError)
        assert isinstance(info.value.__cause__, pickle.PickleError)
    with pytest.raises(SerializerError) as other:  # pickle's TypeError: a plain SerializerError
        cache.set("k", threading.Lock())
    assert not isinstance(other.value, pickle.PickleError)
    assert raw.dbsize() == 0
    raw.set(cache.make_key("bad"), b"\x80\x05truncated")
    with pytest.raises(pickle.UnpicklingError) as loading:
        cache.get("bad")
    assert isinstance(loading.value, SerializerUnpicklingError)
    with pytest.raises(pickle.UnpicklingError):
        cache.get_many(["bad"])


def test_unpicklable_value_in_set_many_writes_nothing(cache: ValkeyCache, raw: Any) -> None:
    cache.set("a", "old")
    with pytest.raises(SerializerError, match="function"):
        cache.set_many({"a": "new", "b": 2, "bad": lambda: 1, "c": 3})
    with pytest.raises(SerializerError):
        cache.set_many({"a": "new", "bad": lambda: 1}, timeout=30)
    assert cache.get("a") == "old"
    assert raw.dbsize() == 1


@pytest.mark.parametrize(
    "serializer",
    ["django_valkey.serializers.json.JSONSerializer", "django_valkey.serializers.msgspec.MsgSpecJsonSerializer"],
)
def test_json_cannot_encode(make_cache: MakeCache, raw: Any, serializer: str) -> None:
    cache = make_cache(SERIALIZER=serializer)
    with pytest.raises(SerializerError, match="object"):
        cache.set("k", object())
    with pytest.raises(SerializerError):
        cache.set_many({"a": 1, "b": {1, 2, 3} if "msgspec" not in serializer else object()})
    assert raw.dbsize() == 0


@pytest.mark.parametrize("compressor", [None, "django_valkey.compressors.zlib.ZlibCompressor"])
def test_corrupted_stored_value(make_cache: MakeCache, raw: Any, compressor: str | None) -> None:
    cache = make_cache(**({"COMPRESSOR": compressor} if compressor else {}))
    raw.set(cache.make_key("bad"), b"\x80\x05garbage that is not a pickle" * 3)
    with pytest.raises(SerializerError, match=r"':1:bad'") as info:
        cache.get("bad")
    assert info.value.__cause__ is not None
    with pytest.raises(SerializerError, match="bad"):
        cache.get_many(["bad"])


def test_corrupted_json(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(SERIALIZER="django_valkey.serializers.json.JSONSerializer")
    raw.set(cache.make_key("bad"), b"{not json")
    with pytest.raises(SerializerError, match="JSONSerializer.*bad"):
        cache.get("bad")


# ------------------------------------------------------------------ bad input: incr, deltas, timeouts


@pytest.mark.parametrize("value", ["text", 1.5, [1]])
def test_incr_non_integer_value(cache: ValkeyCache, value: Any) -> None:
    cache.set("k", value)
    with pytest.raises(TypeError, match="'k'"):
        cache.incr("k")
    with pytest.raises(TypeError):
        cache.decr("k")
    assert cache.get("k") == value


@pytest.mark.parametrize(
    ("start", "delta"),
    [
        (2**63 - 1, 1),  # the result leaves the server's signed 64-bit range
        (-(2**63), -1),
        (2**70, 1),  # the stored value is already beyond it
        (-(2**70), 2**70 + 5),  # and comes back into it
        (0, 2**64),  # a delta beyond it
        (10**40, -(10**40)),
    ],
)
def test_incr_beyond_64_bits_is_exact_and_keeps_the_ttl(cache: ValkeyCache, raw: Any, start: int, delta: int) -> None:
    """0.4 and django-redis return Python's exact result there; the server alone would refuse."""
    cache.set("k", start, timeout=100)
    assert cache.incr("k", delta) == start + delta
    assert cache.get("k") == start + delta
    assert 90 < raw.ttl(cache.make_key("k")) <= 100
    assert cache.decr("k", delta) == start
    assert cache.get("k") == start


async def test_async_incr_beyond_64_bits(cache: ValkeyCache) -> None:
    await cache.aset("k", 2**63 - 1)
    assert await cache.aincr("k") == 2**63
    assert await cache.adecr("k", 2**64) == 2**63 - 2**64


def test_incr_rejects_a_delta_too_large_to_store(cache: ValkeyCache) -> None:
    cache.set("k", 1)
    with pytest.raises(OverflowError, match="delta"):
        cache.incr("k", 10**700)
    assert cache.get("k") == 1


def test_incr_of_a_non_integer_names_the_key(cache: ValkeyCache) -> None:
    cache.set("k", "text")
    with pytest.raises(TypeError, match="'k'"):
        cache.incr("k", 2**70)
    assert cache.get("k") == "text"


@pytest.mark.parametrize("delta", [1.5, "1", None, True])
@pytest.mark.parametrize("method", ["incr", "decr", "incr_version", "decr_version"])
def test_non_int_delta(cache: ValkeyCache, method: str, delta: Any) -> None:
    cache.set("k", 5)
    with pytest.raises(TypeError, match=rf"delta must be an int, got {re.escape(repr(delta))}$"):
        getattr(cache, method)("k", delta)
    assert cache.get("k") == 5


@pytest.mark.parametrize("timeout", ["10", b"10", [1], True, object()])
def test_bad_timeout_type(cache: ValkeyCache, raw: Any, timeout: Any) -> None:
    cache.set("k", "old", timeout=None)
    for call in (
        lambda: cache.set("k", "new", timeout=timeout),
        lambda: cache.add("n", 1, timeout=timeout),
        lambda: cache.set_many({"k": "new", "n": 1}, timeout=timeout),
        lambda: cache.touch("k", timeout=timeout),
        lambda: cache.get_or_set("n", 1, timeout=timeout),
        lambda: cache.expire("k", timeout),
    ):
        with pytest.raises(TypeError, match="timeout") as info:
            call()
        assert repr(timeout) in str(info.value)
    assert cache.get("k") == "old" and cache.ttl("k") is None
    assert raw.dbsize() == 1


# ------------------------------------------------------------------ bad config


def bad(make_cache: MakeCache, match: str, location: str | None = None, **options: Any) -> None:
    """The config is refused, at the latest on the first call, naming ``match``."""
    with pytest.raises(ImproperlyConfigured, match=match):
        make_cache(location, **options).get("k")


@pytest.mark.parametrize("location", ["http://127.0.0.1:6379/0", "127.0.0.1:6379", "memcached://x:1"])
def test_unknown_url_scheme(make_cache: MakeCache, location: str) -> None:
    bad(make_cache, rf"LOCATION.*{location}", location)


@pytest.mark.parametrize("suffix", ["/abc", "/-1", "/0?db=x", "/1?db=", "/²"])
def test_database_that_is_not_a_number(make_cache: MakeCache, valkey_server: Any, suffix: str) -> None:
    # valkey-py would quietly use db 0 for "/abc": the wrong database, with no error.
    bad(make_cache, "LOCATION.*database must be a number", f"{valkey_server.url}{suffix}")


@pytest.mark.valkey_py(reason="GLIDE connects over TCP only")
def test_unix_socket_path_is_not_a_database(make_cache: MakeCache, valkey_server: Any) -> None:
    bad(make_cache, "LOCATION.*database must be a number >= 0, got 'x'", "unix:///tmp/no-such.sock?db=x")
    with pytest.raises(ConnectionInterrupted):  # the path passes; there is no socket there
        make_cache("unix:///tmp/no-such-dv.sock?db=1").get("k")


def test_database_from_path_or_query(make_cache: MakeCache, valkey_server: Any, raw: Any) -> None:
    make_cache(f"{valkey_server.url}/3").set("in3", 1)
    make_cache(f"{valkey_server.url}?db=4").set("in4", 1)
    for db, key in ((3, "in3"), (4, "in4")):
        with valkey_server.client(db=db) as conn:
            assert conn.dbsize() == 1, key
        with valkey_server.client(db=db) as conn:
            conn.flushdb()
    assert raw.dbsize() == 0


def test_unknown_scheme_in_a_replica_location(make_cache: MakeCache, valkey_server: Any) -> None:
    bad(make_cache, "LOCATION.*ftp://", [f"{valkey_server.url}/0", "ftp://127.0.0.1:1"])


def test_empty_location(make_cache: MakeCache) -> None:
    bad(make_cache, "LOCATION", " , ")


@pytest.mark.parametrize("timeout", ["soon", "1.5", [1], True])
def test_non_numeric_timeout(make_cache: MakeCache, timeout: Any) -> None:
    bad(make_cache, "TIMEOUT", TIMEOUT=timeout)


def test_numeric_string_timeout_is_accepted(make_cache: MakeCache) -> None:
    cache = make_cache(TIMEOUT="60")
    assert cache.default_timeout == 60


@pytest.mark.parametrize("option", ["SOCKET_TIMEOUT", "SOCKET_CONNECT_TIMEOUT"])
@pytest.mark.parametrize("value", ["fast", "1", [1], 0, -1, float("nan")])
def test_non_numeric_socket_timeouts(make_cache: MakeCache, option: str, value: Any) -> None:
    bad(make_cache, option, **{option: value})


@pytest.mark.parametrize(
    "option",
    [
        "CLIENT_CLASS",
        "SERIALIZER",
        "COMPRESSOR",
        "CONNECTION_FACTORY",
        "CONNECTION_POOL_CLASS",
        "BASE_CLIENT_CLASS",
        "PARSER_CLASS",
        "REVERSE_KEY_FUNCTION",
    ],
)
@pytest.mark.valkey_py(reason="GLIDE refuses the valkey-py class options")
@pytest.mark.parametrize("path", ["no.such.module.Thing", "django_valkey.cache.NoSuchClass"])
def test_unknown_class_path(make_cache: MakeCache, option: str, path: str) -> None:
    bad(make_cache, rf"{option}.*{path}", **{option: path})


@pytest.mark.valkey_py(reason="the GLIDE run names its factory in OPTIONS, which wins over the setting")
def test_unknown_connection_factory_setting(make_cache: MakeCache) -> None:
    with override_settings(DJANGO_VALKEY_CONNECTION_FACTORY="no.such.Factory"):
        bad(make_cache, r"DJANGO_VALKEY_CONNECTION_FACTORY.*no\.such\.Factory")


@pytest.mark.parametrize(
    "option, value",
    [
        ("IGNORE_EXCEPTIONS", "yes"),
        ("LOG_IGNORED_EXCEPTIONS", 1),
        ("CLOSE_CONNECTION", "no"),
        ("SCAN_ITERSIZE", 0),
        ("SCAN_ITERSIZE", "10"),
        ("PASSWORD", 1234),
    ],
)
def test_bad_option_values(make_cache: MakeCache, option: str, value: Any) -> None:
    bad(make_cache, option, **{option: value})


class NoLoads:
    def __init__(self, options: Any) -> None:
        pass

    def dumps(self, value: Any) -> bytes:
        return b""


class NoDecompress:
    def __init__(self, options: Any) -> None:
        pass

    def compress(self, value: bytes) -> bytes:
        return value


class HalfClient:
    def __init__(self, server: Any, params: Any, backend: Any) -> None:
        pass

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return default


class NoDisconnectFactory:
    def __init__(self, options: Any) -> None:
        pass

    def connect(self, url: str) -> Any:
        raise AssertionError("never used")


@pytest.mark.parametrize(
    "option, path, missing",
    [
        ("SERIALIZER", "tests.test_errors.NoLoads", "loads"),
        ("COMPRESSOR", "tests.test_errors.NoDecompress", "decompress"),
        ("CLIENT_CLASS", "tests.test_errors.HalfClient", "add, blmove, blpop, brpop, clear, close"),
        ("CONNECTION_FACTORY", "tests.test_errors.NoDisconnectFactory", "disconnect, get_or_create_connection_pool"),
    ],
)
def test_class_missing_protocol_members(make_cache: MakeCache, option: str, path: str, missing: str) -> None:
    bad(make_cache, rf"{option}.*{path.rsplit('.', 1)[1]}.*missing: .*{missing}", **{option: path})


def test_hanging_server_times_out(make_cache: MakeCache) -> None:
    import os
    import signal
    import time

    from valkey.exceptions import TimeoutError as ValkeyTimeoutError

    server = ValkeyProcess().start()
    assert server.process is not None
    pid = server.process.pid
    try:
        cache = make_cache(f"{server.url}/0", SOCKET_CONNECT_TIMEOUT=0.2, SOCKET_TIMEOUT=0.2)
        ignoring = make_cache(f"{server.url}/0", IGNORE_EXCEPTIONS=True, SOCKET_CONNECT_TIMEOUT=0.2, SOCKET_TIMEOUT=0.2)
        cache.set("k", 1)
        os.kill(pid, signal.SIGSTOP)  # accepts nothing, answers nothing
        started = time.monotonic()
        with pytest.raises(ConnectionInterrupted) as info:
            cache.get("k")
        assert isinstance(info.value.__cause__, (ValkeyTimeoutError, ValkeyConnectionError))
        assert ignoring.get("k", "dflt") == "dflt"
        assert time.monotonic() - started < 3
    finally:
        os.kill(pid, signal.SIGCONT)
        server.cleanup()


@pytest.mark.parametrize("timeout", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_timeout(cache: ValkeyCache, raw: Any, timeout: float) -> None:
    cache.set("k", "old", timeout=None)
    with pytest.raises(ValueError, match="finite.*timeout|timeout.*finite"):
        cache.set("k", "new", timeout=timeout)
    with pytest.raises(ValueError, match="finite"):
        cache.expire("k", timeout)
    assert cache.get("k") == "old" and cache.ttl("k") is None
