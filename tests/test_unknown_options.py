"""OPTIONS keys no one reads are refused when the cache is built, with a hint at what was meant."""

from __future__ import annotations

import re
import timeit
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_valkey._options import KNOWN_OPTIONS
from django_valkey.async_cache.client import AsyncDefaultClient
from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient
from django_valkey.compressors.zlib import ZlibCompressor
from django_valkey.pool import ConnectionFactory
from django_valkey.serializers.json import JSONSerializer
from tests.helpers import MakeCache

NOWHERE = "valkey://127.0.0.1:1/0"  # building a cache opens no connection
DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def build(options: Mapping[str, Any]) -> ValkeyCache:
    return ValkeyCache(NOWHERE, {"OPTIONS": options})


@pytest.mark.parametrize(
    "options, hint",
    [
        ({"SOCKET_TIMOUT": 1}, "'SOCKET_TIMOUT' (did you mean 'SOCKET_TIMEOUT'?)"),
        ({"SERIALISER": "x"}, "'SERIALISER' (did you mean 'SERIALIZER'?)"),
        ({"socket_timeout": 1}, "OPTIONS keys are upper case: did you mean 'SOCKET_TIMEOUT'?"),
        ({"socket_connect_timeout": 1}, "OPTIONS keys are upper case: did you mean 'SOCKET_CONNECT_TIMEOUT'?"),
        ({"Ignore_Exceptions": True}, "OPTIONS keys are upper case: did you mean 'IGNORE_EXCEPTIONS'?"),
        # Django's RedisCache and redis-py names
        ({"db": 2}, "the database goes in LOCATION ('valkey://host:6379/2' or '?db=2')"),
        ({"password": "secret"}, "did you mean 'PASSWORD'?"),
        ({"pool_class": "valkey.BlockingConnectionPool"}, "did you mean 'CONNECTION_POOL_CLASS'?"),
        ({"parser_class": "valkey.connection._RESP3Parser"}, "did you mean 'PARSER_CLASS'?"),
        ({"serializer": "x"}, "did you mean 'SERIALIZER'?"),
        ({"max_connections": 50}, "put it in OPTIONS['CONNECTION_POOL_KWARGS'] ({'max_connections': ...})"),
        ({"health_check_interval": 30}, "put it in OPTIONS['CONNECTION_POOL_KWARGS']"),
        ({"retry_on_timeout": True}, "put it in OPTIONS['CONNECTION_POOL_KWARGS']"),
        ({"ssl_cert_reqs": "none"}, "put it in OPTIONS['CONNECTION_POOL_KWARGS'] ({'ssl_cert_reqs': ...})"),
        ({"MAX_CONNECTIONS": 50}, "put it in OPTIONS['CONNECTION_POOL_KWARGS'] ({'max_connections': ...})"),
        # django-redis names, and Django keys put one level too deep
        ({"REDIS_CLIENT_CLASS": "valkey.Valkey"}, "'BASE_CLIENT_CLASS' here"),
        ({"REDIS_CLIENT_KWARGS": {}}, "'BASE_CLIENT_KWARGS' here"),
        ({"TIMEOUT": 60}, "TIMEOUT is a key of the CACHES entry, beside LOCATION, not of its OPTIONS"),
        ({"KEY_PREFIX": "x"}, "KEY_PREFIX is a key of the CACHES entry"),
        ({"MAX_ENTRIES": 30}, "MAX_ENTRIES has no effect on Valkey"),
        ({"CULL_FREQUENCY": 3}, "CULL_FREQUENCY has no effect on Valkey"),
        # nothing close: the key alone
        ({"WHATEVER": 1}, "unknown OPTIONS key: 'WHATEVER'. "),
        ({2: 1}, "2 (OPTIONS keys are strings)"),
    ],
)
def test_unknown_key_is_refused_when_the_cache_is_built(options: dict[Any, Any], hint: str) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        build(options)
    message = str(info.value)
    assert message.startswith("unknown OPTIONS key")
    assert hint in message
    assert "OPTIONS_KEYS" in message  # says how a custom class declares keys of its own


