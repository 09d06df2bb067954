"""Changes to the data, on the audit trail once they are committed: a change noted inside a
transaction is logged when that transaction commits, and forgotten when it (or the savepoint
it was made in) is rolled back — a dry-run import or a refused row leaves no false record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.logs import audit

_NOTED = "reckon.audit_noted"


def note(session: Session, event_name: str, **fields: Any) -> None:
    """Log `event_name` with `fields` (ids and counts, never values) once this commits."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_NOTED, []).append((transaction, event_name, fields))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    noted = session.info.get(_NOTED)
    if noted:
        session.info[_NOTED] = [n for n in noted if not _within(n[0], previous_transaction)]


@event.listens_for(Session, "after_commit")
def _log(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: not committed yet
        return
    for _transaction, event_name, fields in session.info.pop(_NOTED, []):
        audit(event_name, **fields)
