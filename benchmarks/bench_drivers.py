"""Raw drivers under concurrency: valkey-py against valkey-glide, sync threads and asyncio tasks.

    python benchmarks/bench_drivers.py           # about 30 s

One throwaway valkey-server; ``get`` of a ~100 B pickled value, unpickled, from 1, 8 and 32
threads (valkey-py over one pool; GLIDE's sync client, one multiplexed connection) and from 1,
10, 100 and 1,000 asyncio tasks (``valkey.asyncio``; GLIDE's async client). Each line prints
ops/s and the ratio to valkey-py measured just before it. The figures in docs/drivers.md come
from this script.
"""

from __future__ import annotations

import asyncio
import pickle
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

from django_valkey._server import ThrowawayServer

TOTAL = 20_000
VALUE = pickle.dumps({"id": 12345, "name": "a cached thing", "tags": ["x", "y", "z"], "pad": "p" * 40})


def threads(call: Callable[[], object], count: int) -> float:
    per = TOTAL // count

    def body() -> None:
        for _ in range(per):
            pickle.loads(call())  # type: ignore[arg-type]

    workers = [threading.Thread(target=body) for _ in range(count)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return per * count / (time.perf_counter() - started)


async def tasks(call: Callable[[], Awaitable[Any]], count: int) -> float:
    per = max(1, TOTAL // count)

    async def body() -> None:
        for _ in range(per):
            pickle.loads(await call())

    started = time.perf_counter()
    await asyncio.gather(*(body() for _ in range(count)))
    return per * count / (time.perf_counter() - started)


def main() -> int:
    with ThrowawayServer() as server:
        raw = valkey.Valkey(port=server.port, max_connections=100)
        raw.set("k", VALUE)
        config = glide_sync.GlideClientConfiguration(
            [glide_sync.NodeAddress("127.0.0.1", server.port)], protocol=glide_sync.ProtocolVersion.RESP2
        )
        native = glide_sync.GlideClient.create(config)
        for count in (1, 8, 32):
            base = threads(lambda: raw.get("k"), count)
            other = threads(lambda: native.custom_command(["GET", "k"]), count)
            print(f"{count:>4} threads: valkey-py {base:>8,.0f}/s  GLIDE {other:>8,.0f}/s  {other / base:.2f}x")
        native.close()

        async def run() -> None:
            araw = aio.Valkey(port=server.port, max_connections=2000)
            aconfig = glide.GlideClientConfiguration(
                [glide.NodeAddress("127.0.0.1", server.port)], protocol=glide.ProtocolVersion.RESP2
            )
            anative = await glide.GlideClient.create(aconfig)
            for count in (1, 10, 100, 1000):
                base = await tasks(lambda: araw.get("k"), count)
                other = await tasks(lambda: anative.custom_command(["GET", "k"]), count)
                print(
                    f"{count:>4} tasks:   valkey.asyncio {base:>8,.0f}/s  GLIDE {other:>8,.0f}/s  {other / base:.2f}x"
                )
            await anative.close()
            await araw.aclose()

        asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
