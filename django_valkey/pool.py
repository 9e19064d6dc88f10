"""Sync connection factories: ``ConnectionFactory`` and ``SentinelConnectionFactory``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from valkey import Valkey
from valkey.connection import ConnectionPool, DefaultParser
from valkey.sentinel import Sentinel

from django_valkey._options import load_object
from django_valkey._sentinel import SentinelFactoryMixin
from django_valkey.base_pool import BaseConnectionFactory

__all__ = ["ConnectionFactory", "SentinelConnectionFactory", "get_connection_factory"]


class ConnectionFactory(BaseConnectionFactory[Valkey, ConnectionPool]):
    """Builds ``valkey.Valkey`` clients over process-wide ``ConnectionPool``s."""

    path_pool_cls = "valkey.connection.ConnectionPool"
    path_base_cls = "valkey.client.Valkey"

    def connect(self, url: str) -> Valkey:
        return self.get_connection(self.make_connection_params(url))

    def get_connection(self, params: dict[str, Any]) -> Valkey:
        pool = self.get_or_create_connection_pool(params)
        client: Valkey = self.base_client_cls(connection_pool=pool, **self.base_client_cls_kwargs)
        return client

    def disconnect(self, connection: Any) -> None:
        """Close the idle connections of ``connection``'s pool. The pool is shared by every cache
        (and thread) with the same options: connections in use belong to other threads' calls.
        (valkey-py's ``BlockingConnectionPool`` ignores the flag and closes them all.)"""
        connection.connection_pool.disconnect(False)  # positional: BlockingConnectionPool names it ``_``

    def get_parser_cls(self) -> type[Any]:
        parser = self.options.get("PARSER_CLASS")
        if parser is None:
            return DefaultParser
        cls: type[Any] = load_object(parser, "OPTIONS['PARSER_CLASS']")
        return cls


class SentinelConnectionFactory(SentinelFactoryMixin[Valkey, ConnectionPool], ConnectionFactory):
    """Builds ``valkey.Valkey`` clients whose pools ask the sentinels where the primary (or a
    replica) of a service is. LOCATION is ``valkey://<service>/<db>`` (``?is_master=0`` for a
    replica); ``OPTIONS["SENTINELS"]`` lists the sentinels as ``(host, port)`` pairs and
    ``OPTIONS["SENTINEL_KWARGS"]`` the keyword arguments of the connections to them."""

    path_pool_cls = "valkey.sentinel.SentinelConnectionPool"
    sentinel_cls: ClassVar[Any] = Sentinel  # valkey-py leaves Sentinel unannotated


def get_connection_factory(path: str | None = None, options: Mapping[str, Any] | None = None) -> Any:
    """Build the factory a client uses: ``OPTIONS["CONNECTION_FACTORY"]``, else the
    ``DJANGO_VALKEY_CONNECTION_FACTORY`` setting, else ``path`` (the client's default)."""
    options = options or {}
    chosen: object = options.get("CONNECTION_FACTORY")
    setting = "OPTIONS['CONNECTION_FACTORY']"
    if not chosen:
        chosen = getattr(settings, "DJANGO_VALKEY_CONNECTION_FACTORY", None)
        setting = "DJANGO_VALKEY_CONNECTION_FACTORY"
    if not chosen:
        chosen = path or "django_valkey.pool.ConnectionFactory"
        setting = "CONNECTION_FACTORY_PATH"
    factory_cls = load_object(chosen, setting)
    return factory_cls(options)
