"""GraphQL: who am I."""

import strawberry
from strawberry.types import Info

from facility.api.context import context_of
from facility.auth import models
from facility.reference.schema import RegionalGroupCode, StateType, state_by_code

Role = strawberry.enum(models.Role)
PartnerKind = strawberry.enum(models.PartnerKind)


@strawberry.type(name="Partner")
class PartnerType:
    name: str
    kind: PartnerKind  # type: ignore[valid-type]

    @classmethod
    def of(cls, partner: models.Partner) -> "PartnerType":
        return cls(name=partner.name, kind=partner.kind)


@strawberry.type(name="Actor")
class ActorType:
    role: Role  # type: ignore[valid-type]
    name: str
    regional_group: RegionalGroupCode | None
    state_code: strawberry.Private[str | None]
    partner_id: strawberry.Private[int | None]

    @strawberry.field
    def state(self, info: Info) -> StateType | None:
        return state_by_code(info, self.state_code)

    @strawberry.field
    def partner(self, info: Info) -> PartnerType | None:
        if self.partner_id is None:
            return None
        partner = context_of(info).loaders.partners.load(self.partner_id)
        return PartnerType.of(partner) if partner else None


@strawberry.type
class AuthQuery:
    @strawberry.field(description="the caller; null when anonymous")
    def me(self, info: Info) -> ActorType | None:
        actor = context_of(info).actor
        if actor is None:
            return None
        return ActorType(
            role=actor.role, name=actor.name,
            regional_group=(RegionalGroupCode(actor.regional_group_code)
                            if actor.regional_group_code else None),
            state_code=actor.state_code, partner_id=actor.partner_id,
        )
