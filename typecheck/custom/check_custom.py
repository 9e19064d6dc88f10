"""The custom client and factory conform, and the typed configuration path accepts them."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type
from valkey import Valkey
from valkey.connection import ConnectionPool

from django_valkey.compressors.zlib import ZlibCompressor
from django_valkey.config import cache_options
from django_valkey.protocols import ClientClass, ClientProtocol, ConnectionFactoryClass, ConnectionFactoryProtocol
from django_valkey.serializers.json import JSONSerializer
from typecheck.custom.client import CountingClient
from typecheck.custom.factory import SharedPoolFactory


def client_conforms(client: CountingClient) -> ClientProtocol[Valkey]:
    return client


def client_class_conforms() -> ClientClass[Valkey]:
    return CountingClient


def factory_conforms(factory: SharedPoolFactory) -> ConnectionFactoryProtocol[Valkey, ConnectionPool]:
    return factory


def factory_class_conforms() -> ConnectionFactoryClass[Valkey]:
    return SharedPoolFactory


def settings_module() -> dict[str, Any]:
    """What a settings module writes: classes, not dotted paths, so the checkers see them."""
    options = cache_options(
        client_class=CountingClient,
        connection_factory=SharedPoolFactory,
        serializer=JSONSerializer,
        compressor=ZlibCompressor,
        SOCKET_TIMEOUT=5,
    )
    assert_type(options, dict[str, Any])
    return {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": "valkey://127.0.0.1:6379/0", "OPTIONS": options}


def factory_alone() -> dict[str, Any]:
    """With the default client, any factory of either kind is accepted."""
    return cache_options(connection_factory=SharedPoolFactory)
