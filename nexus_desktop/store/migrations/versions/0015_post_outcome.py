"""post outcome: when a post uploaded ahead goes public, and what publishing it cost

Revision ID: 0015
Revises: 0011c
Create Date: 2026-12-06 16:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0011c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cost', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('cost')
        batch_op.drop_column('public_at')
