"""Server-side SVG charts: horizontal (optionally stacked) bars drawn from the figures.

The SVG is plain markup embedded in the HTML, so browsers and WeasyPrint render it without
JavaScript; every chart carries a <title> and <desc> and prints its numbers next to the bars,
so it reads the same in black and white and to a screen reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
MAX_LABEL = 34


@dataclass(frozen=True)
class Row:
    label: str
    values: Sequence[float]  # one per series, stacked left to right
    note: str | None = None  # printed after the bar instead of the total


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def bar_chart(*, title: str, description: str, rows: Sequence[Row], series: Sequence[str],
              width: int = 660, label_width: int = 230, bar_height: int = 20,
              number: Callable[[float], str] = lambda v: f"{v:,.0f}",
              colors: Sequence[str] = PALETTE) -> str:
    """A horizontal bar chart; several series stack within a bar, with a legend above."""
    gap, top = 8, (28 if len(series) > 1 else 6)
    value_width = 110
    plot = width - label_width - value_width
    largest = max((sum(r.values) for r in rows), default=0) or 1
    height = top + len(rows) * (bar_height + gap) + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, '
           f'sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>", f"<desc>{escape(description)}</desc>"]
    if len(series) > 1:
        needed = sum(28 + 7 * len(name) for name in series)
        x = label_width if label_width + needed <= width else max(4, width - needed)
        for i, name in enumerate(series):
            out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colors[i % len(colors)]}"/>')
            out.append(f'<text x="{x + 16}" y="16">{escape(name)}</text>')
            x += 28 + 7 * len(name)
    for n, row in enumerate(rows):
        y = top + n * (bar_height + gap)
        out.append(f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" '
                   f'text-anchor="end">{escape(_short(row.label))}</text>')
        x = float(label_width)
        for i, value in enumerate(row.values):
            w = plot * value / largest
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                           f'fill="{colors[i % len(colors)]}"/>')
            x += w
        label = row.note if row.note is not None else number(sum(row.values))
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_height * 0.7:.1f}">{escape(label)}</text>')
    out.append(f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" '
               f'y2="{height - 2}" stroke="#555" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out)
