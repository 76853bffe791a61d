"""Who is asking: the typed identity every service receives."""

from __future__ import annotations

from dataclasses import dataclass

from facility.auth.models import Account, Role


@dataclass(frozen=True)
class Actor:
    account_id: int
    role: Role
    name: str
    state_code: str | None = None
    partner_id: int | None = None
    regional_group_code: str | None = None
    # A committee account acts as the committee only while it holds a seat (set when the
    # caller is authenticated; services check the seat in the database themselves).
    seated: bool = False

    @classmethod
    def from_account(cls, account: Account, *, seated: bool = False) -> Actor:
        assert account.id is not None
        return cls(
            account_id=account.id,
            role=account.role,
            name=account.name,
            state_code=account.state_code,
            partner_id=account.partner_id,
            regional_group_code=account.regional_group_code,
            seated=seated and account.role == Role.COMMITTEE,
        )
