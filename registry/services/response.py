"""Who meets the 1-hour response of a delegated case (事进人不进, XT-3.3.2; docs/design.md §12.2).

"在接到受理办件信息1小时内，首席代表到政务大厅现场处理业务，或直接在全省“互联网+政务服务”一体化平台上
接收、办理": a take-up stops the clock only when the department's chief representative takes the
case up at a hall place (a window) or on the platform. The A post counts unless absent; the B
post counts while the A post it backs is absent or vacant (revoked, expired, not yet valid),
as it then acts for A (docs/design.md §4). A take-up by anyone else, or in an internal office,
does not stop the clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Absence, Authorization, Case, Place, Revocation

HALL_PLACES = ("comprehensive_window", "department_window", "platform")


class ResponseJudge:
    """Reads the departments' chief-representative grants, revocations and absences once per pass."""

    def __init__(self, session: Session, departments: Iterable[str]):
        deps = sorted(set(departments))
        self.auths = (
            list(
                session.scalars(
                    select(Authorization).where(
                        Authorization.grantor.in_(deps),
                        Authorization.grantee_person.is_not(None),
                        Authorization.post.in_(("A", "B")),
                    )
                )
            )
            if deps
            else []
        )
        ids = [a.id for a in self.auths]
        self.revoked: dict[int, datetime] = {}
        for auth, at in (
            session.execute(select(Revocation.authorization, Revocation.at).where(Revocation.authorization.in_(ids)))
            if ids
            else ()
        ):
            self.revoked[auth] = min(at, self.revoked.get(auth, at))
        people = {a.grantee_person for a in self.auths}
        self.absences: dict[int, list[tuple[datetime, datetime | None]]] = {}
        for person, start, end in (
            session.execute(select(Absence.person, Absence.from_, Absence.to).where(Absence.person.in_(people)))
            if people
            else ()
        ):
            self.absences.setdefault(person, []).append((start, end))
        self.hall_places = set(session.scalars(select(Place.code).where(Place.kind.in_(HALL_PLACES))))
        self.by_id = {a.id: a for a in self.auths}

    def _in_force(self, a: Authorization, case: Case, at: datetime) -> bool:
        items = a.items
        covers = items == "*" or items is None or case.item in (items or [])
        revoked = self.revoked.get(a.id)
        return (
            covers
            and a.valid_from <= at
            and (a.valid_to is None or at < a.valid_to)
            and (revoked is None or at < revoked)
        )

    def _absent(self, person: int | None, at: datetime) -> bool:
        return any(s <= at and (e is None or at < e) for s, e in self.absences.get(person or -1, ()))

    def acting(self, case: Case, person: int | None, at: datetime) -> bool:
        """Is `person` the case department's chief representative acting at `at`?"""
        for a in self.auths:
            if a.grantor != case.department or a.grantee_person != person or not self._in_force(a, case, at):
                continue
            if self._absent(person, at):
                return False
            if a.post == "A":
                return True
            backed = self.by_id.get(a.backs) if a.backs is not None else None
            if backed is None or not self._in_force(backed, case, at) or self._absent(backed.grantee_person, at):
                return True  # B acts while the A post it backs is vacant or absent
        return False

    def meets(self, case: Case, person: int | None, place: str | None, at: datetime) -> bool:
        """Does a take-up by `person` at `place` and `at` stop the case's response clock?"""
        return place in self.hall_places and self.acting(case, person, at)
