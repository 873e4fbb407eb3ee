"""Who is calling: bearer tokens for clients (checked from an in-memory cache, so a request
never pays a password hash), flask-login sessions for people in a browser.

A browser session is kept on the server (registry.services.accounts.start_session): the
flask-login id is "user id.session id", so a sign-out, or disabling the user, ends it for
every worker at once (each request reads its session row). Cached tokens are forgotten when
the change feed shows a credential change; each also carries its expiry.
"""

from __future__ import annotations

import threading
import math
import time
from typing import Any

from flask import g, request
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import bindparam, select

from registry.models import RegistryChange
from registry.services.accounts import Principal, principal_of, session_user
from registry.services.tokens import token_digest, token_grant
from web.jsonlog import note_principal

login_manager = LoginManager()
login_manager.login_view = "ui.login"
login_manager.login_message = "请先登录"


class SessionUser(UserMixin):
    """The flask-login user object wrapping a Principal."""

    def __init__(self, principal: Principal, sid: str):
        self.principal = principal
        self.sid = sid

    def get_id(self) -> str:
        return f"{self.principal.user_id}.{self.sid}"


class TokenCache:
    """digest → (Principal, expiry as a Unix time), so a request never pays a database read or
    a hash for its token. Cleared when the change feed shows a credential change (a token
    revoked, a user disabled) since the last look."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Principal, float] | None] = {}
        self._seen = -1

    def lookup(self, runtime: Any, token: str) -> Principal | None:
        digest = token_digest(token)
        mark = runtime.changes.mark()
        if mark != self._seen:
            self._invalidate_if_tokens_changed(runtime, mark)
        cached = self._cache.get(digest, _MISSING)
        if cached is _MISSING:
            with runtime.reading() as session:
                grant = token_grant(session, token)
                expires = grant and grant[1].expires_at
                cached = (
                    None
                    if grant is None
                    else (principal_of(grant[0], grant[1].place), expires.timestamp() if expires else math.inf)
                )
            with self._lock:
                if len(self._cache) >= MAX_CACHED_TOKENS:  # bounded, whatever callers send
                    self._cache.clear()
                self._cache[digest] = cached
        if cached is None:
            return None
        principal, expires_at = cached
        return principal if time.time() < expires_at else None

    def _invalidate_if_tokens_changed(self, runtime: Any, mark: int) -> None:
        with self._lock:
            seen = self._seen
            self._seen = mark
        if seen < 0:
            return
        own = runtime.changes.own
        if own is not None and own[0] == seen and own[1] == mark and "token" not in own[2]:
            return  # all of (seen, mark] is this worker's last commit, which changed no credential
        # "token": a token revoked or a user disabled (registry.services.tokens, .accounts)
        changed = runtime.changes.read(_TOKEN_CHANGED, seen=seen, mark=mark)
        if changed:
            with self._lock:
                self._cache.clear()


_TOKEN_CHANGED = (
    select(RegistryChange.seq)
    .where(
        RegistryChange.seq > bindparam("seen"), RegistryChange.seq <= bindparam("mark"), RegistryChange.kind == "token"
    )
    .limit(1)
)
_MISSING = object()
MAX_CACHED_TOKENS = 10_000


def load_principal(runtime: Any, token_cache: TokenCache) -> None:
    """Set g.principal from the bearer token or the browser session (or None)."""
    g.principal = None
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Bearer "):
        g.principal = token_cache.lookup(runtime, header[7:].strip())
        g.auth_kind = "token"
    elif current_user.is_authenticated:
        g.principal = current_user.principal
        g.auth_kind = "session"
    note_principal(request.environ, g.principal)


def install(app, runtime: Any) -> None:
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load(session_id: str):
        user_id, _, sid = session_id.partition(".")
        if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10 and sid):
            return None  # a cookie from before server-side sessions, or forged
        with runtime.reading() as session:
            user = session_user(session, int(user_id), sid)
            return None if user is None else SessionUser(principal_of(user), sid)
