"""Sync connection factories, ``ConnectionFactory`` and ``SentinelConnectionFactory``, and the
pools they build by default, ``BoundedConnectionPool`` and ``BoundedSentinelConnectionPool``."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from valkey import Valkey
from valkey.connection import Connection, ConnectionPool, DefaultParser
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError
from valkey.sentinel import Sentinel, SentinelConnectionPool

from django_valkey._core.primaries import register_sentinel_pool
from django_valkey._options import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT, load_object
from django_valkey._readable import waiting
from django_valkey._sentinel import SentinelFactoryMixin
from django_valkey._slots import no_free_connection, wait_timeout
from django_valkey._sync.deadline import deadline_connection
from django_valkey.autopipeline import AutoPipelineValkey
from django_valkey.base_pool import BaseConnectionFactory

__all__ = [
    "BoundedConnectionPool",
    "BoundedSentinelConnectionPool",
    "ConnectionFactory",
    "SentinelConnectionFactory",
    "get_connection_factory",
]

_DEAD = (ValkeyConnectionError, ValkeyTimeoutError, OSError)
_PONG = (b"PONG", "PONG")  # the reply to PING, undecoded or decoded


class _Waiter:
    """A thread waiting in a ``BoundedConnectionPool``: ``lock`` is released once ``connection``
    has been handed to it."""

    __slots__ = ("lock", "connection")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()
        self.connection: Connection | None = None


_FORKS = [0]  # how many times this process is a forked child (of a child...): see _checkpid


def _forked() -> None:
    _FORKS[0] += 1


os.register_at_fork(after_in_child=_forked)


class BoundedConnectionPool(ConnectionPool):
    """valkey-py's ``ConnectionPool`` with at most ``max_connections`` connections at once: a
    caller that finds them all in use waits, first come first served, up to ``timeout`` seconds
    (``None``: no limit) for one to be released, then gets a ``MaxConnectionsError`` (a valkey-py
    ``ConnectionError``). A released connection goes straight to the oldest waiter, so later
    callers cannot overtake the queue. ``max_connections=None`` (or 0) does not bound the pool.

    A connection taken from the pool that has been idle for longer than its
    ``health_check_interval`` is PINGed first, and replaced if it does not answer: nothing of
    the caller's command has been sent yet, so this is safe for every command. (valkey-py
    already replaces a connection the server has closed, when it sees the close.)

    The bound is kept under the pool's own lock: while a connection is free and nobody waits,
    taking and releasing one costs what valkey-py's plain pool costs.
    """

    def __init__(
        self,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        timeout: float | None = DEFAULT_POOL_TIMEOUT,
        cut_at_deadline: bool = False,
        **connection_kwargs: Any,
    ) -> None:
        self.timeout: float | None = timeout
        base: Any = super()  # valkey-py leaves the connection kwargs unannotated
        base.__init__(max_connections=max_connections, **connection_kwargs)
        if cut_at_deadline:  # OPTIONS["DEADLINE"]: connections cut their waits at the call's deadline
            self.connection_class: type[Connection] = deadline_connection(self.connection_class)

    def reset(self) -> None:
        self._waiters: deque[_Waiter] = deque()
        self._forks: int = _FORKS[0]
        super().reset()  # it records the process id, which other threads compare unlocked
        # Reentrant: a client collected while this thread holds the lock (the garbage collector
        # can run inside make_connection) gives its connection back from its finalizer, in the
        # same thread; with valkey-py's plain Lock that deadlocked (seen in CI on Python 3.13).
        self._lock: Any = threading.RLock()

    def _checkpid(self) -> None:
        """valkey-py's fork check (a child makes new connections), without its ``getpid`` per
        checkout and release: it runs only after this process forked (``os.register_at_fork``)."""
        if self._forks != _FORKS[0]:
            super()._checkpid()
            self._forks = _FORKS[0]

    def get_connection(self, command_name: str | None = None, *keys: Any, **options: Any) -> Connection:
        """A connected connection, once one is free (or can be opened) within the bound."""
        self._checkpid()
        pool: Any = self  # valkey-py leaves the pool's counters unannotated
        connection: Connection | None = None
        waiter: _Waiter | None = None
        with self._lock:
            if not self._waiters and (self._available_connections or pool._created_connections < self.max_connections):
                try:
                    connection = self._available_connections.pop()
                except IndexError:
                    connection = self.make_connection()
                self._in_use_connections.add(connection)
            else:
                waiter = _Waiter()
                self._waiters.append(waiter)
        if waiter is not None:
            connection = self._wait(waiter)
        assert connection is not None
        try:
            self._ready(connection)
        except BaseException:
            self.release(connection)
            raise
        return connection

    def _wait(self, waiter: _Waiter) -> Connection:
        """The connection ``release`` hands to ``waiter``, or ``MaxConnectionsError`` in time."""
        timeout = wait_timeout(self.timeout)
        try:
            waiter.lock.acquire(timeout=-1 if timeout is None else max(timeout, 0.0))
        except BaseException:  # interrupted: pass on what may have been handed meanwhile
            handed = self._leave(waiter)
            if handed is not None:
                self.release(handed)
            raise
        handed = self._leave(waiter)
        if handed is None:
            raise no_free_connection(self.max_connections, timeout)
        return handed

    def _leave(self, waiter: _Waiter) -> Connection | None:
        """Take ``waiter`` out of the line unless ``release`` handed it a connection (returned)."""
        if waiter.connection is None:
            with self._lock:
                if waiter.connection is None:
                    self._waiters.remove(waiter)
        return waiter.connection

    def _ready(self, connection: Connection) -> None:
        """Connect ``connection`` if needed and make sure it can take a command."""
        conn: Any = connection  # valkey-py's sync Connection is not annotated
        was_connected = conn._sock is not None
        conn.connect()
        # valkey-py's own check: pending data or a close the server sent means a reconnect
        # (asked with one poll instead of can_read's three system calls: see _readable).
        try:
            if waiting(conn) and conn.client_cache is None:
                raise ValkeyConnectionError("Connection has data")
        except (ValkeyConnectionError, OSError):
            conn.disconnect()
            conn.connect()
            if conn.can_read():
                raise ValkeyConnectionError("Connection not ready") from None
            was_connected = False
        interval = conn.health_check_interval
        if not interval:
            return
        if was_connected and time.time() > conn.next_health_check:
            # Idle for longer than the interval: does it still answer? (nothing of the caller's
            # command has been sent yet, so a dead connection is simply replaced)
            try:
                conn.send_command("PING", check_health=False)
                if conn.read_response() in _PONG:  # also moves next_health_check on
                    return
            except _DEAD:
                pass
            conn.disconnect()
            conn.connect()
        # Just connected: no need for valkey-py's own PING before the first command.
        conn.next_health_check = time.time() + interval

    def release(self, connection: Connection) -> None:
        """Give ``connection`` back: to the oldest waiter, else to the pool."""
        self._checkpid()
        conn: Any = connection
        with self._lock:
            try:
                self._in_use_connections.remove(connection)
            except KeyError:
                pass  # not this pool's (as valkey-py: kept if it owns it)
            if not self.owns_connection(connection):
                # e.g. made before a fork, or to a primary Sentinel no longer names
                pool: Any = self
                pool._created_connections -= 1
                conn.disconnect()
                if not self._waiters:
                    return
                connection = self.make_connection()  # the freed place goes to the first waiter
            if self._waiters:
                waiter = self._waiters.popleft()
                self._in_use_connections.add(connection)
                waiter.connection = connection
                waiter.lock.release()
            else:
                self._available_connections.append(connection)


class BoundedSentinelConnectionPool(SentinelConnectionPool, BoundedConnectionPool):
    """valkey-py's ``SentinelConnectionPool`` bounded and checked like ``BoundedConnectionPool``."""

    def __init__(self, service_name: str, sentinel_manager: Any, **kwargs: Any) -> None:
        base: Any = super()  # valkey-py leaves the Sentinel pool's arguments unannotated
        base.__init__(service_name, sentinel_manager, **kwargs)
        register_sentinel_pool(self)

    def follow_primary(self, address: tuple[str, int]) -> None:
        """A failover moved the primary to ``address``: connections to another server are closed
        (idle ones now, those in use when they are given back)."""
        proxy: Any = self.proxy  # valkey-py keeps the address on the pool's proxy, unannotated
        if proxy.master_address != address:
            proxy.master_address = address
            self.disconnect(inuse_connections=False)


