"""The system checks (``django_valkey.checks``): a test per message, with no server running.

Each case is a ``CACHES`` setting (and other settings) and the check id it must produce; correct
settings produce nothing. The checks run through Django (``run_checks``, ``call_command("check")``)
and must not open a connection."""

from __future__ import annotations

import io
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import CheckMessage, Tags, run_checks
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_valkey.checks import CHECKS, DEFAULT_MAX_CONNECTIONS, check_caches, effective_max_connections

B = "django_valkey.cache.ValkeyCache"
ASYNC_B = "django_valkey.async_cache.cache.AsyncValkeyCache"
CLUSTER_B = "django_valkey.cluster_cache.cache.ClusterValkeyCache"
URL = "valkey://127.0.0.1:6379/0"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "operations" / "checks.md"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks never connect: any socket connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a check opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def cache(location: object = URL, backend: str = B, **options: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"BACKEND": backend, "LOCATION": location}
    for top in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION"):
        if top in options:
            entry[top] = options.pop(top)
    if options:
        entry["OPTIONS"] = options
    return entry


def messages(caches: dict[str, Any], deploy: bool = False, **settings: Any) -> list[CheckMessage]:
    with override_settings(CACHES=caches, **settings):
        found = run_checks(tags=[Tags.caches], include_deployment_checks=deploy)
    return [message for message in found if str(message.id).startswith("django_valkey.")]


def ids(found: list[CheckMessage]) -> list[str]:
    return [str(message.id) for message in found]


# The safest settings a deploy can have: every check silent, deploy ones included.
GOOD = cache(
    "valkey://:pw@10.0.0.5:6379/0",
    KEY_PREFIX="site",
    SOCKET_TIMEOUT=0.5,
    SOCKET_CONNECT_TIMEOUT=0.25,
    IGNORE_EXCEPTIONS=True,
    CONNECTION_POOL_KWARGS={"max_connections": 50},
)


