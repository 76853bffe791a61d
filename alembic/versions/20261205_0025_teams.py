"""teams as tables: proposal_expert and engagement_expert replace the JSON lists `expert_ids`

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05

Each team is copied in its order (position 0, 1, ...) before the JSON column goes; the
downgrade writes the lists back from the rows, in the same order. A list that names an expert
who does not exist, or one expert twice, stops the upgrade naming the row: the new keys would
refuse it anyway, less legibly, and guessing what was meant would change a decided team.
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (the table holding the JSON list, the team table, its column naming the owner)
TEAMS = (("match_proposal", "proposal_expert", "proposal_id"),
         ("engagement", "engagement_expert", "engagement_id"))


def _lists(owner: str) -> sa.TableClause:
    return sa.table(owner, sa.column("id", sa.Integer), sa.column("expert_ids", sa.JSON))


def _members(table: str, key: str) -> sa.TableClause:
    return sa.table(table, sa.column(key, sa.Integer), sa.column("expert_id", sa.Integer),
                    sa.column("position", sa.Integer))


def _check(owner: str, owner_id: int, team: list, experts: set[int]) -> None:
    if len(set(team)) != len(team):
        raise RuntimeError(f"{owner} {owner_id}: expert_ids {team} names an expert twice; "
                           "correct the row, then upgrade again")
    missing = [e for e in team if e not in experts]
    if missing:
        raise RuntimeError(f"{owner} {owner_id}: expert_ids {team} names experts {missing} who "
                           "do not exist; correct the row, then upgrade again")


def upgrade() -> None:
    for owner, table, key in TEAMS:
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column("expert_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint([key], [f"{owner}.id"], name=op.f(f"fk_{table}_{key}_{owner}")),
            sa.ForeignKeyConstraint(["expert_id"], ["expert.id"],
                                    name=op.f(f"fk_{table}_expert_id_expert")),
            sa.PrimaryKeyConstraint(key, "expert_id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_expert_id"), table, ["expert_id"], unique=False)

    connection = op.get_bind()
    experts = set(connection.execute(sa.text("SELECT id FROM expert")).scalars())
    for owner, table, key in TEAMS:
        lists = _lists(owner)
        rows = []
        for owner_id, team in connection.execute(
                sa.select(lists.c.id, lists.c.expert_ids).order_by(lists.c.id)):
            team = list(team or [])
            _check(owner, owner_id, team, experts)
            rows += [{key: owner_id, "expert_id": e, "position": n} for n, e in enumerate(team)]
        if rows:
            op.bulk_insert(_members(table, key), rows)
        # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no batch rebuild
        # of tables that other tables' foreign keys point at.
        op.execute(f"ALTER TABLE {owner} DROP COLUMN expert_ids")


def downgrade() -> None:
    connection = op.get_bind()
    for owner, table, key in TEAMS:
        # SQLite adds a NOT NULL column only with a default; PostgreSQL loses it again below.
        op.add_column(owner, sa.Column("expert_ids", sa.JSON(), nullable=False,
                                       server_default=sa.text("'[]'")))
        members = _members(table, key)
        teams: dict[int, list[int]] = defaultdict(list)
        for owner_id, expert_id in connection.execute(
                sa.select(members.c[key], members.c.expert_id)
                .order_by(members.c[key], members.c.position)):
            teams[owner_id].append(expert_id)
        if teams:
            lists = _lists(owner)
            connection.execute(
                lists.update().where(lists.c.id == sa.bindparam("owner_id"))
                .values(expert_ids=sa.bindparam("team", type_=sa.JSON)),
                [{"owner_id": owner_id, "team": team} for owner_id, team in teams.items()])
        if connection.dialect.name == "postgresql":
            op.alter_column(owner, "expert_ids", server_default=None)
        op.drop_index(op.f(f"ix_{table}_expert_id"), table_name=table)
        op.drop_table(table)
