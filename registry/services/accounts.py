"""Users and their browser sessions. Passwords are hashed with Argon2id (argon2-cffi); session
ids (like tokens, registry.services.tokens) are kept only as SHA-256 digests, so a stolen
database yields neither."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import vocab
from registry.db import utcnow
from registry.errors import Conflict, NotFound, invalid
from registry.models import Department, Person, RegistryChange, User, UserSession
from registry.services.tokens import create_token, revoke_token, token_digest, token_grant

__all__ = [
    "Principal",
    "principal_of",
    "create_user",
    "check_password",
    "create_token",
    "revoke_token",
    "token_digest",
    "principal_for_token",
    "disable_user",
    "enable_user",
    "start_session",
    "session_user",
    "end_session",
    "end_sessions",
]

_hasher = PasswordHasher()
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user behind a session or a token, and the place a token is bound to."""

    user_id: int
    name: str
    role: str
    department: str | None
    person: int | None
    place: str | None = None


def principal_of(user: User, place: str | None = None) -> Principal:
    return Principal(user.id, user.name, user.role, user.department, user.person, place)


def create_user(
    session: Session,
    name: str,
    role: str,
    password: str | None,
    *,
    department: str | None = None,
    person: int | None = None,
) -> User:
    if role not in vocab.ROLES:
        raise invalid("role", f"未知角色“{role}”，可选：{'、'.join(vocab.ROLES)}")
    if role == "department" and not department:
        raise invalid("department", "部门用户须注明部门")
    if department and session.get(Department, department) is None:
        raise invalid("department", f"部门“{department}”不存在")
    if person is not None:
        p = session.get(Person, person)
        if p is None:
            raise invalid("person", f"人员“{person}”不存在")
        if department and p.department != department:
            raise invalid("person", "人员不属于该部门")
    if password is not None and len(password) < MIN_PASSWORD:
        raise invalid("password", f"密码至少{MIN_PASSWORD}位")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise Conflict(f"用户“{name}”已存在")
    user = User(
        name=name,
        role=role,
        department=department,
        person=person,
        password_hash=_hasher.hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def check_password(session: Session, name: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name, User.disabled_at.is_(None)))
    if user is None or not user.password_hash:
        _hasher.hash("timing-equaliser")  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def principal_for_token(session: Session, token: str) -> Principal | None:
    grant = token_grant(session, token)
    if grant is None:
        return None
    user, row = grant
    return principal_of(user, row.place)


def disable_user(session: Session, name: str) -> User:
    """Disable a user: its sessions end and its tokens stop working in every worker (the
    change feed's "token" row makes each worker's token cache forget them)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"用户“{name}”不存在")
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        session.add(RegistryChange(kind="token", key=f"user:{user.id}"))
    end_sessions(session, user.id)
    return user


def enable_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"用户“{name}”不存在")
    user.disabled_at = None
    return user


# --- browser sessions, kept on the server ------------------------------------------------------

SESSION_HOURS = 8


def start_session(session: Session, user: User) -> str:
    """A new server-side session for `user`; returns its id (the cookie carries it)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            digest=token_digest(sid), user=user.id, created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS)
        )
    )
    session.flush()
    return sid


def session_user(session: Session, user_id: int, sid: str) -> User | None:
    """The enabled user of a live session `sid` of `user_id`, or None."""
    row = session.scalar(
        select(UserSession).where(
            UserSession.digest == token_digest(sid), UserSession.user == user_id, UserSession.ended_at.is_(None)
        )
    )
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user


def end_session(session: Session, sid: str) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.digest == token_digest(sid), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_sessions(session: Session, user_id: int) -> None:
    session.execute(
        update(UserSession).where(UserSession.user == user_id, UserSession.ended_at.is_(None)).values(ended_at=utcnow())
    )
