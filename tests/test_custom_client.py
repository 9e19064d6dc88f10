"""The third-party-style client and factory of ``typecheck/custom`` work as CLIENT_CLASS and
CONNECTION_FACTORY against a real server, configured through the typed ``cache_options``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import override_settings
from valkey import Valkey

from django_valkey import get_cache, get_valkey_connection
from django_valkey.config import cache_options
from django_valkey.serializers.json import JSONSerializer
from tests.servers import ValkeyProcess
from typecheck.custom.client import CountingClient
from typecheck.custom.factory import SharedPoolFactory


@pytest.fixture
def custom_cache(valkey_server: ValkeyProcess) -> Iterator[None]:
    with valkey_server.client() as conn:
        conn.flushall()
    options = cache_options(
        client_class=CountingClient, connection_factory=SharedPoolFactory, serializer=JSONSerializer, SOCKET_TIMEOUT=5
    )
    backend = {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": f"{valkey_server.url}/0", "OPTIONS": options}
    with override_settings(
        CACHES={"default": backend, "plain": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        yield
        get_cache().client.close()


def test_custom_client_serves_the_cache(custom_cache: None) -> None:
    cache = get_cache()
    client = cache.client
    assert isinstance(client, CountingClient)
    cache.set("k", {"a": [1, 2]}, timeout=30)
    assert cache.get("k") == {"a": [1, 2]}
    assert cache.get("missing", "fallback") == "fallback"
    assert cache.set_many({"x": 1, "y": "two"}) == []
    assert cache.get_many(["x", "y", "z"]) == {"x": 1, "y": "two"}
    assert cache.incr("x", 5) == 6
    assert 0 < (cache.ttl("k") or 0) <= 30
    assert cache.sadd("s", "a", "b") == 2
    assert cache.smembers("s") == {"a", "b"}
    assert cache.hset("h", "f", [1]) == 1 and cache.hget("h", "f") == [1]
    assert sorted(cache.keys("*")) == ["h", "k", "s", "x", "y"]
    assert cache.delete("k") is True and cache.get("k") is None
    assert client.calls["get"] == 3 and client.calls["set"] == 1 and client.calls["incr"] == 1
    assert client.calls["set_many"] == 1 and client.calls["get_many"] == 1


def test_custom_factory_makes_the_connections(custom_cache: None, valkey_server: ValkeyProcess) -> None:
    cache = get_cache()
    cache.set("k", 1)
    raw = get_valkey_connection()
    assert isinstance(raw, Valkey)
    assert raw.get(cache.make_key("k")) == b"1"  # ints are stored raw; JSON for the rest
    factory = cache.client._inner.connection_factory  # type: ignore[attr-defined]
    assert isinstance(factory, SharedPoolFactory)
    assert factory.connects == 1
    assert raw.connection_pool is factory.get_or_create_connection_pool({"url": f"{valkey_server.url}/0"})
    cache.close()  # CLOSE_CONNECTION is off: the client keeps its raw client
    assert factory.connects == 1


def test_accessors_reject_other_backends(custom_cache: None) -> None:
    assert get_cache("default") is caches["default"]
    with pytest.raises(
        TypeError,
        match=r"get_cache\('plain'\): CACHES\['plain'\] is django.core.cache.backends.locmem.LocMemCache, not a django_valkey.cache.ValkeyCache",
    ):
        get_cache("plain")
    with pytest.raises(TypeError, match=r"LocMemCache, not a django-valkey cache"):
        get_valkey_connection("plain")
