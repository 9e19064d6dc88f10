"""Configuration: URL forms, auth, pool sharing, factory and client class selection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.test import override_settings
from valkey.connection import SSLConnection, UnixDomainSocketConnection
from valkey.exceptions import AuthenticationError

from django_valkey.client import DefaultClient
from django_valkey.exceptions import CommandNotPermitted
from django_valkey.pool import ConnectionFactory
from tests.helpers import MakeCache
from tests.servers import ValkeyProcess

# ------------------------------------------------------------------ URLs and databases


@pytest.mark.parametrize("suffix, db", [("", 0), ("/0", 0), ("/3", 3), ("?db=5", 5), ("/?db=6", 6)])
def test_db_from_path_or_query(make_cache: MakeCache, valkey_server: ValkeyProcess, suffix: str, db: int) -> None:
    cache = make_cache(f"{valkey_server.url}{suffix}", KEY_PREFIX=f"db{db}")
    cache.set("k", db)
    with valkey_server.client(db=db) as conn:
        assert conn.get(cache.make_key("k")) == str(db).encode()
    assert cache.get("k") == db
    cache.delete("k")


def test_redis_scheme_is_accepted(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    cache = make_cache(f"redis://127.0.0.1:{valkey_server.port}/0")
    cache.set("k", 1)
    assert cache.get("k") == 1


def test_valkeys_scheme_uses_tls(make_cache: MakeCache) -> None:
    cache = make_cache("valkeys://127.0.0.1:1/2")
    pool = cache.get_client().connection_pool  # building it opens no connection
    assert pool.connection_class is SSLConnection
    assert pool.connection_kwargs["db"] == 2


@pytest.fixture(scope="module")
def unix_server() -> Iterator[ValkeyProcess]:
    server = ValkeyProcess()
    server.extra += ["--unixsocket", str(server.dir / "v.sock"), "--unixsocketperm", "700"]
    server.start()
    yield server
    server.cleanup()


def test_unix_socket(make_cache: MakeCache, unix_server: ValkeyProcess) -> None:
    path = unix_server.dir / "v.sock"
    cache = make_cache(f"unix://{path}?db=2")
    pool = cache.get_client().connection_pool
    assert pool.connection_class is UnixDomainSocketConnection
    cache.set("k", "v")
    assert cache.get("k") == "v"
    with unix_server.client(db=2) as conn:
        assert conn.exists(cache.make_key("k")) == 1


def test_resp3(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    cache = make_cache(f"{valkey_server.url}/0?protocol=3")
    cache.set_many({"a": 1, "b": "two"}, timeout=None)
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": "two"}
    assert cache.incr("a") == 2
    assert cache.ttl("a") is None
    cache.sadd("s", 1, "x")
    assert cache.smembers("s") == {1, "x"}
    assert cache.sscan("s") == {1, "x"}
    assert cache.spop("s", 5) == {1, "x"}
    cache.hset("h", "f", [1])
    assert cache.hkeys("h") == ["f"]
    assert sorted(cache.keys("*")) == ["a", "b", "h"]
    assert cache.incr_version("b") == 2


# ------------------------------------------------------------------ authentication


@pytest.fixture(scope="module")
def auth_server() -> Iterator[ValkeyProcess]:
    server = ValkeyProcess().start()
    with server.client() as conn:  # passwords set once it is up (the readiness PING needs none)
        conn.execute_command("ACL", "SETUSER", "alice", "on", ">alicepw", "~*", "&*", "+@all")
        conn.config_set("requirepass", "defaultpw")
    yield server
    server.cleanup()


def whoami(cache: Any) -> str:
    name: bytes = cache.get_client().execute_command("ACL", "WHOAMI")
    return name.decode()


def test_password_in_url(make_cache: MakeCache, auth_server: ValkeyProcess) -> None:
    cache = make_cache(f"valkey://:defaultpw@127.0.0.1:{auth_server.port}/0")
    cache.set("k", 1)
    assert cache.get("k") == 1
    assert whoami(cache) == "default"


def test_acl_user_in_url(make_cache: MakeCache, auth_server: ValkeyProcess) -> None:
    cache = make_cache(f"valkey://alice:alicepw@127.0.0.1:{auth_server.port}/0")
    cache.set("k", 2)
    assert cache.get("k") == 2
    assert whoami(cache) == "alice"


def test_password_option(make_cache: MakeCache, auth_server: ValkeyProcess) -> None:
    cache = make_cache(f"valkey://127.0.0.1:{auth_server.port}/0", PASSWORD="defaultpw")
    cache.set("k", 3)
    assert cache.get("k") == 3


def test_acl_user_in_url_password_option(make_cache: MakeCache, auth_server: ValkeyProcess) -> None:
    cache = make_cache(f"valkey://alice@127.0.0.1:{auth_server.port}/0", PASSWORD="alicepw")
    assert cache.get("k", "x") in ("x", 1, 2, 3)
    assert whoami(cache) == "alice"


def test_url_password_wins_over_option(make_cache: MakeCache, auth_server: ValkeyProcess) -> None:
    cache = make_cache(f"valkey://:defaultpw@127.0.0.1:{auth_server.port}/0", PASSWORD="wrong")
    cache.set("k", 4)
    assert cache.get("k") == 4


@pytest.mark.parametrize("how", ["none", "url", "option"])
def test_wrong_or_missing_password(make_cache: MakeCache, auth_server: ValkeyProcess, how: str) -> None:
    base = f"127.0.0.1:{auth_server.port}/0"
    if how == "url":
        cache = make_cache(f"valkey://:wrong@{base}")
    elif how == "option":
        cache = make_cache(f"valkey://{base}", PASSWORD="wrong")
    else:
        cache = make_cache(f"valkey://{base}")
    # A refused login is a misconfiguration, not a sick server: raised (never ignored), naming
    # the operation and the server, with valkey-py's error chained.
    with pytest.raises(
        CommandNotPermitted, match=r"SET ':1:k' on valkey://(:\*\*\*@)?127\.0\.0\.1:\d+/0 was not permitted"
    ) as info:
        cache.set("k", 1)
    assert isinstance(info.value.__cause__, AuthenticationError)
    assert "wrong" not in str(info.value)


# ------------------------------------------------------------------ the pool cache


def pool_of(cache: Any) -> Any:
    return cache.get_client().connection_pool


def test_same_options_share_a_pool(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    url = f"{valkey_server.url}/0"
    one = make_cache(url, SOCKET_TIMEOUT=4.0, KEY_PREFIX="a")
    two = make_cache(
        url, SOCKET_TIMEOUT=4.0, KEY_PREFIX="b", SERIALIZER="django_valkey.serializers.json.JSONSerializer"
    )
    assert pool_of(one) is pool_of(two)
    # A different client class on top of the same pool is fine too.
    three = make_cache(url, SOCKET_TIMEOUT=4.0, BASE_CLIENT_KWARGS={"decode_responses": False})
    assert pool_of(three) is pool_of(one)


@pytest.mark.parametrize(
    "options",
    [
        {"SOCKET_TIMEOUT": 5.0},
        {"SOCKET_CONNECT_TIMEOUT": 5.0},
        {"PASSWORD": "x"},
        {"CONNECTION_POOL_KWARGS": {"max_connections": 7}},
        {"CONNECTION_POOL_KWARGS": {"client_name": "other"}},
        {"PARSER_CLASS": "valkey.connection._RESP2Parser"},
        {"CONNECTION_POOL_CLASS": "valkey.connection.BlockingConnectionPool"},
    ],
    ids=lambda o: next(iter(o)),
)
def test_pool_shaping_options_get_their_own_pool(
    make_cache: MakeCache, valkey_server: ValkeyProcess, options: dict[str, Any]
) -> None:
    url = f"{valkey_server.url}/0"
    plain = make_cache(url, SOCKET_TIMEOUT=4.0)
    shaped = make_cache(url, **{"SOCKET_TIMEOUT": 4.0, **options})
    assert pool_of(plain) is not pool_of(shaped)
    assert pool_of(shaped) is pool_of(make_cache(url, **{"SOCKET_TIMEOUT": 4.0, **options}))


def test_pool_options_reach_the_pool(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    from valkey.connection import BlockingConnectionPool

    cache = make_cache(
        f"{valkey_server.url}/1",
        SOCKET_TIMEOUT=2.5,
        SOCKET_CONNECT_TIMEOUT=1.5,
        CONNECTION_POOL_CLASS="valkey.connection.BlockingConnectionPool",
        CONNECTION_POOL_KWARGS={"max_connections": 9},
    )
    pool = pool_of(cache)
    assert isinstance(pool, BlockingConnectionPool)
    assert pool.max_connections == 9
    assert pool.connection_kwargs["socket_timeout"] == 2.5
    assert pool.connection_kwargs["socket_connect_timeout"] == 1.5
    assert pool.connection_kwargs["db"] == 1
    cache.set("k", 1)
    assert cache.get("k") == 1


def test_different_databases_get_different_pools(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    assert pool_of(make_cache(f"{valkey_server.url}/1")) is not pool_of(make_cache(f"{valkey_server.url}/2"))


class MyValkey:
    """A BASE_CLIENT_CLASS that wraps valkey.Valkey (any callable taking connection_pool works)."""

    def __new__(cls, **kwargs: Any) -> Any:
        from valkey import Valkey

        client = Valkey(**kwargs)
        client.made_by_test = True  # type: ignore[attr-defined]
        return client


def test_base_client_class(make_cache: MakeCache) -> None:
    cache = make_cache(BASE_CLIENT_CLASS="tests.test_config.MyValkey")
    assert cache.get_client().made_by_test is True
    cache.set("k", 1)
    assert cache.get("k") == 1


# ------------------------------------------------------------------ factory and client selection


class FactoryA(ConnectionFactory):
    pass


class FactoryB(ConnectionFactory):
    pass


class FactoryC(ConnectionFactory):
    pass


class ClientWithPath(DefaultClient):
    CONNECTION_FACTORY_PATH = "tests.test_config.FactoryC"


def factory_of(cache: Any) -> type:
    return type(cache.client.connection_factory)


def test_default_factory(make_cache: MakeCache) -> None:
    assert factory_of(make_cache()) is ConnectionFactory


def test_factory_precedence(make_cache: MakeCache) -> None:
    client = "tests.test_config.ClientWithPath"
    assert factory_of(make_cache(CLIENT_CLASS=client)) is FactoryC
    with override_settings(DJANGO_VALKEY_CONNECTION_FACTORY="tests.test_config.FactoryB"):
        assert factory_of(make_cache(CLIENT_CLASS=client)) is FactoryB
        assert factory_of(make_cache()) is FactoryB
        both = make_cache(CLIENT_CLASS=client, CONNECTION_FACTORY="tests.test_config.FactoryA")
        assert factory_of(both) is FactoryA
    assert factory_of(make_cache(CONNECTION_FACTORY=FactoryA)) is FactoryA


def test_factory_gets_the_options(make_cache: MakeCache) -> None:
    cache = make_cache(CONNECTION_FACTORY="tests.test_config.FactoryA", SOCKET_TIMEOUT=3.0)
    factory = cache.client.connection_factory
    assert isinstance(factory, FactoryA)
    assert factory.options["SOCKET_TIMEOUT"] == 3.0
    cache.set("k", 1)
    assert cache.get("k") == 1


class MyClient(DefaultClient):
    calls: list[str] = []

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        MyClient.calls.append(key)
        return super().get(key, default, version)


@pytest.mark.parametrize("client_class", ["tests.test_config.MyClient", MyClient])
def test_client_class(make_cache: MakeCache, client_class: Any) -> None:
    MyClient.calls = []
    cache = make_cache(CLIENT_CLASS=client_class)
    assert type(cache.client) is MyClient
    cache.set("k", 1)
    assert cache.get("k") == 1
    assert MyClient.calls == ["k"]


def test_client_built_once_with_server_params_backend(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    cache = make_cache(f"{valkey_server.url}/0", SOCKET_TIMEOUT=2.0)
    client = cache.client
    assert cache.client is client
    assert client.servers == [f"{valkey_server.url}/0"]
    assert client._backend is cache


def test_reverse_key_function(make_cache: MakeCache) -> None:
    cache = make_cache(
        KEY_FUNCTION=lambda key, prefix, version: f"{prefix}#{version}#{key}",
        REVERSE_KEY_FUNCTION="tests.test_config.reverse_hash_key",
        KEY_PREFIX="p",
    )
    cache.set_many({"a": 1, "b": 2})
    assert sorted(cache.keys("*")) == ["a", "b"]
    assert sorted(cache.iter_keys("*")) == ["a", "b"]


def reverse_hash_key(key: str) -> str:
    return key.split("#", 2)[2]


def test_options_mapping_is_not_mutated(make_cache: MakeCache) -> None:
    options: Mapping[str, Any] = {"SOCKET_TIMEOUT": 1.0, "CONNECTION_POOL_KWARGS": {"max_connections": 5}}
    snapshot = repr(options)
    cache = make_cache(**options)
    cache.set("k", 1)
    assert repr(options) == snapshot


def test_close_connection_with_blocking_pool(make_cache: MakeCache) -> None:
    cache = make_cache(CLOSE_CONNECTION=True, CONNECTION_POOL_CLASS="valkey.connection.BlockingConnectionPool")
    cache.set("k", 1)
    cache.close()
    assert cache.get("k") == 1


def test_close_connection_setting(make_cache: MakeCache, raw: Any) -> None:
    with override_settings(DJANGO_VALKEY_CLOSE_CONNECTION=True):
        cache = make_cache(CONNECTION_POOL_KWARGS={"client_name": "dv-setting-close"})
    cache.set("k", 1)
    cache.close()
    names = [entry.get("name") for entry in raw.client_list()]
    assert "dv-setting-close" not in names


def test_scan_itersize_setting(make_cache: MakeCache, raw: Any) -> None:
    with override_settings(DJANGO_VALKEY_SCAN_ITERSIZE=3):
        cache = make_cache()
        assert cache.client._scan_itersize == 3  # client settings are read when it is built
    cache.set_many({f"k{i}": i for i in range(7)})
    assert cache.delete_pattern("k*") == 7


def test_serializer_and_compressor_as_classes(make_cache: MakeCache, raw: Any) -> None:
    from django_valkey.compressors.zlib import ZlibCompressor
    from django_valkey.serializers.json import JSONSerializer

    cache = make_cache(SERIALIZER=JSONSerializer, COMPRESSOR=ZlibCompressor)
    cache.set("k", {"a": "b" * 100})
    assert cache.get("k") == {"a": "b" * 100}
    assert raw.get(cache.make_key("k"))[:1] == b"x"  # zlib's header


def test_made_keys_are_not_made_again(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(KEY_PREFIX="p")
    made = cache.make_key("k")
    cache.set(made, 1)
    assert raw.exists("p:1:k") == 1
    assert cache.get("k") == 1
    assert cache.get_many([made]) == {made: 1}
