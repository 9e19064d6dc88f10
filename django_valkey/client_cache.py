"""The client-side cache (``OPTIONS["CLIENT_CACHE"]``): values read from the server are kept in
process memory and served from there until the server says they changed.

The server tells us through Valkey's server-assisted client-side caching: one tracking
connection per server, in BCAST mode for the cache's key prefix, redirected to itself and
subscribed to ``__redis__:invalidate``. The server then sends the name of every key under the
prefix that any client changes (a write, a delete, an expiry, an eviction; ``None`` for a flush).

What keeps the local copies true:

- A read looks at the tracking connections without waiting (``can_read(0)``) and applies every
  invalidation that has arrived before it looks at the local store.
- A read the store cannot answer registers a *fill* before it is sent; an invalidation of that
  key, a write of it from this process or a flush cancels the fill, so a reply that may be older
  than a change is never stored.
- A value is kept at most as long as the server keeps it: the fill reads ``PTTL`` in the same
  round trip, and the local expiry is counted from before the request was sent.
- While a tracking connection is down (closed, unparsable data, no reply to the heartbeat PING
  within ``HEARTBEAT`` seconds), the store is emptied and every read goes to the server; the
  connection is made again in the background and the store is used again once it is back.
- A write through this process forgets the keys it names, before it is sent and after it answers.

Values are kept as the stored bytes and decoded on every hit, so callers never share an object.
"""

from __future__ import annotations

import logging
import os
import select
import ssl
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured

from django_valkey._core.commands import Args, Request
from django_valkey._options import settings_dict
from django_valkey._redact import redact_url

__all__ = [
    "CLIENT_CACHE_DEFAULTS",
    "ClientCache",
    "ClientCacheSettings",
    "ClientCacheStats",
    "Miss",
    "TrackedServer",
    "client_cache_for",
    "close_client_caches",
    "client_cache_settings",
    "written_keys",
]

_R = TypeVar("_R")

log: logging.Logger = logging.getLogger("django_valkey.client_cache")

#: ``OPTIONS["CLIENT_CACHE"]`` keys and their defaults.
MAX_BACKOFF: Final = 2.0
"""Seconds between attempts to reconnect a tracking connection to a server that stays down."""

CLIENT_CACHE_DEFAULTS: Final[Mapping[str, object]] = {
    "MAX_ENTRIES": 10_000,
    "MAX_BYTES": 64 * 1024 * 1024,
    "MAX_AGE": None,
    "KEY_PREFIXES": None,
    "HEARTBEAT": 0.2,
}

#: Bytes counted for each entry beside its key and value (the entry's own objects).
ENTRY_OVERHEAD: Final = 100

INVALIDATE_CHANNEL: Final = b"__redis__:invalidate"

_NONE: Final[list[int]] = []


class ClientCacheSettings:
    """``OPTIONS["CLIENT_CACHE"]`` read and checked."""

    __slots__ = ("max_entries", "max_bytes", "max_age", "key_prefixes", "heartbeat")

    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        max_age: float | None,
        key_prefixes: tuple[str, ...] | None,
        heartbeat: float,
    ) -> None:
        self.max_entries: int = max_entries
        self.max_bytes: int = max_bytes
        self.max_age: float | None = max_age
        self.key_prefixes: tuple[str, ...] | None = key_prefixes
        """User-key prefixes kept locally (``None``: every key)."""
        self.heartbeat: float = heartbeat

    def key(self) -> tuple[object, ...]:
        """What makes two settings the same local store."""
        return (self.max_entries, self.max_bytes, self.max_age, self.key_prefixes, self.heartbeat)


def _positive(options: Mapping[str, object], name: str, integer: bool, optional: bool = False) -> Any:
    value = options.get(name, CLIENT_CACHE_DEFAULTS[name])
    if value is None and optional:
        return None
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        what = "a positive int" if integer else "a positive number of seconds"
        if optional:
            what += " or None"
        raise ImproperlyConfigured(f"OPTIONS['CLIENT_CACHE']['{name}'] must be {what}, got {value!r}")
    return value


