"""Both CLI forms: `match INSTANCE [...]` and `match check INSTANCE RESULT`."""

from __future__ import annotations

import json

import pytest
from matching_builders import INSTANCES, doc, exp, off, req
from typer.testing import CliRunner

from matching.cli import app

TINY = str(INSTANCES / "tiny.json")


@pytest.fixture
def runner():
    return CliRunner()


def test_solve_to_stdout_then_check(runner, tmp_path):
    out = runner.invoke(app, [TINY, "--time-limit", "10"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["format"] == "facility-matching-result/1"
    assert data["status"] == "OPTIMAL" and data["score"] == 3796
    result = tmp_path / "r.json"
    result.write_text(out.stdout)
    checked = runner.invoke(app, ["check", TINY, str(result)])
    assert checked.exit_code == 0
    assert "recomputed score: 3796" in checked.stdout and "valid" in checked.stdout


def test_solve_with_output_file_and_explicit_subcommand(runner, tmp_path):
    result = tmp_path / "r.json"
    out = runner.invoke(app, ["solve", TINY, "-t", "10", "--output", str(result)])
    assert out.exit_code == 0
    assert json.loads(result.read_text())["score"] == 3796
    out = runner.invoke(app, ["--time-limit", "10", TINY, "-o", str(result)])
    assert out.exit_code == 0


def test_check_reports_violations_with_exit_1(runner, tmp_path):
    out = runner.invoke(app, [TINY, "-t", "10"])
    data = json.loads(out.stdout)
    data["score"] += 1
    data["matches"][0]["experts"] = data["matches"][0]["experts"] + ["E1"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    checked = runner.invoke(app, ["check", TINY, str(bad)])
    assert checked.exit_code == 1
    assert "score" in checked.stdout and "team_size" in checked.stdout


def test_bad_instance_exits_2_with_messages_on_stderr(runner, tmp_path):
    d = doc([req("R1", window=["2027-03-01", "2027-01-01"])], [off("O1")], [exp("E1")])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    for args in ([str(bad)], ["check", str(bad), str(bad)]):
        out = runner.invoke(app, args)
        assert out.exit_code == 2
        assert 'requests[0] (id "R1"): field "window": end 2027-01-01 is before start' \
            in out.stderr


def test_help_lists_both_commands(runner):
    out = runner.invoke(app, ["--help"])
    assert out.exit_code == 0
    assert "solve" in out.stdout and "check" in out.stdout
