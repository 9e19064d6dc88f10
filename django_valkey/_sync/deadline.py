"""``OPTIONS["DEADLINE"]`` for sync calls, which cannot be cancelled: the call's deadline is kept
per thread (``scope``), and the connections of the sync pools cut every wait on the network to
what is left of it: connecting, sending, each read of the reply. The wait for a pooled
connection asks ``remaining`` too. (Async calls are cut by ``asyncio.timeout`` instead.)

Only pools built with ``cut_at_deadline`` (a ``DEADLINE`` is set) use these connections: without
a deadline, nothing here runs.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Generator
from time import monotonic
from typing import Any, ParamSpec, TypeVar

from valkey.exceptions import TimeoutError as ValkeyTimeoutError

__all__ = ["DeadlineReached", "deadline_connection", "outside_deadline", "remaining", "scope"]

P = ParamSpec("P")
R = TypeVar("R")


class _State(threading.local):
    end: float | None = None  # monotonic time the running call must end by
    seconds: float = 0.0  # that call's deadline, for messages


_STATE = _State()


class DeadlineReached(ValkeyTimeoutError):
    """A sync call's deadline passed while it waited on the network (a valkey-py
    ``TimeoutError``: what the connection would have raised on its own timeout). ``seconds``
    is the deadline."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.seconds: float = _STATE.seconds


@contextlib.contextmanager
def scope(seconds: float) -> Generator[None]:
    """Within this block, this thread's calls end within ``seconds`` (an inner scope never
    extends an outer one)."""
    outer, outer_seconds = _STATE.end, _STATE.seconds
    end = monotonic() + seconds
    if outer is None or end < outer:
        _STATE.end, _STATE.seconds = end, seconds
    try:
        yield
    finally:
        _STATE.end, _STATE.seconds = outer, outer_seconds


def outside_deadline(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run without this thread's deadline: for valkey-py's refresh of a cluster's
    map of slots after a node failed, which must not fail because the call that saw the node
    fail has no time left (its socket timeouts are still capped by ``DEADLINE``)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        outer = _STATE.end
        _STATE.end = None
        try:
            return function(*args, **kwargs)
        finally:
            _STATE.end = outer

    return run


def remaining(limit: float | None) -> float | None:
    """``limit`` (seconds, ``None``: no limit) cut to what is left of this thread's deadline, if
    it has one; ``DeadlineReached`` if nothing is left."""
    end = _STATE.end
    if end is None:
        return limit
    left = end - monotonic()
    if left <= 0:
        raise DeadlineReached("the call's deadline passed")
    return left if limit is None else min(limit, left)


def _passed() -> bool:
    end = _STATE.end
    return end is not None and monotonic() >= end


class _DeadlineConnection:
    """Mixed in before a valkey-py sync ``Connection`` class: its socket timeouts are cut to
    what is left of the running call's deadline around each wait."""

    socket_timeout: float | None
    socket_connect_timeout: float | None
    _sock: Any

    def connect(self) -> None:
        base: Any = super()  # valkey-py's sync Connection is not annotated
        if _STATE.end is None or self._sock is not None:
            base.connect()
            return
        configured = self.socket_connect_timeout
        self.socket_connect_timeout = remaining(configured)
        try:
            base.connect()
        except ValkeyTimeoutError as error:
            if _passed():
                raise DeadlineReached(str(error)) from error
            raise
        finally:
            self.socket_connect_timeout = configured

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        base: Any = super()
        self._within(lambda: base.send_packed_command(command, check_health))

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        base: Any = super()
        return self._within(lambda: base.read_response(*args, **kwargs))

    def _within(self, action: Any) -> Any:
        sock = self._sock
        if _STATE.end is None or sock is None:
            return action()
        sock.settimeout(remaining(self.socket_timeout))
        try:
            return action()
        except ValkeyTimeoutError as error:
            if _passed() and not isinstance(error, DeadlineReached):
                raise DeadlineReached(str(error)) from error
            raise
        finally:
            if self._sock is sock:  # not closed meanwhile
                sock.settimeout(self.socket_timeout)


_MADE: dict[type[Any], type[Any]] = {}


def deadline_connection(connection_class: type[Any]) -> type[Any]:
    """``connection_class`` (a valkey-py sync ``Connection`` class) whose waits on the network
    end at the running call's deadline."""
    if issubclass(connection_class, _DeadlineConnection):
        return connection_class
    made = _MADE.get(connection_class)
    if made is None:
        name = f"Deadline{connection_class.__name__}"
        made = _MADE.setdefault(connection_class, type(name, (_DeadlineConnection, connection_class), {}))
    return made
