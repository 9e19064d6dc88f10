"""``AsyncSentinelClient``: the asyncio twin of ``SentinelClient``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from valkey.asyncio import Valkey as AsyncValkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ReadOnlyError

from django_valkey._sentinel import primary_and_replica
from django_valkey.base_client import AsyncClientCommands, BaseClient, split_servers
from django_valkey.protocols import AsyncConnectionFactoryProtocol, CacheContext

__all__ = ["AsyncSentinelClient"]


class AsyncSentinelClient(
    BaseClient[AsyncValkey, AsyncConnectionFactoryProtocol[Any, Any]], AsyncClientCommands[AsyncValkey]
):
    """Same LOCATION and OPTIONS as ``SentinelClient`` (``valkey://<service>/<db>``,
    ``OPTIONS["SENTINELS"]``), on ``valkey.asyncio`` with pools per event loop. A command that meets
    a demoted primary (READONLY) or a closed connection resets the loop's idle primary connections
    and is retried under the same policy."""

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.async_cache.pool.AsyncSentinelConnectionFactory"
    TRACKER_FACTORY_PATH: ClassVar[str | None] = "django_valkey.pool.SentinelConnectionFactory"
    FACTORY_PROTOCOL: ClassVar[type] = AsyncConnectionFactoryProtocol

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(primary_and_replica(split_servers(server)), params, backend)

    async def _reconnect(self, index: int, error: Exception) -> None:
        # Before a retry on the primary after a demoted primary (READONLY) or a connection the
        # failover closed: drop the idle connections, so new ones ask the sentinels where it is.
        if index == 0 and isinstance(error, (ReadOnlyError, ValkeyConnectionError)):
            await self.reset_primary()

    async def reset_primary(self) -> None:
        """Close the idle connections of this loop's primary pool; new ones ask the sentinels."""
        client = self._raw_clients()[0]
        if client is not None:
            await self.connection_factory.disconnect(client)
