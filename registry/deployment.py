"""Settings a deployment fixes once, at `onehall init`, for every host (docs/design.md §12.5).

The log origin names the log in every checkpoint (C2SP): changing it later would make one
log look like two, so it is written at init and every later start compares against it.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.errors import Conflict
from registry.models import DeploymentSetting

LOG_ORIGIN = "log_origin"


class SettingConflict(Conflict):
    """A setting given now differs from the one fixed at init."""


def fixed(session: Session, name: str) -> str | None:
    row = session.get(DeploymentSetting, name)
    return None if row is None else row.value


def fix(session: Session, name: str, value: str) -> str:
    """Write `value` if nothing is fixed yet; refuse a different value later."""
    current = fixed(session, name)
    if current is None:
        session.add(DeploymentSetting(name=name, value=value, fixed_at=utcnow()))
        session.flush()
        return value
    if current != value:
        raise SettingConflict(conflict_message(name, current, value))
    return current


def conflict_message(name: str, current: str, given: str) -> str:
    return (
        f"{name} 已在初始化时固定为 {current!r}，不能改为 {given!r}（拒绝启动）。 "
        f"{name} was fixed at init as {current!r} and cannot become {given!r} (refusing to start)."
    )


def fixed_if_migrated(engine: Engine, name: str) -> str | None:
    """The fixed value, or None when the database has no such table yet (before `init`)."""
    if not inspect(engine).has_table(DeploymentSetting.__tablename__):
        return None
    with Session(engine) as session:
        return fixed(session, name)
