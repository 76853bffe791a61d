"""`facility reminders run`: the command a daily cron job calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlmodel import Session

from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.notifications.flows import RunReport, run_reminders
from facility.notifications.models import NotificationKind
from facility.notifications.reminders import KIND_LABEL

reminders_app = typer.Typer(help="Follow-up reminders and their e-mail.", no_args_is_help=True)


def describe(report: RunReport) -> list[str]:
    """What the run queued and sent, one line each (what the cron job's log shows)."""
    lines = [f"reminders for {report.on.isoformat()}: {len(report.queued)} notices queued"]
    for q in report.queued:
        when = ("overdue" if q.notice.kind == NotificationKind.REPORT_OVERDUE
                else f"due in {q.notice.offset_days} days or fewer")
        lines.append(f"  {q.state_code} {KIND_LABEL[q.report_kind]} report {q.report_id} "
                     f"(due {q.due_date.isoformat()}): {when}, {q.recipients} accounts")
    if report.delivery is None:
        lines.append("e-mail: not configured (FACILITY_SMTP_HOST); notices are in the platform only")
    else:
        lines.append(f"e-mail: {report.delivery.sent} sent, {len(report.delivery.failed)} failed "
                     "(tried again on the next run)")
        lines += [f"  notification {nid}: {error}" for nid, error in report.delivery.failed]
    return lines


@reminders_app.command("run")
def run() -> None:
    """Queue the due and overdue notices of today, then e-mail every unsent one."""
    settings = get_settings()
    engine = make_engine(settings.database_url)

    @contextmanager
    def open_session() -> Iterator[Session]:
        with unit_of_work(engine) as session:
            yield session

    report = run_reminders(open_session, settings=settings)
    for line in describe(report):
        typer.echo(line)
    if report.delivery is not None and report.delivery.failed:
        raise typer.Exit(2)
