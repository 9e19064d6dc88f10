"""Pure multi-key routing: split a multi-key operation into one ``Request`` per group of keys.

A cluster groups keys by hash slot, ``ShardClient`` by node. Each group gets one request built by
``Commands`` (one MGET / MSET / DEL per group, not one round trip per key); ``Grouped.merge``
joins the replies. A cluster client sends all parts in one pipeline (``gather``); a shard client
sends each part to its node. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

from django_valkey._core.commands import Args, Commands, Request, as_eval, key_list
from django_valkey._redact import safe_repr
from django_valkey.hash_ring import CompatHashRing, HashRing
from django_valkey.util import CacheKey

__all__ = [
    "SHARD_PLACEMENTS",
    "Grouped",
    "GroupedCommands",
    "Move",
    "ShardRouter",
    "gather",
    "group_keys",
    "routing_keys",
    "shard_placement",
]

H = TypeVar("H", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")


def group_keys(keys: Iterable[T], group: Callable[[T], H]) -> dict[H, list[T]]:
    """``keys`` bucketed by ``group(key)``, keeping their order inside each bucket."""
    groups: dict[H, list[T]] = {}
    for key in keys:
        groups.setdefault(group(key), []).append(key)
    return groups


class Grouped(Generic[H, R]):
    """One request per group (``parts``) and how to join their parsed results (``merge``)."""

    __slots__ = ("parts", "merge")

    def __init__(self, parts: dict[H, Request[Any]], merge: Callable[[list[Any]], R]) -> None:
        self.parts = parts
        self.merge = merge


def _sum(results: list[Any]) -> int:
    return sum(int(result) for result in results)


def _stored_per_group(results: list[Any]) -> list[bool]:
    return [not failed for failed in results]


def _concat(results: list[Any]) -> list[str]:
    return [key for result in results for key in result]


def gather(grouped: Grouped[Any, R], write: bool) -> Request[R]:
    """All parts of ``grouped`` as one pipelined request (a cluster pipeline routes each command)."""
    parts = list(grouped.parts.values())
    batch: list[Args] = []
    spans: list[int] = []
    for part in parts:
        if part.batch is not None:
            batch.extend(part.batch)
            spans.append(len(part.batch))
        elif part.args is not None:
            # A pipeline does not resend a script the server answered NOSCRIPT for: send its text.
            batch.append(as_eval(part.args) if part.args[0] == "EVALSHA" else part.args)
            spans.append(-1)
        else:
            spans.append(0)
    merge = grouped.merge

    def parse(replies: list[Any] | None) -> R:
        results: list[Any] = []
        at = 0
        for part, span in zip(parts, spans):
            if span == -1:
                results.append(part.parse(replies[at] if replies is not None else None))
                at += 1
            elif span == 0:
                results.append(part.parse(None))
            else:
                results.append(part.parse(replies[at : at + span] if replies is not None else None))
                at += span
        return merge(results)

    if not batch:
        return Request(None, parse, write=write)
    return Request(None, parse, write=write, batch=batch)


class GroupedCommands(Generic[H]):
    """The multi-key operations of ``Commands``, split by ``group(stored_key)``."""

    __slots__ = ("cmd", "group")

    def __init__(self, cmd: Commands, group: Callable[[str], H]) -> None:
        self.cmd = cmd
        self.group = group

    def _made(self, keys: Iterable[str], version: int | None) -> dict[CacheKey, str]:
        make_key = self.cmd.keys.make_key
        return {make_key(key, version): key for key in keys}

    def get_many(self, keys: Iterable[str], version: int | None) -> Grouped[H, dict[str, Any]]:
        """One MGET per group; the merged dict is keyed by the user's keys."""
        users = self._made(keys, version)
        cmd = self.cmd
        parts: dict[H, Request[Any]] = {
            name: cmd.get_many(made, None) for name, made in group_keys(users, self.group).items()
        }

        def merge(results: list[Any]) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for result in results:
                for made, value in result.items():
                    found[users[made]] = value
            return found

        return Grouped(parts, merge)

    def set_many(self, data: Mapping[str, Any], timeout: object, version: int | None) -> Grouped[H, list[str]]:
        """One MSET (or one batch of SET PX) per group; every value is encoded before any is sent."""
        make_key = self.cmd.keys.make_key
        made = {make_key(key, version): value for key, value in data.items()}
        cmd = self.cmd
        parts: dict[H, Request[Any]] = {
            name: cmd.set_many({key: made[key] for key in keys}, timeout, None)
            for name, keys in group_keys(made, self.group).items()
        }
        return Grouped(parts, _concat)

    def set_without_expiry(self, data: Mapping[str, Any], version: int | None) -> Grouped[H, list[bool]]:
        """One MSET per group, the values kept for ever (django-valkey 0.4's ``mset_nonatomic``):
        ``True`` per group stored."""
        grouped = self.set_many(data, None, version)
        return Grouped(grouped.parts, _stored_per_group)

    def delete_many(self, keys: Iterable[str], version: int | None) -> Grouped[H, int]:
        """One DEL per group; the merged result is the number of keys deleted."""
        return self.delete_stored(list(self._made(keys, version)))

    def delete_stored(self, stored: Sequence[Any]) -> Grouped[H, int]:
        """One DEL per group of already-made keys (e.g. from SCAN)."""
        group = self.group
        cmd = self.cmd
        parts: dict[H, Request[Any]] = {
            name: cmd.delete_stored(keys)
            for name, keys in group_keys(
                stored, lambda key: group(key.decode() if isinstance(key, bytes) else key)
            ).items()
        }
        return Grouped(parts, _sum)