class ConnectionFactory(BaseConnectionFactory[Valkey, ConnectionPool]):
    """Builds ``valkey.Valkey`` clients over process-wide ``BoundedConnectionPool``s."""

    path_pool_cls = "django_valkey.pool.BoundedConnectionPool"
    path_base_cls = "valkey.client.Valkey"

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        self._connected: dict[str, Valkey] = {}

    def pool_defaults(self, url: str | None) -> dict[str, Any]:
        """``BaseConnectionFactory.pool_defaults``, and with a ``DEADLINE``, ``cut_at_deadline``:
        the pool's connections cut each wait on the network to what is left of the call's."""
        defaults = super().pool_defaults(url)
        if defaults and self.deadline is not None:
            defaults["cut_at_deadline"] = True
        return defaults

    def connect(self, url: str) -> Valkey:
        """The raw client for ``url``: the same one each time for this factory (which the cache
        objects built from one ``OPTIONS`` share), unless it holds a connection of its own."""
        known = self._connected.get(url)
        if known is not None:
            return known
        client = self.get_connection(self.make_connection_params(url))
        if not self.base_client_cls_kwargs.get("single_connection_client"):
            self._connected[url] = client
        return client

    def get_connection(self, params: dict[str, Any]) -> Valkey:
        client: Valkey = self.client_for(self.get_or_create_connection_pool(params))
        return client

    def disconnect(self, connection: Any) -> None:
        """Close the idle connections of ``connection``'s pool. The pool is shared by every cache
        (and thread) with the same options: connections in use belong to other threads' calls.
        (valkey-py's ``BlockingConnectionPool`` ignores the flag and closes them all.)"""
        muxed: object = connection
        if isinstance(muxed, AutoPipelineValkey):
            muxed.disconnect_idle()
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

    path_pool_cls = "django_valkey.pool.BoundedSentinelConnectionPool"
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
