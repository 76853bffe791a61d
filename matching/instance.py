"""Instance types and the reader/validator of `facility-matching/1` files.

Parsing collects every problem it finds (not only the first) and raises one
`InstanceError` whose messages name the record and the field, e.g.
`requests[3] (id "R4"): field "window": end 2027-01-01 is before start 2027-03-01`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTANCE_FORMAT = "facility-matching/1"

#: The five UN regional groups; any other code is refused.
REGIONAL_GROUPS = ("AFRICAN", "APG", "EEG", "GRULAC", "WEOG")

#: The evaluation counted for an expert never evaluated, unless the criteria say otherwise.
DEFAULT_EVALUATION_FLOOR = 50

_STATE_CODE = re.compile(r"^[A-Z]{3}$")

Interval = tuple[dt.date, dt.date]


class InstanceError(ValueError):
    """A malformed instance (or fixed match); `problems` lists every problem found."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class Weights:
    """Score weights of the committee's criteria."""

    priority: int
    waiting_month: int
    supported: int
    theme_fit: int
    language_fit: int


@dataclass(frozen=True, slots=True)
class Criteria:
    """The criteria set a run honours."""

    request_base_value: int
    weights: Weights
    team_min_groups: int
    group_floor_share: Mapping[str, float]
    fairness_penalty: int
    # fit(r, e) gains floor(evaluation_weight * eval(e) / 100); 0 leaves evaluations out.
    evaluation_weight: int = 0
    # eval(e) of an expert never evaluated, so that new experts still get deployed.
    evaluation_floor: int = DEFAULT_EVALUATION_FLOOR


@dataclass(frozen=True, slots=True)
class Request:
    """A State's request for support."""

    id: str
    state: str
    group: str
    themes: tuple[str, ...]
    languages: tuple[str, ...]
    window: Interval
    weeks: int
    budget: int
    experts_needed: int
    priority: int
    submitted: dt.date
    all_supported: bool
    # An urgent request is served only from the ready roster, starting by latest_start.
    urgent: bool = False
    latest_start: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """A partner's offer of funding; `groups`/`states` are None when unrestricted."""

    id: str
    partner: str
    partner_state: str | None  # null for partners of no State (OHCHR, UN agencies)
    themes: tuple[str, ...]
    groups: tuple[str, ...] | None
    states: tuple[str, ...] | None
    window: Interval
    budget: int
    max_requests: int


@dataclass(frozen=True, slots=True)
class Expert:
    """An expert on the roster."""

    id: str
    nationality: str
    group: str
    themes: tuple[str, ...]
    languages: tuple[str, ...]
    available: tuple[Interval, ...]
    max_assignments: int
    conflicts: tuple[str, ...] = ()
    # On the ready roster: deployable within this many hours. None: not on the ready roster.
    notice_hours: int | None = None
    # Average of past deployment evaluations, in percent. None: never evaluated.
    evaluation: int | None = None


@dataclass(frozen=True)
class Instance:
    """One matching problem: criteria, requests, offers and experts."""

    as_of: dt.date
    criteria: Criteria
    requests: tuple[Request, ...]
    offers: tuple[Offer, ...]
    experts: tuple[Expert, ...]
    request_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    offer_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    expert_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookups by id, built once; the tuples themselves stay the source of truth.
        object.__setattr__(self, "request_index", {r.id: i for i, r in enumerate(self.requests)})
        object.__setattr__(self, "offer_index", {o.id: i for i, o in enumerate(self.offers)})
        object.__setattr__(self, "expert_index", {e.id: i for i, e in enumerate(self.experts)})


@dataclass(frozen=True, slots=True)
class FixedMatch:
    """A match kept fixed from an earlier approved run: request -> offer + experts."""

    request: str
    offer: str
    experts: tuple[str, ...] = ()


