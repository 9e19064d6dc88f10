"""Classes named in OPTIONS are checked once against their Protocol, at configuration time."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_valkey._options as options_module
from django_valkey._memo import forget
from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient
from django_valkey.config import cache_options
from django_valkey.pool import ConnectionFactory
from django_valkey.serializers.pickle import PickleSerializer
from tests.helpers import MakeCache


class NoLoads:
    def __init__(self, options: object = None) -> None:
        pass

    def dumps(self, value: Any) -> bytes:
        return b""


class NoDecompress:
    def __init__(self, options: object = None) -> None:
        pass

    def compress(self, value: bytes) -> bytes:
        return value


class HalfFactory:
    def __init__(self, options: object = None) -> None:
        pass

    def connect(self, url: str) -> Any:
        raise AssertionError("never connected")


class HalfClient:
    def __init__(self, server: object, params: object, backend: object) -> None:
        pass

    def get(self, key: str) -> Any:
        return None

    def set(self, key: str, value: Any) -> bool:
        return True


class AsyncGetClient(DefaultClient):
    """Has every name, but one method is a coroutine where the sync protocol wants a plain one."""

    async def hlen(self, name: str, version: int | None = None) -> int:  # type: ignore[override]
        return 0


def test_client_class_missing_members_names_them(make_cache: MakeCache) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        make_cache(CLIENT_CLASS=HalfClient)
    message = str(info.value)
    assert "OPTIONS['CLIENT_CLASS']" in message and "HalfClient" in message and "ClientProtocol" in message
    assert "get_many" in message and "hexists" in message and "incr" in message
    assert "missing: add, blmove, blpop, brpop, clear, close," in message  # sorted, and get/set are not listed
    assert " get," not in message


def test_client_class_by_dotted_path_is_checked(make_cache: MakeCache) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"HalfClient does not implement ClientProtocol"):
        make_cache(CLIENT_CLASS="tests.test_protocol_checks.HalfClient")


def test_async_method_in_sync_client_is_named(make_cache: MakeCache) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"must be plain methods \(not async\): hlen$"):
        make_cache(CLIENT_CLASS=AsyncGetClient)


def test_sync_client_in_async_cache_is_rejected(valkey_server: Any) -> None:
    from django_valkey.async_cache.cache import AsyncValkeyCache

    params = {"LOCATION": f"{valkey_server.url}/0", "OPTIONS": {"CLIENT_CLASS": DefaultClient}}
    with pytest.raises(
        ImproperlyConfigured, match=r"DefaultClient does not implement AsyncClientProtocol; these must be coroutines"
    ):
        AsyncValkeyCache(params["LOCATION"], params)


@pytest.mark.parametrize(
    ("key", "cls", "protocol", "missing"),
    [
        ("SERIALIZER", NoLoads, "SerializerProtocol", "loads"),
        ("COMPRESSOR", NoDecompress, "CompressorProtocol", "decompress"),
        ("CONNECTION_FACTORY", HalfFactory, "ConnectionFactoryProtocol", "disconnect, get_or_create_connection_pool"),
    ],
)
def test_components_missing_members_are_named(
    make_cache: MakeCache, key: str, cls: type, protocol: str, missing: str
) -> None:
    cache = make_cache(**{key: cls})  # the client (and its components) is built on first use
    with pytest.raises(ImproperlyConfigured) as info:
        cache.client
    assert str(info.value) == f"OPTIONS[{key!r}]: {cls.__qualname__} does not implement {protocol}; missing: {missing}"


def test_not_a_class(make_cache: MakeCache) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['SERIALIZER'\] must name a class"):
        make_cache(SERIALIZER=PickleSerializer()).client


def test_checks_run_once_per_class_never_per_call(make_cache: MakeCache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Django builds a cache object per thread (per request under ASGI): the Protocol checks
    run for the first cache of each class, then cost a set lookup; calls never run them."""
    seen: list[str] = []
    real = options_module._nonconformance

    def counting(obj: object, protocol: type) -> str | None:
        seen.append(protocol.__name__)
        return real(obj, protocol)

    monkeypatch.setattr(options_module, "_CONFORMING", set())
    monkeypatch.setattr(options_module, "_nonconformance", counting)
    forget()  # what earlier caches derived from the same OPTIONS (see test_build_cost.py)
    cache = make_cache()
    cache.client
    assert sorted(seen) == [
        "ClientProtocol",
        "CompressorProtocol",
        "ConnectionFactoryProtocol",
        "SerializerProtocol",
    ]
    seen.clear()
    make_cache().client
    assert seen == []
    forget()  # worked out again from the OPTIONS: the classes are known to conform already
    make_cache().client
    assert seen == []

    def forbidden(obj: object, protocol: type) -> str | None:
        raise AssertionError(f"protocol check on the per-call path: {protocol.__name__}")

    monkeypatch.setattr(options_module, "_nonconformance", forbidden)
    cache.set("k", {"v": 1})
    assert cache.get("k") == {"v": 1}
    assert cache.get_many(["k", "missing"]) == {"k": {"v": 1}}
    assert cache.add("n", 0)
    assert cache.incr("n") == 1
    cache.delete("k")


def test_a_failed_check_is_not_remembered(make_cache: MakeCache) -> None:
    for _ in range(2):
        with pytest.raises(ImproperlyConfigured, match="missing: loads"):
            make_cache(SERIALIZER=NoLoads).client


def test_cache_options_checks_classes_at_once() -> None:
    with pytest.raises(
        ImproperlyConfigured,
        match=r"OPTIONS\['SERIALIZER'\]: NoLoads does not implement SerializerProtocol; missing: loads",
    ):
        cache_options(serializer=NoLoads)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['CLIENT_CLASS'\]: HalfClient"):
        cache_options(client_class=HalfClient)  # type: ignore[arg-type]


def test_cache_options_mapping() -> None:
    options = cache_options(
        client_class=DefaultClient, connection_factory=ConnectionFactory, serializer=PickleSerializer, SOCKET_TIMEOUT=5
    )
    assert options == {
        "SOCKET_TIMEOUT": 5,
        "CLIENT_CLASS": DefaultClient,
        "CONNECTION_FACTORY": ConnectionFactory,
        "SERIALIZER": PickleSerializer,
    }


def test_cache_options_rejects_ambiguous_and_unknown_keys() -> None:
    with pytest.raises(TypeError, match=r"pass SERIALIZER as serializer="):
        cache_options(SERIALIZER=PickleSerializer)
    with pytest.raises(TypeError, match=r"unknown argument 'socket_timeout'"):
        cache_options(socket_timeout=5)


def test_cache_built_from_cache_options(valkey_server: Any) -> None:
    options = cache_options(client_class=DefaultClient, serializer=PickleSerializer)
    cache = ValkeyCache(f"{valkey_server.url}/0", {"OPTIONS": options, "KEY_PREFIX": "typed-config"})
    try:
        cache.set("k", [1, 2])
        assert cache.get("k") == [1, 2]
        assert isinstance(cache.client, DefaultClient)
    finally:
        cache.delete("k")
        cache.client.close()


def test_cache_options_takes_observers(make_cache: MakeCache) -> None:
    from django_valkey.observers import Observer

    options = cache_options(observer=[Observer(), Observer])
    cache = make_cache(**options)
    assert len(cache._observation.observers) == 2
    with pytest.raises(
        ImproperlyConfigured, match=r"OPTIONS\['OBSERVER'\]: NoLoads does not implement ObserverProtocol"
    ):
        cache_options(observer=NoLoads)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pass OBSERVER as observer="):
        cache_options(OBSERVER=Observer())
