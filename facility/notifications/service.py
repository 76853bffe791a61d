"""Reading one's notifications and marking them read."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import NotFound
from facility.notifications.models import Notification
from facility.timeutil import utcnow


def list_notifications(session: Session, *, actor: Actor | None, unread_only: bool, limit: int,
                       offset: int) -> tuple[list[Notification], int]:
    """A page of the caller's own notifications, newest first, and their total count."""
    condition = permissions.notification_visibility(actor)
    if unread_only:
        condition = condition & col(Notification.read_at).is_(None)
    total = session.exec(select(func.count()).select_from(Notification).where(condition)).one()
    rows = session.exec(select(Notification).where(condition)
                        .order_by(col(Notification.id).desc())
                        .offset(offset).limit(limit)).all()
    return list(rows), total


def mark_read(session: Session, *, actor: Actor | None, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read; marking it again keeps the first time."""
    row = session.exec(select(Notification).where(
        Notification.id == notification_id, permissions.notification_visibility(actor))).first()
    if row is None:
        raise NotFound(f"no notification with id {notification_id}")
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
        session.flush()
    return row
