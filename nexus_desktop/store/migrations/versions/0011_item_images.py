"""item images: every image URL a feed item carries, not only the first

Revision ID: 0011c
Revises: 0014
Create Date: 2026-12-06 15:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011c'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_urls', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('image_urls')
