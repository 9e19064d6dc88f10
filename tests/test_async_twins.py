"""Which async client the a* methods of a sync cache use: the shipped pairs, subclasses, overrides."""

from __future__ import annotations

import pytest

from django_valkey._twins import ASYNC_TWINS, DEFAULT_ASYNC_CLIENT, async_twin
from django_valkey.async_cache.client import AsyncHerdClient, AsyncShardClient
from django_valkey.client import DefaultClient, HerdClient, ShardClient
from tests.helpers import MakeCache


class MyHerd(HerdClient):
    """A custom subclass of a shipped client: it keeps the herd's async twin."""


class Announcing(DefaultClient):
    ASYNC_CLIENT_CLASS = "django_valkey.async_cache.client.AsyncShardClient"


def test_every_shipped_twin_is_importable_and_async() -> None:
    from django.utils.module_loading import import_string

    for sync_path, async_path in ASYNC_TWINS.items():
        assert import_string(sync_path) is not None
        assert import_string(async_path).__name__.startswith("Async")


@pytest.mark.parametrize(
    ("client", "twin"),
    [
        (DefaultClient, DEFAULT_ASYNC_CLIENT),
        (HerdClient, "django_valkey.async_cache.client.AsyncHerdClient"),
        (MyHerd, "django_valkey.async_cache.client.AsyncHerdClient"),
        (Announcing, "django_valkey.async_cache.client.AsyncShardClient"),
        (ShardClient, "django_valkey.async_cache.client.AsyncShardClient"),
        (object, DEFAULT_ASYNC_CLIENT),
    ],
)
def test_async_twin(client: type, twin: str) -> None:
    assert async_twin(client) == twin


async def test_a_subclass_of_a_shipped_client_gets_its_twin(make_cache: MakeCache) -> None:
    cache = make_cache(CLIENT_CLASS=MyHerd)
    assert type(cache.async_client) is AsyncHerdClient
    await cache.aset("k", 1)
    assert await cache.aget("k") == 1


def test_a_declared_twin_wins(make_cache: MakeCache) -> None:
    cache = make_cache(CLIENT_CLASS=Announcing)
    assert type(cache.async_client) is AsyncShardClient
