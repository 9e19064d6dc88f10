"""``SentinelClient``: a primary and replicas found through Valkey Sentinel, with failover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from valkey import Valkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ReadOnlyError

from django_valkey._sentinel import primary_and_replica
from django_valkey.base_client import BaseClient, ClientCommands, split_servers
from django_valkey.protocols import CacheContext

__all__ = ["SentinelClient"]


class SentinelClient(BaseClient[Valkey], ClientCommands[Valkey]):
    """LOCATION is ``valkey://<service>/<db>``; ``OPTIONS["SENTINELS"]`` lists the sentinels.

    One service URL gives a primary pool (writes) and a replica pool (``is_master=0``: reads, which
    fall back to the primary when no replica answers). A list of URLs is used as given, the first
    being the primary. When a command meets a demoted primary (READONLY after a failover) or a
    connection that the failover closed, the idle connections of the primary pool are closed, so
    new ones ask the sentinels for the new primary, and the command is retried under the retry
    policy (``OPTIONS["RETRY"]``: a command that may have run, such as an INCR whose reply was
    lost with its connection, is not sent again).
    """

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.pool.SentinelConnectionFactory"
    TRACKER_FACTORY_PATH: ClassVar[str | None] = "django_valkey.pool.SentinelConnectionFactory"

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(primary_and_replica(split_servers(server)), params, backend)

    def _reconnect(self, index: int, error: Exception) -> None:
        # Before a retry on the primary after a demoted primary (READONLY) or a connection the
        # failover closed: drop the idle connections, so new ones ask the sentinels where it is.
        if index == 0 and isinstance(error, (ReadOnlyError, ValkeyConnectionError)):
            self.reset_primary()

    def reset_primary(self) -> None:
        """Close the idle connections of the primary pool; new ones ask the sentinels where the
        primary is (connections busy in other threads reset themselves when they meet READONLY)."""
        client = self._raw_clients()[0]
        if client is not None:
            self.connection_factory.disconnect(client)
