"""API tokens (docs/design.md §12.4): issued with an expiry (a year unless set per token), listed and
revoked by the service department or by their own user, stored only as SHA-256 digests.

A revocation adds a "token" row to the change feed, so every worker's token cache forgets
what it held at its next look (web.auth.TokenCache).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.errors import Forbidden, NotFound, invalid
from registry.models import ApiToken, Place, RegistryChange, User

DEFAULT_DAYS = 365
MAX_DAYS = 3 * 365
MANAGER_ROLE = "gov_service"  # the service department keeps every account's tokens


@dataclass(frozen=True)
class TokenRow:
    """What a listing shows of a token: never the token itself."""

    id: int
    user: str
    role: str
    place: str | None
    note: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    user_name: str,
    place: str | None = None,
    *,
    days: int | None = None,
    expires_at: datetime | None = None,
    note: str | None = None,
) -> str:
    """Returns the token once; only its digest is stored. It expires after `days` (default a
    year) or at `expires_at`."""
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise invalid("name", f"用户“{user_name}”不存在")
    if user.disabled_at is not None:
        raise invalid("name", f"用户“{user_name}”已停用，不能签发令牌")
    if place is not None and session.get(Place, place) is None:
        raise invalid("place", f"场所“{place}”不存在")
    now = utcnow()
    if expires_at is None:
        days = DEFAULT_DAYS if days is None else days
        if not 1 <= days <= MAX_DAYS:
            raise invalid("days", f"有效期须在 1–{MAX_DAYS} 天之间")
        expires_at = now + timedelta(days=days)
    elif not now < expires_at <= now + timedelta(days=MAX_DAYS):
        raise invalid("expires_at", f"到期时间须在现在之后、{MAX_DAYS} 天之内")
    token = "oh_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            digest=token_digest(token), user=user.id, place=place, created_at=now, expires_at=expires_at, note=note
        )
    )
    session.flush()
    return token


def list_tokens(session: Session, *, user_name: str | None = None, include_ended: bool = True) -> list[TokenRow]:
    stmt = select(ApiToken, User.name, User.role).join(User, User.id == ApiToken.user).order_by(ApiToken.id.desc())
    if user_name is not None:
        stmt = stmt.where(User.name == user_name)
    rows = [
        TokenRow(t.id, name, role, t.place, t.note, t.created_at, t.expires_at, t.revoked_at)
        for t, name, role in session.execute(stmt)
    ]
    return rows if include_ended else [r for r in rows if r.state == "active"]


def revoke_token_id(session: Session, token_id: int, *, by: User | None = None) -> TokenRow:
    """Revoke one token by its listing id. `by` (None: the operator at the console) may revoke
    any token as the service department, otherwise only its own."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"令牌“{token_id}”不存在")
    if by is not None and by.role != MANAGER_ROLE and row.user != by.id:
        raise Forbidden("只能撤销自己的令牌")
    _revoke(session, row)
    owner = session.get(User, row.user)
    return TokenRow(row.id, owner.name, owner.role, row.place, row.note, row.created_at, row.expires_at, row.revoked_at)


def revoke_token(session: Session, token: str) -> None:
    """Revoke the token itself (its holder signing it off)."""
    row = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token)))
    if row is not None:
        _revoke(session, row)


def _revoke(session: Session, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(RegistryChange(kind="token", key=row.digest[:16]))


def token_grant(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The user and token row behind a live token, or None (unknown, revoked, expired, or its
    user disabled)."""
    row = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token), ApiToken.revoked_at.is_(None)))
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    user = session.get(User, row.user)
    if user is None or user.disabled_at is not None:
        return None
    return user, row
