"""The layers hold: the import-linter contracts of pyproject.toml pass on the code, and the
kinds contract itself catches an upward import and a cycle (it can fail)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from tests.architecture.kinds import KindLayersContract

ROOT = Path(__file__).resolve().parents[1]


def test_the_code_keeps_every_import_contract() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _contract() -> KindLayersContract:
    return KindLayersContract(name="test", session_options={}, contract_options={
        "layers": ["adapter", "service", "model", "core"],
        "precedence": ["core", "model", "adapter"],
        "default": "service",
        "acyclic_below": "adapter",
        "patterns": ["core: app.db", "model: *.models", "adapter: app.web", "adapter: *.schema"],
    })


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for module in ("app", "app.db", "app.web", "app.orders", "app.orders.models",
                   "app.orders.schema", "app.orders.service", "app.billing.service"):
        graph.add_module(module)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1,
                         line_contents=f"import {imported}")
    return graph


def test_kinds_come_from_the_module_names() -> None:
    contract = _contract()
    assert contract.kind_of("app.db") == "core"
    assert contract.kind_of("app.orders.models") == "model"
    assert contract.kind_of("app.orders.schema") == "adapter"
    assert contract.kind_of("app.orders.service") == "service"


def test_imports_that_point_down_are_kept() -> None:
    check = _contract().check(_graph(
        ("app.web", "app.orders.schema"), ("app.orders.schema", "app.orders.service"),
        ("app.orders.service", "app.orders.models"), ("app.orders.models", "app.db"),
        ("app.billing.service", "app.orders.service")), verbose=False)
    assert check.kept


def test_an_upward_import_breaks_the_contract() -> None:
    check = _contract().check(_graph(("app.orders.service", "app.orders.schema"),
                                     ("app.db", "app.orders.models")), verbose=False)
    assert not check.kept
    assert [(i, j) for i, _, j, _, _ in check.metadata["upward"]] == [
        ("app.db", "app.orders.models"), ("app.orders.service", "app.orders.schema")]


def test_a_cycle_between_services_breaks_the_contract() -> None:
    check = _contract().check(_graph(("app.orders.service", "app.billing.service"),
                                     ("app.billing.service", "app.orders.service")), verbose=False)
    assert not check.kept
    assert check.metadata["cycles"] == [["app.billing.service", "app.orders.service"]]
    assert not check.metadata["upward"]