@pytest.fixture
def hide_lz4(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the lz4 extra were not installed."""
    for name in list(sys.modules):
        if name == "lz4" or name.startswith("lz4.") or name == "django_valkey.compressors.lz4":
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "lz4", None)
    monkeypatch.setitem(sys.modules, "lz4.frame", None)


@pytest.fixture
def module_needing_lz4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hide_lz4: None) -> str:
    """A third-party compressor module that imports lz4 itself."""
    (tmp_path / "my_lz4_compressor.py").write_text(
        "import lz4.frame\n\nclass Compressor:\n    def compress(self, value): ...\n    def decompress(self, value): ...\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "my_lz4_compressor.Compressor"


CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    # (case id, check id, CACHES['default'], other settings, text the message contains)
    (
        "backend-typo",
        "django_valkey.E001",
        {"BACKEND": "django_valkey.cache.ValkeyCach", "LOCATION": URL},
        {},
        "cannot be imported",
    ),
    ("no-location", "django_valkey.E002", {"BACKEND": B}, {}, "LOCATION names no server"),
    ("location-int", "django_valkey.E002", cache(6379), {}, "must be a URL or a list of URLs, got 6379"),
    ("location-list-of-ints", "django_valkey.E002", cache([1, 2]), {}, "must be a URL or a list of URLs"),
    ("http", "django_valkey.E003", cache("http://127.0.0.1:6379/0"), {}, "has no supported scheme"),
    ("bare-host", "django_valkey.E003", cache("127.0.0.1:6379"), {}, "has no supported scheme"),
    ("no-host", "django_valkey.E004", cache("valkey://:6379/0"), {}, "names no host"),
    ("bad-port", "django_valkey.E004", cache("valkey://127.0.0.1:99999/0"), {}, "the port must be a number"),
    ("no-socket-path", "django_valkey.E004", cache("unix://"), {}, "names no socket path"),
    (
        "db-path",
        "django_valkey.E005",
        cache("valkey://127.0.0.1/abc"),
        {},
        "the database must be a number >= 0, got 'abc'",
    ),
    ("db-query", "django_valkey.E005", cache("valkey://127.0.0.1?db=x"), {}, "got 'x'"),
    (
        "serializer-path",
        "django_valkey.E006",
        cache(SERIALIZER="django_valkey.serializers.nope.Nope"),
        {},
        "OPTIONS['SERIALIZER']",
    ),
    (
        "client-path",
        "django_valkey.E006",
        cache(CLIENT_CLASS="myapp.Client"),
        {},
        "OPTIONS['CLIENT_CLASS'] = 'myapp.Client' cannot be imported",
    ),
    (
        "pool-path",
        "django_valkey.E006",
        cache(CONNECTION_POOL_CLASS="valkey.NoPool"),
        {},
        "OPTIONS['CONNECTION_POOL_CLASS']",
    ),
    ("key-function", "django_valkey.E006", cache(KEY_FUNCTION="myapp.keys.make"), {}, "KEY_FUNCTION"),
    ("reverse-key", "django_valkey.E006", cache(REVERSE_KEY_FUNCTION="myapp.keys.reverse"), {}, "REVERSE_KEY_FUNCTION"),
    (
        "global-factory",
        "django_valkey.E006",
        cache(),
        {"DJANGO_VALKEY_CONNECTION_FACTORY": "myapp.Factory"},
        "DJANGO_VALKEY_CONNECTION_FACTORY",
    ),
    (
        "async-client",
        "django_valkey.E006",
        cache(ASYNC_OPTIONS={"CLIENT_CLASS": "myapp.AsyncClient"}),
        {},
        "OPTIONS['ASYNC_OPTIONS']['CLIENT_CLASS']",
    ),
    (
        "not-a-client",
        "django_valkey.E008",
        cache(CLIENT_CLASS="django_valkey.serializers.json.JSONSerializer"),
        {},
        "does not implement ClientProtocol",
    ),
    (
        "sync-client-async-cache",
        "django_valkey.E008",
        cache(backend=ASYNC_B, CLIENT_CLASS="django_valkey.client.DefaultClient"),
        {},
        "must be coroutines (async def)",
    ),
    (
        "not-a-serializer",
        "django_valkey.E008",
        cache(SERIALIZER="django_valkey.compressors.zlib.ZlibCompressor"),
        {},
        "does not implement SerializerProtocol; missing: dumps, loads",
    ),
    (
        "not-a-class",
        "django_valkey.E008",
        cache(SERIALIZER="django_valkey.checks.DEFAULT_MAX_CONNECTIONS"),
        {},
        "must name a class",
    ),
    (
        "sync-factory-async-cache",
        "django_valkey.E008",
        cache(backend=ASYNC_B, CONNECTION_FACTORY="django_valkey.pool.ConnectionFactory"),
        {},
        "AsyncConnectionFactoryProtocol",
    ),
    (
        "socket-timeout-str",
        "django_valkey.E009",
        cache(SOCKET_TIMEOUT="5"),
        {},
        "OPTIONS['SOCKET_TIMEOUT'] must be a number of seconds or None, got '5'",
    ),
    (
        "connect-timeout-zero",
        "django_valkey.E009",
        cache(SOCKET_CONNECT_TIMEOUT=0),
        {},
        "must be a number of seconds > 0",
    ),
    (
        "flag-str",
        "django_valkey.E009",
        cache(IGNORE_EXCEPTIONS="yes"),
        {},
        "OPTIONS['IGNORE_EXCEPTIONS'] must be True or False, got 'yes'",
    ),
    (
        "flag-setting",
        "django_valkey.E009",
        cache(),
        {"DJANGO_VALKEY_CLOSE_CONNECTION": 1},
        "DJANGO_VALKEY_CLOSE_CONNECTION must be True or False",
    ),
    ("replica-read-only", "django_valkey.E009", cache(REPLICA_READ_ONLY="False"), {}, "REPLICA_READ_ONLY"),
    ("password-int", "django_valkey.E009", cache(PASSWORD=1234), {}, "OPTIONS['PASSWORD'] must be a string"),
    (
        "itersize",
        "django_valkey.E009",
        cache(),
        {"DJANGO_VALKEY_SCAN_ITERSIZE": 0},
        "DJANGO_VALKEY_SCAN_ITERSIZE must be a positive int",
    ),
    ("pickle-version", "django_valkey.E009", cache(PICKLE_VERSION="5"), {}, "PICKLE_VERSION"),
    (
        "pool-kwargs-list",
        "django_valkey.E009",
        cache(CONNECTION_POOL_KWARGS=[("max_connections", 5)]),
        {},
        "OPTIONS['CONNECTION_POOL_KWARGS'] must be a dict",
    ),
    (
        "max-connections",
        "django_valkey.E009",
        cache(CONNECTION_POOL_KWARGS={"max_connections": "50"}),
        {},
        "max_connections'] must be an int >= 1",
    ),
    (
        "async-options-list",
        "django_valkey.E009",
        cache(ASYNC_OPTIONS=["x"]),
        {},
        "OPTIONS['ASYNC_OPTIONS'] must be a dict",
    ),
    (
        "async-options-value",
        "django_valkey.E009",
        cache(ASYNC_OPTIONS={"SOCKET_TIMEOUT": "1"}),
        {},
        "OPTIONS['ASYNC_OPTIONS']['SOCKET_TIMEOUT']",
    ),
    (
        "deadline",
        "django_valkey.E009",
        cache(DEADLINE="0.5"),
        {},
        "OPTIONS['DEADLINE'] must be a number of seconds or None, got '0.5'",
    ),
    (
        "retry",
        "django_valkey.E009",
        cache(RETRY={"ATTEMPTS": -1}),
        {},
        "OPTIONS['RETRY']['ATTEMPTS'] must be an int >= 0",
    ),
    (
        "circuit-breaker",
        "django_valkey.E009",
        cache(CIRCUIT_BREAKER={"FAILURE": 3}),
        {},
        "OPTIONS['CIRCUIT_BREAKER'] has unknown keys",
    ),
    ("logger", "django_valkey.E009", cache(), {"DJANGO_VALKEY_LOGGER": 5}, "DJANGO_VALKEY_LOGGER"),
    (
        "unknown-key",
        "django_valkey.E010",
        cache(SOCKET_TIMOUT=1),
        {},
        "'SOCKET_TIMOUT' (did you mean 'SOCKET_TIMEOUT'?)",
    ),
    (
        "unknown-lower",
        "django_valkey.E010",
        cache(max_connections=5),
        {},
        "put it in OPTIONS['CONNECTION_POOL_KWARGS']",
    ),
    (
        "unknown-async-key",
        "django_valkey.E010",
        cache(ASYNC_OPTIONS={"SERIALISER": "x"}),
        {},
        "unknown OPTIONS['ASYNC_OPTIONS'] key",
    ),
    (
        "options-str",
        "django_valkey.E011",
        {"BACKEND": B, "LOCATION": URL, "OPTIONS": "SOCKET_TIMEOUT=1"},
        {},
        "OPTIONS must be a dict",
    ),
    (
        "timeout-str",
        "django_valkey.E011",
        cache(TIMEOUT="five"),
        {},
        "TIMEOUT must be a number of seconds or None, got 'five'",
    ),
    ("key-prefix-int", "django_valkey.E011", cache(KEY_PREFIX=1), {}, "KEY_PREFIX must be a string"),
    ("version-str", "django_valkey.E011", cache(VERSION="2"), {}, "VERSION must be an int"),
    (
        "no-sentinels",
        "django_valkey.E012",
        cache("valkey://mymaster/0", CLIENT_CLASS="django_valkey.client.SentinelClient"),
        {},
        "OPTIONS['SENTINELS'] must be a non-empty list",
    ),
    (
        "bad-sentinel",
        "django_valkey.E012",
        cache("valkey://mymaster/0", CLIENT_CLASS="django_valkey.client.SentinelClient", SENTINELS=[("h", "port")]),
        {},
        "the port of the entry",
    ),
    (
        "sentinel-url",
        "django_valkey.E012",
        cache("unix:///tmp/v.sock", CLIENT_CLASS="django_valkey.client.SentinelClient", SENTINELS=[("h", 26379)]),
        {},
        "not a Sentinel service URL",
    ),
    (
        "sentinel-kwargs",
        "django_valkey.E012",
        cache(
            "valkey://mymaster/0",
            CLIENT_CLASS="django_valkey.client.SentinelClient",
            SENTINELS=[("h", 26379)],
            SENTINEL_KWARGS=["x"],
        ),
        {},
        "SENTINEL_KWARGS'] must be a dict",
    ),
    (
        "sentinel-factory",
        "django_valkey.E012",
        cache("valkey://mymaster/0", CONNECTION_FACTORY="django_valkey.pool.SentinelConnectionFactory"),
        {},
        "OPTIONS['SENTINELS']",
    ),
    (
        "cluster-db",
        "django_valkey.E013",
        cache("valkey://127.0.0.1:7000/1", backend=CLUSTER_B),
        {},
        "a cluster has only database 0",
    ),
    (
        "cluster-unix",
        "django_valkey.E013",
        cache("unix:///tmp/v.sock", backend=CLUSTER_B),
        {},
        "does not take unix:// sockets",
    ),
    (
        "compress-level",
        "django_valkey.E014",
        cache(COMPRESSOR="django_valkey.compressors.zlib.ZlibCompressor"),
        {"CACHE_COMPRESS_LEVEL": "high"},
        "the cache cannot be built: CACHE_COMPRESS_LEVEL must be an int",
    ),
    (
        "shard-twice",
        "django_valkey.E014",
        cache([URL, URL], CLIENT_CLASS="django_valkey.client.ShardClient"),
        {},
        "the cache cannot be built",
    ),
    (
        "herd-timeout",
        "django_valkey.E014",
        cache(CLIENT_CLASS="django_valkey.client.HerdClient"),
        {"CACHE_HERD_TIMEOUT": "60"},
        "CACHE_HERD_TIMEOUT",
    ),
    (
        "ignore-no-timeouts",
        "django_valkey.W001",
        cache(IGNORE_EXCEPTIONS=True),
        {},
        "IGNORE_EXCEPTIONS is on with no DEADLINE and the default SOCKET_CONNECT_TIMEOUT 1 s and SOCKET_TIMEOUT 1 s",
    ),
    (
        "ignore-setting",
        "django_valkey.W001",
        cache(SOCKET_TIMEOUT=1),
        {"DJANGO_VALKEY_IGNORE_EXCEPTIONS": True},
        "the default SOCKET_CONNECT_TIMEOUT 1 s:",
    ),
    (
        "sentinels-ignored",
        "django_valkey.W003",
        cache(SENTINELS=[("h", 26379)]),
        {},
        "OPTIONS['SENTINELS'] is set but the client (DefaultClient) is not a Sentinel client",
    ),
    (
        "cluster-parser",
        "django_valkey.W004",
        cache("valkey://127.0.0.1:7000", backend=CLUSTER_B, PARSER_CLASS="valkey.connection.DefaultParser"),
        {},
        "PARSER_CLASS",
    ),
]


@pytest.mark.parametrize(
    "check_id, default, settings, text",
    [pytest.param(check_id, default, settings, text, id=case) for case, check_id, default, settings, text in CASES],
)
def test_each_message(check_id: str, default: dict[str, Any], settings: dict[str, Any], text: str) -> None:
    found = messages({"default": default}, **settings)
    assert check_id in ids(found), found
    [message] = [m for m in found if m.id == check_id][:1]
    assert text in message.msg
    assert message.hint == CHECKS[check_id].hint
    assert message.obj == "CACHES['default']"
    assert message.is_serious() == (".E" in check_id)


def test_missing_extra(hide_lz4: None) -> None:
    found = messages({"default": cache(COMPRESSOR="django_valkey.compressors.lz4.Lz4Compressor")})
    assert ids(found) == ["django_valkey.E007"]
    assert "pip install 'django-valkey[lz4]'" in found[0].msg
    assert found[0].hint == CHECKS["django_valkey.E007"].hint


def test_missing_extra_of_a_third_party_class(module_needing_lz4: str) -> None:
    found = messages({"default": cache(COMPRESSOR=module_needing_lz4)})
    assert ids(found) == ["django_valkey.E007"]
    assert "needs the 'lz4.frame' package" in found[0].msg
    assert found[0].hint == "pip install 'django-valkey[lz4]'"


def test_shared_database_without_a_prefix() -> None:
    found = messages({"default": cache(), "sessions": cache("redis://127.0.0.1:6379?db=0", KEY_PREFIX="s")})
    assert ids(found) == ["django_valkey.W002"]
    assert found[0].obj == "CACHES['default']"
    assert "has no KEY_PREFIX and shares its database" in found[0].msg and "CACHES['sessions']" in found[0].msg
    assert "clear() on either cache (FLUSHDB) deletes both caches' keys" in found[0].msg


def test_shared_database_with_the_same_prefix() -> None:
    found = messages({"a": cache(KEY_PREFIX="x"), "b": cache(KEY_PREFIX="x")})
    assert ids(found) == ["django_valkey.W002", "django_valkey.W002"]
    assert "with the same KEY_PREFIX 'x': the caches' keys collide" in found[0].msg


def test_shared_sentinel_service() -> None:
    sentinel = {"CLIENT_CLASS": "django_valkey.client.SentinelClient", "SENTINELS": [("127.0.0.1", 26379)]}
    found = messages(
        {"a": cache("valkey://mymaster/0", **sentinel), "b": cache("valkey://mymaster/0", KEY_PREFIX="b", **sentinel)}
    )
    assert ids(found) == ["django_valkey.W002"] and found[0].obj == "CACHES['a']"
    assert (
        messages({"a": cache("valkey://mymaster/0", **sentinel), "b": cache("valkey://mymaster/1", **sentinel)}) == []
    )


@pytest.mark.parametrize(
    "other",
    [
        cache("valkey://127.0.0.1:6379/1"),  # another database
        cache("valkey://127.0.0.1:6380/0"),  # another server
        cache(KEY_PREFIX="b"),  # the same database, each with a prefix of its own
    ],
)
def test_databases_that_are_not_shared(other: dict[str, Any]) -> None:
    assert messages({"default": cache(KEY_PREFIX="a"), "other": other}) == []


DEPLOY_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "pickle-open",
        "django_valkey.W005",
        cache("valkey://10.0.0.5:6379/0"),
        "values are pickled and 'valkey://10.0.0.5:6379/0'",
    ),
    ("pickle-host-name", "django_valkey.W005", cache("valkey://cache.internal/0"), "(cache.internal)"),
    (
        "pickle-sentinels",
        "django_valkey.W005",
        cache(
            "valkey://mymaster/0", CLIENT_CLASS="django_valkey.client.SentinelClient", SENTINELS=[("10.0.0.7", 26379)]
        ),
        "(10.0.0.7)",
    ),
    (
        "tls-no-verify",
        "django_valkey.W006",
        cache("valkeys://:pw@cache.example.com:6380/0", CONNECTION_POOL_KWARGS={"ssl_cert_reqs": "none"}),
        "does not verify the server's certificate",
    ),
    (
        "tls-no-hostname",
        "django_valkey.W006",
        cache("valkeys://:pw@cache.example.com:6380/0", CONNECTION_POOL_KWARGS={"ssl_check_hostname": False}),
        "does not check the server's host name",
    ),
    (
        "tls-query",
        "django_valkey.W006",
        cache("rediss://:pw@cache.example.com:6380/0?ssl_check_hostname=false"),
        "does not check the server's host name",
    ),
    (
        "tls-sentinels",
        "django_valkey.W006",
        cache(
            "valkey://:pw@mymaster/0",
            CLIENT_CLASS="django_valkey.client.SentinelClient",
            SENTINELS=[("127.0.0.1", 26379)],
            SENTINEL_KWARGS={"ssl": True, "ssl_check_hostname": False},
        ),
        "TLS to the sentinels",
    ),
    (
        "tls-pool-ssl",
        "django_valkey.W006",
        cache(
            "valkey://:pw@cache.example.com:6380/0", CONNECTION_POOL_KWARGS={"ssl": True, "ssl_check_hostname": False}
        ),
        "does not check the server's host name",
    ),
    ("unbounded", "django_valkey.W007", cache(), "the connection pools have no limit"),
    ("unbounded-cluster", "django_valkey.W007", cache("valkey://127.0.0.1:7000", backend=CLUSTER_B), "no limit"),
]


@pytest.mark.parametrize(
    "check_id, default, text",
    [pytest.param(check_id, default, text, id=case) for case, check_id, default, text in DEPLOY_CASES],
)
def test_each_deploy_message(check_id: str, default: dict[str, Any], text: str) -> None:
    assert check_id not in ids(messages({"default": default})), "a deploy check ran without --deploy"
    found = [m for m in messages({"default": default}, deploy=True) if m.id == check_id]
    assert found, messages({"default": default}, deploy=True)
    assert text in found[0].msg
    assert found[0].hint == CHECKS[check_id].hint
    assert not found[0].is_serious()


@pytest.mark.parametrize(
    "default",
    [
        cache("valkey://127.0.0.1:6379/0", CONNECTION_POOL_KWARGS={"max_connections": 10}),  # loopback
        cache("valkey://localhost/0", CONNECTION_POOL_KWARGS={"max_connections": 10}),
        cache("valkey://[::1]:6379/0", CONNECTION_POOL_KWARGS={"max_connections": 10}),
        cache("unix:///run/valkey.sock?db=1", CONNECTION_POOL_KWARGS={"max_connections": 10}),
        cache("valkey://10.0.0.5/0", PASSWORD="pw", CONNECTION_POOL_KWARGS={"max_connections": 10}),
        cache("valkey://10.0.0.5/0?password=pw", CONNECTION_POOL_KWARGS={"max_connections": 10}),
        cache("valkey://10.0.0.5/0", CONNECTION_POOL_KWARGS={"max_connections": 10, "credential_provider": object()}),
        cache(
            "valkey://10.0.0.5/0",
            SERIALIZER="django_valkey.serializers.json.JSONSerializer",
            CONNECTION_POOL_KWARGS={"max_connections": 10},
        ),
        cache("valkeys://:pw@cache.example.com:6380/0", CONNECTION_POOL_KWARGS={"max_connections": 10}),
        cache(CONNECTION_POOL_CLASS="valkey.connection.BlockingConnectionPool"),  # bounded: 50 by default
    ],
)
def test_safe_deploy_settings_are_silent(default: dict[str, Any]) -> None:
    assert messages({"default": default}, deploy=True) == []


@pytest.mark.parametrize(
    "options",
    [
        {"IGNORE_EXCEPTIONS": True, "DEADLINE": 0.3},
        {"IGNORE_EXCEPTIONS": True, "SOCKET_TIMEOUT": 0.5, "SOCKET_CONNECT_TIMEOUT": 0.2},
        {"IGNORE_EXCEPTIONS": True, "CONNECTION_POOL_KWARGS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.2}},
        {"IGNORE_EXCEPTIONS": False},
    ],
)
def test_failing_open_with_bounded_calls_is_silent(options: dict[str, Any]) -> None:
    assert messages({"default": cache(**options)}) == []


def test_good_settings_are_silent() -> None:
    assert messages({"default": GOOD}) == []
    assert messages({"default": GOOD}, deploy=True) == []


@pytest.mark.parametrize(
    "default",
    [
        cache(),
        cache([URL, "valkey://127.0.0.1:6380/0"]),
        cache("valkey://127.0.0.1:6379,valkey://127.0.0.1:6380"),
        cache(backend=ASYNC_B),
        cache("valkey://127.0.0.1:7000,valkey://127.0.0.1:7001", backend=CLUSTER_B),
        cache(backend="django_valkey.cluster_cache.cache.AsyncClusterValkeyCache"),
        cache(
            "valkey://mymaster/0", CLIENT_CLASS="django_valkey.client.SentinelClient", SENTINELS=[("127.0.0.1", 26379)]
        ),
        cache([URL, "valkey://127.0.0.1:6380/0"], CLIENT_CLASS="django_valkey.client.ShardClient"),
        cache(CLIENT_CLASS="django_valkey.client.HerdClient"),
        cache("unix:///run/valkey.sock?db=2"),
        cache(
            SERIALIZER="django_valkey.serializers.msgspec.MsgSpecMsgPackSerializer",
            COMPRESSOR="django_valkey.compressors.zstd.ZStdCompressor",
            ASYNC_OPTIONS={"CLIENT_CLASS": "django_valkey.async_cache.client.AsyncHerdClient"},
            SOCKET_TIMEOUT=1,
        ),
    ],
)
def test_correct_settings_are_silent(default: dict[str, Any]) -> None:
    assert messages({"default": default}) == []


def test_other_backends_are_not_looked_at() -> None:
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "http://nonsense"},
    }
    assert messages(caches) == []


def test_several_problems_at_once() -> None:
    found = messages({"default": cache("http://h/0", SOCKET_TIMEOUT="5", SERIALIZER="nope.Nope", SOCKET_TIMOUT=1)})
    assert sorted(ids(found)) == [
        "django_valkey.E003",
        "django_valkey.E006",
        "django_valkey.E009",
        "django_valkey.E010",
    ]


def test_a_setting_is_reported_once() -> None:
    default = cache(ASYNC_OPTIONS={"SOCKET_TIMEOUT": 1})
    found = messages({"default": default}, DJANGO_VALKEY_CLOSE_CONNECTION=1, DJANGO_VALKEY_SCAN_ITERSIZE=0)
    assert ids(found) == ["django_valkey.E009", "django_valkey.E009"]


def test_entry_errors_do_not_hide_the_others() -> None:
    found = messages({"default": cache("http://h/0", KEY_PREFIX=1, SOCKET_TIMEOUT="5")})
    assert sorted(ids(found)) == ["django_valkey.E003", "django_valkey.E009", "django_valkey.E011"]
    found = messages({"default": {"BACKEND": B, "OPTIONS": {"SOCKET_TIMEOUT": "5"}}})
    assert sorted(ids(found)) == ["django_valkey.E002", "django_valkey.E009"]


def test_the_cache_is_built_only_when_nothing_else_was_found() -> None:
    default = cache(SOCKET_TIMEOUT="5", COMPRESSOR="django_valkey.compressors.zlib.ZlibCompressor")
    assert ids(messages({"default": default}, CACHE_COMPRESS_LEVEL="high")) == ["django_valkey.E009"]


def test_no_deploy_warnings_for_a_cache_with_errors() -> None:
    assert ids(messages({"default": cache("http://10.0.0.5/0")}, deploy=True)) == ["django_valkey.E003"]


def test_messages_redact_passwords() -> None:
    found = messages({"default": cache("http://bob:s3cret@h/0")}) + messages({"default": cache(6379, PASSWORD=1)})
    found += messages({"default": cache("valkey://:s3cret@h/abc")})
    assert found and all("s3cret" not in m.msg for m in found)
    assert "bob:***@h" in found[0].msg


def test_effective_max_connections() -> None:
    assert effective_max_connections({}) is DEFAULT_MAX_CONNECTIONS
    assert effective_max_connections({"CONNECTION_POOL_KWARGS": {"max_connections": 20}}) == 20
    from valkey.connection import BlockingConnectionPool, ConnectionPool

    assert effective_max_connections({}, BlockingConnectionPool) == 50
    assert effective_max_connections({}, ConnectionPool) is DEFAULT_MAX_CONNECTIONS


# ---------------------------------------------------------------- through manage.py check


@pytest.mark.parametrize(
    "default, check_id",
    [
        (cache("http://127.0.0.1:6379/0"), "django_valkey.E003"),
        (cache(SERIALIZER="myapp.serializers.Fast"), "django_valkey.E006"),
        (cache(SOCKET_TIMEOUT="5"), "django_valkey.E009"),
        # cache-level errors, which the cache's constructor raises (Django's own checks build caches)
        (cache(SOCKET_TIMOUT=1), "django_valkey.E010"),
        (cache(CLIENT_CLASS="myapp.Client"), "django_valkey.E006"),
        (cache(IGNORE_EXCEPTIONS="yes"), "django_valkey.E009"),
        (cache(TIMEOUT="five"), "django_valkey.E011"),
        ({"BACKEND": "django_valkey.cache.ValkeyCach", "LOCATION": URL}, "django_valkey.E001"),
    ],
)
def test_manage_py_check_reports_errors(default: dict[str, Any], check_id: str) -> None:
    err = io.StringIO()
    with override_settings(CACHES={"default": default}), pytest.raises(SystemCheckError) as caught:
        call_command("check", stderr=err)
    report = str(caught.value)
    assert f"CACHES['default']: ({check_id})" in report
    assert f"HINT: {CHECKS[check_id].hint}" in report
    assert "Traceback" not in report


def test_manage_py_check_reports_the_issues_four_settings_at_once(hide_lz4: None) -> None:
    """The settings of the issue: a http:// LOCATION, a compressor whose extra is missing, a bad
    SERIALIZER path and SOCKET_TIMEOUT="5": four errors, each with its id and hint."""
    default = cache(
        "http://127.0.0.1:6379/0",
        COMPRESSOR="django_valkey.compressors.lz4.Lz4Compressor",
        SERIALIZER="myapp.serializers.Fast",
        SOCKET_TIMEOUT="5",
    )
    with override_settings(CACHES={"default": default}), pytest.raises(SystemCheckError) as caught:
        call_command("check", stderr=io.StringIO())
    report = str(caught.value)
    for check_id in ("django_valkey.E003", "django_valkey.E006", "django_valkey.E007", "django_valkey.E009"):
        assert f"CACHES['default']: ({check_id})" in report
        assert f"HINT: {CHECKS[check_id].hint}" in report
    assert "pip install 'django-valkey[lz4]'" in report
    assert "System check identified 4 issues (0 silenced)." in report


def test_manage_py_check_is_silent_on_correct_settings() -> None:
    out = io.StringIO()
    with override_settings(CACHES={"default": GOOD}):
        call_command("check", stdout=out)
        call_command("check", "--deploy", "--tag=caches", stdout=out)
    assert out.getvalue() == "System check identified no issues (0 silenced).\n" * 2


def test_manage_py_check_deploy() -> None:
    out = io.StringIO()
    with override_settings(CACHES={"default": cache("valkey://10.0.0.5:6379/0")}):
        call_command("check", "--tag=caches", stdout=out)  # no deploy warnings without --deploy
        assert out.getvalue() == "System check identified no issues (0 silenced).\n"
        call_command("check", "--deploy", "--tag=caches", stdout=out, stderr=out)
    assert "(django_valkey.W005)" in out.getvalue() and "(django_valkey.W007)" in out.getvalue()


def test_warnings_can_be_silenced() -> None:
    out = io.StringIO()
    with override_settings(
        CACHES={"default": cache(IGNORE_EXCEPTIONS=True)}, SILENCED_SYSTEM_CHECKS=["django_valkey.W001"]
    ):
        call_command("check", stdout=out)
    assert "1 silenced" in out.getvalue()


def test_stand_ins_are_removed_after_djangos_checks() -> None:
    from django.core.cache import caches

    from django_valkey.checks import _Unbuildable

    with override_settings(CACHES={"default": cache(SOCKET_TIMOUT=1), "ok": cache(KEY_PREFIX="x")}):
        with pytest.raises(SystemCheckError):
            call_command("check", stderr=io.StringIO())
        with pytest.raises(Exception, match="did you mean"):
            caches["default"]  # the real error again, not a stand-in
        assert not isinstance(caches["ok"], _Unbuildable)


# ---------------------------------------------------------------- registration and docs


PROJECT = """
SECRET_KEY = "x"
INSTALLED_APPS = {apps}
CACHES = {{"default": {{"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": "http://127.0.0.1:6379/0"}}}}
"""


@pytest.mark.parametrize("installed", [True, False])
def test_manage_py_check_with_and_without_the_app(tmp_path: Path, installed: bool) -> None:
    """A fresh process, as ``manage.py check`` runs: the app is what makes the checks run."""
    import subprocess

    apps = '["django_valkey"]' if installed else "[]"
    (tmp_path / "project_settings.py").write_text(PROJECT.format(apps=apps))
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings=project_settings"],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{root}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if installed:
        assert run.returncode == 1
        assert "(django_valkey.E003) LOCATION 'http://127.0.0.1:6379/0' has no supported scheme" in run.stderr
    else:
        assert run.returncode == 0
        assert "System check identified no issues" in run.stdout


def test_registered_for_the_caches_tag() -> None:
    assert check_caches in registry.registered_checks
    assert Tags.caches in check_caches.tags  # type: ignore[attr-defined]


def test_the_app_registers_them() -> None:
    from django.apps import apps

    assert apps.get_app_config("django_valkey").name == "django_valkey"


def test_every_check_is_tested() -> None:
    tested = {case[1] for case in CASES} | {case[1] for case in DEPLOY_CASES}
    tested |= {"django_valkey.E007", "django_valkey.W002"}  # test_missing_extra, test_shared_database_*
    assert tested == set(CHECKS)


def test_the_docs_list_every_check() -> None:
    text = DOCS.read_text()
    for check_id, info in CHECKS.items():
        assert f"`{check_id}`" in text, check_id
        assert info.hint in text.replace("\n", " "), check_id
        assert info.deploy == (f"`{check_id}` (deploy)" in text), check_id
    import re

    listed = set(re.findall(r"django_valkey\.[EW]\d{3}", text))
    assert listed == set(CHECKS)
