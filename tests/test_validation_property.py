"""Property: any input to the validators either passes or is refused as ValidationFailed, whose
every problem names a real input field and a real rule; never any other exception.

Two levels: the field rules of facility/validation.py with arbitrary values, and the services
that file requests, post offers and nominate experts with arbitrary field values (strings with
any character, including NUL and control characters; dates anywhere; integers of GraphQL's
32-bit Int range, which the API cannot exceed). "Real rule" means a rule name the code itself
reports somewhere (collected from the source, so a new rule needs no edit here); "real field" a
field of the service's input, in the API's spelling.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from facility import validation
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.errors import Problems, ValidationFailed
from facility.experts import service as experts
from facility.offers import service as offers
from facility.offers.models import OfferKind
from facility.reference.models import Recommendation, Theme
from facility.requests import service as requests
from facility.requests.models import SupportKind

ROOT = Path(__file__).resolve().parents[1]
YEAR = date.today().year + 1  # windows in the future, whatever the date
SEED = 20261201
INT32 = st.integers(-(2**31), 2**31 - 1)


def _reported_rules() -> frozenset[str]:
    """Every rule name passed to Problems.add / ValidationFailed.single / FieldProblem."""
    call = re.compile(r"(?:\.add|\.single|FieldProblem)\(\s*[^,()]+?,\s*\"([a-z0-9_]+)\"")
    rules = set()
    for path in [*ROOT.glob("facility/**/*.py"), *ROOT.glob("governance/**/*.py")]:
        rules.update(call.findall(path.read_text(encoding="utf-8")))
    return frozenset(rules)


RULES = _reported_rules()


def test_the_rule_collection_sees_multi_line_calls():
    # The oracle itself: rules reported from calls spread over several lines are found.
    assert {"window_fits_mission", "addressed_to_own_state", "required", "iso4217"} <= RULES


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _fields_of(cls, *extra: str) -> set[str]:
    return {_camel(f.name) for f in dataclasses.fields(cls)} | set(extra)


def assert_names_field_and_rule(error: ValidationFailed, fields: set[str]) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.field in fields, problem
        assert problem.rule in RULES, problem
        assert problem.message.startswith(problem.field), problem


# Text that an API client can send: anything, with the awkward characters made likely.
texts = st.text(max_size=40) | st.sampled_from(["", " ", "\x00", "a\x00b", "\u202e", "ab", "x" * 201])
PROPERTY = settings(max_examples=60, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


# The field rules -----------------------------------------------------------------------------

RULE_CALLS = {
    "check_text": st.tuples(texts, st.integers(0, 50), st.integers(0, 3)).map(
        lambda a: lambda p: validation.check_text(p, "f", a[0], max_length=a[1], min_length=a[2])),
    "check_range": st.tuples(INT32, INT32, INT32).map(
        lambda a: lambda p: validation.check_range(p, "f", *a)),
    "check_positive": INT32.map(lambda v: lambda p: validation.check_positive(p, "f", v)),
    "check_currency": texts.map(lambda v: lambda p: validation.check_currency(p, "f", v)),
    "check_languages": st.tuples(st.lists(texts | st.sampled_from(["en", "FR", " sw "])),
                                 st.booleans()).map(
        lambda a: lambda p: validation.check_languages(p, "f", a[0], required=a[1])),
    "check_window": st.tuples(st.dates(), st.dates(), st.none() | INT32).map(
        lambda a: lambda p: validation.check_window(p, a[0], a[1], start_field="f",
                                                    end_field="f", weeks=a[2], weeks_field="f")),
    "check_groups": (st.none() | st.lists(texts | st.sampled_from(["weog", "APG"]))).map(
        lambda v: lambda p: validation.check_groups(p, "f", v)),
    "check_enum_values": st.tuples(st.lists(texts | st.sampled_from(["training"])),
                                   st.booleans()).map(
        lambda a: lambda p: validation.check_enum_values(p, "f", a[0], SupportKind,
                                                         required=a[1])),
}


@pytest.mark.parametrize("rule", sorted(RULE_CALLS))
def test_a_field_rule_reports_problems_for_its_field_and_never_raises(rule):
    @seed(SEED)
    @PROPERTY
    @given(RULE_CALLS[rule])
    def holds(call):
        problems = Problems()
        call(problems)
        if problems.items:
            with pytest.raises(ValidationFailed) as refused:
                problems.raise_if_any()
            assert_names_field_and_rule(refused.value, {"f"})

    holds()


def test_theme_and_state_lookups_report_unknown_names_and_never_raise(db_session):
    @seed(SEED)
    @PROPERTY
    @given(st.lists(texts | st.sampled_from(["Justice", "NHRI", "KEN", "ken", "XXX"]),
                    max_size=5))
    def holds(names):
        problems = Problems()
        validation.resolve_themes(db_session, problems, "themes", names)
        validation.check_states(db_session, problems, "states", names)
        for problem in problems.items:
            assert (problem.field, problem.rule) in {("themes", "known_theme"),
                                                     ("states", "known_state")}

    holds()


# The services --------------------------------------------------------------------------------

@pytest.fixture
def actors(db_session: Session) -> dict[str, Actor]:
    def actor(role: Role, **kw) -> Actor:
        account = create_account(db_session, role=role, name=f"Property {role.value}",
                                 email=f"property-{role.value.lower()}@example.org", **kw)
        return Actor.from_account(account)

    return {"state": actor(Role.STATE, state_code="KEN"),
            "partner": actor(Role.PARTNER, partner_name="Property partner")}


@pytest.fixture
def known(db_session: Session) -> dict[str, list]:
    """A few real themes and a recommendation of Kenya's, so that valid inputs exist."""
    rec = Recommendation(source_id="PROP-KEN-1", source="upr-info", state_code="KEN",
                         text="Property test recommendation", response="SUPPORTED")
    db_session.add(rec)
    db_session.flush()
    themes = list(db_session.exec(select(Theme.name).limit(3)))
    return {"themes": themes, "recommendations": [rec.id]}