# Where the keys of a command are, for routing it to the shard or slot that owns them.
_ALL_KEYS = frozenset(
    {"MGET", "DEL", "EXISTS", "SDIFF", "SINTER", "SUNION", "SDIFFSTORE", "SINTERSTORE", "SUNIONSTORE"}
)
_TWO_KEYS = frozenset({"RENAME", "SMOVE", "LMOVE", "BLMOVE"})
_KEYS_THEN_TIMEOUT = frozenset({"BLPOP", "BRPOP"})
_NO_KEYS = frozenset({"FLUSHDB", "FLUSHALL", "KEYS", "SCAN", "PING"})


def routing_keys(args: Args) -> tuple[Any, ...]:
    """The stored keys that command ``args`` touches (in the order it names them)."""
    name = args[0]
    if name == "EVAL" or name == "EVALSHA":
        return args[3 : 3 + int(args[2])]
    if name in _ALL_KEYS:
        return args[1:]
    if name == "MSET" or name == "MSETNX":
        return args[1::2]
    if name in _TWO_KEYS:
        return args[1:3]
    if name in _KEYS_THEN_TIMEOUT:
        return args[1:-1]
    if name in _NO_KEYS:
        return ()
    return args[1:2]


class Move:
    """Move a value between two stored keys that may live on different servers (or slots):
    ``dump`` (DUMP + PTTL of the old key), then ``restore`` on the new key's server, then ``delete``.
    Used by ``incr_version`` where RENAME cannot cross servers."""

    __slots__ = ("old", "new", "new_version", "dump", "delete", "_user_key")

    def __init__(self, cmd: Commands, key: str, delta: int, version: int | None) -> None:
        if type(delta) is not int:
            raise TypeError(f"delta must be an int, got {delta!r}")
        current = cmd.keys.version if version is None else version
        self.old = cmd.keys.make_key(key, current)
        self.new = cmd.keys.make_key(key, current + delta)
        self.new_version = current + delta
        self._user_key = key

        def parse(replies: list[Any]) -> tuple[bytes, int]:
            data, pttl = replies
            if data is None:
                raise ValueError(f"Key {key!r} not found.")
            return data, max(int(pttl), 0)  # RESTORE takes 0 for "no expiry"

        self.dump: Request[tuple[bytes, int]] = Request(
            None, parse, write=True, batch=[("DUMP", self.old), ("PTTL", self.old)]
        )
        self.delete: Request[int] = cmd.delete_stored([self.old])

    def restore(self, dumped: tuple[bytes, int]) -> Request[int]:
        data, pttl = dumped
        version = self.new_version
        return Request(("RESTORE", self.new, pttl, data, "REPLACE"), lambda _: version, write=True)


SHARD_PLACEMENTS = ("0.4", "even")


def shard_placement(options: Mapping[str, Any]) -> str:
    """``OPTIONS["SHARD_PLACEMENT"]``: ``"0.4"`` (django-valkey 0.4's ring, the default) or ``"even"``."""
    value: object = options.get("SHARD_PLACEMENT", "0.4")
    if value not in SHARD_PLACEMENTS:
        raise ImproperlyConfigured(
            "OPTIONS['SHARD_PLACEMENT'] must be '0.4' (django-valkey 0.4's ring: keys stay where 0.4 put "
            f"them; the default) or 'even' (an evener spread that places keys elsewhere), got {value!r}"
        )
    return str(value)


class ShardRouter:
    """Which LOCATION entry owns a stored key, for ``ShardClient`` and ``AsyncShardClient``.

    Servers sit on a ring by their URL, so naming the same servers in another order, or adding
    one, keeps the other keys where they were: ``CompatHashRing`` (django-valkey 0.4's) for the
    ``"0.4"`` placement, ``HashRing`` for ``"even"``.
    """

    __slots__ = ("ring", "_index", "grouped")

    def __init__(self, servers: Sequence[str], cmd: Commands, placement: str = "0.4") -> None:
        self._index = {url: index for index, url in enumerate(servers)}
        if len(self._index) != len(servers):
            raise ImproperlyConfigured(f"ShardClient: LOCATION lists a server twice: {safe_repr(list(servers))}")
        self.ring: HashRing[str] = HashRing(servers) if placement == "even" else CompatHashRing(servers)
        self.grouped: GroupedCommands[int] = GroupedCommands(cmd, self.node_of)

    def node_of(self, stored: str) -> int:
        """The index of the server that owns the stored key ``stored``."""
        return self._index[self.ring.get_node(stored)]

    def route(self, req: Request[Any]) -> int | None:
        """The server a request goes to (``None``: nothing to send); ValueError if its keys live on
        different servers."""
        args = req.args if req.args is not None else req.batch[0] if req.batch else None
        if args is None:
            return None
        keys = routing_keys(args)
        nodes = {self.node_of(key.decode() if isinstance(key, bytes) else str(key)) for key in keys}
        if len(nodes) != 1:
            raise ValueError(
                f"ShardClient cannot run {args[0]} over keys that live on different servers: "
                f"{[str(key) for key in keys]!r}"
            )
        return nodes.pop()

    def route_pipeline(self, commands: Sequence[Args]) -> int:
        """The server a pipeline of ``commands`` goes to; ValueError if their keys live on different
        servers (give them a hash tag: ``{cart9}:a``, ``{cart9}:b``)."""
        keys = [str(key.decode() if isinstance(key, bytes) else key) for args in commands for key in routing_keys(args)]
        nodes = {self.node_of(key) for key in keys}
        if len(nodes) > 1:
            raise ValueError(
                "ShardClient cannot run a pipeline over keys that live on different servers "
                f"({key_list(keys)}): give them a hash tag, e.g. '{{cart9}}:a' and '{{cart9}}:b'"
            )
        return nodes.pop() if nodes else 0
