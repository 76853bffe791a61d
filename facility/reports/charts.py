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
CHAR_WIDTH = 7.2  # a generous average advance of DejaVu Sans at 12px: labels never overflow
MAX_LINES = 2


@dataclass(frozen=True)
class Row:
    label: str
    values: Sequence[float]  # one per series, stacked left to right
    note: str | None = None  # printed after the bar instead of the total


def label_lines(label: str, width: float) -> list[str]:
    """The label broken at spaces into lines that fit `width` pixels; words are never cut, and
    only a label longer than MAX_LINES lines is shortened, with an ellipsis at its end."""
    fits = max(int(width // CHAR_WIDTH), 1)
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= fits:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES - 1], " ".join(lines[MAX_LINES - 1:])]
    return [line if len(line) <= fits else line[:fits - 1] + "…" for line in lines]


def bar_chart(*, title: str, description: str, rows: Sequence[Row], series: Sequence[str],
              width: int = 660, label_width: int = 230, bar_height: int = 20,
              number: Callable[[float], str] = lambda v: f"{v:,.0f}",
              colors: Sequence[str] = PALETTE) -> str:
    """A horizontal bar chart; several series stack within a bar, with a legend above."""
    gap, top = 8, (28 if len(series) > 1 else 6)
    value_width = 110
    plot = width - label_width - value_width
    largest = max((sum(r.values) for r in rows), default=0) or 1
    labels = [label_lines(r.label, label_width - 12) for r in rows]
    line_height = 13
    # A row as tall as its longest label, so a two-line label never runs into the next row.
    row_height = max(bar_height, max((len(lines) for lines in labels), default=1) * line_height) + gap
    height = top + len(rows) * row_height + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, '
           f'sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>", f"<desc>{escape(description)}</desc>"]
    if len(series) > 1:
        needed = sum(28 + 7 * len(name) for name in series)
        key_x = label_width if label_width + needed <= width else max(4, width - needed)
        for i, name in enumerate(series):
            out.append(f'<rect x="{key_x}" y="6" width="12" height="12" fill="{colors[i % len(colors)]}"/>')
            out.append(f'<text x="{key_x + 16}" y="16">{escape(name)}</text>')
            key_x += 28 + 7 * len(name)
    for n, row in enumerate(rows):
        y = top + n * row_height
        lines = labels[n]
        first = y + bar_height * 0.7 - (len(lines) - 1) * line_height / 2
        out.append(f'<text x="{label_width - 8}" y="{first:.1f}" text-anchor="end">'
                   + "".join(f'<tspan x="{label_width - 8}" dy="{0 if i == 0 else line_height}">'
                             f"{escape(line)}</tspan>" for i, line in enumerate(lines))
                   + "</text>")
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
