"""catalog: the derived rows (search, relations, full text) lose their foreign keys.

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-12-06

Each derived row's foreign key made PostgreSQL check and lock its entity row once per
inserted row: 2.4 million checks in a 100,000-entity ingest, about 13 of its 53 seconds.
The one writer of these rows (``goldpath.catalog._store``) deletes them explicitly before
their entity, in the same transaction, so the ``ON DELETE CASCADE`` did nothing either.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None

# table -> its column that names the entity row
_DERIVED = {
    "catalog_search": "entity_uid",
    "catalog_relations": "originating_uid",
    "catalog_fulltext": "entity_uid",
}
_ENTITIES = "catalog_entities"
# SQLite's foreign keys have no names: batch mode names them by this convention
_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s"}


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    """Drop the foreign key of each derived table (SQLite: the table is rebuilt)."""
    for table, column in _DERIVED.items():
        if _sqlite():
            with op.batch_alter_table(table, naming_convention=_NAMES, recreate="always") as b:
                b.drop_constraint(f"fk_{table}_{column}", type_="foreignkey")
            continue
        for key in sa.inspect(op.get_bind()).get_foreign_keys(table):
            if key["name"]:  # PostgreSQL names every constraint
                op.drop_constraint(key["name"], table, type_="foreignkey")


def downgrade() -> None:
    """Put the foreign keys back (every derived row must have its entity)."""
    for table, column in _DERIVED.items():
        name = f"fk_{table}_{column}"
        if _sqlite():
            with op.batch_alter_table(table, recreate="always") as b:
                b.create_foreign_key(name, _ENTITIES, [column], ["uid"], ondelete="CASCADE")
            continue
        op.create_foreign_key(name, table, _ENTITIES, [column], ["uid"], ondelete="CASCADE")
