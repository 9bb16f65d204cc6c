"""audit action for a refused change of one's own password

Revision ID: 0004_password_refused
Revises: 0003_moderation
Create Date: 2026-11-25 06:00:00

The action column is a VARCHAR with a CHECK constraint of the allowed values; the new value
needs the constraint replaced (SQLite rebuilds the table for that, in batch mode).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_password_refused'
down_revision = '0003_moderation'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_audit_events_auditaction'
BEFORE = ('approve', 'reject', 'spam', 'ham', 'delete', 'restore', 'hold', 'lock', 'unlock',
          'ban', 'unban', 'settings', 'key-create', 'key-revoke', 'user-create', 'user-update')
AFTER = BEFORE + ('password-refused',)


def _allow(values):
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch.create_check_constraint(op.f(CONSTRAINT), sa.column('action').in_(values))


def upgrade():
    _allow(AFTER)


def downgrade():
    # The audit log is not thrown away: the events go back to the action the older code knows.
    op.execute(sa.text(
        "UPDATE audit_events SET action = 'user-update', "
        "note = note || ' (own password change refused)' WHERE action = 'password-refused'"))
    _allow(BEFORE)
