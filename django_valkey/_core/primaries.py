"""Sentinel pools told of a failover by someone other than their own connections.

valkey-py's Sentinel pools learn that the primary moved only when one of their connections
reconnects (after a ``READONLY`` reply to a write, or a broken socket); until then their
connections keep reading from the old primary. The client-side cache's tracking connection
asks the sentinels once per heartbeat, and when it finds a new primary it points every pool of
the service at it (``follow_primary``): a connection to the old primary is then closed when it
is next taken or given back, so reads move too.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

__all__ = ["follow_primary", "register_sentinel_pool"]

_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()


def register_sentinel_pool(pool: Any) -> None:
    """Remember ``pool`` (a Sentinel pool of ours) for ``follow_primary``."""
    with _lock:
        _POOLS.add(pool)


def follow_primary(service: str, address: tuple[str, int]) -> None:
    """Point every primary pool of ``service`` at ``address`` (sync pools also close their idle
    connections now; async ones close a connection to another server when it is taken)."""
    with _lock:
        pools = [pool for pool in _POOLS if pool.service_name == service and pool.is_master]
    for pool in pools:
        pool.follow_primary(address)
