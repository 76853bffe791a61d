"""`facility audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import typer

from facility.audit import verify
from facility.config import get_settings
from facility.db import make_engine, unit_of_work

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the chain; exit 1 and name the first broken entry if anything was changed."""
    with unit_of_work(make_engine(get_settings().database_url)) as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"audit log intact: {result.entries} entries verified")
        return
    typer.echo(f"audit log BROKEN at entry {result.first_broken}: {result.reason}", err=True)
    raise typer.Exit(1)
