"""full-text search over recommendation texts

SQLite: an FTS5 index kept in step with the table by triggers.
PostgreSQL: a generated tsvector column with a GIN index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE recommendation_fts USING fts5("
            "text, content='recommendation', content_rowid='id', tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER recommendation_fts_ai AFTER INSERT ON recommendation BEGIN "
            "INSERT INTO recommendation_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER recommendation_fts_ad AFTER DELETE ON recommendation BEGIN "
            "INSERT INTO recommendation_fts(recommendation_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER recommendation_fts_au AFTER UPDATE OF text ON recommendation BEGIN "
            "INSERT INTO recommendation_fts(recommendation_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); "
            "INSERT INTO recommendation_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute("INSERT INTO recommendation_fts(recommendation_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "ALTER TABLE recommendation ADD COLUMN text_search tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_recommendation_text_search ON recommendation USING gin (text_search)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS recommendation_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS recommendation_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_recommendation_text_search")
        op.execute("ALTER TABLE recommendation DROP COLUMN IF EXISTS text_search")
