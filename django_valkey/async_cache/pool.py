"""Asyncio connection factories, with connection pools kept per event loop.

A ``valkey.asyncio`` connection belongs to the event loop it was opened on: using it from another
loop fails, or worse, hangs. So ``AsyncConnectionFactory`` keeps its pools per loop (within a loop
by the same pool-shaping options as the sync factory), in ``django_valkey._loop_objects``, which
disconnects them when the loop shuts down.

Nothing here blocks the loop: building a pool opens no connection, and connections are opened by
``valkey.asyncio`` with ``await``.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from valkey.asyncio import Valkey as AsyncValkey
from valkey.asyncio.connection import AbstractConnection
from valkey.asyncio.connection import ConnectionPool as AsyncConnectionPool
from valkey.asyncio.sentinel import Sentinel as AsyncSentinel
from valkey.asyncio.sentinel import SentinelConnectionPool as AsyncSentinelConnectionPool
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core.primaries import register_sentinel_pool
from django_valkey._loop_objects import loop_objects, loop_pools
from django_valkey._options import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT, load_object
from django_valkey._sentinel import SentinelFactoryMixin
from django_valkey._slots import AsyncSlots, no_free_connection, wait_timeout
from django_valkey.async_cache.autopipeline import AutoPipelineValkey
from django_valkey.async_cache.parser import default_async_parser
from django_valkey.base_pool import BaseConnectionFactory

__all__ = [
    "AsyncBoundedConnectionPool",
    "AsyncBoundedSentinelConnectionPool",
    "AsyncConnectionFactory",
    "AsyncSentinelConnectionFactory",
    "loop_pools",
]

_DEAD = (ValkeyConnectionError, ValkeyTimeoutError, OSError)
_PONG = (b"PONG", "PONG")  # the reply to PING, undecoded or decoded


class AsyncBoundedConnectionPool(AsyncConnectionPool):
    """The asyncio twin of ``django_valkey.pool.BoundedConnectionPool``: valkey-py's asyncio
    ``ConnectionPool`` with at most ``max_connections`` connections in use at once, the tasks that
    find them all busy waiting in line up to ``timeout`` seconds (then ``MaxConnectionsError``),
    and a PING before reusing a connection idle for longer than its ``health_check_interval``.
    ``max_connections=None`` (or 0) does not bound the pool.

    While a connection is free and nobody waits, taking one awaits nothing more than valkey-py's
    pool does. One pool serves one event loop (``AsyncConnectionFactory`` keeps them per loop).
    """

    def __init__(
        self,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        timeout: float | None = DEFAULT_POOL_TIMEOUT,
        **connection_kwargs: Any,
    ) -> None:
        base: Any = super()  # valkey-py leaves the connection kwargs unannotated
        base.__init__(max_connections=max_connections, **connection_kwargs)
        self.timeout: float | None = timeout
        self._slots = AsyncSlots(self.max_connections)

    def reset(self) -> None:
        base: Any = super()  # valkey-py's asyncio pool is partly annotated
        base.reset()
        self._slots = AsyncSlots(self.max_connections)

    async def get_connection(self, command_name: str | None = None, *keys: Any, **options: Any) -> AbstractConnection:
        """A connected connection, once one of the ``max_connections`` slots is free."""
        slots = self._slots
        if not slots.acquire_nowait():
            timeout = wait_timeout(self.timeout)
            if not await slots.acquire(timeout):
                raise no_free_connection(slots.size, timeout)
        base: Any = super()
        try:
            connection: AbstractConnection = base.get_available_connection()
        except BaseException:
            slots.release()
            raise
        try:
            await self.ensure_connection(connection)
        except BaseException:
            await self.release(connection)  # gives the slot back too
            raise
        return connection

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        """valkey-py's check (connect; reconnect if the server closed it), then a PING if it has
        been idle for longer than its ``health_check_interval``; replaced if it does not answer
        (nothing of the caller's command has been sent yet)."""
        conn: Any = connection  # partly annotated in valkey-py
        was_connected: bool = conn.is_connected
        interval: float = conn.health_check_interval
        await super().ensure_connection(connection)
        if not interval:
            return
        loop = asyncio.get_running_loop()
        if was_connected and conn.is_connected and loop.time() > conn.next_health_check:
            try:
                await conn.send_command("PING", check_health=False)
                if await conn.read_response() in _PONG:  # also moves next_health_check on
                    return
            except _DEAD:
                pass
            await conn.disconnect()
            await conn.connect()
        # Just connected: no need for valkey-py's own PING before the first command.
        conn.next_health_check = loop.time() + interval

    async def release(self, connection: AbstractConnection) -> None:
        try:
            await super().release(connection)
        finally:
            self._slots.release()


class AsyncBoundedSentinelConnectionPool(AsyncSentinelConnectionPool, AsyncBoundedConnectionPool):
    """valkey-py's asyncio ``SentinelConnectionPool`` bounded and checked like
    ``AsyncBoundedConnectionPool``."""

    def __init__(self, service_name: str, sentinel_manager: Any, **kwargs: Any) -> None:
        base: Any = super()  # valkey-py leaves the Sentinel pool's arguments unannotated
        base.__init__(service_name, sentinel_manager, **kwargs)
        register_sentinel_pool(self)

    def follow_primary(self, address: tuple[str, int]) -> None:
        """A failover moved the primary to ``address`` (told from another thread): a connection
        to another server is closed when it is next taken."""
        pool: Any = self  # valkey-py leaves master_address unannotated
        pool.master_address = address

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        conn: Any = connection
        pool: Any = self
        address = pool.master_address
        if address is not None and conn.is_connected and (conn.host, conn.port) != address and pool.is_master:
            await conn.disconnect()  # to the old primary: connect again through the sentinels
        await super().ensure_connection(connection)


class AsyncConnectionFactory(BaseConnectionFactory[AsyncValkey, AsyncConnectionPool]):
    """Builds ``valkey.asyncio.Valkey`` clients over per-event-loop ``AsyncBoundedConnectionPool``s."""

    path_pool_cls = "django_valkey.async_cache.pool.AsyncBoundedConnectionPool"
    path_base_cls = "valkey.asyncio.client.Valkey"

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> AsyncConnectionPool:
        """The running loop's pool for ``params``, built on first use (no I/O).

        Must be called with a running event loop: the pool belongs to it.
        """
        pools = loop_objects()
        key = self.pool_key(params)
        pool = pools.get(key)
        if pool is None:
            pool = pools[key] = self.get_connection_pool(params)
        result: AsyncConnectionPool = pool
        return result

    async def connect(self, url: str) -> AsyncValkey:
        """A raw ``valkey.asyncio`` client for ``url`` on the running loop's pool."""
        return await self.get_connection(self.make_connection_params(url))

    async def get_connection(self, params: dict[str, Any]) -> AsyncValkey:
        client: AsyncValkey = self.client_for(self.get_or_create_connection_pool(params))
        return client

    async def disconnect(self, connection: Any) -> None:
        """Close the idle connections of ``connection``'s pool (in-use ones belong to other tasks),
        and an auto-pipelining client's shared connection if no command is using it."""
        muxed: object = connection
        if isinstance(muxed, AutoPipelineValkey):
            await muxed.disconnect_idle()
        await connection.connection_pool.disconnect(inuse_connections=False)

    def get_parser_cls(self) -> type[Any]:
        """``OPTIONS["PARSER_CLASS"]``, else ``AsyncLibvalkeyParser`` (libvalkey installed) or the
        pure-Python RESP2 parser: see ``django_valkey.async_cache.parser``."""
        parser = self.options.get("PARSER_CLASS")
        if parser is None:
            return default_async_parser()
        cls: type[Any] = load_object(parser, "OPTIONS['PARSER_CLASS']")
        return cls


class AsyncSentinelConnectionFactory(SentinelFactoryMixin[AsyncValkey, AsyncConnectionPool], AsyncConnectionFactory):
    """The asyncio twin of ``SentinelConnectionFactory``: per-event-loop
    ``valkey.asyncio.sentinel.SentinelConnectionPool``s for ``valkey://<service>/<db>`` LOCATIONs,
    with ``OPTIONS["SENTINELS"]`` and ``OPTIONS["SENTINEL_KWARGS"]``."""

    path_pool_cls = "django_valkey.async_cache.pool.AsyncBoundedSentinelConnectionPool"
    sentinel_cls: ClassVar[Any] = AsyncSentinel  # valkey-py leaves Sentinel.__init__ unannotated