class _Reader:
    """Reads typed fields of one record, recording problems instead of raising."""

    def __init__(self, problems: list[str], where: str, record: Any):
        self.problems = problems
        self.where = where
        self.record = record if isinstance(record, Mapping) else {}
        if not isinstance(record, Mapping):
            self.fail(None, f"expected an object, got {type(record).__name__}")

    def fail(self, name: str | None, message: str) -> None:
        prefix = self.where if name is None else f'{self.where}: field "{name}"'
        self.problems.append(f"{prefix}: {message}")

    def raw(self, name: str, optional: bool = False) -> Any:
        if name not in self.record:
            if not optional:
                self.fail(name, "missing")
            return None
        if self.record[name] is None and not optional:
            self.fail(name, "must not be null")
        return self.record[name]

    def string(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.fail(name, f"expected a non-empty string, got {json.dumps(value)}")
            return None
        return value

    def integer(self, name: str, minimum: int | None = 0) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        # bool is an int in Python; a JSON true is not a number here.
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"expected a whole number, got {json.dumps(value)}")
            return None
        if minimum is not None and value < minimum:
            self.fail(name, f"must be at least {minimum}, got {value}")
            return None
        return value

    def bounded(self, name: str, minimum: int, maximum: int | None = None,
                nullable: bool = True) -> tuple[bool, int | None]:
        """An optional whole number within [minimum, maximum]: (ok, value). Absent (or null,
        when `nullable`) is (True, None); a bad value is recorded and gives (False, None)."""
        if name not in self.record or (nullable and self.record[name] is None):
            return True, None
        value = self.record[name]
        if value is None:
            self.fail(name, "must not be null (leave it out for the default)")
            return False, None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"expected a whole number, got {json.dumps(value)}")
            return False, None
        if value < minimum or (maximum is not None and value > maximum):
            span = f"at least {minimum}" if maximum is None else f"within {minimum}..{maximum}"
            self.fail(name, f"must be {span}, got {value}")
            return False, None
        return True, value

    def boolean(self, name: str) -> bool | None:
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(name, f"expected true or false, got {json.dumps(value)}")
            return None
        return value

    def date(self, name: str) -> dt.date | None:
        value = self.raw(name)
        if value is None:
            return None
        return self._date(name, value)

    def _date(self, name: str, value: Any) -> dt.date | None:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(name, f"bad date {json.dumps(value)} (expected YYYY-MM-DD)")
        return None

    def interval(self, name: str, value: Any, label: str | None = None) -> Interval | None:
        label = label or name
        if not (isinstance(value, list) and len(value) == 2):
            self.fail(label, f"expected [start, end], got {json.dumps(value)}")
            return None
        start, end = self._date(label, value[0]), self._date(label, value[1])
        if start is None or end is None:
            return None
        if end < start:
            self.fail(label, f"end {end} is before start {start}")
            return None
        return (start, end)

    def window(self, name: str) -> Interval | None:
        value = self.raw(name)
        return None if value is None else self.interval(name, value)

    def strings(self, name: str, optional: bool = False, nonempty: bool = True) -> tuple | None:
        value = self.raw(name, optional=optional)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(name, f"expected a list of strings, got {json.dumps(value)}")
            return None
        if nonempty and not value:
            self.fail(name, "must not be empty")
            return None
        if len(set(value)) != len(value):
            self.fail(name, f"repeats a value in {json.dumps(value)}")
            return None
        return tuple(value)

    def group(self, name: str) -> str | None:
        value = self.string(name)
        if value is not None and value not in REGIONAL_GROUPS:
            self.fail(name, f'unknown group code "{value}" (known: {", ".join(REGIONAL_GROUPS)})')
            return None
        return value

    def state(self, name: str, value: Any = None) -> str | None:
        value = self.string(name) if value is None else value
        if value is not None and not _STATE_CODE.match(value):
            self.fail(name, f'bad state code "{value}" (expected ISO 3166 alpha-3, e.g. "KEN")')
            return None
        return value

    def unknown_fields(self, allowed: set[str]) -> None:
        for key in sorted(set(self.record) - allowed):
            self.fail(key, "unknown field")


