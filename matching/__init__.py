"""The matching optimiser: instance in, result out; no database, no web.

    from matching import load_instance, solve, check
    instance = load_instance("medium.json")
    result = solve(instance, time_limit=30)
    assert check(instance, result) == []
"""

from matching.checker import Violation, check, recompute_score
from matching.commitments import Commitment, CommitmentProblem, residual
from matching.instance import (
    Criteria,
    Expert,
    FixedMatch,
    Instance,
    InstanceError,
    Offer,
    Request,
    Weights,
    load_instance,
    parse_instance,
)
from matching.result import (
    GroupRow,
    Match,
    Result,
    ResultFormatError,
    Status,
    Unmatched,
    load_result,
    parse_result,
    result_to_dict,
    result_to_json,
    write_result,
)
from matching.solver import Progress, solve

__all__ = [
    "Commitment",
    "CommitmentProblem",
    "Criteria",
    "Expert",
    "FixedMatch",
    "GroupRow",
    "Instance",
    "InstanceError",
    "Match",
    "Offer",
    "Progress",
    "Request",
    "Result",
    "ResultFormatError",
    "Status",
    "Unmatched",
    "Violation",
    "Weights",
    "check",
    "load_instance",
    "load_result",
    "parse_instance",
    "parse_result",
    "recompute_score",
    "residual",
    "result_to_dict",
    "result_to_json",
    "solve",
    "write_result",
]
