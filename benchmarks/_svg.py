"""Charts for the benchmark scripts, written as SVG by hand (no plotting library needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["COLOURS", "colour_of", "escape", "grouped_bars"]

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


#: The same contender has the same colour in every chart.
NAMED = {
    "ours": "#1f77b4",
    "raw": "#d62728",
    "django": "#2ca02c",
    "django-redis": "#ff7f0e",
    "ours (aget)": "#9467bd",
    "observed": "#8c564b",
    "ours + client cache": "#17becf",
}


def colour_of(name: str, index: int) -> str:
    """``name``'s colour: a fixed one for the usual contenders, else the next of ``COLOURS``."""
    return NAMED.get(name, COLOURS[index % len(COLOURS)])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rate(ops: float) -> str:
    return f"{ops / 1000:.1f}k/s" if ops >= 1000 else f"{ops:.0f}/s"


def grouped_bars(
    path: Path,
    title: str,
    results: Mapping[str, Mapping[str, tuple[float, float]]],
    contenders: Sequence[str],
    note: str = "",
) -> None:
    """One group of bars per workload, one bar per contender: its ratio to raw valkey-py (the
    bar's height and the figure above it), with its ops/s and microseconds per call under it.
    ``results``: workload -> contender -> (ops/s, ratio to raw)."""
    bar_w, gap, group_gap = 34, 4, 30
    groups = list(results)
    group_w = len(contenders) * (bar_w + gap) - gap
    left, top, plot_h, below = 60, 64, 260, 120
    width = left + len(groups) * (group_w + group_gap) + 20
    height = top + plot_h + below
    top_ratio = max([1.0] + [row[c][1] for row in results.values() for c in contenders if c in row])
    scale = max(1.25, round(top_ratio * 1.1 + 0.05, 1))

    def y(ratio: float) -> float:
        return top + plot_h - ratio / scale * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="20" font-size="15">{escape(title)}</text>',
    ]
    for index, name in enumerate(contenders):
        x = left + index * 150
        out.append(f'<rect x="{x}" y="32" width="12" height="12" fill="{colour_of(name, index)}"/>')
        out.append(f'<text x="{x + 16}" y="42">{escape(name)}</text>')
    tick = 0.0
    while tick <= scale + 1e-9:
        stroke = "#888" if abs(tick - 1.0) < 1e-9 else "#e4e4e4"
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{stroke}"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2g}</text>')
        tick += 0.25
    out.append(
        f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">ops/s relative to raw valkey-py (1 = as fast)</text>'
    )
    for g, workload in enumerate(groups):
        gx = left + 10 + g * (group_w + group_gap)
        row = results[workload]
        for index, name in enumerate(contenders):
            if name not in row:
                continue
            ops, ratio = row[name]
            x = gx + index * (bar_w + gap)
            colour = colour_of(name, index)
            out.append(
                f'<rect x="{x}" y="{y(ratio):.1f}" width="{bar_w}" height="{top + plot_h - y(ratio):.1f}" '
                f'fill="{colour}"><title>{escape(name)}: {ratio:.2f} of raw, {ops:,.0f} ops/s, '
                f"{1e6 / ops:.1f} us per call</title></rect>"
            )
            out.append(f'<text x="{x + bar_w / 2}" y="{y(ratio) - 3:.1f}" text-anchor="middle">{ratio:.2f}</text>')
            lx, ly = x + bar_w / 2, top + plot_h + 8
            out.append(
                f'<text x="{lx}" y="{ly}" font-size="9" text-anchor="end" transform="rotate(-60 {lx} {ly})">'
                f"{_rate(ops)} {1e6 / ops:.0f} µs</text>"
            )
        out.append(
            f'<text x="{gx + group_w / 2}" y="{height - 12}" text-anchor="middle" font-size="12">'
            f"{escape(workload)}</text>"
        )
    if note:
        out.append(f'<text x="{width - 20}" y="20" text-anchor="end" fill="#555">{escape(note)}</text>')
    out.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")