def _read_criteria(problems: list[str], raw: Any) -> Criteria | None:
    rd = _Reader(problems, "criteria", raw)
    base = rd.integer("request_base_value", minimum=None)
    team_min = rd.integer("team_min_groups", minimum=1)
    penalty = rd.integer("fairness_penalty")
    weights = None
    wraw = rd.raw("weights")
    if wraw is not None:
        wr = _Reader(problems, "criteria.weights", wraw)
        ws = {
            k: wr.integer(k, minimum=None)
            for k in ("priority", "waiting_month", "supported", "theme_fit", "language_fit")
        }
        wr.unknown_fields(set(ws))
        if all(v is not None for v in ws.values()):
            weights = Weights(**ws)  # type: ignore[arg-type]
    shares: dict[str, float] = {}
    sraw = rd.raw("group_floor_share")
    if sraw is not None:
        if not isinstance(sraw, Mapping):
            rd.fail("group_floor_share", "expected an object of group: share")
        else:
            for g, share in sraw.items():
                if g not in REGIONAL_GROUPS:
                    rd.fail("group_floor_share", f'unknown group code "{g}"')
                elif isinstance(share, bool) or not isinstance(share, int | float):
                    rd.fail("group_floor_share", f'share of "{g}" is not a number')
                elif not 0 <= share <= 1:
                    rd.fail("group_floor_share", f'share of "{g}" must be within [0, 1]')
                else:
                    shares[g] = float(share)
    # Optional, for evaluations of past deployments; absent means the defaults.
    weight_ok, eval_weight = rd.bounded("evaluation_weight", 0, nullable=False)
    floor_ok, eval_floor = rd.bounded("evaluation_floor", 0, 100, nullable=False)
    rd.unknown_fields(
        {"request_base_value", "weights", "team_min_groups", "group_floor_share",
         "fairness_penalty", "evaluation_weight", "evaluation_floor"}
    )
    parts = (base, weights, team_min, penalty)
    if any(p is None for p in parts) or sraw is None or not (weight_ok and floor_ok):
        return None
    return Criteria(
        base, weights, team_min, shares, penalty,  # type: ignore[arg-type]
        evaluation_weight=0 if eval_weight is None else eval_weight,
        evaluation_floor=DEFAULT_EVALUATION_FLOOR if eval_floor is None else eval_floor,
    )


def _where(kind: str, i: int, rec: Any) -> str:
    rid = rec.get("id") if isinstance(rec, Mapping) else None
    return f"{kind}[{i}] (id {json.dumps(rid)})" if isinstance(rid, str) else f"{kind}[{i}]"


def _read_request(problems: list[str], i: int, rec: Any) -> Request | None:
    rd = _Reader(problems, _where("requests", i, rec), rec)
    fields = dict(
        id=rd.string("id"),
        state=rd.state("state"),
        group=rd.group("group"),
        themes=rd.strings("themes"),
        languages=rd.strings("languages"),
        window=rd.window("window"),
        weeks=rd.integer("weeks", minimum=1),
        budget=rd.integer("budget"),
        experts_needed=rd.integer("experts_needed"),
        priority=rd.integer("priority"),
        submitted=rd.date("submitted"),
        all_supported=rd.boolean("all_supported"),
    )
    urgent, latest_start, urgent_ok = _read_urgency(rd, fields["window"])  # type: ignore[arg-type]
    rd.unknown_fields(set(fields) | {"urgent", "latest_start"})
    if any(v is None for v in fields.values()) or not urgent_ok:
        return None
    return Request(urgent=urgent, latest_start=latest_start, **fields)  # type: ignore[arg-type]


def _read_urgency(rd: _Reader, window: Interval | None) -> tuple[bool, dt.date | None, bool]:
    """`urgent` (absent: false) and `latest_start` (required when urgent; allowed, checked
    and unused otherwise, so a request marked urgent and then not keeps its date): (urgent,
    latest_start, ok)."""
    urgent = False
    ok = True
    if rd.record.get("urgent", False) is None:
        rd.fail("urgent", "must not be null (leave it out for false)")
        ok = False
    elif "urgent" in rd.record:
        value = rd.boolean("urgent")
        ok = value is not None
        urgent = bool(value)
    latest = None
    if rd.record.get("latest_start") is not None:
        latest = rd.date("latest_start")
        ok &= latest is not None
    elif urgent:
        rd.fail("latest_start", 'required when "urgent" is true (YYYY-MM-DD)')
        ok = False
    if urgent and latest is not None and window is not None and latest < window[0]:
        rd.fail("latest_start", f"{latest} is before the window's start {window[0]}")
        ok = False
    return urgent, latest, ok


