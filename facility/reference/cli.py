"""`facility import …`: commands that load recommendation exports into the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.reference.importers import (
    ImportReport,
    RecommendationImportError,
    import_recommendations,
)
from facility.reference.importers import Progress as ProgressCallback

import_app = typer.Typer(help="Import reference data and recommendations.", no_args_is_help=True)


class ExportFormat(StrEnum):
    UPR_INFO = "upr-info"
    UHRI = "uhri"
    UHRI_THEMES = "uhri-themes"


@import_app.callback()
def _group() -> None:
    """Import reference data and recommendations."""  # keeps `import` a group of commands


@contextmanager
def _progress_bar(err: Console) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on a terminal; nothing when stderr is a file or a pipe.

    A JSON export does not say how many records it holds: the bar then counts rows only.
    """
    if not err.is_terminal:
        yield None
        return
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("importing rows", total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _summary(report: ImportReport, path: Path) -> str:
    lines = [
        f"{path.name} ({report.fmt}): {report.rows} rows, {report.seconds:.2f} s",
        f"  inserted {report.inserted}, updated {report.updated}, "
        f"unchanged {report.unchanged}, skipped {report.skipped}",
    ]
    if report.not_recommendations:
        counted = ", ".join(f"{n} {kind}" for kind, n in report.not_recommendations.most_common())
        lines.append(f"  not recommendations, not imported: {counted}")
    if report.unknown_themes:
        count = sum(report.unknown_themes.values())
        lines.append(
            f"  unknown themes (kept as source text only): {len(report.unknown_themes)} "
            f"names on {count} rows"
        )
        lines += [f"    {n} x {name}" for name, n in report.unknown_themes.most_common()]
    return "\n".join(lines)


@import_app.command("recommendations")
def recommendations(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="file to import"),
    fmt: ExportFormat = typer.Option(
        ..., "--format", "-f",
        help="the file's export format: upr-info (UPR Info CSV), uhri (OHCHR's UHRI export, "
             ".xlsx or .json), uhri-themes (a UHRI thematic list as CSV)"),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="import the valid rows and list the others"
    ),
    embed: bool = typer.Option(
        True, "--embed/--no-embed",
        help="compute the embeddings for semantic search (when the model is installed)"
    ),
) -> None:
    """Import (or refresh) recommendations from a UPR Info or UHRI export."""
    err = Console(stderr=True)
    engine = make_engine(get_settings().database_url)
    try:
        with _progress_bar(err) as progress, unit_of_work(engine) as session:
            report = import_recommendations(
                session, path, fmt=fmt.value, skip_invalid=skip_invalid, progress=progress
            )
        embedded = _embed_after_import(engine, err) if embed else None
    except RecommendationImportError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{path}: refused, {len(exc.problems)} problem(s); nothing was imported.",
                   err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    for problem in report.problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(_summary(report, path))
    if embedded:
        typer.echo(f"  {embedded}")


def _embed_after_import(engine, err: Console) -> str:
    """Embeds the new and changed rows for semantic search; says so when the model is absent."""
    from facility.semantic.cli import embed_all, summary
    from facility.semantic.encoder import runtime_available

    if not runtime_available():
        return ("no embeddings computed: the embedding model is not installed "
                "(semantic search falls back to full-text search)")
    return summary(embed_all(engine, batch_size=256, console=err))
