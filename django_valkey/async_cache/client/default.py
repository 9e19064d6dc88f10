"""``AsyncDefaultClient``: one primary, optional read replicas, on ``valkey.asyncio``."""

from __future__ import annotations

from typing import Any, ClassVar

from valkey.asyncio import Valkey as AsyncValkey

from django_valkey.base_client import AsyncClientCommands, BaseClient
from django_valkey.protocols import AsyncConnectionFactoryProtocol

__all__ = ["AsyncDefaultClient"]


class AsyncDefaultClient(
    BaseClient[AsyncValkey, AsyncConnectionFactoryProtocol[Any, Any]], AsyncClientCommands[AsyncValkey]
):
    """The default async client: the asyncio twin of ``DefaultClient`` (same LOCATION rules, same
    replica reads with a fall back to the primary). Its raw clients and pools are per event loop."""

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.async_cache.pool.AsyncConnectionFactory"
    FACTORY_PROTOCOL: ClassVar[type] = AsyncConnectionFactoryProtocol
