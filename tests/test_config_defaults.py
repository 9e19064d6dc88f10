"""Every default docs/configuration.md states, read back from the objects a default cache builds.

The tables' key names are parsed from the page: a row without a check here fails
``test_every_documented_key_has_a_check``. Also: which mistakes are reported when.
"""

from __future__ import annotations

import asyncio
import lzma
import pickle
import re
import socket
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import valkey
from django.conf import settings
from django.core.cache.backends.base import default_key_func
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from valkey.connection import ConnectionPool, DefaultParser

from django_valkey.base import async_twin_options
from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient, HerdClient, SentinelClient, ShardClient
from django_valkey.compressors.identity import IdentityCompressor
from django_valkey.pool import BoundedConnectionPool, ConnectionFactory
from django_valkey.serializers.pickle import PickleSerializer
from django_valkey.util import default_reverse_key
from tests.helpers import MakeCache
from tests.servers import ValkeyProcess

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

Check = Callable[[MakeCache, ValkeyProcess], None]


def documented_keys(section: str) -> list[str]:
    """The first-column names of the table under ``## <section>`` in docs/configuration.md."""
    text = DOCS.read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", body, re.MULTILINE)


def connection(cache: ValkeyCache) -> Any:
    """A real connection of the cache's primary pool (connected by a command first)."""
    cache.get("warm-up")
    pool = cache.get_client().connection_pool
    conn = pool.get_connection("GET")
    pool.release(conn)
    return conn


def compressor(path: str, **tuning: Any) -> Any:
    """A compressor as a client builds it, under the given settings."""
    from django.utils.module_loading import import_string

    with override_settings(**tuning):
        return import_string(path)({})


# ------------------------------------------------------------------ Django's own keys


