"""A live terminal display of a run: phase, best score and bound over time."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.table import Table

from matching.solver import Progress, ProgressCallback


def _table(history: list[Progress], time_limit: float) -> Table:
    table = Table(title=f"facility match (time limit {time_limit:g} s)", expand=False)
    for col in ("seconds", "phase", "best score", "bound", "gap"):
        table.add_column(col, justify="right")
    for p in history[-8:]:
        gap = ""
        if p.score is not None and p.bound:
            gap = f"{100.0 * (p.bound - p.score) / max(1, abs(p.bound)):.3f}%"
        table.add_row(
            f"{p.seconds:.1f}", p.phase,
            "" if p.score is None else f"{p.score:,}",
            "" if p.bound is None else f"{p.bound:,}", gap,
        )
    return table


@contextmanager
def live_progress(time_limit: float, enabled: bool | None = None) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing on the terminal, or None when stdout is not a TTY."""
    if enabled is None:
        enabled = sys.stdout.isatty()
    if not enabled:
        yield None
        return
    history: list[Progress] = []
    console = Console(stderr=True)
    with Live(_table(history, time_limit), console=console, refresh_per_second=4,
              transient=False) as live:

        def update(p: Progress) -> None:
            # Keep one row per phase change, the latest figures in the last row.
            if history and history[-1].phase == p.phase:
                history[-1] = p
            else:
                history.append(p)
            live.update(_table(history, time_limit))

        yield update
