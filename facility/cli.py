"""The `facility` command: database, server, demo, imports, accounts, tokens, experts, optimiser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from facility.auth.models import PartnerKind, Role
from facility.bootstrap import upgrade
from facility.config import get_settings
from facility.db import existing_engine, make_engine, unit_of_work
from facility.errors import DomainError, ValidationFailed
from facility.exports.cli import export_app
from facility.notifications.cli import reminders_app
from facility.reference.cli import import_app
from facility.reports.cli import report_app
from facility.semantic.cli import recommendations_app
from governance.cli import audit_app
from matching.cli import app as match_app

app = typer.Typer(help="The Implementation Facility platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and reference data.", no_args_is_help=True)
accounts_app = typer.Typer(help="People and API clients.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for GraphQL clients.", no_args_is_help=True)
graphql_app = typer.Typer(help="The GraphQL contract.", no_args_is_help=True)
experts_app = typer.Typer(help="The expert roster and its personal data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")
app.add_typer(tokens_app, name="tokens")
app.add_typer(graphql_app, name="graphql")
app.add_typer(experts_app, name="experts")
app.add_typer(import_app, name="import")
app.add_typer(recommendations_app, name="recommendations")
app.add_typer(audit_app, name="audit")
app.add_typer(match_app, name="match")
app.add_typer(export_app, name="export")
app.add_typer(reminders_app, name="reminders")
app.add_typer(report_app, name="report")


def _fail(error: DomainError) -> None:
    problems = error.problems if isinstance(error, ValidationFailed) else None
    for line in ([p.message for p in problems] if problems else [error.message]):
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest schema and load the reference data."""
    settings = get_settings()
    upgrade(make_engine(settings.database_url))
    typer.echo(f"database up to date: {settings.database_url}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="server processes on the one database; background work (optimiser "
                    "runs, reminders, e-mail) is done by `facility worker`")] = 1,
) -> None:
    """Serve the web pages and the GraphQL API (run `facility worker` beside it)."""
    import uvicorn

    # An import string, not an app object: uvicorn starts each worker process by importing
    # the factory there (`--factory facility.app:create_app`, as the load benchmark runs it).
    # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from any loopback peer
    # as the client's address; the app reads it only from FACILITY_TRUSTED_PROXIES.
    uvicorn.run("facility.app:create_app", factory=True, host=host, port=port, workers=workers,
                proxy_headers=False)


@app.command()
def worker() -> None:
    """Do the background work: optimiser runs, the daily reminders, e-mail. Runs until
    stopped (SIGTERM or Ctrl-C); several workers may share a PostgreSQL database, one a SQLite
    file."""
    import signal

    from facility.worker import Worker, WorkerBusy, sessions, single_worker

    settings = get_settings()
    engine = make_engine(settings.database_url)
    process = Worker(sessions(engine), settings)

    def stop(signum: int, _frame: object) -> None:
        process.stop.set()
        if process.current is not None:
            # Abandon the job: its transactions roll back, and the next worker fails the run
            # as interrupted (or runs the job again, for work that is safe to repeat).
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with single_worker(engine):
            process.run_forever()
    except WorkerBusy as busy:
        typer.echo(str(busy), err=True)
        raise typer.Exit(2) from None


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    embed: Annotated[bool, typer.Option(
        "--embed/--no-embed",
        help="compute the embeddings for semantic search (half a minute to a minute, when "
             "the model is installed)")] = True,
) -> None:
    """Migrate, load reference data, seed the labelled demo data if empty, and serve, with a
    worker beside the server (in this process) for the background work."""
    import uvicorn

    from facility.app import create_app
    from facility.demo.seed import seed_demo

    settings = get_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        report = seed_demo(session)
    for line in report:
        typer.echo(line)
    if embed:
        from rich.console import Console

        from facility.semantic.cli import MISSING_MODEL, embed_all, summary
        from facility.semantic.encoder import runtime_available

        if runtime_available():
            typer.echo(summary(embed_all(engine, batch_size=256, console=Console(stderr=True))))
        else:
            typer.echo(f"semantic search falls back to full-text search: {MISSING_MODEL}")
    if serve_after:
        import threading

        from facility.worker import Worker, WorkerBusy, sessions, single_worker

        background = Worker(sessions(engine), settings)

        def work() -> None:
            try:
                with single_worker(engine):
                    background.run_forever()
            except WorkerBusy as busy:  # a `facility worker` on the same file does the work
                typer.echo(str(busy), err=True)

        threading.Thread(target=work, name="facility-worker", daemon=True).start()
        typer.echo(f"demo running at http://{host}:{port}/  (GraphQL explorer: /graphql)")
        try:
            uvicorn.run(create_app(settings, engine=engine, demo=True), host=host, port=port,
                        proxy_headers=False)
        finally:
            background.stop.set()