def check_timeout(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().default_timeout == 300


def check_key_prefix(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().key_prefix == ""


def check_version(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().version == 1


def check_key_function(make_cache: MakeCache, _: ValkeyProcess) -> None:
    cache = make_cache()
    assert cache.key_func is default_key_func
    assert cache.make_key("k") == ":1:k"


# ------------------------------------------------------------------ OPTIONS


def check_client_class(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert type(make_cache().client) is DefaultClient


def check_connection_factory(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert not hasattr(settings, "DJANGO_VALKEY_CONNECTION_FACTORY")
    assert DefaultClient.CONNECTION_FACTORY_PATH == "django_valkey.pool.ConnectionFactory"
    assert type(make_cache().client.connection_factory) is ConnectionFactory


def check_connection_pool_class(make_cache: MakeCache, _: ValkeyProcess) -> None:
    from django_valkey.async_cache.pool import (
        AsyncBoundedConnectionPool,
        AsyncBoundedSentinelConnectionPool,
        AsyncSentinelConnectionFactory,
    )
    from django_valkey.pool import BoundedSentinelConnectionPool, SentinelConnectionFactory

    cache = make_cache()
    assert type(cache.get_client().connection_pool) is BoundedConnectionPool

    async def async_pool() -> object:
        return (await cache.aget_client()).connection_pool

    assert type(asyncio.run(async_pool())) is AsyncBoundedConnectionPool
    sentinels = {"SENTINELS": [("127.0.0.1", 1)]}
    assert SentinelConnectionFactory(sentinels).pool_cls is BoundedSentinelConnectionPool
    assert AsyncSentinelConnectionFactory(sentinels).pool_cls is AsyncBoundedSentinelConnectionPool
    # a class of one's own gets nothing but CONNECTION_POOL_KWARGS
    plain = make_cache(CONNECTION_POOL_CLASS="valkey.connection.ConnectionPool").get_client().connection_pool
    assert type(plain) is ConnectionPool and set(plain.connection_kwargs) == {
        "parser_class",
        "host",
        "port",
        "db",
        "socket_timeout",
        "socket_connect_timeout",
    }


def check_connection_pool_kwargs(make_cache: MakeCache, _: ValkeyProcess) -> None:
    cache = make_cache()
    assert cache.client.connection_factory.pool_cls_kwargs == {}
    pool = cache.get_client().connection_pool
    assert isinstance(pool, BoundedConnectionPool)
    assert (pool.max_connections, pool.timeout) == (50, 5)
    # what LOCATION and the parser give, the explicit timeouts and the connection defaults: no password
    kwargs = pool.connection_kwargs
    assert set(kwargs) == {"parser_class", "host", "port", "db", "socket_timeout", "socket_connect_timeout"} | {
        "health_check_interval",
        "socket_keepalive",
        "socket_keepalive_options",
    }
    assert kwargs["health_check_interval"] == 30 and kwargs["socket_keepalive"] is True
    assert kwargs["socket_keepalive_options"] == {
        getattr(socket, name): value
        for name, value in {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 3}.items()
        if hasattr(socket, name)
    }
    unbounded = make_cache(CONNECTION_POOL_KWARGS={"max_connections": None}).get_client().connection_pool
    assert unbounded.max_connections == 2**31


def check_base_client_class(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert type(make_cache().get_client()) is valkey.Valkey


def check_base_client_kwargs(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().client.connection_factory.base_client_cls_kwargs == {}


def check_parser_class(make_cache: MakeCache, _: ValkeyProcess) -> None:
    from django_valkey.async_cache.parser import default_async_parser

    cache = make_cache()
    assert cache.get_client().connection_pool.connection_kwargs["parser_class"] is DefaultParser
    assert type(connection(cache)._parser) is DefaultParser
    assert DefaultParser.__name__ == "_LibvalkeyParser"  # libvalkey is installed here

    async def async_parser() -> type[Any]:
        raw = await cache.aget_client()
        parser: type[Any] = raw.connection_pool.connection_kwargs["parser_class"]
        return parser

    parser = asyncio.run(async_parser())
    assert parser is default_async_parser()
    assert f"{parser.__module__}.{parser.__qualname__}" == "django_valkey.async_cache.parser.AsyncLibvalkeyParser"


def check_serializer(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert type(make_cache().client._serializer) is PickleSerializer


def check_compressor(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert type(make_cache().client._compressor) is IdentityCompressor


def check_pickle_version(make_cache: MakeCache, _: ValkeyProcess) -> None:
    serializer = make_cache().client._serializer
    assert isinstance(serializer, PickleSerializer) and serializer.protocol == pickle.HIGHEST_PROTOCOL
    negative = make_cache(PICKLE_VERSION=-1).client._serializer
    assert isinstance(negative, PickleSerializer) and negative.protocol == pickle.HIGHEST_PROTOCOL
    with pytest.raises(ImproperlyConfigured, match="PICKLE_VERSION"):
        make_cache(PICKLE_VERSION=pickle.HIGHEST_PROTOCOL + 1).client


def check_password(make_cache: MakeCache, _: ValkeyProcess) -> None:
    cache = make_cache()
    assert cache.client.connection_factory.password is None
    assert "password" not in cache.get_client().connection_pool.connection_kwargs


def check_socket_connect_timeout(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().client.connection_factory.socket_connect_timeout == 1.0
    assert connection(make_cache()).socket_connect_timeout == 1.0
    assert connection(make_cache(SOCKET_CONNECT_TIMEOUT=None)).socket_connect_timeout == 1.0
    assert connection(make_cache(SOCKET_CONNECT_TIMEOUT=2)).socket_connect_timeout == 2
    assert connection(make_cache(SOCKET_CONNECT_TIMEOUT=2, DEADLINE=0.3)).socket_connect_timeout == 0.3


def check_socket_timeout(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().client.connection_factory.socket_timeout == 1.0
    assert connection(make_cache()).socket_timeout == 1.0
    assert connection(make_cache(SOCKET_TIMEOUT=None)).socket_timeout == 1.0
    assert connection(make_cache(SOCKET_TIMEOUT=3, DEADLINE=0.4)).socket_timeout == 0.4
    forever = make_cache(CONNECTION_POOL_KWARGS={"socket_timeout": None})
    assert connection(forever).socket_timeout is None


def check_ignore_exceptions(make_cache: MakeCache, _: ValkeyProcess) -> None:
    cache = make_cache()
    assert cache._ignore_exceptions is False and cache._guard.ignore is False


def check_log_ignored_exceptions(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache()._guard.log is False


def check_close_connection(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache()._close_connection is False


def check_observer(make_cache: MakeCache, _: ValkeyProcess) -> None:
    cache = make_cache()
    assert type(cache) is ValkeyCache and "_observation" not in vars(cache)  # none: the plain class


def check_observer_alias(make_cache: MakeCache, _: ValkeyProcess) -> None:
    from django_valkey.observers import Observer

    assert make_cache(OBSERVER=Observer())._observation.alias == ""  # built by hand: no alias
    assert make_cache(OBSERVER=Observer(), OBSERVER_ALIAS="x")._observation.alias == "x"


def check_replica_read_only(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    url = f"{valkey_server.url}/0"
    assert make_cache([url, url, url]).client._read_choices == (1, 2)  # replicas only
    assert make_cache([url, url], REPLICA_READ_ONLY=False).client._read_choices == (0, 1)


def check_scan_itersize(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().client._scan_itersize == 1000


def check_reverse_key_function(make_cache: MakeCache, _: ValkeyProcess) -> None:
    cache = make_cache()
    assert cache.client._keys.reverse is default_reverse_key
    assert default_reverse_key("prefix:3:user:key") == "user:key"


def check_sentinels(make_cache: MakeCache, _: ValkeyProcess) -> None:
    with pytest.raises(ImproperlyConfigured, match="SENTINELS"):
        make_cache("valkey://mymaster/0", CLIENT_CLASS=SentinelClient).client


def check_shard_placement(make_cache: MakeCache, server: ValkeyProcess) -> None:
    from django_valkey.hash_ring import CompatHashRing, HashRing

    urls = [f"{server.url}/0", f"{server.url}/1"]
    ring: Any = make_cache(urls, CLIENT_CLASS=ShardClient).client.ring
    assert type(ring) is CompatHashRing and ring.replicas == 128
    assert type(make_cache(urls, CLIENT_CLASS=ShardClient, SHARD_PLACEMENT="even").client.ring) is HashRing
    assert type(make_cache(SHARD_PLACEMENT="even").client) is DefaultClient  # read by ShardClient only
    with pytest.raises(ImproperlyConfigured, match="SHARD_PLACEMENT"):
        make_cache(urls, CLIENT_CLASS=ShardClient, SHARD_PLACEMENT=0.4).client


def check_sentinel_kwargs(make_cache: MakeCache, _: ValkeyProcess) -> None:
    def sentinel_kwargs(**options: Any) -> Any:
        cache = make_cache("valkey://mymaster/0", CLIENT_CLASS=SentinelClient, SENTINELS=[("127.0.0.1", 1)], **options)
        return cache.client.connection_factory.make_connection_params("valkey://mymaster/0")["sentinel_kwargs"]

    assert sentinel_kwargs() == {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    assert sentinel_kwargs(SOCKET_TIMEOUT=2, SOCKET_CONNECT_TIMEOUT=1) == {
        "socket_timeout": 2,
        "socket_connect_timeout": 1,
    }


def check_circuit_breaker(make_cache: MakeCache, _: ValkeyProcess) -> None:
    circuit = make_cache().client._circuits[0]
    assert circuit.settings.key() == (5, 1.0, 0.1) and circuit.state == "closed"
    assert type(make_cache(CIRCUIT_BREAKER=False).client._circuits[0]).__name__ == "NoCircuit"
    tuned = make_cache(CIRCUIT_BREAKER={"FAILURES": 2}).client._circuits[0]
    assert tuned.settings.key() == (2, 1.0, 0.1)


def check_client_cache(make_cache: MakeCache, _: ValkeyProcess) -> None:
    off = make_cache()
    assert off.client._local is None and off.client_cache_stats() is None
    assert make_cache(CLIENT_CACHE=False).client._local is None
    on = make_cache(CLIENT_CACHE=True).client._local
    assert on is not None
    assert on.settings.key() == (10_000, 64 * 1024 * 1024, None, None, 0.2)
    one = make_cache(CLIENT_CACHE={"MAX_ENTRIES": 7}).client._local
    assert one is not None and one.settings.key() == (7, 64 * 1024 * 1024, None, None, 0.2)
    stats = make_cache(CLIENT_CACHE=True).client_cache_stats()
    assert stats is not None and stats.tracking  # a sync cache connects its tracking at once


def check_retry(make_cache: MakeCache, _: ValkeyProcess) -> None:
    policy = make_cache().client._retry
    assert policy.attempts == 3
    pauses = [policy.pause(n) for n in range(8)]
    # equal jitter: between half and all of min(0.5, 0.02 * 2**n)
    assert all(min(0.5, 0.02 * 2**n) / 2 <= p <= min(0.5, 0.02 * 2**n) for n, p in enumerate(pauses))
    assert make_cache(RETRY=False).client._retry.attempts == 0


def check_deadline(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache().client._deadline is None
    assert make_cache(DEADLINE=0.25).client._deadline == 0.25
    # the wait for a free pooled connection is bounded by it too
    assert make_cache(DEADLINE=0.25).get_client().connection_pool.timeout == 0.25


def check_async_options(make_cache: MakeCache, _: ValkeyProcess) -> None:
    from django_valkey.async_cache.client import AsyncDefaultClient

    cache = make_cache(SOCKET_TIMEOUT=2)
    assert async_twin_options(cache._options) == (None, {"SOCKET_TIMEOUT": 2})
    assert type(cache.async_client) is AsyncDefaultClient


# ------------------------------------------------------------------ Django settings


def check_setting_connection_factory(make_cache: MakeCache, _: ValkeyProcess) -> None:
    check_connection_factory(make_cache, _)
    from django_valkey.pool import SentinelConnectionFactory

    with override_settings(DJANGO_VALKEY_CONNECTION_FACTORY="django_valkey.pool.SentinelConnectionFactory"):
        with pytest.raises(ImproperlyConfigured, match="SENTINELS"):  # that factory was used
            make_cache().client
    assert SentinelConnectionFactory.__module__ == "django_valkey.pool"


def flag_setting(option: str, read: Callable[[ValkeyCache], bool]) -> Check:
    def check(make_cache: MakeCache, _: ValkeyProcess) -> None:
        assert read(make_cache()) is False
        with override_settings(**{f"DJANGO_VALKEY_{option}": True}):
            assert read(make_cache()) is True
            assert read(make_cache(**{option: False})) is False  # OPTIONS win

    return check


def check_logger(make_cache: MakeCache, _: ValkeyProcess) -> None:
    assert make_cache()._guard.logger.name == "django_valkey"
    with override_settings(DJANGO_VALKEY_LOGGER="mine"):
        assert make_cache()._guard.logger.name == "mine"


def check_setting_scan_itersize(make_cache: MakeCache, _: ValkeyProcess) -> None:
    check_scan_itersize(make_cache, _)
    with override_settings(DJANGO_VALKEY_SCAN_ITERSIZE=7):
        assert make_cache().client._scan_itersize == 7


def check_herd_timeout(make_cache: MakeCache, _: ValkeyProcess) -> None:
    client = make_cache(CLIENT_CLASS=HerdClient).client
    assert isinstance(client, HerdClient) and client._herd.herd_ms == 60_000
    with override_settings(CACHE_HERD_TIMEOUT=0):
        cache = make_cache(CLIENT_CLASS=HerdClient)  # built: the setting is read by the client
        with pytest.raises(ImproperlyConfigured, match="CACHE_HERD_TIMEOUT"):
            cache.client


COMPRESSORS = {
    "zlib": ("django_valkey.compressors.zlib.ZlibCompressor", 6),
    "gzip": ("django_valkey.compressors.gzip.GzipCompressor", 9),
    "bz2": ("django_valkey.compressors.bz2.Bz2Compressor", 9),
    "lzma": ("django_valkey.compressors.lzma.LzmaCompressor", 4),
    "lz4": ("django_valkey.compressors.lz4.Lz4Compressor", 0),
    "zstd": ("django_valkey.compressors.zstd.ZStdCompressor", 1),
    "brotli": ("django_valkey.compressors.brotli.BrotliCompressor", 11),
}


def check_compress_min_length(make_cache: MakeCache, _: ValkeyProcess) -> None:
    for path, _level in COMPRESSORS.values():
        assert compressor(path).min_length == 15
    client = make_cache(COMPRESSOR=COMPRESSORS["zlib"][0]).client
    assert client._compressor.compress(b"x" * 15) == b"x" * 15  # 15 bytes or fewer: as they are
    assert client._compressor.compress(b"x" * 16) != b"x" * 16


def check_compress_level(make_cache: MakeCache, _: ValkeyProcess) -> None:
    documented = DOCS.read_text().split("| `CACHE_COMPRESS_LEVEL` | per compressor: ", 1)[1].split(" |", 1)[0]
    levels = {name: int(level) for name, level in (pair.split(" ") for pair in documented.split(", "))}
    assert levels == {name: level for name, (_path, level) in COMPRESSORS.items()}
    for path, level in COMPRESSORS.values():
        assert compressor(path).level == level
        assert compressor(path, CACHE_COMPRESS_LEVEL=3).level == 3
    client = make_cache(COMPRESSOR=COMPRESSORS["zlib"][0]).client
    assert client._compressor.level == 6


def setting_default(path: str, attribute: str, expected: object, setting: str, other: object) -> Check:
    """The compressor's ``attribute`` is ``expected`` by default, and ``other`` under ``setting``."""

    def check(make_cache: MakeCache, _: ValkeyProcess) -> None:
        assert getattr(compressor(path), attribute) == expected
        assert getattr(compressor(path, **{setting: other}), attribute) == other

    return check


def check_decompress_zstd_options(make_cache: MakeCache, _: ValkeyProcess) -> None:
    path = COMPRESSORS["zstd"][0]
    assert compressor(path).decompress_options is None
    assert compressor(path, COMPRESS_ZSTD_OPTIONS={"x": 1}).decompress_options == {"x": 1}
    assert compressor(path, COMPRESS_ZSTD_OPTIONS={"x": 1}, DECOMPRESS_ZSTD_OPTIONS={"y": 2}).decompress_options == {
        "y": 2
    }


def check_decompress_zstd_dict(make_cache: MakeCache, _: ValkeyProcess) -> None:
    path = COMPRESSORS["zstd"][0]
    if sys.version_info >= (3, 14):
        from compression.zstd import ZstdDict
    else:
        from backports.zstd import ZstdDict
    shared, own = ZstdDict(b"shared dictionary content", is_raw=True), ZstdDict(b"own content", is_raw=True)
    assert compressor(path).decompress_dict is None
    assert compressor(path, COMPRESS_ZSTD_DICT=shared).decompress_dict is shared
    assert compressor(path, COMPRESS_ZSTD_DICT=shared, DECOMPRESS_ZSTD_DICT=own).decompress_dict is own


def brotli_default(attribute: str, setting: str, other: object) -> Check:
    import brotli

    expected = {"mode": brotli.MODE_GENERIC, "lgwin": 22, "lgblock": 0}[attribute]
    return setting_default(COMPRESSORS["brotli"][0], attribute, expected, setting, other)


LZMA = COMPRESSORS["lzma"][0]
ZSTD = COMPRESSORS["zstd"][0]

CHECKS: dict[str, Check] = {
    # Django's own keys
    "TIMEOUT": check_timeout,
    "KEY_PREFIX": check_key_prefix,
    "VERSION": check_version,
    "KEY_FUNCTION": check_key_function,
    # OPTIONS
    "CLIENT_CLASS": check_client_class,
    "CONNECTION_FACTORY": check_connection_factory,
    "CONNECTION_POOL_CLASS": check_connection_pool_class,
    "CONNECTION_POOL_KWARGS": check_connection_pool_kwargs,
    "BASE_CLIENT_CLASS": check_base_client_class,
    "BASE_CLIENT_KWARGS": check_base_client_kwargs,
    "PARSER_CLASS": check_parser_class,
    "SERIALIZER": check_serializer,
    "COMPRESSOR": check_compressor,
    "PICKLE_VERSION": check_pickle_version,
    "PASSWORD": check_password,
    "SOCKET_CONNECT_TIMEOUT": check_socket_connect_timeout,
    "SOCKET_TIMEOUT": check_socket_timeout,
    "DEADLINE": check_deadline,
    "CIRCUIT_BREAKER": check_circuit_breaker,
    "CLIENT_CACHE": check_client_cache,
    "RETRY": check_retry,
    "IGNORE_EXCEPTIONS": check_ignore_exceptions,
    "LOG_IGNORED_EXCEPTIONS": check_log_ignored_exceptions,
    "CLOSE_CONNECTION": check_close_connection,
    "REPLICA_READ_ONLY": check_replica_read_only,
    "SCAN_ITERSIZE": check_scan_itersize,
    "REVERSE_KEY_FUNCTION": check_reverse_key_function,
    "SENTINELS": check_sentinels,
    "SENTINEL_KWARGS": check_sentinel_kwargs,
    "OBSERVER": check_observer,
    "OBSERVER_ALIAS": check_observer_alias,
    "SHARD_PLACEMENT": check_shard_placement,
    "ASYNC_OPTIONS": check_async_options,
    # Django settings
    "DJANGO_VALKEY_CONNECTION_FACTORY": check_setting_connection_factory,
    "DJANGO_VALKEY_IGNORE_EXCEPTIONS": flag_setting("IGNORE_EXCEPTIONS", lambda cache: cache._guard.ignore),
    "DJANGO_VALKEY_LOG_IGNORED_EXCEPTIONS": flag_setting("LOG_IGNORED_EXCEPTIONS", lambda cache: cache._guard.log),
    "DJANGO_VALKEY_LOGGER": check_logger,
    "DJANGO_VALKEY_SCAN_ITERSIZE": check_setting_scan_itersize,
    "DJANGO_VALKEY_CLOSE_CONNECTION": flag_setting("CLOSE_CONNECTION", lambda cache: cache._close_connection),
    "CACHE_HERD_TIMEOUT": check_herd_timeout,
    "CACHE_COMPRESS_MIN_LENGTH": check_compress_min_length,
    "CACHE_COMPRESS_LEVEL": check_compress_level,
    "COMPRESS_ZLIB_WBITS": setting_default(COMPRESSORS["zlib"][0], "wbits", zlib.MAX_WBITS, "COMPRESS_ZLIB_WBITS", 9),
    "COMPRESS_LZMA_FORMAT": setting_default(LZMA, "format", lzma.FORMAT_XZ, "COMPRESS_LZMA_FORMAT", lzma.FORMAT_ALONE),
    "COMPRESS_LZMA_CHECK": setting_default(LZMA, "check", -1, "COMPRESS_LZMA_CHECK", lzma.CHECK_CRC32),
    "COMPRESS_LZMA_FILTERS": setting_default(
        LZMA, "filters", None, "COMPRESS_LZMA_FILTERS", [{"id": lzma.FILTER_LZMA2}]
    ),
    "DECOMPRESS_LZMA_FORMAT": setting_default(
        LZMA, "decompress_format", lzma.FORMAT_AUTO, "DECOMPRESS_LZMA_FORMAT", lzma.FORMAT_XZ
    ),
    "DECOMPRESS_LZMA_MEMLIMIT": setting_default(LZMA, "memlimit", None, "DECOMPRESS_LZMA_MEMLIMIT", 1 << 20),
    "DECOMPRESS_LZMA_FILTERS": setting_default(
        LZMA, "decompress_filters", None, "DECOMPRESS_LZMA_FILTERS", [{"id": lzma.FILTER_LZMA2}]
    ),
    "COMPRESS_ZSTD_OPTIONS": setting_default(ZSTD, "zstd_options", None, "COMPRESS_ZSTD_OPTIONS", {"x": 1}),
    "COMPRESS_ZSTD_DICT": setting_default(ZSTD, "zstd_dict", None, "COMPRESS_ZSTD_DICT", "a dict"),
    "DECOMPRESS_ZSTD_OPTIONS": check_decompress_zstd_options,
    "DECOMPRESS_ZSTD_DICT": check_decompress_zstd_dict,
    "COMPRESS_BROTLI_MODE": brotli_default("mode", "COMPRESS_BROTLI_MODE", 1),
    "COMPRESS_BROTLI_LGWIN": brotli_default("lgwin", "COMPRESS_BROTLI_LGWIN", 16),
    "COMPRESS_BROTLI_LGBLOCK": brotli_default("lgblock", "COMPRESS_BROTLI_LGBLOCK", 18),
}

SECTIONS = ("Django's own keys", "OPTIONS", "Django settings")


def test_every_documented_key_has_a_check() -> None:
    documented = [key for section in SECTIONS for key in documented_keys(section)]
    assert len(documented) == len(set(documented))
    assert documented == list(CHECKS)  # same keys, in the page's order


@pytest.mark.parametrize("key", list(CHECKS))
def test_documented_default(key: str, make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    CHECKS[key](make_cache, valkey_server)


# ------------------------------------------------------------------ when mistakes are reported

BUILD, CLIENT, COMMAND = "the cache object is built", "its client is built", "the first command"


@pytest.fixture
def without_brotli(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if the brotli extra were not installed."""
    monkeypatch.setitem(sys.modules, "brotli", None)
    monkeypatch.delitem(sys.modules, "django_valkey.compressors.brotli", raising=False)
    yield


@pytest.mark.parametrize(
    "location, params, stage, message",
    [
        (None, {"TIMEOUT": "soon"}, BUILD, "TIMEOUT"),
        (None, {"OPTIONS": {"CLIENT_CLASS": "nope.Client"}}, BUILD, "CLIENT_CLASS"),
        (None, {"OPTIONS": {"IGNORE_EXCEPTIONS": "yes"}}, BUILD, "IGNORE_EXCEPTIONS"),
        (None, {"OPTIONS": {"SOCKET_TIMOUT": 1}}, BUILD, "SOCKET_TIMEOUT"),
        (None, {"OPTIONS": {"ASYNC_OPTIONS": 1}}, BUILD, "ASYNC_OPTIONS"),
        (None, {"OPTIONS": {"SERIALIZER": "nope.Serializer"}}, CLIENT, "SERIALIZER"),
        (
            None,
            {"OPTIONS": {"COMPRESSOR": "django_valkey.compressors.brotli.BrotliCompressor"}},
            CLIENT,
            "pip install 'django-valkey[brotli]'",
        ),
        (None, {"OPTIONS": {"PICKLE_VERSION": 99}}, CLIENT, "PICKLE_VERSION"),
        (None, {"OPTIONS": {"REVERSE_KEY_FUNCTION": "nope.f"}}, CLIENT, "REVERSE_KEY_FUNCTION"),
        (None, {"OPTIONS": {"SCAN_ITERSIZE": 0}}, CLIENT, "SCAN_ITERSIZE"),
        (None, {"OPTIONS": {"CONNECTION_FACTORY": "nope.Factory"}}, CLIENT, "CONNECTION_FACTORY"),
        (None, {"OPTIONS": {"CONNECTION_POOL_CLASS": "nope.Pool"}}, CLIENT, "CONNECTION_POOL_CLASS"),
        (None, {"OPTIONS": {"BASE_CLIENT_CLASS": "nope.Valkey"}}, CLIENT, "BASE_CLIENT_CLASS"),
        (None, {"OPTIONS": {"SOCKET_TIMEOUT": "5"}}, CLIENT, "SOCKET_TIMEOUT"),
        (None, {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0}}, CLIENT, "SOCKET_CONNECT_TIMEOUT"),
        (None, {"OPTIONS": {"PASSWORD": 1234}}, CLIENT, "PASSWORD"),
        (None, {"OPTIONS": {"CLIENT_CLASS": "django_valkey.client.SentinelClient"}}, CLIENT, "SENTINELS"),
        ("foo://127.0.0.1:1/0", {}, COMMAND, "scheme"),
        ("valkey://127.0.0.1:1/abc", {}, COMMAND, "database"),
    ],
)
@pytest.mark.usefixtures("without_brotli")
def test_when_each_mistake_is_reported(location: str | None, params: dict[str, Any], stage: str, message: str) -> None:
    """The steps of the table at the top of docs/configuration.md."""
    location = location or "valkey://127.0.0.1:1/0"
    steps: list[tuple[str, Callable[[], object]]] = []
    made: list[ValkeyCache] = []
    steps.append((BUILD, lambda: made.append(ValkeyCache(location, {**params}))))
    steps.append((CLIENT, lambda: made[0].client))
    steps.append((COMMAND, lambda: made[0].get_client()))
    for name, step in steps:
        if name == stage:
            with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
                step()
            return
        step()
    raise AssertionError(f"{stage!r} is not a step")


def test_key_function_is_imported_by_django_when_the_cache_is_built() -> None:
    with pytest.raises(ImportError, match="nope"):  # Django's own error, not ImproperlyConfigured
        ValkeyCache("valkey://127.0.0.1:1/0", {"KEY_FUNCTION": "nope.key"})


def test_stages_are_the_documented_ones() -> None:
    text = DOCS.read_text()
    for stage in (BUILD, CLIENT, COMMAND):
        assert f"| {stage}" in text


def test_async_options_client_class_is_checked_on_the_first_async_call(make_cache: MakeCache) -> None:
    cache = make_cache(ASYNC_OPTIONS={"CLIENT_CLASS": "nope.AsyncClient"})
    cache.client
    with pytest.raises(ImproperlyConfigured, match=re.escape("OPTIONS['ASYNC_OPTIONS']['CLIENT_CLASS']")):
        cache.async_client
