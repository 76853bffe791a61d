"""The `facility match` command line.

    facility match INSTANCE.json [--time-limit S] [--output RESULT.json] [--workers N]
    facility match check INSTANCE.json RESULT.json
    facility match demand INSTANCE.json [--time-limit S] [--per-solve S] [--candidates N]

The first form has no subcommand name: a group that routes anything that is not a known
subcommand to `solve` makes both forms work (`facility match solve ...` works too).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from matching.checker import check, recompute_score
from matching.demand import analyse
from matching.instance import InstanceError, load_instance
from matching.progress import live_progress
from matching.result import ResultFormatError, load_result, result_to_json
from matching.solver import solve


class _SolveByDefault(TyperGroup):
    """A group whose first argument, when not a subcommand, is the instance to solve."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["solve", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_SolveByDefault,
    help="Match requests with offers and experts (see `facility match solve --help`).",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(messages: list[str], code: int = 2) -> None:
    for m in messages:
        typer.echo(m, err=True)
    raise typer.Exit(code)


@app.command("solve")
def solve_command(
    instance: Annotated[Path, typer.Argument(help="Instance file (facility-matching/1).")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", min=0.1, help="Seconds for the whole run.")
    ] = 60.0,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Result file; stdout when absent.")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=2,
                          help="Threads; 2 searches two neighbourhoods at once. The same "
                               "instance and options give the same result, unless the "
                               "machine is too slow for the time limit.")
    ] = 2,
) -> None:
    """Solve INSTANCE within the time limit and write the result file."""
    try:
        inst = load_instance(instance)
    except InstanceError as exc:
        _fail(exc.problems)
    with live_progress(time_limit) as progress:
        result = solve(inst, time_limit=time_limit, progress=progress, workers=workers)
    text = result_to_json(result)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(
            f"{result.status.value}: score {result.score:,}, bound {result.bound:,}, "
            f"{len(result.matches)} matched, {len(result.unmatched)} unmatched, "
            f"{result.seconds:.1f} s -> {output}",
            err=True,
        )


@app.command("check")
def check_command(
    instance: Annotated[Path, typer.Argument(help="Instance file (facility-matching/1).")],
    result: Annotated[Path, typer.Argument(help="Result file (facility-matching-result/1).")],
) -> None:
    """Check RESULT against INSTANCE: every rule, and the score recomputed."""
    try:
        inst = load_instance(instance)
    except InstanceError as exc:
        _fail(exc.problems)
    try:
        res = load_result(result)
    except ResultFormatError as exc:
        _fail([str(exc)])
    violations = check(inst, res)
    for v in violations:
        typer.echo(str(v))
    score = recompute_score(inst, res)
    typer.echo(f"recomputed score: {score} (result says {res.score})")
    if violations:
        typer.echo(f"{len(violations)} violation(s)")
        raise typer.Exit(1)
    typer.echo("valid")


@app.command("demand")
def demand_command(
    instance: Annotated[Path, typer.Argument(help="Instance file (facility-matching/1).")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", min=0.1, help="Seconds for the run itself.")
    ] = 60.0,
    per_solve: Annotated[
        float, typer.Option("--per-solve", min=0.1, help="Seconds for each re-solve.")
    ] = 10.0,
    candidates: Annotated[
        int, typer.Option("--candidates", min=1, help="Candidate additions to re-solve.")
    ] = 12,
) -> None:
    """Solve INSTANCE, then re-solve it with candidate additions: which would match more."""
    try:
        inst = load_instance(instance)
    except InstanceError as exc:
        _fail(exc.problems)
    result = solve(inst, time_limit=time_limit)
    typer.echo(f"{result.status.value}: {len(result.matches)} matched, "
               f"{len(result.unmatched)} unmatched, score {result.score:,}")
    with typer.progressbar(length=candidates, label="re-solving", file=sys.stderr) as bar:
        analysis = analyse(inst, result, time_limit=per_solve, max_candidates=candidates,
                           on_candidate=lambda done, total: bar.update(1))
    typer.echo(f"{analysis.candidates_tried} candidate additions re-solved in "
               f"{analysis.seconds:.1f} s; {len(analysis.suggestions)} match more requests:")
    for s in analysis.suggestions:
        lost = f", loses {', '.join(s.no_longer_matched)}" if s.no_longer_matched else ""
        proven = "" if s.proven else " (re-solve not proven optimal)"
        typer.echo(f"  +{s.gain}: {s.addition.description} -> matches "
                   f"{', '.join(s.newly_matched)}{lost}; score +{s.score_gain:,}{proven}")