@accounts_app.command("create")
def accounts_create(
    role: Annotated[Role, typer.Option(case_sensitive=False, help="the account's role")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    state: Annotated[str | None, typer.Option(help="ISO3 code (state and committee roles)")] = None,
    partner: Annotated[str | None, typer.Option(help="partner organisation (created if new)")] = None,
    partner_kind: Annotated[PartnerKind, typer.Option(case_sensitive=False)] = PartnerKind.OTHER,
    partner_state: Annotated[str | None, typer.Option(help="ISO3 of the partner's State")] = None,
    group: Annotated[str | None, typer.Option(help="regional group code (committee)")] = None,
    password_stdin: Annotated[bool, typer.Option(help="read a password from standard input")] = False,
) -> None:
    """Create an account bound to its State, partner or committee seat."""
    from facility.auth.administration import record_created
    from facility.auth.service import create_account

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        engine = existing_engine(get_settings().database_url)
        with unit_of_work(engine) as session:
            account = create_account(
                session, role=role, email=email, name=name, state_code=state,
                partner_name=partner, partner_kind=partner_kind, partner_state=partner_state,
                group_code=group.upper() if group else None, password=password,
            )
            record_created(session, account, actor_account_id=None)
            typer.echo(f"created {account.role.value.lower()} account {account.email}")
    except DomainError as error:
        _fail(error)


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Option()],
    label: Annotated[str, typer.Option(help="what the token is for")] = "",
) -> None:
    """Issue an API token; it is printed once, as the last line."""
    from facility.auth.service import create_token, get_account_by_email

    try:
        engine = existing_engine(get_settings().database_url)
        with unit_of_work(engine) as session:
            token = create_token(session, account=get_account_by_email(session, email),
                                 label=label)
    except DomainError as error:
        _fail(error)
    typer.echo(f"API token for {email} (shown once; store it safely):")
    typer.echo(token)


@tokens_app.command("revoke")
def tokens_revoke(token: Annotated[str, typer.Argument(help="the token to revoke")]) -> None:
    """Revoke a token; it stops working at once."""
    from facility.auth.service import revoke_token

    try:
        engine = existing_engine(get_settings().database_url)
        with unit_of_work(engine) as session:
            revoke_token(session, token=token)
    except DomainError as error:
        _fail(error)
    typer.echo("token revoked")


@experts_app.command("erase")
def experts_erase(
    email: Annotated[str, typer.Argument(help="the e-mail address the person is listed with")],
) -> None:
    """Pseudonymise a person everywhere: roster entries, expert account, tokens (audited)."""
    from facility.audit import verify
    from facility.experts.erasure import erase_expert

    try:
        engine = existing_engine(get_settings().database_url)
        with unit_of_work(engine) as session:
            erasure = erase_expert(session, email=email, secret=get_settings().secret_key)
    except DomainError as error:
        _fail(error)
    with unit_of_work(engine) as session:
        chain = verify(session)
    typer.echo(f"erased roster entries {', '.join(map(str, erasure.expert_ids))}; "
               f"accounts {', '.join(map(str, erasure.account_ids)) or 'none'}; "
               f"{erasure.tokens_revoked} token(s) revoked")
    typer.echo("audit log intact" if chain.ok else f"audit log BROKEN: {chain.reason}")
    if not chain.ok:
        raise typer.Exit(1)


@graphql_app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="where to write the SDL")] = Path(
        "graphql/schema.graphql"),
) -> None:
    """Write the SDL that clients program against."""
    from facility.api.schema import schema

    output.write_text(schema.as_str() + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}")