def near_valid(cls, valid: dict, junk: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """A valid input with up to three fields replaced by arbitrary values, so that both
    outcomes occur (an input with every field random would almost never pass)."""
    @st.composite
    def build(draw):
        values = dict(valid)
        for name in draw(st.sets(st.sampled_from(sorted(junk)), max_size=3)):
            values[name] = draw(junk[name])
        return cls(**values)

    return build()


def check_service(db_session: Session, strategy, call, fields: set[str]) -> None:
    """Each input, in a SAVEPOINT rolled back afterwards, passes or is refused as the property
    says; both outcomes must occur, or the generator tests nothing."""
    outcomes = set()

    @seed(SEED)
    @PROPERTY
    @given(strategy)
    def holds(value):
        point = db_session.begin_nested()
        try:
            call(value)
            db_session.flush()
            outcomes.add("passed")
        except ValidationFailed as refused:
            assert_names_field_and_rule(refused, fields)
            outcomes.add("refused")
        finally:
            point.rollback()

    holds()
    assert outcomes == {"passed", "refused"}


def _languages():
    return st.lists(st.sampled_from(["en", "fr", "EN", "xx", ""]) | texts, max_size=3)


def _themes(known):
    return st.lists(st.sampled_from(known["themes"] + ["Not a theme"]) | texts, max_size=3)


WINDOW = {"window_start": date(YEAR, 1, 1), "window_end": date(YEAR, 12, 31)}


def test_filing_a_request_passes_or_names_field_and_rule(db_session, actors, known):
    valid = dict(title="Judicial training", need="Train judges", languages=["en"],
                 recommendation_ids=known["recommendations"], support_kinds=["TRAINING"],
                 weeks=4, experts_needed=1, budget=50_000, currency="USD", priority=3,
                 themes=known["themes"][:1], **WINDOW)
    junk = dict(
        title=texts, need=texts, barrier=texts, focal_point=texts, languages=_languages(),
        recommendation_ids=st.lists(st.sampled_from(known["recommendations"]) | INT32,
                                    max_size=3),
        support_kinds=st.lists(st.sampled_from([k.value for k in SupportKind]) | texts,
                               max_size=3),
        window_start=st.dates(), window_end=st.dates(), weeks=INT32, experts_needed=INT32,
        budget=INT32, currency=st.sampled_from(["USD", "eur", "XXX"]) | texts, priority=INT32,
        themes=st.none() | _themes(known))
    check_service(db_session, near_valid(requests.RequestFields, valid, junk),
                  lambda f: requests.create_request(db_session, actor=actors["state"], fields=f),
                  _fields_of(requests.RequestFields))


def test_posting_an_offer_passes_or_names_field_and_rule(db_session, actors, known):
    valid = dict(title="Justice support", kind="FUNDING", themes=known["themes"][:1],
                 languages=["en"], budget=100_000, currency="USD", max_requests=2, **WINDOW)
    junk = dict(
        title=texts, kind=st.sampled_from([k.value for k in OfferKind]) | texts,
        themes=_themes(known), languages=_languages(), budget=INT32,
        currency=st.sampled_from(["USD", "XXX"]) | texts, max_requests=INT32,
        window_start=st.dates(), window_end=st.dates(),
        eligible_groups=st.none() | st.lists(st.sampled_from(["WEOG", "apg"]) | texts,
                                             max_size=3),
        eligible_states=st.none() | st.lists(st.sampled_from(["KEN", "gha"]) | texts,
                                             max_size=3),
        description=texts, conditions=texts)
    check_service(db_session, near_valid(offers.OfferFields, valid, junk),
                  lambda f: offers.create_offer(db_session, actor=actors["partner"], fields=f),
                  _fields_of(offers.OfferFields))


def test_nominating_an_expert_passes_or_names_field_and_rule(db_session, actors, known):
    counter = iter(range(10**6))
    valid = dict(name="A. Expert", email="expert@example.org", nationality="BRA",
                 themes=known["themes"][:1], languages=["en"],
                 availability=[(WINDOW["window_start"], WINDOW["window_end"])])
    junk = dict(
        name=texts, email=st.emails() | texts, nationality=st.sampled_from(["bra", "XXX"]) | texts,
        themes=_themes(known), languages=_languages(),
        availability=st.lists(st.tuples(st.dates(), st.dates()), max_size=3),
        phone=texts, cv=texts, seniority=st.sampled_from(["SENIOR", "junior"]) | texts,
        max_assignments=INT32,
        conflict_states=st.lists(st.sampled_from(["NOR", "xx"]) | texts, max_size=2))

    def nominate(fields):
        if fields.email == valid["email"]:  # one roster entry per address: keep them apart
            fields = dataclasses.replace(fields, email=f"expert{next(counter)}@example.org")
        return experts.nominate_expert(db_session, actor=actors["partner"], fields=fields,
                                       consent_given=True)

    check_service(db_session, near_valid(experts.ExpertFields, valid, junk), nominate,
                  _fields_of(experts.ExpertFields, "availability.start", "availability.end"))


def test_nominating_without_consent_is_refused_naming_consent(db_session, actors, known):
    fields = experts.ExpertFields(name="A. Expert", email="expert@example.org",
                                  nationality="BRA", themes=known["themes"][:1],
                                  languages=["en"], availability=[tuple(WINDOW.values())])
    with pytest.raises(ValidationFailed) as refused:
        experts.nominate_expert(db_session, actor=actors["partner"], fields=fields,
                                consent_given=False)
    assert [(p.field, p.rule) for p in refused.value.problems] == [("consentGiven", "required")]
