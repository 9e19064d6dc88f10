"""The client-side cache on a cluster: one tracking connection per primary.

The primaries are asked of the cluster (``CLUSTER SLOTS``, on a connection kept for it, to a
startup node or any node seen since) when the store is made and once per heartbeat after: a
failover, a node added or removed, changes the set, and the store starts again from empty on
the new one. Each primary then sends the invalidations of the keys in its own slots.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from django_valkey.base_client import tracked_server
from django_valkey.client_cache import TrackedServer
from django_valkey.cluster_cache.pool import startup_nodes
from django_valkey.pool import ConnectionFactory

__all__ = ["cluster_trackers", "node_url"]

# Cluster options that mean nothing to (or would break) a connection to one node.
_CLUSTER_ONLY = ("CONNECTION_POOL_CLASS", "BASE_CLIENT_CLASS", "BASE_CLIENT_KWARGS")


def node_url(startup: str, host: str, port: int) -> str:
    """``startup`` (a LOCATION URL) pointed at another node: same scheme, credentials and query."""
    parts = urlsplit(startup)
    userinfo, at, _ = parts.netloc.rpartition("@")
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit((parts.scheme, f"{userinfo}{at}{address}", parts.path, parts.query, ""))


def _primary_of(entry: object) -> tuple[object, object] | None:
    """The (host, port) of the primary in one entry of a ``CLUSTER SLOTS`` reply."""
    if not isinstance(entry, list):
        return None
    items = cast(list[object], entry)
    node = items[2] if len(items) >= 3 else None
    if not isinstance(node, list):
        return None
    fields = cast(list[object], node)
    return (fields[0], fields[1]) if len(fields) >= 2 else None


def _primaries(reply: object, asked: str) -> list[tuple[str, int]]:
    """The primaries in a ``CLUSTER SLOTS`` reply (a node that does not know its own address
    says ``""`` or ``"?"``: it is the one that was asked)."""
    found: set[tuple[str, int]] = set()
    for entry in cast(list[object], reply) if isinstance(reply, list) else []:
        primary = _primary_of(entry)
        if primary is None:
            continue
        raw_host, port = primary
        host = raw_host.decode() if isinstance(raw_host, bytes) else str(raw_host)
        found.add((host if host not in ("", "?") else asked, int(cast(int, port))))
    if not found:
        raise ValueError("CLUSTER SLOTS named no primary")
    return sorted(found)


def cluster_trackers(location: str, options: Mapping[str, Any]) -> Callable[[], list[TrackedServer]]:
    """A call that lists the cluster's primaries as ``TrackedServer``s (``location``: the
    comma-separated startup nodes)."""
    first, others = startup_nodes(location)
    known = [first, *(node_url(first, host, port) for host, port in others)]
    factory = ConnectionFactory({key: value for key, value in options.items() if key not in _CLUSTER_ONLY})
    made: dict[str, TrackedServer] = {}
    asking: list[Any] = [None, None]  # the connection CLUSTER SLOTS goes on, and its URL

    def ask(url: str) -> list[tuple[str, int]]:
        conn = asking[0] if asking[1] == url else None
        if conn is None:
            conn = tracked_server(factory, url).open()
            asking[:] = [conn, url]
        try:
            conn.send_command("CLUSTER", "SLOTS")
            return _primaries(conn.read_response(), urlsplit(url).hostname or "127.0.0.1")
        except Exception:
            conn.disconnect()
            asking[:] = [None, None]
            raise

    def tracked() -> list[TrackedServer]:
        error: Exception | None = None
        for url in ([asking[1]] if asking[1] else []) + known:
            try:
                primaries = ask(url)
            except Exception as failed:  # down, or not a cluster node: the next one
                error = failed
                continue
            urls = [node_url(first, host, port) for host, port in primaries]
            for seen in urls:
                if seen not in known:
                    known.append(seen)
            for seen in urls:
                if seen not in made:
                    made[seen] = tracked_server(factory, seen)
            return [made[seen] for seen in urls]
        assert error is not None
        raise error

    return tracked
