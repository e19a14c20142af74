"""post identity: a uid per post that a database reset never reuses (export folders are keyed by it)

Revision ID: 0014
Revises: 0017b
Create Date: 2026-12-06 13:20:00.000000
"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0017b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=32), nullable=True))
    posts = sa.table('posts', sa.column('id', sa.Integer), sa.column('uid', sa.String))
    connection = op.get_bind()
    for (post_id,) in connection.execute(sa.select(posts.c.id)).all():
        connection.execute(posts.update().where(posts.c.id == post_id).values(uid=uuid.uuid4().hex))


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('uid')
