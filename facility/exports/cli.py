"""`facility export`: the IATI activity file and the public data as CSV or JSON."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.errors import DomainError, ValidationFailed

# `facility export iati` exit codes: 0 all written, 1 nothing written, 2 written without the
# records listed as skipped.
SKIPPED_RECORDS = 2

export_app = typer.Typer(help="Publish the facility's public data.", no_args_is_help=True)


def _fail(lines: list[str]) -> None:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(1)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` in one step, so a reader never sees half a file and a failure keeps the
    previous one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@export_app.command("iati")
def export_iati(
    output: Annotated[Path, typer.Option(help="where to write the IATI activity file (XML)")],
    organisation_id: Annotated[str | None, typer.Option(
        help="the reporting organisation's IATI identifier (default: FACILITY_IATI_ORGANISATION_ID)",
    )] = None,
    schema: Annotated[Path | None, typer.Option(
        help="a folder with the IATI 2.03 XSDs: validate before writing, and write nothing if invalid",
    )] = None,
) -> None:
    """Write the published offers and the engagements as an IATI 2.03 activity file, refused
    (nothing written) when it breaks a rule of IATI's Standard Ruleset or, with --schema, the XSD."""
    from lxml import etree

    from facility.exports import iati, iati_rules

    settings = get_settings()
    try:
        reporter = iati.reporter_from(settings, organisation_id)
    except ValidationFailed as error:
        _fail([p.message for p in error.problems])
    if schema is not None and not (schema / "iati-activities-schema.xsd").is_file():
        _fail([f"--schema: {schema} holds no iati-activities-schema.xsd"])
    with unit_of_work(make_engine(settings.database_url)) as session:
        built = iati.build(session, reporter=reporter)
    for record in built.skipped:
        typer.echo(f"skipped {record}", err=True)
    summary = iati.summary_of(built.document)
    if summary.offers == 0:  # IATI files hold at least one activity
        _fail(["nothing to publish: the facility has no published offer yet"
               + (f" that could be written ({len(built.skipped)} skipped)" if built.skipped else "")])
    xml = iati.serialise(built.document)
    if schema is not None and (errors := iati.schema_errors(xml, schema)):
        _fail([f"the file would not validate against {schema}:", *errors])
    # The ruleset runs on the bytes about to be written, parsed back, so it judges the file.
    if breaches := iati_rules.check(etree.fromstring(xml)):
        _fail([f"the file breaks {len(breaches)} rule(s) of IATI's Standard Ruleset; "
               f"nothing was written to {output}:", *map(str, breaches)])
    write_atomically(output, xml)
    typer.echo(f"wrote {output}: {summary.offers} offers and {summary.engagements} engagements "
               f"as IATI {iati.IATI_VERSION} activities, passing IATI's Standard Ruleset"
               + (" and valid against the schema" if schema is not None else ""))
    if built.skipped:
        typer.echo(f"error: {len(built.skipped)} record(s) skipped (listed above); the file "
                   "holds the others", err=True)
        raise typer.Exit(SKIPPED_RECORDS)


@export_app.command("public")
def export_public(
    format: Annotated[str, typer.Option(help="csv or json")],
    output: Annotated[Path, typer.Option(help="the folder to write the files into")],
) -> None:
    """Write the public data sets (published offers, decisions, criteria in force...) to files."""
    from facility.exports import public

    if format not in public.FORMATS:
        _fail([f"--format: {format!r} is not one of {', '.join(public.FORMATS)}"])
    try:
        with unit_of_work(make_engine(get_settings().database_url)) as session:
            files = {f"{name}.{format}": public.render(public.dataset(session, name), format)
                     for name in public.DATASETS}
    except DomainError as error:
        _fail([error.message])
    for name, data in files.items():
        write_atomically(output / name, data)
        typer.echo(f"wrote {output / name}")
