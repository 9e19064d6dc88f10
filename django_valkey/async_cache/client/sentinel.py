"""``AsyncSentinelClient``: the asyncio twin of ``SentinelClient``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from valkey.asyncio import Valkey as AsyncValkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ReadOnlyError

from django_valkey._core.commands import Request
from django_valkey._sentinel import primary_and_replica
from django_valkey.base_client import AsyncClientCommands, BaseClient, split_servers
from django_valkey.protocols import AsyncConnectionFactoryProtocol, CacheContext

__all__ = ["AsyncSentinelClient"]

R = TypeVar("R")


class AsyncSentinelClient(
    BaseClient[AsyncValkey, AsyncConnectionFactoryProtocol[Any, Any]], AsyncClientCommands[AsyncValkey]
):
    """Same LOCATION and OPTIONS as ``SentinelClient`` (``valkey://<service>/<db>``,
    ``OPTIONS["SENTINELS"]``), on ``valkey.asyncio`` with pools per event loop. A command that meets
    a demoted primary (READONLY) or a closed connection resets the loop's idle primary connections
    and is retried once."""

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.async_cache.pool.AsyncSentinelConnectionFactory"
    FACTORY_PROTOCOL: ClassVar[type] = AsyncConnectionFactoryProtocol

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(primary_and_replica(split_servers(server)), params, backend)

    async def _run(self, req: Request[R]) -> R:
        try:
            return await super()._run(req)
        except (ReadOnlyError, ValkeyConnectionError):
            # A demoted primary (READONLY), or a connection the sentinels' failover closed: drop the
            # idle connections (new ones ask the sentinels where the primary is) and retry once.
            await self.reset_primary()
            return await super()._run(req)

    async def reset_primary(self) -> None:
        """Close the idle connections of this loop's primary pool; new ones ask the sentinels."""
        client = self._raw_clients()[0]
        if client is not None:
            await self.connection_factory.disconnect(client)
