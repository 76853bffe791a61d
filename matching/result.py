"""Result types and the `facility-matching-result/1` file: writing and reading."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

RESULT_FORMAT = "facility-matching-result/1"


class Status(StrEnum):
    """OPTIMAL only when the score is proven optimal."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"


@dataclass(frozen=True, slots=True)
class Match:
    """A matched request: its offer, its experts, its value and fit, and why."""

    request: str
    offer: str
    experts: tuple[str, ...]
    value: int
    fit: int
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Unmatched:
    """An unmatched request, the reasons it stayed unmatched and their cause codes."""

    request: str
    reasons: tuple[str, ...] = ()
    # One code per reason (`matching.explain.CAUSES`); empty in files written before codes.
    causes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One row of the per-group fairness table."""

    requests: int
    matched: int
    floor: int
    shortfall: int


@dataclass(frozen=True)
class Result:
    """The outcome of a run, as written to a result file."""

    status: Status
    score: int
    bound: int
    seconds: float
    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]
    groups: Mapping[str, GroupRow]
    # Not in the file: how the run went (phases, times), for benchmarks and logs.
    stats: Mapping[str, Any] = field(default_factory=dict, compare=False)


def result_to_dict(result: Result) -> dict[str, Any]:
    """The result as a `facility-matching-result/1` document."""
    return {
        "format": RESULT_FORMAT,
        "status": result.status.value,
        "score": result.score,
        "bound": result.bound,
        "seconds": round(result.seconds, 3),
        "matches": [
            {
                "request": m.request, "offer": m.offer, "experts": list(m.experts),
                "value": m.value, "fit": m.fit, "explanation": m.explanation,
            }
            for m in result.matches
        ],
        "unmatched": [{"request": u.request, "reasons": list(u.reasons), "causes": list(u.causes)}
                      for u in result.unmatched],
        "groups": {
            g: {"requests": row.requests, "matched": row.matched, "floor": row.floor,
                "shortfall": row.shortfall}
            for g, row in result.groups.items()
        },
    }


def result_to_json(result: Result) -> str:
    """The result file's text (UTF-8 JSON, indented, trailing newline)."""
    return json.dumps(result_to_dict(result), indent=2, ensure_ascii=False) + "\n"


def write_result(result: Result, path: str | Path) -> None:
    """Write the result file."""
    Path(path).write_text(result_to_json(result), encoding="utf-8")


class ResultFormatError(ValueError):
    """A result file that does not follow `facility-matching-result/1`."""


def _get(d: Mapping, key: str, kind: type | tuple, where: str) -> Any:
    if not isinstance(d, Mapping) or key not in d:
        raise ResultFormatError(f'{where}: field "{key}": missing')
    value = d[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
        raise ResultFormatError(f'{where}: field "{key}": wrong type {type(value).__name__}')
    return value


def parse_result(data: Any) -> Result:
    """Read a decoded result document (structure only; `check` validates the content)."""
    where = "result"
    fmt = _get(data, "format", str, where)
    if fmt != RESULT_FORMAT:
        raise ResultFormatError(f'result: field "format": expected "{RESULT_FORMAT}", got "{fmt}"')
    status = _get(data, "status", str, where)
    if status not in Status.__members__:
        raise ResultFormatError(f'result: field "status": unknown status "{status}"')
    matches = []
    for i, m in enumerate(_get(data, "matches", list, where)):
        w = f"matches[{i}]"
        experts = _get(m, "experts", list, w)
        if not all(isinstance(e, str) for e in experts):
            raise ResultFormatError(f'{w}: field "experts": expected a list of ids')
        matches.append(Match(
            request=_get(m, "request", str, w), offer=_get(m, "offer", str, w),
            experts=tuple(experts), value=_get(m, "value", int, w), fit=_get(m, "fit", int, w),
            explanation=m.get("explanation", "") if isinstance(m.get("explanation"), str) else "",
        ))
    unmatched = []
    for i, u in enumerate(_get(data, "unmatched", list, where)):
        w = f"unmatched[{i}]"
        reasons = u.get("reasons", []) if isinstance(u, Mapping) else []
        causes = u.get("causes", []) if isinstance(u, Mapping) else []
        unmatched.append(Unmatched(_get(u, "request", str, w), tuple(str(x) for x in reasons),
                                   tuple(str(x) for x in causes)))
    groups = {}
    for g, row in _get(data, "groups", Mapping, where).items():
        w = f'groups["{g}"]'
        groups[g] = GroupRow(
            _get(row, "requests", int, w), _get(row, "matched", int, w),
            _get(row, "floor", int, w), _get(row, "shortfall", int, w),
        )
    return Result(
        status=Status(status),
        score=_get(data, "score", int, where),
        bound=_get(data, "bound", int, where),
        seconds=float(_get(data, "seconds", (int, float), where)),
        matches=tuple(matches),
        unmatched=tuple(unmatched),
        groups=groups,
    )


def load_result(path: str | Path) -> Result:
    """Read a result file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultFormatError(f"{path}: cannot read result: {exc}") from exc
    return parse_result(data)
