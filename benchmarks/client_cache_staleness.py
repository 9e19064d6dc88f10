"""Does the client-side cache ever serve a value older than the bound? Writers in other processes,
a checker that reads through ``OPTIONS["CLIENT_CACHE"]`` and counts stale reads.

    python benchmarks/client_cache_staleness.py                 # 200,000 reads (about 20 s)
    python benchmarks/client_cache_staleness.py --reads 100000 --writers 2

Each writer process owns some keys and writes each one's sequence number, 1, 2, 3..., through a
ValkeyCache with no client cache (the same stored format). After each write returns, it records
the number and the time (``time.monotonic``, one clock for every process on Linux) in shared
memory. The checker process reads random keys through a ValkeyCache with the client cache on.
Before each read it notes the time and the newest number whose write has returned; a read is
*stale* when it returns an older number although that newer write returned more than ``--bound``
seconds before the read began.

It prints the reads, the local hit ratio, the stale reads (beyond the bound: must be 0), the reads
that returned an older number within the bound, and the delay of invalidation: with one writer
writing one key every millisecond, the time from each write's return to the moment its push is
readable on the checker's tracking connection (0 when it was there before the writer had its
reply), p50, p99 and max.
"""

from __future__ import annotations

import argparse
import ctypes
import multiprocessing
import os
import random
import sys
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: Seconds after a write returns within which a read may still see the value before it.
DEFAULT_BOUND = 0.001


@dataclass
class Result:
    reads: int
    hits: int
    stale: int
    """Reads older than the bound allows."""
    lagging: list[float]
    """For reads that returned an older number within the bound: seconds since the newer write returned."""
    push_delay: list[float]
    """Seconds from a write's return to its invalidation being readable here (0: before it)."""
    writes: int


def _cache(location: str, prefix: str, client_cache: bool) -> Any:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure()
        django.setup()
    from django_valkey.cache import ValkeyCache

    options: dict[str, Any] = {"CLIENT_CACHE": True} if client_cache else {}
    return ValkeyCache(location, {"LOCATION": location, "KEY_PREFIX": prefix, "OPTIONS": options})


def _writer(
    location: str, prefix: str, keys: list[int], state: SynchronizedArray[Any], stop: Any, pause: float
) -> None:
    cache = _cache(location, prefix, client_cache=False)
    number = 0
    while not stop.is_set():
        number += 1
        for key in keys:
            cache.set(f"k{key}", number, None)
            done = time.monotonic()
            with state.get_lock():
                state[2 * key] = number
                state[2 * key + 1] = done
        if pause:
            time.sleep(pause)


def check(
    location: str, reads: int, writers: int = 2, keys: int = 20, bound: float = DEFAULT_BOUND, pause: float = 0.0005
) -> Result:
    """Run the writers and the checker (in this process) against ``location``."""
    prefix = f"stale{os.getpid()}"
    context = multiprocessing.get_context("spawn")
    state = context.Array(ctypes.c_double, 2 * keys)  # per key: newest number written, when it returned
    stop = context.Event()
    cache = _cache(location, prefix, client_cache=True)
    for key in range(keys):
        cache.set(f"k{key}", 0, None)
    store = cache.client._local
    assert store is not None and store.wait_until_tracking(5)
    owned = [list(range(w, keys, writers)) for w in range(writers)]
    procs = [context.Process(target=_writer, args=(location, prefix, mine, state, stop, pause)) for mine in owned]
    for proc in procs:
        proc.start()
    get = cache.get
    lock = state.get_lock()
    rng = random.Random(1)
    stale = 0
    lagging: list[float] = []
    hits_before = store.stats().hits
    try:
        # Wait until the writers are writing.
        while state[0] < 2:
            time.sleep(0.01)
        for _ in range(reads):
            key = rng.randrange(keys)
            with lock:
                newest, returned = state[2 * key], state[2 * key + 1]
            began = time.monotonic()
            value = get(f"k{key}")
            if value < newest:
                age = began - returned
                if age > bound:
                    stale += 1
                else:
                    lagging.append(max(0.0, age))
    finally:
        stop.set()
        for proc in procs:
            proc.join(10)
    writes = int(sum(state[2 * key] for key in range(keys)))
    hits = store.stats().hits - hits_before
    return Result(reads, hits, stale, lagging, push_delays(cache, location, prefix, context), writes)


def push_delays(cache: Any, location: str, prefix: str, context: Any, writes: int = 2000) -> list[float]:
    """One writer process writes key 0 every millisecond; here, spin on the tracking socket and
    time each push's arrival against the write's return."""
    import select

    store = cache.client._local
    state = context.Array(ctypes.c_double, 2)
    stop = context.Event()
    writer = context.Process(target=_writer, args=(location, prefix, [0], state, stop, 0.001))
    writer.start()
    fds = store._fds
    delays: list[float] = []
    try:
        while len(delays) < writes:
            if not select.select(fds, [], [], 1.0)[0]:
                raise RuntimeError("no invalidation within 1 s")
            arrived = time.monotonic()
            with state.get_lock():
                number, returned = state[0], state[1]
            cache.get("k0")  # applies the push (and refills)
            value = cache.get("k0")
            if value > number:  # the writer had not recorded its reply yet: the push came first
                delays.append(0.0)
            elif value == number:
                delays.append(max(0.0, arrived - returned))
    finally:
        stop.set()
        writer.join(10)
    return delays


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reads", type=int, default=200_000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--bound", type=float, default=DEFAULT_BOUND, help="seconds (default 0.001)")
    parser.add_argument("--location", help="a server to use instead of a throwaway one")
    args = parser.parse_args(argv)

    from django_valkey._server import ThrowawayServer
    from django_valkey.client_cache import close_client_caches

    def run(location: str) -> Result:
        try:
            return check(location, args.reads, args.writers, args.keys, args.bound)
        finally:
            close_client_caches()

    if args.location:
        result = run(args.location)
    else:
        with ThrowawayServer().start() as server:
            result = run(server.url)
    us = 1e6
    print(f"reads {result.reads:,}, local hits {result.hits / result.reads:.1%}, writes {result.writes:,}")
    print(f"stale reads beyond {args.bound * 1000:g} ms: {result.stale}")
    print(
        f"reads that still saw the previous value: {len(result.lagging)} "
        f"(after the write returned: p50 {_pct(result.lagging, 0.5) * us:.0f} us, "
        f"p99 {_pct(result.lagging, 0.99) * us:.0f} us, max {max(result.lagging, default=0) * us:.0f} us)"
    )
    delays = result.push_delay
    print(
        f"invalidation readable after the write returned: p50 {_pct(delays, 0.5) * us:.0f} us, "
        f"p99 {_pct(delays, 0.99) * us:.0f} us, max {max(delays, default=0) * us:.0f} us "
        f"({len(delays):,} writes; {sum(1 for d in delays if d == 0):,} before the writer had its reply)"
    )
    return 1 if result.stale else 0


if __name__ == "__main__":
    sys.exit(main())
