"""Who is calling: bearer tokens for clients (checked from an in-memory cache, so a request
never pays a password hash), flask-login sessions for people in a browser."""
from __future__ import annotations

import threading
from typing import Any

from flask import g, request
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select

from registry.models import RegistryChange, User
from registry.services.accounts import Principal, principal_for_token, principal_of, token_digest
from web.jsonlog import note_principal

login_manager = LoginManager()
login_manager.login_view = "ui.login"
login_manager.login_message = "请先登录"


class SessionUser(UserMixin):
    """The flask-login user object wrapping a Principal."""

    def __init__(self, principal: Principal):
        self.principal = principal

    def get_id(self) -> str:
        return str(self.principal.user_id)


class TokenCache:
    """digest → Principal, so a request never pays a database read or a hash for its token.
    Cleared when the change feed shows a token change (a revocation) since the last look."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, Principal | None] = {}
        self._seen = -1

    def lookup(self, runtime: Any, token: str) -> Principal | None:
        digest = token_digest(token)
        mark = runtime.changes.mark()
        if mark != self._seen:
            self._invalidate_if_tokens_changed(runtime, mark)
        cached = self._cache.get(digest, _MISSING)
        if cached is not _MISSING:
            return cached
        with runtime.reading() as session:
            principal = principal_for_token(session, token)
        with self._lock:
            if len(self._cache) >= MAX_CACHED_TOKENS:  # bounded, whatever callers send
                self._cache.clear()
            self._cache[digest] = principal
        return principal

    def _invalidate_if_tokens_changed(self, runtime: Any, mark: int) -> None:
        with self._lock:
            seen = self._seen
            self._seen = mark
        if seen < 0:
            return
        with runtime.reading() as session:
            changed = session.scalar(select(RegistryChange.seq).where(
                RegistryChange.seq > seen, RegistryChange.seq <= mark, RegistryChange.kind == "token").limit(1))
        if changed is not None:
            with self._lock:
                self._cache.clear()


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
    def _load(user_id: str):
        if not user_id.isdigit():
            return None
        with runtime.reading() as session:
            user = session.get(User, int(user_id))
            if user is None or user.disabled_at is not None:
                return None
            return SessionUser(principal_of(user))
