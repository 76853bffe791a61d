"""GraphQL types and queries for reference data and recommendations."""

from datetime import date
from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, found_or_null
from facility.api.errors import PublicError
from facility.api.model_fields import from_model
from facility.api.pagination import Connection, connection, page_window
from facility.errors import NotFound
from facility.ids import decode_id, encode_id
from facility.reference import models, names
from facility.reference.search import search_recommendations, target_order

RecommendationResponse = strawberry.enum(models.RecommendationResponse)
MechanismType = strawberry.enum(
    models.MechanismType, description="UPR, treaty body or special procedure")


@strawberry.enum
class RegionalGroupCode(StrEnum):
    AFRICAN = "AFRICAN"
    APG = "APG"
    EEG = "EEG"
    GRULAC = "GRULAC"
    WEOG = "WEOG"


LANGUAGE_HELP = ("one of the UN's six languages: ar, zh-Hans (or zh), en, fr, ru, es; names "
                 "missing in it are given in English")


def _language(language: str | None) -> str:
    """The UN language asked for, or an error naming the argument."""
    if language is None:
        return names.DEFAULT_LANGUAGE
    code = names.language_code(language)
    if code is None:
        raise PublicError(f"language: {LANGUAGE_HELP}")
    return code


@strawberry.type(name="State")
class StateType:
    model: strawberry.Private[models.State]

    code = from_model("code", str, description="ISO 3166 alpha-3 code: the stable identifier")

    @strawberry.field(description="the UN's short name (UNTERM), in English unless `language` says")
    def name(self, language: str | None = None) -> str:
        return names.in_language(self.model.names, _language(language), self.model.name)

    @strawberry.field(description="the UN's formal name (UNTERM)")
    def official_name(self, language: str | None = None) -> str:
        return names.in_language(self.model.formal_names, _language(language),
                                 self.model.official_name)

    @strawberry.field
    def regional_group(self) -> RegionalGroupCode | None:
        code = self.model.regional_group_code
        return RegionalGroupCode(code) if code else None

    @strawberry.field(description="the name of the State's regional group")
    def regional_group_name(self, language: str | None = None) -> str | None:
        code = self.model.regional_group_code
        return _group_name(code, _language(language)) if code else None

    is_observer = from_model("is_observer", bool)

    @classmethod
    def of(cls, state: models.State) -> "StateType":
        return cls(model=state)


def _group_name(code: str, language: str) -> str:
    by_language = names.GROUP_NAMES[code]
    return by_language.get(language) or by_language["en"]


@strawberry.type(name="RegionalGroup")
class RegionalGroupType:
    code: RegionalGroupCode
    name: str


@strawberry.type(name="ThemeLabel")
class ThemeLabelType:
    name: str = strawberry.field(description="the theme as requests, offers and experts name it")
    label: str = strawberry.field(description="its name in the language asked for")


def state_by_code(info: Info, code: str | None) -> StateType | None:
    if code is None:
        return None
    state = context_of(info).loaders.states.get(code)
    return StateType.of(state) if state else None


@strawberry.type(name="SdgGoal")
class SdgGoalType:
    number: int
    title: str
    short_title: str


@strawberry.type(name="SdgTarget")
class SdgTargetType:
    code: str = strawberry.field(description='"16.7", "5.a"')
    goal: int
    title: str

    @classmethod
    def of(cls, target: models.SdgTarget, language: str) -> "SdgTargetType":
        return cls(code=target.code, goal=target.goal_number,
                   title=target.titles.get(language, target.titles["en"]))


@strawberry.type(name="Recommendation")
class RecommendationType:
    model: strawberry.Private[models.Recommendation]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Recommendation", self.model.id))  # type: ignore[arg-type]

    source_id = from_model(
        "source_id", str,
        description="the identifier in the source database (UPR Info or UHRI)")

    text = from_model("text", str)

    @strawberry.field(description="the State's UPR position; null for the other mechanisms, "
                                  "which ask none, and for a UPR recommendation not yet answered")
    def response(self) -> RecommendationResponse | None:  # type: ignore[valid-type]
        return self.model.response

    @strawberry.field
    def themes(self, info: Info) -> list[str]:
        return context_of(info).loaders.recommendation_themes.load(self.model.id)  # type: ignore[arg-type]

    @strawberry.field(description="the State under review that received the recommendation")
    def state(self, info: Info) -> StateType:
        return state_by_code(info, self.model.state_code)  # type: ignore[return-value]

    @strawberry.field
    def recommending_state(self, info: Info) -> StateType | None:
        return state_by_code(info, self.model.recommending_state_code)

    recommended_by = from_model(
        "recommended_by", str,
        description="the recommending State(s) or mechanism, as in the source")

    mechanism = from_model("mechanism", str)
    cycle = from_model("cycle", int | None)
    session = from_model("session", int | None)
    year = from_model("year", int | None)

    @strawberry.field
    def mechanism_type(self) -> MechanismType:  # type: ignore[valid-type]
        return models.MechanismType(self.model.mechanism)

    body = from_model("body", str, description='the body\'s code: "UPR", "CESCR", "CRC", "SR Torture"…')
    document_symbol = from_model(
        "document", str | None,
        description='the UN document symbol, e.g. "E/C.12/AUS/CO/6"')

    publication_date = from_model("publication_date", date | None)
    annotation_type = from_model(
        "annotation_type", str,
        description='as UHRI annotates it: "Recommendations"')

    @strawberry.field(description='as UHRI names them: "Women & girls", "Indigenous peoples"…')
    def affected_persons(self) -> list[str]:
        return list(self.model.affected_persons)

    @strawberry.field(description="the recommending States (UPR)")
    def recommending_states(self, info: Info) -> list[StateType]:
        found = (state_by_code(info, code) for code in self.model.recommending_states)
        return [state for state in found if state is not None]

    @strawberry.field(description="the SDG targets it serves, as UHRI annotates them")
    def sdg_targets(self, info: Info, language: str = "en") -> list[SdgTargetType]:
        targets = context_of(info).loaders.recommendation_sdg_targets.load(self.model.id)  # type: ignore[arg-type]
        return [SdgTargetType.of(t, language) for t in targets]


