"""What the asyncio and the thread auto-pipelining clients share: which commands never share
the connection, the bound, and how one failure becomes an exception per caller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["MAX_IN_FLIGHT", "OWN_CONNECTION", "copy_error", "idle_past", "multiplexable"]

#: The most commands waiting on a multiplexed connection at once (written or queued); more go
#: through the pool.
MAX_IN_FLIGHT: Final = 10_000

#: Commands that hold a connection (blocking ones) or change its state: never multiplexed.
OWN_CONNECTION: Final = frozenset(
    {
        *("BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP"),
        *("XREAD", "XREADGROUP", "WAIT", "WAITAOF", "DEBUG", "MONITOR", "SYNC", "PSYNC"),
        *("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"),
        *("SELECT", "WATCH", "UNWATCH", "MULTI", "EXEC", "DISCARD", "CLIENT", "AUTH", "HELLO"),
        *("RESET", "QUIT", "READONLY", "READWRITE", "SHUTDOWN", "SWAPDB"),
    }
)

# Per-call options that change nothing on the wire (valkey-py's own client-side cache keys).
_HARMLESS_OPTIONS: Final = frozenset({"keys"})


def multiplexable(command: object, options: Mapping[str, Any], single_connection: bool) -> bool:
    """Whether a command may share the multiplexed connection: not one of ``OWN_CONNECTION``, no
    valkey-py per-call options, not on a client that holds a connection of its own."""
    if single_connection or (options and not _HARMLESS_OPTIONS.issuperset(options)):
        return False
    return str(command).upper() not in OWN_CONNECTION


def idle_past(interval: float | None, used: float, now: float) -> bool:
    """Whether a connection last used at ``used`` has been idle for longer than the pool's
    ``health_check_interval`` (``None`` or 0: never): it may have been dropped silently, so it
    is replaced before anything is written on it."""
    return interval is not None and interval > 0 and now - used > interval


def copy_error(error: BaseException, fallback: type[Exception]) -> Exception:
    """A fresh exception like ``error`` (so the callers it fails do not share one traceback);
    ``fallback()`` for what is not an ``Exception`` (a cancellation)."""
    if not isinstance(error, Exception):
        return fallback("the connection was closed")
    try:
        copy = type(error)(*error.args)
    except Exception:
        return error
    copy.__cause__ = error.__cause__
    return copy