def _read_offer(problems: list[str], i: int, rec: Any) -> Offer | None:
    rd = _Reader(problems, _where("offers", i, rec), rec)
    # `groups` and `states` must be present; null means "no restriction".
    for key in ("groups", "states"):
        if key not in rd.record:
            rd.fail(key, "missing (use null for no restriction)")
    groups = rd.strings("groups", optional=True, nonempty=False)
    for g in groups or ():
        if g not in REGIONAL_GROUPS:
            rd.fail("groups", f'unknown group code "{g}"')
            groups = None
    states = rd.strings("states", optional=True, nonempty=False)
    for s in states or ():
        if rd.state("states", s) is None:
            states = None
    fields = dict(
        id=rd.string("id"),
        partner=rd.string("partner"),
        themes=rd.strings("themes"),
        window=rd.window("window"),
        budget=rd.integer("budget"),
        max_requests=rd.integer("max_requests"),
    )
    # A partner of no State (OHCHR, a UN agency) has partner_state null.
    partner_state = rd.raw("partner_state", optional=True)
    if "partner_state" not in rd.record:
        rd.fail("partner_state", "missing (use null for a partner of no State)")
    elif partner_state is not None and rd.state("partner_state", partner_state) is None:
        return None
    rd.unknown_fields(set(fields) | {"groups", "states", "partner_state"})
    bad_restriction = (
        "groups" not in rd.record
        or "states" not in rd.record
        or (rd.record.get("groups") is not None and groups is None)
        or (rd.record.get("states") is not None and states is None)
    )
    if any(v is None for v in fields.values()) or bad_restriction:
        return None
    return Offer(groups=groups, states=states, partner_state=partner_state, **fields)  # type: ignore[arg-type]


def _read_expert(problems: list[str], i: int, rec: Any) -> Expert | None:
    rd = _Reader(problems, _where("experts", i, rec), rec)
    available: list[Interval] | None = None
    araw = rd.raw("available")
    if araw is not None:
        if not isinstance(araw, list):
            rd.fail("available", f"expected a list of [start, end], got {json.dumps(araw)}")
        else:
            parsed = [rd.interval("available", a, f"available[{k}]") for k, a in enumerate(araw)]
            if all(p is not None for p in parsed):
                available = parsed  # type: ignore[assignment]
    conflicts = rd.strings("conflicts", optional=True, nonempty=False)
    bad_conflict = False
    for s in conflicts or ():
        bad_conflict |= rd.state("conflicts", s) is None
    fields = dict(
        id=rd.string("id"),
        nationality=rd.state("nationality"),
        group=rd.group("group"),
        themes=rd.strings("themes"),
        languages=rd.strings("languages"),
        max_assignments=rd.integer("max_assignments"),
    )
    # Optional: null or absent means not on the ready roster / never evaluated.
    notice_ok, notice_hours = rd.bounded("notice_hours", 0)
    evaluation_ok, evaluation = rd.bounded("evaluation", 0, 100)
    rd.unknown_fields(set(fields) | {"available", "conflicts", "notice_hours", "evaluation"})
    if any(v is None for v in fields.values()) or available is None or bad_conflict:
        return None
    if ("conflicts" in rd.record and conflicts is None) or not (notice_ok and evaluation_ok):
        return None
    return Expert(available=tuple(available), conflicts=conflicts or (),
                  notice_hours=notice_hours, evaluation=evaluation,
                  **fields)  # type: ignore[arg-type]


