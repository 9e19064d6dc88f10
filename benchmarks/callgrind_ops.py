"""Client instructions per call of a cache operation, ours against raw valkey-py, by callgrind.

    python benchmarks/callgrind_ops.py LOCATION                 # every operation, ours and raw
    python benchmarks/callgrind_ops.py LOCATION --ops get_many,incr --calls 500

For each operation and side, valgrind's callgrind runs this script twice: once making N calls and
once making none (``--run SIDE OP N``, the child mode); the difference of the two instruction
totals divided by N is the cost of one call in this process (the server's work is not counted:
it is another process). Everything else, imports and Django's setup included, is the same in
both runs. ``PYTHONHASHSEED=0`` is set so that the counts repeat. LOCATION is a running server:
its database gets a few keys. Needs ``valgrind`` on PATH; a run takes a minute or two.

The workloads are those of ``bench_sync.py``: ``get`` of a ~100 B dict, ``set`` of it,
``get_many`` and ``set_many`` of 100 keys, ``delete_many`` of 100 keys (missing ones: the
client's work is the same), ``incr`` and ``delete``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OPS = ("get", "set", "get_many", "set_many", "delete_many", "incr", "delete")
PREFIX = "bench"
TIMEOUT = 300
PICKLE = pickle.HIGHEST_PROTOCOL
VALUE_100B = {"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "score": 0.5, "pad": "p" * 20}


def _ours(location: str, op: str) -> Callable[[], object]:
    from django.conf import settings

    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "django_valkey.cache.ValkeyCache",
                "LOCATION": location,
                "TIMEOUT": TIMEOUT,
                "KEY_PREFIX": PREFIX,
            }
        },
        USE_TZ=True,
    )
    import django

    django.setup()
    from django.core.cache import caches

    cache: Any = caches["default"]
    keys100 = [f"many:{i}" for i in range(100)]
    data100 = {k: {"i": i, "v": "value"} for i, k in enumerate(keys100)}
    gone100 = [f"gone:{i}" for i in range(100)]
    cache.set("hit", VALUE_100B)
    cache.set("counter", 0)
    cache.set_many(data100)
    calls: dict[str, Callable[[], object]] = {
        "get": lambda: cache.get("hit"),
        "set": lambda: cache.set("s100", VALUE_100B),
        "get_many": lambda: cache.get_many(keys100),
        "set_many": lambda: cache.set_many(data100),
        "delete_many": lambda: cache.delete_many(gone100),
        "incr": lambda: cache.incr("counter"),
        "delete": lambda: cache.delete("gone"),
    }
    return calls[op]


def _raw(location: str, op: str) -> Callable[[], object]:
    import valkey
    from valkey.connection import ConnectionPool, DefaultParser

    raw = valkey.Valkey(connection_pool=ConnectionPool.from_url(location, parser_class=DefaultParser))
    keys100 = [f"many:{i}" for i in range(100)]
    raw_keys100 = [f"{PREFIX}:1:{k}" for k in keys100]
    raw_data100 = [(f"{PREFIX}:1:{k}", {"i": i, "v": "value"}) for i, k in enumerate(keys100)]
    gone100 = [f"{PREFIX}:1:gone:{i}" for i in range(100)]
    raw.set(f"{PREFIX}:1:hit", pickle.dumps(VALUE_100B, PICKLE))
    raw.set(f"{PREFIX}:1:counter", 0)

    def get() -> object:
        data = raw.get(f"{PREFIX}:1:hit")
        return None if data is None else pickle.loads(data)

    def get_many() -> object:
        return {k: pickle.loads(v) for k, v in zip(keys100, raw.mget(raw_keys100)) if v is not None}

    def set_many() -> object:
        pipe = raw.pipeline(transaction=False)
        for k, v in raw_data100:
            pipe.set(k, pickle.dumps(v, PICKLE), ex=TIMEOUT)
        return pipe.execute()

    calls: dict[str, Callable[[], object]] = {
        "get": get,
        "set": lambda: raw.set(f"{PREFIX}:1:s100", pickle.dumps(VALUE_100B, PICKLE), ex=TIMEOUT),
        "get_many": get_many,
        "set_many": set_many,
        "delete_many": lambda: raw.delete(*gone100),
        "incr": lambda: raw.incr(f"{PREFIX}:1:counter"),
        "delete": lambda: raw.delete(f"{PREFIX}:1:gone"),
    }
    return calls[op]


def child(location: str, side: str, op: str, count: int) -> int:
    call = (_ours if side == "ours" else _raw)(location, op)
    call()  # connected, and every code path warm
    for _ in range(count):
        call()
    return 0


def _instructions(location: str, side: str, op: str, count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--run",
            side,
            op,
            str(count),
            location,
        ]
        subprocess.run(command, check=True, env=env, capture_output=True)
        text = Path(out).read_text()
    match = re.search(r"^summary:\s+(\d+)", text, re.MULTILINE) or re.search(r"^totals:\s+(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError("no instruction total in callgrind's output")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--run"]:
        return child(args[4], args[1], args[2], int(args[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("location", help="a running server (its database gets a few keys)")
    parser.add_argument("--ops", default=",".join(OPS), help=f"comma-separated, of {', '.join(OPS)}")
    parser.add_argument("--calls", type=int, default=300, help="calls in the counted run (default 300)")
    parser.add_argument("--sides", default="ours,raw", help="ours, raw or both (default)")
    options = parser.parse_args(args)
    sides = options.sides.split(",")
    # The run with no calls first (twice, for its .pyc files), then the counted one.
    both = "ours" in sides and "raw" in sides
    print(
        f"{'operation':<13}"
        + "".join(f"{side + ' instr/call':>18}" for side in sides)
        + (f"{'ours/raw':>10}" if both else "")
    )
    for op in options.ops.split(","):
        per_call: dict[str, float] = {}
        for side in sides:
            _instructions(options.location, side, op, 0)
            base = _instructions(options.location, side, op, 0)
            counted = _instructions(options.location, side, op, options.calls)
            per_call[side] = (counted - base) / options.calls
        line = f"{op:<13}" + "".join(f"{per_call[side]:>18,.0f}" for side in sides)
        if both:
            line += f"{per_call['ours'] / per_call['raw']:>10.2f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
