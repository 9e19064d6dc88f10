"""What ``manage.py valkey`` does to a cache, as coroutines: one code path for every backend.

Every django-valkey cache has the native async API (a sync cache builds its async twin client from
the same settings), so the command runs these on ``asyncio.run`` whatever the backend: the servers
are reached through the cache's own client and connection factory (timeouts, TLS, passwords and
Sentinel as configured), keys are matched through the cache's key function and prefix, and SCAN is
used, never KEYS. Everything returned is plain data (for text or JSON); server addresses and error
messages are redacted.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.cache.backends.base import default_key_func

from django_valkey._core.keys import glob_escape
from django_valkey._redact import redact_text, redact_url

__all__ = [
    "Node",
    "Progress",
    "Topology",
    "count_matching",
    "delete_matching",
    "describe_error",
    "info_report",
    "is_instance",
    "list_keys",
    "ping_report",
    "prefix_pattern",
    "topology",
]

Execute = Callable[..., Awaitable[Any]]


def describe_error(exc: BaseException) -> str:
    """An error as one line for the output, passwords redacted."""
    return redact_text(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


@dataclass
class Node:
    """One server the command talks to: how it is shown, the role the settings give it, and how to
    run a command on it (``await node.execute("INFO")``)."""

    address: str
    expected_role: str
    execute: Execute


@dataclass
class Topology:
    """The servers of a cache: those holding data, the sentinels, and the raw clients whose key
    space holds the cache's keys (SCAN and UNLINK run on those)."""

    kind: str
    servers: list[Node]
    sentinels: list[Node] = field(default_factory=list[Node])
    key_space: list[Any] = field(default_factory=list[Any])


def _on_node(raw: Any, node: Any) -> Execute:
    async def execute(*args: Any) -> Any:
        return await raw.execute_command(*args, target_nodes=node)

    return execute


def is_instance(obj: object, cls: type) -> bool:
    """``isinstance`` without narrowing ``obj`` to a generic class with unknown parameters."""
    return isinstance(obj, cls)


async def topology(cache: Any) -> Topology:
    """The servers behind ``cache`` (any django-valkey backend), on the running event loop."""
    from valkey.asyncio.cluster import ValkeyCluster

    from django_valkey.async_cache.client import AsyncSentinelClient, AsyncShardClient
    from django_valkey.base_client import AsyncClientCommands

    client: Any = cache.async_client
    primary: Any = await cache.aget_client(True)
    if isinstance(primary, ValkeyCluster):
        await primary.initialize()
        nodes = sorted(primary.get_nodes(), key=lambda node: (node.server_type != "primary", node.name))
        servers = [
            Node(str(node.name), "primary" if node.server_type == "primary" else "replica", _on_node(primary, node))
            for node in nodes
        ]
        return Topology("cluster", servers, key_space=[primary])
    list_nodes = getattr(primary, "list_nodes", None)
    if list_nodes is not None:  # GLIDE's cluster raw client (django_valkey.glide)
        listed = await list_nodes()
        servers = [Node(node.name, node.server_type, _on_node(primary, node)) for node in listed]
        return Topology("cluster", servers, key_space=[primary])
    if not is_instance(client, AsyncClientCommands):  # a custom client: its primary only
        return Topology("standalone", [Node("primary", "primary", primary.execute_command)], key_space=[primary])
    urls: list[str] = list(getattr(client, "servers", []))
    raws: list[Any] = [primary] + [await client.connect(index) for index in range(1, len(urls))]
    shown = [redact_url(url) for url in urls]
    if is_instance(client, AsyncShardClient):
        servers = [Node(shown[i], "shard", raws[i].execute_command) for i in range(len(urls))]
        return Topology("shards", servers, key_space=raws)
    roles = ["primary"] + ["replica"] * (len(urls) - 1)
    servers = [Node(shown[i], roles[i], raws[i].execute_command) for i in range(len(urls))]
    if is_instance(client, AsyncSentinelClient):
        manager: Any = getattr(primary.connection_pool, "sentinel_manager", None)
        sentinels: list[Node] = []
        for sentinel in getattr(manager, "sentinels", []):
            kwargs: Mapping[str, Any] = sentinel.connection_pool.connection_kwargs
            address = f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
            sentinels.append(Node(address, "sentinel", sentinel.execute_command))
        return Topology("sentinel", servers, sentinels, key_space=[primary])
    return Topology("replicas" if len(urls) > 1 else "standalone", servers, key_space=[primary])


# --------------------------------------------------------------------------------------------
# ping and info
# --------------------------------------------------------------------------------------------

