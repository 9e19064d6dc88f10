"""Building a cache object per thread or per request (as Django does) works out its OPTIONS once
per OPTIONS dict (``django_valkey._memo``): later objects share the connection factory and the
raw client, a changed dict or setting is seen at once, a bad option fails every time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

import django_valkey._options
from django_valkey._memo import derived, forget
from django_valkey.cache import ValkeyCache
from django_valkey.serializers.json import JSONSerializer
from django_valkey.serializers.pickle import PickleSerializer
from tests.servers import ValkeyProcess


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    forget()
    yield
    forget()


def settings_entry(server: ValkeyProcess, **options: Any) -> dict[str, Any]:
    """A CACHES entry, as settings hold it."""
    return {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": f"{server.url}/0", "OPTIONS": options}


def built(entry: dict[str, Any]) -> ValkeyCache:
    """A cache object, as ``caches.create_connection`` builds one: from a shallow copy."""
    params = entry.copy()
    params.pop("BACKEND")
    return ValkeyCache(params.pop("LOCATION"), params)


def counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    loaded: list[object] = []
    real = django_valkey._options.import_string

    def counted(path: str) -> Any:
        loaded.append(path)
        return real(path)

    monkeypatch.setattr(django_valkey._options, "import_string", counted)
    return loaded


def test_objects_from_one_options_dict_share_the_factory_and_raw_client(
    valkey_server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = settings_entry(valkey_server, SERIALIZER="django_valkey.serializers.json.JSONSerializer")
    first = built(entry)
    first.set("k", {"a": 1})
    loaded = counting_loads(monkeypatch)
    objects = [built(entry) for _ in range(20)]
    assert [cache.get("k") for cache in objects] == [{"a": 1}] * 20
    assert loaded == []  # no class loaded again, no option parsed again
    assert {id(cache.client.connection_factory) for cache in objects} == {id(first.client.connection_factory)}
    assert {id(cache.get_client()) for cache in objects} == {id(first.get_client())}
    assert all(isinstance(cache.client._serializer, JSONSerializer) for cache in objects)


def test_each_object_keeps_its_own_serializer_and_key_maker(valkey_server: ValkeyProcess) -> None:
    entry = settings_entry(valkey_server)
    one, two = built(entry), built(entry)
    assert one.client._serializer is not two.client._serializer
    two.key_prefix = "other"
    one.set("k", 1)
    assert two.get("k") is None and one.get("k") == 1


def test_a_changed_options_dict_is_worked_out_again(valkey_server: ValkeyProcess) -> None:
    entry = settings_entry(valkey_server, SERIALIZER="django_valkey.serializers.json.JSONSerializer")
    assert isinstance(built(entry).client._serializer, JSONSerializer)
    entry["OPTIONS"]["SERIALIZER"] = "django_valkey.serializers.pickle.PickleSerializer"
    assert isinstance(built(entry).client._serializer, PickleSerializer)
    entry["OPTIONS"]["CONNECTION_POOL_KWARGS"] = {"max_connections": 3}
    cache = built(entry)
    assert cache.client.connection_factory.pool_cls_kwargs == {"max_connections": 3}
    entry["OPTIONS"]["CONNECTION_POOL_KWARGS"]["max_connections"] = 4  # a nested change too
    assert built(entry).client.connection_factory.pool_cls_kwargs == {"max_connections": 4}


def test_a_changed_setting_is_seen(valkey_server: ValkeyProcess) -> None:
    entry = settings_entry(valkey_server)
    assert built(entry)._ignore_exceptions is False
    with override_settings(DJANGO_VALKEY_IGNORE_EXCEPTIONS=True):
        assert built(entry)._ignore_exceptions is True
    assert built(entry)._ignore_exceptions is False


def test_a_bad_option_fails_every_time(valkey_server: ValkeyProcess) -> None:
    entry = settings_entry(valkey_server, SERIALIZER="no.such.Serializer")
    for _ in range(3):
        with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['SERIALIZER'\]"):
            built(entry).get("k")  # the client is built on first use
    entry["OPTIONS"] = {"RETRY": {"ATTEMPTS": -1}}
    for _ in range(3):
        with pytest.raises(ImproperlyConfigured, match=r"OPTIONS\['RETRY'\]\['ATTEMPTS'\]"):
            built(entry).get("k")


def test_options_that_cannot_be_copied_are_worked_out_each_time() -> None:
    options = {"LOCK": threading.Lock()}  # deepcopy refuses a lock
    calls: list[int] = []
    build: Callable[[], int] = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert [derived("t", options, build) for _ in range(3)] == [1, 2, 3]
    plain = {"A": [1]}
    assert [derived("t", plain, build) for _ in range(3)] == [4, 4, 4]
    assert derived("other kind", plain, build) == 5  # each kind apart


def test_a_cache_without_options_is_cheap_too(valkey_server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": f"{valkey_server.url}/0"}
    built(entry).set("k", 1)
    loaded = counting_loads(monkeypatch)
    assert [built(entry).get("k") for _ in range(5)] == [1] * 5
    assert loaded == []