def test_every_unknown_key_is_named_at_once() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"^unknown OPTIONS keys: 'db' \(.*\); 'SOCKET_TIMOUT' \("):
        build({"db": 2, "SOCKET_TIMEOUT": 1, "SOCKET_TIMOUT": 1})


def test_async_options_keys_are_checked_too() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"unknown OPTIONS\['ASYNC_OPTIONS'\] key: 'socket_timeout' \("):
        build({"ASYNC_OPTIONS": {"socket_timeout": 1}})
    with pytest.raises(ImproperlyConfigured, match=r"unknown OPTIONS\['ASYNC_OPTIONS'\] key: 'ASYNC_OPTIONS'"):
        build({"ASYNC_OPTIONS": {"ASYNC_OPTIONS": {}}})
    with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['ASYNC_OPTIONS'\] must be a dict"):
        build({"ASYNC_OPTIONS": ["CLIENT_CLASS"]})


def test_a_correct_config_with_every_known_key_builds() -> None:
    options = {
        "CLIENT_CLASS": "django_valkey.client.DefaultClient",
        "CONNECTION_FACTORY": "django_valkey.pool.ConnectionFactory",
        "CONNECTION_POOL_CLASS": "valkey.connection.BlockingConnectionPool",
        "CONNECTION_POOL_KWARGS": {"max_connections": 5},
        "BASE_CLIENT_CLASS": "valkey.client.Valkey",
        "BASE_CLIENT_KWARGS": {},
        "PARSER_CLASS": "valkey._parsers.resp2._RESP2Parser",
        "SERIALIZER": "django_valkey.serializers.json.JSONSerializer",
        "COMPRESSOR": "django_valkey.compressors.zlib.ZlibCompressor",
        "PICKLE_VERSION": 4,
        "PASSWORD": "secret",
        "SOCKET_TIMEOUT": 1,
        "SOCKET_CONNECT_TIMEOUT": 1,
        "DEADLINE": 2,
        "CIRCUIT_BREAKER": {"FAILURES": 3, "WINDOW": 2.0, "OPEN_SECONDS": 1.0},
        "RETRY": {"ATTEMPTS": 1, "BASE": 0.01, "CAP": 0.1},
        "CLIENT_CACHE": {"MAX_ENTRIES": 100},
        "IGNORE_EXCEPTIONS": False,
        "LOG_IGNORED_EXCEPTIONS": False,
        "CLOSE_CONNECTION": False,
        "OBSERVER": "django_valkey.observers.Observer",
        "OBSERVER_ALIAS": "default",
        "REPLICA_READ_ONLY": True,
        "SENTINELS": [("127.0.0.1", 26379)],
        "SENTINEL_KWARGS": {},
        "SHARD_PLACEMENT": "even",
        "SCAN_ITERSIZE": 10,
        "REVERSE_KEY_FUNCTION": "django_valkey.util.default_reverse_key",
        "ASYNC_OPTIONS": {"SOCKET_TIMEOUT": 2, "CLIENT_CLASS": "django_valkey.async_cache.client.AsyncDefaultClient"},
    }
    assert set(options) == KNOWN_OPTIONS
    cache = build(options)
    assert isinstance(cache.client, DefaultClient)  # the client builds too


