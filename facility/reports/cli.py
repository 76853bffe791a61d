"""`facility report item10`: the year's document for the Human Rights Council."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from facility.config import get_settings
from facility.db import make_engine, unit_of_work

report_app = typer.Typer(help="Documents generated from the Facility's figures.",
                         no_args_is_help=True)


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"


@report_app.command("item10")
def item10(
    year: Annotated[int, typer.Option(help="the calendar year the report covers", min=2000, max=2100)],
    output: Annotated[Path, typer.Option(help="file to write", dir_okay=False, writable=True)],
    format: Annotated[Format, typer.Option("--format", help="html or pdf")] = Format.HTML,
) -> None:
    """Write the report for the item 10 dialogue (HTML with SVG charts, or PDF)."""
    from facility.reports.item10 import YearNotBegun, collect, render_html, render_pdf

    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as session:
            data = collect(session, year=year)
    except YearNotBegun as refused:
        typer.echo(f"error: {refused.message}", err=True)
        raise typer.Exit(1) from None
    html = render_html(data)
    if not output.parent.exists():
        typer.echo(f"error: output: the folder {output.parent} does not exist", err=True)
        raise typer.Exit(1)
    if format == Format.PDF:
        output.write_bytes(render_pdf(html))
    else:
        output.write_text(html, encoding="utf-8")
    stories = len(data.stories)
    partial = f", partial: figures to {data.as_of.isoformat()}" if data.partial else ""
    typer.echo(f"wrote {output} ({format.value}, {data.requests} requests, {stories} success "
               f"stor{'y' if stories == 1 else 'ies'}{', demo data' if data.demo else ''}{partial})")