def client_cache_settings(given: object) -> ClientCacheSettings | None:
    """``OPTIONS["CLIENT_CACHE"]`` read: ``None`` when missing or ``False`` (no client cache), the
    defaults for ``True``, else a dict of the keys in ``CLIENT_CACHE_DEFAULTS``."""
    if given is None or given is False:
        return None
    options = settings_dict(given, "CLIENT_CACHE", CLIENT_CACHE_DEFAULTS, "a dict, True or False")
    prefixes = options.get("KEY_PREFIXES")
    if prefixes is not None:
        if isinstance(prefixes, str) or not isinstance(prefixes, (list, tuple)):
            raise ImproperlyConfigured(
                f"OPTIONS['CLIENT_CACHE']['KEY_PREFIXES'] must be a list of strings or None, got {prefixes!r}"
            )
        items = cast(Sequence[object], prefixes)
        if not all(isinstance(p, str) for p in items):
            raise ImproperlyConfigured(
                f"OPTIONS['CLIENT_CACHE']['KEY_PREFIXES'] must hold strings only, got {prefixes!r}"
            )
        prefixes = tuple(cast(Sequence[str], items))
    return ClientCacheSettings(
        int(_positive(options, "MAX_ENTRIES", True)),
        int(_positive(options, "MAX_BYTES", True)),
        _positive(options, "MAX_AGE", False, optional=True),
        prefixes,
        float(_positive(options, "HEARTBEAT", False)),
    )


@dataclass(frozen=True)
class ClientCacheStats:
    """Counters of one process's local store (``cache.client_cache_stats()``), since it was made."""

    hits: int
    """Reads answered from process memory."""
    misses: int
    """Reads sent to the server while the store was in use."""
    bypassed: int
    """Reads sent to the server because a tracking connection was down."""
    fills: int
    """Replies stored."""
    evictions: int
    """Entries dropped to stay within ``MAX_ENTRIES`` / ``MAX_BYTES``."""
    invalidations: int
    """Key names the server sent (each may drop an entry or cancel a fill)."""
    flushes: int
    """Times the whole store was emptied (a server flush, a lost tracking connection, ``clear()``)."""
    entries: int
    bytes: int
    tracking: bool
    """Whether every tracking connection is up (the store is in use)."""


class Miss:
    """A read the local store did not answer; the fill it registered (if any)."""

    __slots__ = ("started",)

    def __init__(self, started: float) -> None:
        self.started: float = started


#: A read that must not be stored (tracking down, key outside the tracked prefix).
BYPASS: Final = Miss(0.0)

_Entry = tuple["bytes | None", float, int]  # value (None: the key is missing), expiry, size
_Opener = Callable[[], Any]  # a new, unconnected valkey-py Connection to the server


@dataclass(frozen=True)
class TrackedServer:
    """A server whose invalidations a store follows: how to open a connection to it and its name
    in log lines; for a primary found through Sentinel, where the sentinels say the primary is
    (asked once per heartbeat: another address, or no answer, is a failover) and what to tell of
    a new one (the data connections' pools follow it)."""

    open: _Opener
    label: str
    primary: Callable[[], tuple[str, int]] | None = None
    on_failover: Callable[[tuple[str, int]], None] | None = None


class _Tracker:
    """The tracking connection to one server."""

    __slots__ = (
        "open_connection",
        "label",
        "primary",
        "on_failover",
        "conn",
        "ping_sent",
        "last_pong",
        "checked_at",
        "retry_at",
        "failures",
        "warned",
    )

    def __init__(self, server: TrackedServer) -> None:
        self.open_connection = server.open
        self.label = redact_url(server.label)
        self.primary = server.primary
        self.on_failover = server.on_failover
        self.checked_at = 0.0
        self.conn: Any = None
        self.ping_sent = 0.0
        self.last_pong = 0.0
        self.retry_at = 0.0
        self.failures = 0
        """Connections lost or refused since the server last answered a PING (the backoff)."""
        self.warned = False
        """An outage is logged once: until the server answers a PING again."""

    def healthy(self, now: float) -> None:
        """The server answered a PING: the outage, if any, is over."""
        self.ping_sent = 0.0
        self.last_pong = now
        self.failures = 0
        self.warned = False

    def backoff(self, heartbeat: float) -> float:
        """Seconds to wait before the next connect: the heartbeat, doubled per failure since the
        server last answered, at most ``MAX_BACKOFF``."""
        self.failures += 1
        return min(MAX_BACKOFF, heartbeat * (1 << min(self.failures - 1, 16)))

    def connect(self, prefix: str | None, timeout: float) -> Any:
        """A new tracking connection, or ``None`` (logged) if the server cannot be reached;
        connecting and each reply of the handshake waited for at most ``timeout`` seconds (the
        heartbeat thread serves every store: a server that accepts but does not answer must
        not hold it up for a whole socket timeout)."""
        conn = self.open_connection()
        conn.socket_connect_timeout = min(conn.socket_connect_timeout or timeout, timeout)
        conn.socket_timeout = min(conn.socket_timeout or timeout, timeout)
        try:
            conn.connect()
            conn.send_command("CLIENT", "ID")
            client_id = conn.read_response()
            args: list[object] = ["CLIENT", "TRACKING", "on", "REDIRECT", client_id, "BCAST"]
            if prefix:
                args += ["PREFIX", prefix]
            conn.send_command(*args)
            conn.read_response()
            conn.send_command("SUBSCRIBE", INVALIDATE_CHANNEL)
            conn.read_response()
        except Exception as error:
            if not self.warned:
                log.warning("client cache: no tracking connection to %s (%s)", self.label, type(error).__name__)
                self.warned = True
            _close(conn)
            return None
        return conn


