"""One log line for every signed act, once it is committed (docs/design.md §12.5).

SignedLog.append notes each leaf it wrote in the session (`note_act`); after the commit this
module writes one `onehall.acts` line per leaf: kind, log index, leaf hash, signing body and
key. A rolled-back act writes nothing. The web layer's log filter adds the request id, user
and role (web.jsonlog); the scheduler's and the CLI's acts carry none.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

ACTS = logging.getLogger("onehall.acts")
_KEY = "onehall_acts"


def note_act(session: Session, **fields) -> None:
    session.info.setdefault(_KEY, []).append(fields)


def first_uncommitted(session: Session) -> int | None:
    """The log index of this transaction's first append, None if it appended nothing: under the
    log's lock every entry before it is committed (FilingContext.signed reads only those)."""
    acts = session.info.get(_KEY)
    return min(a["log_index"] for a in acts) if acts else None


@event.listens_for(Session, "after_commit")
def _written(session: Session) -> None:
    acts = session.info.pop(_KEY, None)
    if acts and ACTS.isEnabledFor(logging.INFO):
        for fields in acts:
            ACTS.info("signed act", extra={"outcome": "committed", **fields})


@event.listens_for(Session, "after_rollback")
def _dropped(session: Session) -> None:
    session.info.pop(_KEY, None)
