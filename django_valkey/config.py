"""Typed configuration: build a cache's ``OPTIONS`` from classes, checked by mypy and pyright.

``OPTIONS`` accepts dotted paths, which no type checker can follow. ``cache_options`` takes the
classes themselves, typed with the ``*Class`` aliases of ``django_valkey.protocols``, so a client,
connection factory, serializer or compressor that does not fit its Protocol is reported in the
settings module, before anything runs::

    CACHES = {
        "default": {
            "BACKEND": "django_valkey.cache.ValkeyCache",
            "LOCATION": "valkey://127.0.0.1:6379/0",
            "OPTIONS": cache_options(client_class=MyClient, serializer=MyJSON, SOCKET_TIMEOUT=5),
        }
    }

A sync client must come with a sync factory and an async client with an async one.
``observer`` takes an observer (``ObserverProtocol``), its class, or a list of them. Other
``OPTIONS`` keys are passed through as upper-case keyword arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from typing_extensions import TypeVar

from django_valkey._observe import load_observers
from django_valkey._options import check_members
from django_valkey.protocols import (
    AsyncClientClass,
    AsyncConnectionFactoryClass,
    AsyncRawClient,
    ClientClass,
    ClientProtocol,
    CompressorClass,
    CompressorProtocol,
    ConnectionFactoryClass,
    ConnectionFactoryProtocol,
    ObserverProtocol,
    RawClient,
    SerializerClass,
    SerializerProtocol,
)

__all__ = ["ObserverSetting", "cache_options"]

ObserverSetting = ObserverProtocol | type[ObserverProtocol] | Sequence[ObserverProtocol | type[ObserverProtocol]]
"""What ``cache_options(observer=...)`` takes: an observer, its class, or a list of them."""

_Raw = TypeVar("_Raw", bound=RawClient)
_AsyncRaw = TypeVar("_AsyncRaw", bound=AsyncRawClient)

_TYPED = {
    "client_class": "CLIENT_CLASS",
    "connection_factory": "CONNECTION_FACTORY",
    "serializer": "SERIALIZER",
    "compressor": "COMPRESSOR",
    "observer": "OBSERVER",
}


@overload
def cache_options(
    *,
    client_class: ClientClass[_Raw],
    connection_factory: ConnectionFactoryClass[_Raw] | None = None,
    serializer: SerializerClass | None = None,
    compressor: CompressorClass | None = None,
    observer: ObserverSetting | None = None,
    **options: Any,
) -> dict[str, Any]: ...
@overload
def cache_options(
    *,
    client_class: AsyncClientClass[_AsyncRaw],
    connection_factory: AsyncConnectionFactoryClass[_AsyncRaw] | None = None,
    serializer: SerializerClass | None = None,
    compressor: CompressorClass | None = None,
    observer: ObserverSetting | None = None,
    **options: Any,
) -> dict[str, Any]: ...
@overload
def cache_options(
    *,
    client_class: None = None,
    connection_factory: ConnectionFactoryClass[RawClient] | AsyncConnectionFactoryClass[AsyncRawClient] | None = None,
    serializer: SerializerClass | None = None,
    compressor: CompressorClass | None = None,
    observer: ObserverSetting | None = None,
    **options: Any,
) -> dict[str, Any]: ...
def cache_options(
    *,
    client_class: object = None,
    connection_factory: object = None,
    serializer: object = None,
    compressor: object = None,
    observer: object = None,
    **options: Any,
) -> dict[str, Any]:
    """The ``OPTIONS`` mapping for a django-valkey cache, from typed classes.

    Each class given is also checked at once against its Protocol (ImproperlyConfigured names
    the missing members). Upper-case keyword arguments are copied as they are.
    """
    result: dict[str, Any] = {}
    for name, value in options.items():
        if name in _TYPED.values():
            raise TypeError(f"cache_options: pass {name} as {_key_arg(name)}=, not as {name}=")
        if not name.isupper():
            raise TypeError(f"cache_options: unknown argument {name!r} (OPTIONS keys are upper case)")
        result[name] = value
    typed: tuple[tuple[str, object, type], ...] = (
        ("CLIENT_CLASS", client_class, ClientProtocol),
        ("CONNECTION_FACTORY", connection_factory, ConnectionFactoryProtocol),
        ("SERIALIZER", serializer, SerializerProtocol),
        ("COMPRESSOR", compressor, CompressorProtocol),
    )
    for key, cls, protocol in typed:
        if cls is not None:
            check_members(cls, protocol, f"OPTIONS[{key!r}]")
            result[key] = cls
    if observer is not None:
        load_observers(observer)  # checked now, as the classes above
        result["OBSERVER"] = observer
    return result


def _key_arg(key: str) -> str:
    return next(arg for arg, option in _TYPED.items() if option == key)
