"""Users and API tokens. Passwords are hashed with Argon2id (argon2-cffi); tokens are kept
only as SHA-256 digests, so a stolen database yields neither."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

import vocab
from registry.db import utcnow
from registry.errors import Conflict, invalid
from registry.models import ApiToken, Department, Person, Place, RegistryChange, User

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


def create_user(session: Session, name: str, role: str, password: str | None, *,
                department: str | None = None, person: int | None = None) -> User:
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
    user = User(name=name, role=role, department=department, person=person,
                password_hash=_hasher.hash(password) if password else None)
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


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user_name: str, place: str | None = None) -> str:
    """Returns the token once; only its digest is stored."""
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise invalid("name", f"用户“{user_name}”不存在")
    if place is not None and session.get(Place, place) is None:
        raise invalid("place", f"场所“{place}”不存在")
    token = "oh_" + secrets.token_urlsafe(32)
    session.add(ApiToken(digest=token_digest(token), user=user.id, place=place))
    session.flush()
    return token


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(RegistryChange(kind="token", key=row.digest[:16]))


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token),
                                                ApiToken.revoked_at.is_(None)))
    if row is None:
        return None
    user = session.get(User, row.user)
    if user is None or user.disabled_at is not None:
        return None
    return principal_of(user, row.place)