def parse_instance(data: Any) -> Instance:
    """Validate a decoded `facility-matching/1` document and return the typed instance."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise InstanceError([f"instance: expected a JSON object, got {type(data).__name__}"])
    top = _Reader(problems, "instance", data)
    fmt = top.raw("format")
    if fmt is not None and fmt != INSTANCE_FORMAT:
        top.fail("format", f'expected "{INSTANCE_FORMAT}", got {json.dumps(fmt)}')
    as_of = top.date("as_of")
    craw = top.raw("criteria")
    criteria = _read_criteria(problems, craw) if craw is not None else None
    top.unknown_fields({"format", "as_of", "criteria", "requests", "offers", "experts"})

    lists: dict[str, list] = {}
    readers = {"requests": _read_request, "offers": _read_offer, "experts": _read_expert}
    for kind, read in readers.items():
        raw = top.raw(kind)
        if raw is None:
            lists[kind] = []
            continue
        if not isinstance(raw, list):
            top.fail(kind, "expected a list")
            lists[kind] = []
            continue
        lists[kind] = [read(problems, i, rec) for i, rec in enumerate(raw)]
        seen: dict[str, int] = {}
        for i, rec in enumerate(raw):
            rid = rec.get("id") if isinstance(rec, Mapping) else None
            if isinstance(rid, str):
                if rid in seen:
                    problems.append(
                        f'{kind}[{i}] (id "{rid}"): field "id": duplicate id, '
                        f"already used by {kind}[{seen[rid]}]"
                    )
                else:
                    seen[rid] = i
    if problems:
        raise InstanceError(problems)
    return Instance(
        as_of=as_of,  # type: ignore[arg-type]
        criteria=criteria,  # type: ignore[arg-type]
        requests=tuple(lists["requests"]),
        offers=tuple(lists["offers"]),
        experts=tuple(lists["experts"]),
    )


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InstanceError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError([f"{path}: not valid JSON: {exc}"]) from exc
    return parse_instance(data)


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """The instance as a `facility-matching/1` document (for generators and tests)."""

    def iso(interval: Interval) -> list[str]:
        return [interval[0].isoformat(), interval[1].isoformat()]

    c = instance.criteria
    return {
        "format": INSTANCE_FORMAT,
        "as_of": instance.as_of.isoformat(),
        "criteria": {
            "request_base_value": c.request_base_value,
            "weights": {
                "priority": c.weights.priority,
                "waiting_month": c.weights.waiting_month,
                "supported": c.weights.supported,
                "theme_fit": c.weights.theme_fit,
                "language_fit": c.weights.language_fit,
            },
            "team_min_groups": c.team_min_groups,
            "group_floor_share": dict(c.group_floor_share),
            "fairness_penalty": c.fairness_penalty,
            # The optional fields only when they differ from their defaults, so that an
            # instance without them round-trips unchanged.
            **({"evaluation_weight": c.evaluation_weight} if c.evaluation_weight else {}),
            **({"evaluation_floor": c.evaluation_floor}
               if c.evaluation_floor != DEFAULT_EVALUATION_FLOOR else {}),
        },
        "requests": [
            {
                "id": r.id, "state": r.state, "group": r.group, "themes": list(r.themes),
                "languages": list(r.languages), "window": iso(r.window), "weeks": r.weeks,
                "budget": r.budget, "experts_needed": r.experts_needed, "priority": r.priority,
                "submitted": r.submitted.isoformat(), "all_supported": r.all_supported,
                **({"urgent": True} if r.urgent else {}),
                **({"latest_start": r.latest_start.isoformat()} if r.latest_start else {}),
            }
            for r in instance.requests
        ],
        "offers": [
            {
                "id": o.id, "partner": o.partner, "partner_state": o.partner_state,
                "themes": list(o.themes),
                "groups": None if o.groups is None else list(o.groups),
                "states": None if o.states is None else list(o.states),
                "window": iso(o.window), "budget": o.budget, "max_requests": o.max_requests,
            }
            for o in instance.offers
        ],
        "experts": [
            {
                "id": e.id, "nationality": e.nationality, "group": e.group,
                "themes": list(e.themes), "languages": list(e.languages),
                "available": [iso(a) for a in e.available],
                "max_assignments": e.max_assignments,
                **({"conflicts": list(e.conflicts)} if e.conflicts else {}),
                **({"notice_hours": e.notice_hours} if e.notice_hours is not None else {}),
                **({"evaluation": e.evaluation} if e.evaluation is not None else {}),
            }
            for e in instance.experts
        ],
    }
