"""``SharedPoolFactory``: a connection factory written against ``ConnectionFactoryProtocol`` only."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from valkey import Valkey
from valkey.connection import ConnectionPool


def _pool_from_url(url: str, socket_timeout: float | None) -> ConnectionPool:
    """``ConnectionPool.from_url``, which valkey-py leaves unannotated, typed once here."""
    # getattr: valkey-py's from_url is unannotated; the checkers take this Callable instead.
    from_url: Callable[..., ConnectionPool] = getattr(ConnectionPool, "from_url")  # noqa: B009
    return from_url(url, socket_timeout=socket_timeout)


class _PooledClient(Protocol):
    @property
    def connection_pool(self) -> ConnectionPool: ...


class SharedPoolFactory:
    """One ``ConnectionPool`` per URL for the factory's life; ``connect`` wraps it in a ``Valkey``.

    ``OPTIONS["SOCKET_TIMEOUT"]`` (seconds) is passed to the pool. ``connects`` counts ``connect``
    calls so a test can see the cache used this factory.
    """

    def __init__(self, options: Mapping[str, Any]) -> None:
        timeout = options.get("SOCKET_TIMEOUT")
        self._socket_timeout: float | None = float(timeout) if timeout is not None else None
        self._pools: dict[str, ConnectionPool] = {}
        self._lock = threading.Lock()
        self.connects = 0

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> ConnectionPool:
        url: str = params["url"]
        with self._lock:
            pool = self._pools.get(url)
            if pool is None:
                pool = self._pools[url] = _pool_from_url(url, self._socket_timeout)
            return pool

    def connect(self, url: str) -> Valkey:
        self.connects += 1
        return Valkey(connection_pool=self.get_or_create_connection_pool({"url": url}))

    def disconnect(self, connection: Any) -> None:
        client: _PooledClient = connection
        client.connection_pool.disconnect()
