"""recommendations from every mechanism: body, document date, annotation, SDG targets

A recommendation records its mechanism type and body, its publication date, annotation
type, affected persons, recommending States (ISO3) and SDG targets; its UPR position
(`response`) may be empty, as for every treaty-body and special-procedure recommendation.
Existing rows are UPR recommendations: body "UPR", annotation "Recommendations". Rows of
the thematic-list CSV, imported as source "uhri", become "uhri-themes" (the name "uhri"
now means OHCHR's UHRI export).

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0021"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _replace_sqlite_column(name: str, definition: str, *, index: bool) -> None:
    """Change a column's type or nullability on SQLite without rebuilding the table.

    Batch mode would copy the table, drop it and rename the copy: dropping the table
    cascades to its theme, SDG and request links (foreign keys are on) and loses the
    full-text triggers. Adding a column, copying, dropping the old one and renaming the new
    one are plain ALTER TABLEs (SQLite 3.35) that keep every row id and link.
    """
    if index:
        op.execute(f"DROP INDEX IF EXISTS ix_recommendation_{name}")
    op.execute(f"ALTER TABLE recommendation ADD COLUMN {name}_new {definition}")
    op.execute(f"UPDATE recommendation SET {name}_new = {name}")
    op.execute(f"ALTER TABLE recommendation DROP COLUMN {name}")
    op.execute(f"ALTER TABLE recommendation RENAME COLUMN {name}_new TO {name}")
    if index:
        op.execute(f"CREATE INDEX ix_recommendation_{name} ON recommendation ({name})")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("recommendation", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("recommending_states", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column("body", sa.String(length=60), nullable=False,
                                      server_default="UPR"))
        batch_op.add_column(sa.Column("annotation_type", sa.String(length=40), nullable=False,
                                      server_default="Recommendations"))
        batch_op.add_column(sa.Column("publication_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("affected_persons", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.create_index("ix_recommendation_mechanism", ["mechanism"], unique=False)
        batch_op.create_index("ix_recommendation_body", ["body"], unique=False)
        batch_op.create_index("ix_recommendation_document", ["document"], unique=False)
    if sqlite:
        _replace_sqlite_column("response", "VARCHAR(12)", index=True)
        _replace_sqlite_column("recommended_by", "TEXT NOT NULL DEFAULT ''", index=False)
    else:
        op.alter_column("recommendation", "response", existing_type=sa.String(length=12),
                        nullable=True)
        op.alter_column("recommendation", "recommended_by", existing_type=sa.String(length=400),
                        type_=sa.Text(), existing_nullable=False)
    op.execute("UPDATE recommendation SET source = 'uhri-themes' WHERE source = 'uhri'")
    op.create_table(
        "recommendation_sdg_target",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("target_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"], ["recommendation.id"], ondelete="CASCADE",
            name=op.f("fk_recommendation_sdg_target_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["target_code"], ["sdg_target.code"],
            name=op.f("fk_recommendation_sdg_target_target_code_sdg_target"),
        ),
        sa.PrimaryKeyConstraint("recommendation_id", "target_code",
                                name=op.f("pk_recommendation_sdg_target")),
    )
    op.create_index(op.f("ix_recommendation_sdg_target_target_code"),
                    "recommendation_sdg_target", ["target_code"], unique=False)


def downgrade() -> None:
    # The earlier schema knows only UPR recommendations with a position: the others go,
    # with what points at them (their links, embeddings, and their place in requests).
    without = "SELECT id FROM recommendation WHERE response IS NULL OR mechanism <> 'UPR'"
    for table in ("request_recommendation", "recommendation_embedding", "recommendation_theme",
                  "recommendation_sdg"):
        op.execute(f"DELETE FROM {table} WHERE recommendation_id IN ({without})")
    op.execute("DELETE FROM recommendation WHERE response IS NULL OR mechanism <> 'UPR'")
    op.drop_index(op.f("ix_recommendation_sdg_target_target_code"),
                  table_name="recommendation_sdg_target")
    op.drop_table("recommendation_sdg_target")
    op.execute("UPDATE recommendation SET source = 'uhri' WHERE source = 'uhri-themes'")
    if op.get_bind().dialect.name == "sqlite":
        _replace_sqlite_column("response", "VARCHAR(12) NOT NULL DEFAULT 'NOTED'", index=True)
        _replace_sqlite_column("recommended_by", "VARCHAR(400) NOT NULL DEFAULT ''", index=False)
    else:
        op.execute("UPDATE recommendation SET recommended_by = left(recommended_by, 400)")
        op.alter_column("recommendation", "recommended_by", existing_type=sa.Text(),
                        type_=sa.String(length=400), existing_nullable=False)
        op.alter_column("recommendation", "response", existing_type=sa.String(length=12),
                        nullable=False)
    with op.batch_alter_table("recommendation", recreate="never") as batch_op:
        batch_op.drop_index("ix_recommendation_document")
        batch_op.drop_index("ix_recommendation_body")
        batch_op.drop_index("ix_recommendation_mechanism")
    for column in ("affected_persons", "publication_date", "annotation_type", "body",
                   "recommending_states"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE recommendation DROP COLUMN {column}")
        else:
            op.drop_column("recommendation", column)
