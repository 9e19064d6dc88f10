"""Drivers under concurrency: the cache on each driver against the raw drivers, threads and tasks.

    python benchmarks/bench_drivers.py                 # about 2 minutes
    python benchmarks/bench_drivers.py --reps 3 --svg docs/img/bench-drivers.svg

One throwaway valkey-server; ``get`` of a ~100 B dict from 1, 8 and 32 threads and from 1, 10,
100 and 1,000 asyncio tasks on one event loop. Contenders, measured in the same run:

- ``raw``: hand-written valkey-py, ``GET`` + ``pickle.loads`` (threads share one client and its
  pool; tasks share one ``valkey.asyncio`` client);
- ``raw GLIDE``: valkey-glide's own client, the same two steps (one multiplexed connection);
- ``ours``: ``ValkeyCache.get`` (threads: a cache object each, as Django gives each thread), and
  ``AsyncValkeyCache.get`` for tasks (one cache object);
- ``ours on GLIDE``: the same with ``OPTIONS["CONNECTION_FACTORY"]`` set to the GLIDE driver;
- ``ours auto-pipelined``: ``OPTIONS["BASE_CLIENT_CLASS"]`` set to ``AutoPipelineValkey``
  (``django_valkey.autopipeline``'s for threads, ``django_valkey.async_cache.autopipeline``'s for
  tasks): the commands issued at the same time written together on one connection;
- ``django-vcache``: its ``get``/``aget``, when ``django_vcache`` is installed (Python 3.12+).

Contenders alternate batch by batch (the order flips every repetition); a ratio is the median
over repetitions of the contender's ops/s over raw's in the same repetition. docs/benchmarks.md
and docs/drivers.md show the chart this writes with ``--svg``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import pickle
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import glide
import glide_sync
import valkey
import valkey.asyncio as aio

from benchmarks._svg import grouped_bars
from django_valkey._server import ThrowawayServer

OPS = 20_000  # per batch, shared out between the threads or tasks
THREADS = (1, 8, 32)
TASKS = (1, 10, 100, 1000)
VALUE = {"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "score": 0.5, "pad": "p" * 20}
KEY = "hot"
GLIDE = "django_valkey.glide.GlideConnectionFactory"
AUTOPIPELINE = "django_valkey.async_cache.autopipeline.AutoPipelineValkey"
THREAD_AUTOPIPELINE = "django_valkey.autopipeline.AutoPipelineValkey"
VCACHE = importlib.util.find_spec("django_vcache") is not None

Batch = Callable[[], float]  # runs OPS gets, returns the seconds it took


def configure(location: str) -> None:
    from django.conf import settings

    def entry(backend: str, **options: Any) -> dict[str, Any]:
        return {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": "bench", "OPTIONS": options}

    sync, asyn = "django_valkey.cache.ValkeyCache", "django_valkey.async_cache.cache.AsyncValkeyCache"
    caches = {
        "ours": entry(sync),
        "ours on GLIDE": entry(sync, CONNECTION_FACTORY=GLIDE),
        "ours auto-pipelined (threads)": entry(sync, BASE_CLIENT_CLASS=THREAD_AUTOPIPELINE),
        "ours async": entry(asyn),
        "ours async on GLIDE": entry(asyn, CONNECTION_FACTORY=GLIDE),
        "ours auto-pipelined": entry(asyn, BASE_CLIENT_CLASS=AUTOPIPELINE),
    }
    if VCACHE:
        caches["django-vcache"] = {"BACKEND": "django_vcache.backend.ValkeyCache", "LOCATION": location}
    settings.configure(CACHES=caches, USE_TZ=True)
    import django

    django.setup()


def in_threads(count: int, make_get: Callable[[], Callable[[], object]]) -> Batch:
    """OPS calls shared out between ``count`` threads, each with what ``make_get`` gives it."""
    per = OPS // count

    def run() -> float:
        ready = threading.Barrier(count + 1)

        def body() -> None:
            get = make_get()
            get()  # connected before the clock starts
            ready.wait()
            for _ in range(per):
                get()

        workers = [threading.Thread(target=body) for _ in range(count)]
        for worker in workers:
            worker.start()
        ready.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        return (time.perf_counter() - started) * OPS / (per * count)

    return run


def in_tasks(loop: asyncio.AbstractEventLoop, count: int, get: Callable[[], Awaitable[object]]) -> Batch:
    """OPS awaited calls shared out between ``count`` tasks on ``loop``."""
    per = max(1, OPS // count)

    async def body() -> None:
        for _ in range(per):
            await get()

    async def batch() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(body() for _ in range(count)))
        return (time.perf_counter() - started) * OPS / (per * count)

    return lambda: loop.run_until_complete(batch())


def sync_workloads(port: int) -> dict[str, dict[str, Batch]]:
    from django.core.cache import caches

    raw = valkey.Valkey(port=port, max_connections=100)
    raw.set(":".join(("bench", "1", KEY)), pickle.dumps(VALUE, pickle.HIGHEST_PROTOCOL))
    stored = "bench:1:" + KEY
    config = glide_sync.GlideClientConfiguration(
        [glide_sync.NodeAddress("127.0.0.1", port)], protocol=glide_sync.ProtocolVersion.RESP2
    )
    native = glide_sync.GlideClient.create(config)
    loads = pickle.loads

    def raw_get() -> Callable[[], object]:
        return lambda: loads(raw.get(stored))  # type: ignore[arg-type]

    def glide_get() -> Callable[[], object]:
        return lambda: loads(native.custom_command(["GET", stored]))  # type: ignore[arg-type]

    def cache_get(alias: str) -> Callable[[], Callable[[], object]]:
        return lambda: (lambda cache: lambda: cache.get(KEY))(caches[alias])

    workloads: dict[str, dict[str, Batch]] = {}
    for count in THREADS:
        row = {
            "raw": in_threads(count, raw_get),
            "raw GLIDE": in_threads(count, glide_get),
            "ours": in_threads(count, cache_get("ours")),
            "ours on GLIDE": in_threads(count, cache_get("ours on GLIDE")),
            "ours auto-pipelined": in_threads(count, cache_get("ours auto-pipelined (threads)")),
        }
        if VCACHE:
            row["django-vcache"] = in_threads(count, cache_get("django-vcache"))
        workloads[f"{count} thread{'s' if count > 1 else ''}"] = row
    return workloads


def async_workloads(port: int, loop: asyncio.AbstractEventLoop) -> dict[str, dict[str, Batch]]:
    from django.core.cache import caches

    stored = "bench:1:" + KEY
    loads = pickle.loads

    async def connect() -> tuple[Any, Any]:
        araw = aio.Valkey(port=port, max_connections=2000)
        await araw.set(stored, pickle.dumps(VALUE, pickle.HIGHEST_PROTOCOL))
        config = glide.GlideClientConfiguration(
            [glide.NodeAddress("127.0.0.1", port)], protocol=glide.ProtocolVersion.RESP2
        )
        return araw, await glide.GlideClient.create(config)

    araw, anative = loop.run_until_complete(connect())

    async def raw_get() -> object:
        return loads(await araw.get(stored))

    async def glide_get() -> object:
        return loads(await anative.custom_command(["GET", stored]))

    ours, ours_glide, ours_muxed = caches["ours async"], caches["ours async on GLIDE"], caches["ours auto-pipelined"]
    vcache = caches["django-vcache"] if VCACHE else None
    workloads: dict[str, dict[str, Batch]] = {}
    for count in TASKS:
        row = {
            "raw": in_tasks(loop, count, raw_get),
            "raw GLIDE": in_tasks(loop, count, glide_get),
            "ours": in_tasks(loop, count, lambda: ours.get(KEY)),
            "ours on GLIDE": in_tasks(loop, count, lambda: ours_glide.get(KEY)),
            "ours auto-pipelined": in_tasks(loop, count, lambda: ours_muxed.get(KEY)),
        }
        if vcache is not None:
            row["django-vcache"] = in_tasks(loop, count, lambda: vcache.aget(KEY))
        workloads[f"{count:,} task{'s' if count > 1 else ''}"] = row
    return workloads


def measure(workloads: dict[str, dict[str, Batch]], reps: int) -> dict[str, dict[str, tuple[float, float]]]:
    """workload -> contender -> (median ops/s, median ratio to raw in the same repetition)."""
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for name, contenders in workloads.items():
        names = list(contenders)
        for alias in names:
            contenders[alias]()  # warm-up: every connection made, every path run
        samples: dict[str, list[float]] = {alias: [] for alias in names}
        for rep in range(reps):
            for alias in names if rep % 2 == 0 else names[::-1]:
                samples[alias].append(OPS / contenders[alias]())
        base = samples["raw"]
        results[name] = {
            alias: (statistics.median(v), statistics.median(a / b for a, b in zip(v, base)))
            for alias, v in samples.items()
        }
        print(f"  measured {name}", file=sys.stderr, flush=True)
    return results


def report(results: dict[str, dict[str, tuple[float, float]]]) -> None:
    for name, row in results.items():
        print(f"\n{name}")
        print(f"  {'contender':<16}{'ops/s':>10}{'us/call':>10}{'/raw':>7}")
        for alias, (ops, ratio) in row.items():
            print(f"  {alias:<16}{ops:>10,.0f}{1e6 / ops:>10.1f}{ratio:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=3, help="interleaved repetitions (default 3)")
    parser.add_argument("--tasks-only", action="store_true", help="only the asyncio workloads")
    parser.add_argument("--threads-only", action="store_true", help="only the thread workloads")
    parser.add_argument("--svg", type=Path, help="also draw the results as a grouped bar chart (SVG) here")
    args = parser.parse_args(argv)
    with ThrowawayServer() as server:
        configure(server.url)
        print(
            f"django-valkey drivers benchmark: valkey-py {valkey.__version__}, Python {sys.version.split()[0]}, "
            f"django-vcache {'installed' if VCACHE else 'not installed'}, {args.reps} interleaved batches "
            f"of {OPS:,} gets per contender"
        )
        started = time.perf_counter()
        loop = asyncio.new_event_loop()
        try:
            workloads = {} if args.tasks_only else sync_workloads(server.port)
            if not args.threads_only:
                workloads.update(async_workloads(server.port, loop))
            results = measure(workloads, args.reps)
        finally:
            loop.close()
        report(results)
        if args.svg is not None:
            contenders = list(dict.fromkeys(alias for row in results.values() for alias in row))
            title = "get under concurrency: threads (ValkeyCache) and asyncio tasks (AsyncValkeyCache)"
            grouped_bars(args.svg, title, results, contenders, note=f"{args.reps} interleaved batches per contender")
            print(f"chart written to {args.svg}")
        print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