@strawberry.type
class ReferenceQuery:
    @strawberry.field(description="the UN member and observer States, in the order of their "
                                  "names in `language` (English by default)")
    def states(self, info: Info, language: str | None = None) -> list[StateType]:
        code = _language(language)
        states = context_of(info).loaders.states.values()
        return [StateType.of(s) for s in sorted(
            states, key=lambda s: names.in_language(s.names, code, s.name).casefold())]

    @strawberry.field(description="the five UN regional groups, named in `language`")
    def regional_groups(self, language: str | None = None) -> list[RegionalGroupType]:
        code = _language(language)
        return [RegionalGroupType(code=RegionalGroupCode(group), name=_group_name(group, code))
                for group in models.GROUP_CODES]

    @strawberry.field(description="each theme with its name in `language` (the project's own "
                                  "translations, not official UN ones)")
    def theme_labels(self, info: Info, language: str | None = None) -> list[ThemeLabelType]:
        from sqlmodel import select

        code = _language(language)
        themes = context_of(info).session.exec(select(models.Theme).order_by(models.Theme.name))
        return [ThemeLabelType(name=t.name, label=names.in_language(t.names, code, t.name))
                for t in themes]

    @strawberry.field(description="the recommendation themes (UPR Info's issues)")
    def themes(self, info: Info) -> list[str]:
        from sqlmodel import select

        return list(context_of(info).session.exec(
            select(models.Theme.name).order_by(models.Theme.name)).all())

    @strawberry.field
    def sdg_goals(self, info: Info, language: str = "en") -> list[SdgGoalType]:
        from sqlmodel import col, select

        # Any tag of the six languages ("zh", "fr-CH"); another language falls back to English,
        # as this field always did.
        language = names.language_code(language) or names.DEFAULT_LANGUAGE
        goals = context_of(info).session.exec(
            select(models.SdgGoal).order_by(col(models.SdgGoal.number))).all()
        return [SdgGoalType(number=g.number, title=g.titles.get(language, g.titles["en"]),
                            short_title=g.short_titles.get(language, g.short_titles["en"]))
                for g in goals]

    @strawberry.field(description="the 169 SDG targets, titles in one of the six UN languages")
    def sdg_targets(self, info: Info, language: str = "en",
                    goal: int | None = None) -> list[SdgTargetType]:
        from sqlmodel import select

        query = select(models.SdgTarget)
        if goal is not None:
            query = query.where(models.SdgTarget.goal_number == goal)
        targets = sorted(context_of(info).session.exec(query).all(),
                         key=lambda t: target_order(t.code))
        return [SdgTargetType.of(t, language) for t in targets]

    @strawberry.field(description="recommendations (public UN documents), filtered and searched")
    def recommendations(
        self, info: Info, state_code: str | None = None,
        response: RecommendationResponse | None = None,  # type: ignore[valid-type]
        theme: str | None = None, search: str | None = None,
        first: int | None = None, after: str | None = None,
        mechanism: MechanismType | None = None,  # type: ignore[valid-type]
        body: Annotated[str | None, strawberry.argument(
            description='a body\'s code or name: "CRC", "Committee on the Rights of the Child", '
                        '"SR Torture"')] = None,
        symbol: Annotated[str | None, strawberry.argument(
            description="a UN document symbol")] = None,
        year: Annotated[int | None, strawberry.argument(
            description="the year of publication")] = None,
        sdg_target: Annotated[str | None, strawberry.argument(
            description='an SDG target: "16.7"')] = None,
    ) -> Connection[RecommendationType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = search_recommendations(
            ctx.session, state_code=state_code.upper() if state_code else None,
            response=response, theme=theme, search=search, limit=limit, offset=offset,
            mechanism=mechanism, body=body, symbol=symbol, year=year, sdg_target=sdg_target,
        )
        ctx.loaders.recommendation_themes.prime(r.id for r in rows)  # type: ignore[misc]
        ctx.loaders.recommendation_sdg_targets.prime(r.id for r in rows)  # type: ignore[misc]
        return connection([RecommendationType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def recommendation(self, info: Info, id: strawberry.ID) -> RecommendationType | None:
        def find(pk: int) -> RecommendationType:
            row = context_of(info).loaders.recommendations.load(pk)
            if row is None:  # public: nothing is hidden, but an absent id is logged alike
                raise NotFound(f"no recommendation with id {pk}")
            return RecommendationType(model=row)

        return found_or_null(info, decode_id("Recommendation", id), find)