def _watcher(fds: list[int]) -> Callable[[float], list[Any]]:
    """A call that lists which of ``fds`` are readable within a timeout: an ``epoll`` where
    there is one (half the cost of a ``select`` per call), else ``select``. A new one per set of
    sockets: a reader still holding the old one finds it intact (it closes when unused)."""
    epoll = getattr(select, "epoll", None)
    if epoll is not None:
        watcher = epoll()
        for fd in fds:
            watcher.register(fd, select.EPOLLIN)
        readable: Callable[[float], list[Any]] = watcher.poll
        return readable

    def selected(timeout: float) -> list[Any]:
        ready: list[Any] = select.select(fds, _NONE, _NONE, timeout)[0]
        return ready

    return selected


def _close(conn: Any) -> None:
    try:
        conn.disconnect()
    except Exception:  # already broken: nothing more to close
        pass


class ClientCache:
    """One process's local store for one set of servers and key prefix, shared by every cache
    object (and thread, and event loop) built with the same settings."""

    def __init__(
        self,
        settings: ClientCacheSettings,
        servers: Sequence[TrackedServer],
        prefix: str | None,
        discover: Callable[[], Sequence[TrackedServer]] | None = None,
    ) -> None:
        self.settings: ClientCacheSettings = settings
        self.prefix: str | None = prefix
        """The BCAST prefix: every stored key kept here starts with it (``None``: any key)."""
        self._lock = threading.Lock()
        self._ticking = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._pending: dict[str, Miss] = {}
        self._bytes = 0
        self._trackers = [_Tracker(server) for server in servers]
        self._discover = discover
        """Lists the servers to track now (a cluster's primaries), asked once per heartbeat."""
        self._discovered_at = time.monotonic()
        self._up = False
        self._closed = False
        self._fds: list[int] = []
        self._readable: Callable[[float], list[Any]] = _watcher([])
        """The tracking sockets, watched with one ``select`` per read."""
        self._watch_all = False
        """A TLS socket may hold decrypted bytes ``select`` cannot see: ask each connection."""
        self.hits: int = 0
        self.misses: int = 0
        self.bypassed: int = 0
        self.fills: int = 0
        self.evictions: int = 0
        self.invalidations: int = 0
        self.flushes: int = 0
        _ALL.add(self)

    # ---------------------------------------------------------------- the read path

    def lookup(self, key: str) -> bytes | None | Miss:
        """The stored bytes of ``key`` (``None``: known to be missing), or a ``Miss`` to pass to
        ``fill`` with the server's reply."""
        if self._watch_all or self._readable(0):
            self._drain_all()
        return self._find(key, time.monotonic())

    def lookup_many(self, keys: Sequence[str]) -> list[bytes | None | Miss]:
        """``lookup`` of each of ``keys``, the tracking sockets looked at once."""
        if self._watch_all or self._readable(0):
            self._drain_all()
        now = time.monotonic()
        find = self._find
        return [find(key, now) for key in keys]

    def _find(self, key: str, now: float) -> bytes | None | Miss:
        """``lookup`` once the invalidations that had arrived are applied."""
        prefix = self.prefix
        if prefix is not None and not key.startswith(prefix):
            return BYPASS
        allowed = self.settings.key_prefixes
        if allowed is not None and not _user_key(key).startswith(allowed):
            return BYPASS
        if not self._up:
            self.bypassed += 1
            _HEARTBEAT.ensure()
            return BYPASS
        entries = self._entries
        entry = entries.get(key)
        if entry is not None and entry[1] > now:
            try:
                entries.move_to_end(key)
            except KeyError:  # another thread dropped it meanwhile: it was current until then
                pass
            self.hits += 1
            return entry[0]
        with self._lock:
            if self._down():  # lost meanwhile
                return BYPASS
            if entry is not None:
                self._drop(key)
            self.misses += 1
            miss = self._pending[key] = Miss(now)
            return miss

    def _down(self) -> bool:
        return not self._up

    def _drain_all(self) -> None:
        """Apply every invalidation that has arrived on any tracking connection."""
        with self._lock:
            for tracker in self._trackers:
                conn = tracker.conn
                if conn is not None:
                    try:
                        if conn.can_read(0):
                            self._drain(tracker)
                    except Exception as error:
                        self._lost(tracker, error)

    def fill(self, key: str, miss: Miss, value: bytes | None, pttl: int) -> None:
        """Keep ``value`` (the reply to the read ``miss`` registered) with the server's
        remaining time to live ``pttl`` (ms; -1 none, -2 missing), unless the fill was cancelled."""
        if miss is BYPASS:
            return
        with self._lock:
            if self._pending.get(key) is not miss:
                return
            del self._pending[key]
            settings = self.settings
            expires = float("inf") if pttl < 0 else miss.started + pttl / 1000.0
            if settings.max_age is not None:
                expires = min(expires, miss.started + settings.max_age)
            if expires <= time.monotonic():
                return
            size = len(key) + ENTRY_OVERHEAD + (0 if value is None else len(value))
            if size > settings.max_bytes:
                return
            self._drop(key)
            self._entries[key] = (value, expires, size)
            self._bytes += size
            self.fills += 1
            while len(self._entries) > settings.max_entries or self._bytes > settings.max_bytes:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self.evictions += 1

    def forget(self, keys: Iterable[str] | None) -> None:
        """Drop ``keys`` (``None``: everything) and cancel their fills: this process writes them."""
        with self._lock:
            if keys is None:
                self._flush()
                return
            pending, entries = self._pending, self._entries
            if pending:
                for key in pending.keys() & keys:
                    del pending[key]
            if entries:
                for key in entries.keys() & keys:
                    self._drop(key)

    def flush(self) -> None:
        """Empty the local store (the server keeps its data)."""
        with self._lock:
            self._flush()

    def stats(self) -> ClientCacheStats:
        """The counters (see ``ClientCacheStats``)."""
        with self._lock:
            return ClientCacheStats(
                self.hits,
                self.misses,
                self.bypassed,
                self.fills,
                self.evictions,
                self.invalidations,
                self.flushes,
                len(self._entries),
                self._bytes,
                self._up,
            )

    @property
    def tracking(self) -> bool:
        """Whether every tracking connection is up, so reads may be answered locally."""
        return self._up

    def wait_until_tracking(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every tracking connection to be up."""
        end = time.monotonic() + timeout
        while not self._up:
            _HEARTBEAT.ensure()
            if time.monotonic() >= end:
                return False
            time.sleep(0.005)
        return True

    # ---------------------------------------------------------------- requests

    def fill_request(self, req: Request[_R], miss: Miss) -> Request[_R]:
        """``req`` (a ``GET``) as the read that fills ``miss``: ``GET`` and ``PTTL`` in one round
        trip, on the primary (the server whose tracking connection guards the fill); a read that
        will not be stored is ``req`` as it is."""
        if miss is BYPASS:
            return req
        args = cast(Args, req.args)
        key: str = args[1]
        parse = req.parse

        def parse_and_keep(reply: list[Any]) -> _R:
            value, pttl = reply
            self.fill(key, miss, value, pttl)
            return parse(value)

        fill: Request[_R] = _Fill(None, parse_and_keep, write=True, batch=[args, ("PTTL", key)])
        return fill

    def fill_many_request(self, keys: Sequence[str], found: list[bytes | None | Miss]) -> Request[None] | None:
        """The read of what ``lookup_many(keys)`` did not answer (``None``: it answered all):
        one ``MGET`` of those keys (and a ``PTTL`` of each that will be kept) in one round trip,
        whose reply is put in ``found`` in their places."""
        missing = [(at, keys[at], miss) for at, miss in enumerate(found) if isinstance(miss, Miss)]
        if not missing:
            return None
        kept = [(key, miss) for _, key, miss in missing if miss is not BYPASS]
        batch: list[Args] = [("MGET", *[key for _, key, _ in missing]), *[("PTTL", key) for key, _ in kept]]

        def parse(replies: list[Any]) -> None:
            pttls = iter(replies[1:])
            for (at, key, miss), value in zip(missing, replies[0]):
                found[at] = value
                if miss is not BYPASS:
                    self.fill(key, miss, value, next(pttls))

        if not kept:  # tracking is down: nothing will be kept, any server may answer
            return Request(None, parse, batch=batch[:1])
        return _Fill(None, parse, write=True, batch=batch)

    def writing(self, req: Request[_R]) -> Request[_R]:
        """Forget the keys ``req`` writes, now and again when its reply comes (a fill from
        another thread may have read the old value in between)."""
        if isinstance(req, _Fill):
            return req
        keys: Sequence[str] | None
        if req.batch is not None:
            keys = written_batch(req.batch)
        elif req.args is not None:
            keys = written_keys(req.args)
        else:
            return req
        self.forget(keys)
        parse = req.parse

        def forget_again(reply: Any) -> _R:
            self.forget(keys)
            return parse(reply)

        return Request(req.args, forget_again, req.write, req.batch, req.on_error)

    # ---------------------------------------------------------------- under the lock

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[2]

    def _flush(self) -> None:
        self._entries.clear()
        self._pending.clear()
        self._bytes = 0
        self.flushes += 1

    def _drain(self, tracker: _Tracker) -> None:
        """Apply every message that has arrived on ``tracker``'s connection."""
        conn = tracker.conn
        while True:
            message: object = conn.read_response()
            if not isinstance(message, list):
                raise ValueError("unexpected message on the tracking connection")
            items = cast(list[object], message)
            kind = items[0] if items else None
            if kind == b"message" and len(items) == 3 and items[1] == INVALIDATE_CHANNEL:
                keys = items[2]
                if keys is None:
                    self._flush()
                elif isinstance(keys, list):
                    names = cast(list[bytes], keys)
                    for raw in names:
                        key = raw.decode("utf-8", "surrogateescape")
                        self._pending.pop(key, None)
                        self._drop(key)
                    self.invalidations += len(names)
                else:
                    raise ValueError("unexpected invalidation on the tracking connection")
            elif kind == b"pong":
                tracker.healthy(time.monotonic())
            else:
                raise ValueError("unexpected message on the tracking connection")
            if not conn.can_read(0):
                return

    def _lost(self, tracker: _Tracker, error: Exception | str) -> None:
        """``tracker``'s connection is gone or untrusted: stop using the store until it is back."""
        if not tracker.warned:
            why = error if isinstance(error, str) else type(error).__name__
            log.warning("client cache: tracking connection to %s lost (%s); reads go to the server", tracker.label, why)
            tracker.warned = True
        conn, tracker.conn = tracker.conn, None
        if conn is not None:
            _close(conn)
        # the first reconnect at once (a failover, a restart); then backing off
        tracker.retry_at = 0.0 if tracker.failures == 0 else time.monotonic() + tracker.backoff(self.settings.heartbeat)
        tracker.failures = max(tracker.failures, 1)
        self._up = False
        self._flush()
        self._watch()

    # ---------------------------------------------------------------- the heartbeat thread

    def tick(self) -> None:
        """Drain, PING and reconnect the tracking connections (the heartbeat thread calls this;
        a store being made calls it once too: one of them at a time)."""
        if not self._ticking.acquire(blocking=False):
            return
        try:
            self._tick()
        finally:
            self._ticking.release()

    def _tick(self) -> None:
        heartbeat = self.settings.heartbeat
        if self._discover is not None and time.monotonic() - self._discovered_at >= heartbeat:
            self._rediscover()
        for tracker in self._trackers:
            now = time.monotonic()
            if tracker.conn is None:
                if now >= tracker.retry_at:
                    self._reconnect(tracker)
                continue
            with self._lock:
                conn = tracker.conn
                if conn is None:
                    continue
                try:
                    if conn.can_read(0):
                        self._drain(tracker)
                    if tracker.ping_sent:
                        if now - tracker.ping_sent > heartbeat:
                            self._lost(tracker, f"no reply to PING within {heartbeat} s")
                    elif now - tracker.last_pong >= heartbeat:
                        conn.send_command("PING")
                        tracker.ping_sent = now
                except Exception as error:
                    self._lost(tracker, error)
                    continue
            if tracker.primary is not None and now - tracker.checked_at >= heartbeat:
                self._check_primary(tracker, now)

    def _rediscover(self) -> None:
        """Ask which servers to track (without the lock: round trips) and track them."""
        assert self._discover is not None
        self._discovered_at = time.monotonic()
        try:
            servers = list(self._discover())
        except Exception:  # no node answered: the trackers' own heartbeats judge the old set
            return
        self.track(servers)

    def track(self, servers: Sequence[TrackedServer]) -> None:
        """Follow the invalidations of ``servers`` from now on (a failover, a node added or
        removed): when they are not the ones tracked, the store is emptied and serves again
        once each new one is connected (the heartbeat thread connects them)."""
        labels = [redact_url(server.label) for server in servers]
        if labels == [tracker.label for tracker in self._trackers]:
            return
        kept = {tracker.label: tracker for tracker in self._trackers}
        with self._lock:
            if self._closed:
                return
            trackers = [
                kept.pop(label) if label in kept else _Tracker(server) for label, server in zip(labels, servers)
            ]
            for gone in kept.values():
                if gone.conn is not None:
                    _close(gone.conn)
                    gone.conn = None
            self._trackers = trackers
            log.info("client cache: tracking %s now", ", ".join(labels))
            self._flush()  # what was read from a server no longer tracked (or not yet) goes
            self._watch()
            self._up = bool(trackers) and all(tracker.conn is not None for tracker in trackers)  # else: on reconnect

    def _check_primary(self, tracker: _Tracker, now: float) -> None:
        """Ask the sentinels (without the lock: a round trip) whether ``tracker`` is still
        connected to the primary. After a failover: empty the store, point the data
        connections' pools at the new primary, then follow it (the next tick reconnects)."""
        tracker.checked_at = now
        conn = tracker.conn
        assert tracker.primary is not None
        address: tuple[str, int] | None
        try:
            address = tracker.primary()
        except Exception as error:
            address, why = None, f"the sentinels did not say which server is the primary ({type(error).__name__})"
        else:
            if address == (conn.host, conn.port):
                return
            why = "the primary changed (failover)"
        with self._lock:
            if tracker.conn is conn:
                self._lost(tracker, why)
        if address is not None and tracker.on_failover is not None:
            tracker.on_failover(address)

    def _reconnect(self, tracker: _Tracker) -> None:
        conn = tracker.connect(self.prefix, max(0.1, 2 * self.settings.heartbeat))
        now = time.monotonic()
        if conn is None:
            tracker.retry_at = now + tracker.backoff(self.settings.heartbeat)
            return
        with self._lock:
            if self._closed:  # closed while this thread connected
                _close(conn)
                return
            tracker.conn = conn
            tracker.ping_sent = 0.0
            tracker.last_pong = now
            tracker.checked_at = now  # the connect asked the sentinels just now
            self._watch()
            if all(t.conn is not None for t in self._trackers):
                self._flush()  # nothing kept from before: invalidations may have been missed
                self._up = True

    def _watch(self) -> None:
        """Point the per-read readiness check at the connected tracking sockets."""
        socks = [t.conn._sock for t in self._trackers if t.conn is not None and t.conn._sock is not None]
        self._watch_all = any(isinstance(sock, ssl.SSLSocket) for sock in socks)
        self._fds = [sock.fileno() for sock in socks]
        self._readable = _watcher(self._fds)

    def start(self) -> None:
        """Open the tracking connections now (the heartbeat thread keeps them)."""
        self.tick()
        _HEARTBEAT.ensure()

    def close(self) -> None:
        """Close the tracking connections and empty the store for good: clients that hold it send
        every read to the server, and a cache built afterwards makes a new store."""
        with _registry_lock:
            for key in [key for key, cache in _REGISTRY.items() if cache is self]:
                del _REGISTRY[key]
        _ALL.discard(self)
        with self._lock:
            self._closed = True
            self._up = False
            for tracker in self._trackers:
                conn, tracker.conn = tracker.conn, None
                if conn is not None:
                    _close(conn)
            self._fds = []
            self._readable = _watcher([])
            self._flush()

    def after_fork(self) -> None:
        """In a forked child: forget the parent's connections (without closing the parent's
        sockets) and the store; the heartbeat thread makes the child's own."""
        self._lock = threading.Lock()
        self._ticking = threading.Lock()
        for tracker in self._trackers:
            tracker.conn = None
            tracker.retry_at = 0.0
        self._up = False
        self._fds = []
        self._readable = _watcher([])  # not the parent's epoll: its kernel object is shared
        self._entries.clear()
        self._pending.clear()
        self._bytes = 0


def _user_key(key: str) -> str:
    """The user part of a stored key made by Django's default key function (``prefix:version:key``)."""
    parts = key.split(":", 2)
    return parts[2] if len(parts) == 3 else key


def written_keys(args: Sequence[object]) -> Sequence[str] | None:
    """The stored keys a write command may change: every string argument after the command name
    (keys are strings, values bytes or ints; an option such as ``PX`` costs a lookup); ``None``
    (everything) for a flush."""
    name = args[0]
    if isinstance(name, str) and name.upper() in ("FLUSHDB", "FLUSHALL"):
        return None
    return [arg for arg in args[1:] if isinstance(arg, str)]


def written_batch(batch: Sequence[Args]) -> list[str] | None:
    """``written_keys`` over every command of a pipeline."""
    keys: list[str] = []
    for args in batch:
        more = written_keys(args)
        if more is None:
            return None
        keys += more
    return keys


class _Fill(Request[_R]):
    """The read that fills a local entry (it goes to the primary, but forgets nothing)."""

    __slots__ = ()


# ---------------------------------------------------------------- process-wide state

_ALL: weakref.WeakSet[ClientCache] = weakref.WeakSet()
_REGISTRY: dict[Hashable, ClientCache] = {}
_registry_lock = threading.Lock()


class _Heartbeat:
    """The daemon thread that keeps every store's tracking connections (made again after a fork)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="django-valkey client cache", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            caches = list(_ALL)
            if not caches:
                time.sleep(0.05)
                continue
            for cache in caches:
                try:
                    cache.tick()
                except Exception:  # never let one store stop the others' heartbeat
                    log.exception("client cache: heartbeat failed")
            time.sleep(max(0.005, min(c.settings.heartbeat for c in caches) / 4))

    def after_fork(self) -> None:
        self._thread = None
        self._lock = threading.Lock()


_HEARTBEAT = _Heartbeat()


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    _HEARTBEAT.after_fork()
    for cache in list(_ALL):
        cache.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


def client_cache_for(
    key: Hashable,
    settings: ClientCacheSettings,
    servers: Callable[[], Sequence[TrackedServer]],
    prefix: str | None,
    start_now: bool,
    rediscover: bool = False,
) -> ClientCache:
    """The process's store for ``key`` (servers, options, prefix), made and started on first use:
    ``start_now`` connects in this thread (a sync cache), else the heartbeat thread does (an
    async cache: the event loop does not wait for a connect). With ``rediscover``, ``servers``
    is asked again once per heartbeat (a cluster's primaries)."""
    cache = _REGISTRY.get(key)
    if cache is not None:
        return cache
    with _registry_lock:
        cache = _REGISTRY.get(key)
        if cache is None:
            first: Sequence[TrackedServer]
            try:
                first = servers()
            except Exception as error:
                if not rediscover:
                    raise
                # A cluster with no node answering yet: tracked once one does; reads go to it meanwhile.
                log.warning(
                    "client cache: no cluster node answered (%s); reads go to the servers", type(error).__name__
                )
                first = []
            cache = _REGISTRY[key] = ClientCache(settings, first, prefix, servers if rediscover else None)
            if start_now:
                cache.start()
            else:
                _HEARTBEAT.ensure()
    return cache


def close_client_caches() -> None:
    """Close every store of this process (``ClientCache.close``): before stopping the servers
    at the end of a test run or a benchmark, say."""
    for cache in list(_ALL):
        cache.close()