_ROLES = {"master": "primary", "slave": "replica", "sentinel": "sentinel"}
_REPLICA_ENTRY = re.compile(r"slave\d+")


def _role(info: Mapping[str, Any]) -> str | None:
    if str(info.get("redis_mode", info.get("server_mode", ""))) == "sentinel":
        return "sentinel"
    role: object = info.get("role")
    return None if role is None else _ROLES.get(str(role), str(role))


def _version(info: Mapping[str, Any]) -> str | None:
    version: object = info.get("valkey_version", info.get("redis_version"))
    return None if version is None else str(version)


def _replicas(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The replicas a primary's INFO lists (``slave0:ip=...,port=...,state=online,lag=0``)."""
    found: list[dict[str, Any]] = []
    for key in sorted(info, key=lambda name: (len(name), name)):
        entry: object = info[key]
        if _REPLICA_ENTRY.fullmatch(key) and isinstance(entry, Mapping):
            fields = cast("Mapping[str, Any]", entry)
            found.append(
                {
                    "address": f"{fields.get('ip', '?')}:{fields.get('port', '?')}",
                    "state": fields.get("state"),
                    "lag": fields.get("lag"),
                }
            )
    return found


async def _probe(node: Node) -> tuple[dict[str, Any], Mapping[str, Any] | None]:
    """PING (timed) and INFO of one node: its report, and its INFO (None when it failed)."""
    report: dict[str, Any] = {"address": node.address, "expected_role": node.expected_role}
    try:
        start = time.perf_counter()
        await node.execute("PING")
        report["latency_ms"] = round((time.perf_counter() - start) * 1000, 3)
        info = cast("Mapping[str, Any]", await node.execute("INFO"))
    except Exception as exc:
        report.update(ok=False, error=describe_error(exc))
        return report, None
    report.update(ok=True, version=_version(info), role=_role(info))
    return report, info


async def ping_report(cache: Any) -> dict[str, Any]:
    """Latency, version and role of every server (and sentinel) of ``cache``, and its topology."""
    topo = await topology(cache)
    servers: list[dict[str, Any]] = []
    for node in topo.servers:
        report, info = await _probe(node)
        if info is not None:
            if report["role"] == "primary":
                report["replicas"] = _replicas(info)
            elif report["role"] == "replica":
                report["primary"] = f"{info.get('master_host', '?')}:{info.get('master_port', '?')}"
                report["link"] = info.get("master_link_status")
        servers.append(report)
    sentinels: list[dict[str, Any]] = []
    for node in topo.sentinels:
        report, info = await _probe(node)
        sentinels.append(report)
    result: dict[str, Any] = {"topology": topo.kind, "servers": servers}
    if topo.sentinels:
        result["sentinels"] = sentinels
    if topo.kind == "cluster":
        result["cluster"] = await _cluster_state(topo)
    result["ok"] = all(entry["ok"] for entry in (*servers, *sentinels))
    return result


async def _cluster_state(topo: Topology) -> dict[str, Any] | None:
    for node in topo.servers:
        try:
            info = cast("Mapping[str, Any]", await node.execute("CLUSTER INFO"))
        except Exception:
            continue
        return {
            "state": info.get("cluster_state"),
            "known_nodes": _int(info.get("cluster_known_nodes")),
            "slots_assigned": _int(info.get("cluster_slots_assigned")),
            "slots_ok": _int(info.get("cluster_slots_ok")),
        }
    return None


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


_INFO_FIELDS = (
    "used_memory",
    "used_memory_human",
    "maxmemory",
    "maxmemory_policy",
    "connected_clients",
    "keyspace_hits",
    "keyspace_misses",
    "evicted_keys",
    "expired_keys",
)


async def info_report(cache: Any, itersize: int) -> dict[str, Any]:
    """Memory, hit ratio, clients, evictions and keys of every server of ``cache``, and the number
    of keys under its prefix (counted with SCAN)."""
    topo = await topology(cache)
    servers: list[dict[str, Any]] = []
    for node in topo.servers:
        report, info = await _probe(node)
        if info is not None:
            for name in _INFO_FIELDS:
                report[name] = info.get(name)
            hits, misses = _int(info.get("keyspace_hits")) or 0, _int(info.get("keyspace_misses")) or 0
            report["hit_ratio"] = round(hits / (hits + misses), 4) if hits + misses else None
            try:
                report["db_keys"] = int(await node.execute("DBSIZE"))
            except Exception as exc:
                report["db_keys"] = None
                report["error"] = describe_error(exc)
        servers.append(report)
    pattern = prefix_pattern(cache)
    counted = await count_matching(topo, pattern, itersize) if all(entry["ok"] for entry in servers) else None
    return {
        "topology": topo.kind,
        "prefix": str(cache.key_prefix),
        "pattern": pattern,
        "keys_under_prefix": counted,
        "servers": servers,
        "ok": all(entry["ok"] for entry in servers),
    }


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------


def prefix_pattern(cache: Any) -> str:
    """The SCAN pattern of every key under ``cache``'s KEY_PREFIX, whatever its version.

    With Django's key function that is ``<prefix>:*:*`` (the prefix matched literally); a custom
    KEY_FUNCTION is given ``*`` as the key and as the version."""
    prefix = glob_escape(str(cache.key_prefix))
    if cache.key_func is default_key_func:
        return f"{prefix}:*:*"
    return str(cache.key_func("*", prefix, "*"))


async def list_keys(cache: Any, pattern: str, limit: int, version: int | None, itersize: int) -> tuple[list[str], bool]:
    """Up to ``limit`` user keys matching ``pattern`` (``cache.aiter_keys``: SCAN), and whether
    there were more. ``limit`` 0: all of them."""
    keys: list[str] = []
    truncated = False
    iterator = cast("AsyncGenerator[str, None]", cache.aiter_keys(pattern, itersize=itersize, version=version))
    async with aclosing(iterator) as found:
        async for key in found:
            if limit and len(keys) >= limit:
                truncated = True
                break
            keys.append(key)
    return keys, truncated


async def count_matching(topo: Topology, pattern: str, itersize: int) -> int:
    """How many stored keys match ``pattern`` (SCAN over the cache's key space)."""
    count = 0
    for raw in topo.key_space:
        async with aclosing(raw.scan_iter(match=pattern, count=itersize)) as keys:
            async for _ in keys:
                count += 1
    return count


async def delete_matching(
    topo: Topology, pattern: str, batch: int, progress: Callable[[int], None] | None = None
) -> int:
    """UNLINK the stored keys matching ``pattern``, ``batch`` at a time as SCAN finds them (a
    cluster splits each batch by slot); the number deleted. ``progress`` gets the number each
    batch deleted."""
    deleted = 0

    async def unlink(raw: Any, found: list[Any]) -> None:
        nonlocal deleted
        count = int(await raw.unlink(*found))  # SCAN may return a key twice: count what UNLINK removed
        deleted += count
        if progress is not None:
            progress(count)

    for raw in topo.key_space:
        found: list[Any] = []
        async with aclosing(raw.scan_iter(match=pattern, count=batch)) as keys:
            async for key in keys:
                found.append(key)
                if len(found) >= batch:
                    await unlink(raw, found)
                    found = []
        if found:
            await unlink(raw, found)
    return deleted


async def database_size(topo: Topology) -> int:
    """The keys in the databases of the cache's key space (DBSIZE of each primary or shard)."""
    nodes = [node for node in topo.servers if node.expected_role in ("primary", "shard")]
    return sum([int(await node.execute("DBSIZE")) for node in nodes])


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar, redrawn in place (``\\r``) at most every ``interval`` seconds:
    ``deleting [#########...........]  45%  450000/1000000 keys  41000 keys/s``; without a total,
    the count and the rate. ``write`` gets the text (a terminal's stream)."""

    WIDTH = 30

    def __init__(
        self,
        write: Callable[[str], None],
        total: int | None,
        label: str = "deleting",
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.total = total
        self.label = label
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.started = clock()
        self.drawn_at: float | None = None
        self.width = 0

    def advance(self, count: int) -> None:
        self.done += count
        now = self.clock()
        if self.drawn_at is None or now - self.drawn_at >= self.interval:
            self.draw(now)

    def line(self, now: float) -> str:
        elapsed = now - self.started
        rate = f"{self.done / elapsed:,.0f} keys/s" if elapsed > 0 else ""
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * self.WIDTH)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            return f"{self.label} [{bar}] {share:4.0%}  {self.done:,}/{self.total:,} keys  {rate}".rstrip()
        return f"{self.label} {self.done:,} keys  {rate}".rstrip()

    def draw(self, now: float) -> None:
        text = self.line(now)
        self.write("\r" + text.ljust(self.width))
        self.width = len(text)
        self.drawn_at = now

    def close(self) -> None:
        """Draw the final state and end the line."""
        self.draw(self.clock())
        self.write("\n")


def stream_is_terminal(stream: object) -> bool:
    isatty: object = getattr(stream, "isatty", None)
    try:
        return callable(isatty) and bool(isatty())
    except ValueError:  # a closed stream
        return False


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