def test_known_keys_are_the_documented_keys() -> None:
    """The OPTIONS table of docs/configuration.md lists exactly the keys that are accepted."""
    text = DOCS.read_text()
    table = text.split("\n## OPTIONS\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))
    assert documented == KNOWN_OPTIONS


# ------------------------------------------------------------------ keys of custom classes


class GreetingClient(DefaultClient):
    """A custom client that reads an OPTIONS key of its own."""

    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset({"GREETING"})

    def __init__(self, server: str | list[str], params: Mapping[str, Any], backend: Any) -> None:
        super().__init__(server, params, backend)
        self.greeting: str = self._options["GREETING"]


class PrefixedJSON(JSONSerializer):
    """A custom serializer that reads an OPTIONS key of its own."""

    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset({"JSON_MARK"})

    def dumps(self, value: Any) -> bytes:
        return self.options["JSON_MARK"].encode() + super().dumps(value)

    def loads(self, value: bytes) -> Any:
        mark = self.options["JSON_MARK"].encode()
        assert value.startswith(mark)
        return super().loads(value[len(mark) :])


class OldStyleClient(DefaultClient):
    """A 0.4-style custom client: no OPTIONS_KEYS (the attribute is inherited, empty)."""


def test_custom_client_declares_its_keys(make_cache: MakeCache) -> None:
    cache = make_cache(CLIENT_CLASS=GreetingClient, GREETING="hello")
    cache.set("k", 1)
    assert cache.get("k") == 1
    assert isinstance(cache.client, GreetingClient) and cache.client.greeting == "hello"
    with pytest.raises(ImproperlyConfigured, match="'GREETNG' \\(did you mean 'GREETING'\\?\\)"):
        make_cache(CLIENT_CLASS=GreetingClient, GREETING="hello", GREETNG="typo")
    with pytest.raises(ImproperlyConfigured, match="unknown OPTIONS key: 'GREETING'"):
        make_cache(CLIENT_CLASS=OldStyleClient, GREETING="hello")  # not declared by this client


def test_custom_client_keys_are_accepted_in_async_options(make_cache: MakeCache) -> None:
    cache = make_cache(CLIENT_CLASS=GreetingClient, GREETING="hello", ASYNC_OPTIONS={"GREETING": "hi"})
    assert isinstance(cache.client, GreetingClient)


def test_custom_serializer_declares_its_keys(make_cache: MakeCache, raw: Any) -> None:
    path = f"{__name__}.PrefixedJSON"
    cache = make_cache(SERIALIZER=path, JSON_MARK="j:")
    cache.set("k", [1, 2])
    assert raw.get(cache.make_key("k")) == b"j:[1,2]"
    assert cache.get("k") == [1, 2]
    with pytest.raises(ImproperlyConfigured, match="unknown OPTIONS key: 'JSON_MARK'"):
        make_cache(JSON_MARK="j:")  # the default serializer does not read it


class TunedFactory(ConnectionFactory):
    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset({"FACTORY_TUNING"})


class TunedZlib(ZlibCompressor):
    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset({"ZLIB_TUNING"})


class TunedAsyncClient(AsyncDefaultClient):
    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset({"ASYNC_TUNING"})


class WithTunedAsync(DefaultClient):
    ASYNC_CLIENT_CLASS: ClassVar[str] = f"{__name__}.TunedAsyncClient"


@pytest.mark.parametrize(
    "options",
    [
        {"CONNECTION_FACTORY": f"{__name__}.TunedFactory", "FACTORY_TUNING": 1},
        {"COMPRESSOR": TunedZlib, "ZLIB_TUNING": 1},
        {"CLIENT_CLASS": WithTunedAsync, "ASYNC_TUNING": 1},
        {"ASYNC_OPTIONS": {"CLIENT_CLASS": f"{__name__}.TunedAsyncClient", "ASYNC_TUNING": 1}},
    ],
)
def test_factories_compressors_and_async_clients_declare_keys_too(
    make_cache: MakeCache, options: dict[str, Any]
) -> None:
    cache = make_cache(**options)
    cache.set("k", "v" * 20)
    assert cache.get("k") == "v" * 20


def test_options_keys_must_be_a_set_of_strings() -> None:
    class Broken(DefaultClient):
        OPTIONS_KEYS = ["GREETING"]  # type: ignore[assignment]  # the mistake under test

    with pytest.raises(ImproperlyConfigured, match="Broken.OPTIONS_KEYS must be a frozenset of str"):
        build({"CLIENT_CLASS": Broken, "GREETING": "hello"})


def test_the_check_costs_little_per_build() -> None:
    """Django builds a cache per thread and per ASGI request: the key check is one set test."""
    from django_valkey._options import check_option_keys

    options = {"SERIALIZER": "django_valkey.serializers.json.JSONSerializer", "SOCKET_TIMEOUT": 1}
    runs = 20_000
    check = timeit.timeit(lambda: check_option_keys(options, DefaultClient), number=runs) / runs
    whole = timeit.timeit(lambda: build(options), number=runs // 10) / (runs // 10)
    assert check < whole / 10, (check, whole)
