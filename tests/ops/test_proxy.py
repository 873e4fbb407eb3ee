"""Behind a reverse proxy: limits see the client; production cookies and HSTS (§12.5)."""

from __future__ import annotations

import pytest

from registry import migrate
from application.config import Settings

HASH = "ab" * 32


def make_app(tmp_path, **extra):
    from web.app import create_app

    settings = Settings(
        instance_dir=tmp_path / "i",
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        key_dir=tmp_path / "keys",
        key_passphrase=b"p",
        secret_key="s" * 32,
        log_origin="test.example/log",
        **extra,
    )
    app = create_app(settings)
    migrate.upgrade(app.extensions["onehall"].engine)
    return app


def check(client, peer, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.get(f"/api/v1/verify/{HASH}", headers=headers, environ_base={"REMOTE_ADDR": peer}).status_code


def test_the_verify_limit_is_counted_per_client_behind_a_trusted_proxy(tmp_path):
    from application.limits import RECEIPT_CHECK

    app = make_app(tmp_path, trusted_proxies="127.0.0.1")
    client = app.test_client()
    statuses = [check(client, "127.0.0.1", "203.0.113.1") for _ in range(RECEIPT_CHECK.count + 1)]
    assert statuses[:-1] == [200] * RECEIPT_CHECK.count and statuses[-1] == 429
    assert check(client, "127.0.0.1", "203.0.113.2") == 200  # another citizen behind the same proxy
    # a request not from the proxy cannot choose its address by the header
    assert check(client, "198.51.100.9", "203.0.113.3") == 200
    assert check(client, "198.51.100.9", "203.0.113.1") == 200  # counted as 198.51.100.9, not .1
    app.extensions["onehall"].close()


def test_without_trusted_proxies_the_header_is_ignored(tmp_path):
    from application.limits import RECEIPT_CHECK

    app = make_app(tmp_path)
    client = app.test_client()
    statuses = [check(client, "127.0.0.1", f"203.0.113.{i % 250}") for i in range(RECEIPT_CHECK.count + 1)]
    assert statuses[-1] == 429  # everyone behind an untrusted header is one address
    app.extensions["onehall"].close()


@pytest.mark.parametrize("env", ["production", "development"])
def test_production_cookies_are_secure_and_answers_carry_hsts(tmp_path, env):
    app = make_app(tmp_path, env=env)
    page = app.test_client().get("/login")  # the sign-in form puts its CSRF token in the session
    assert ("Strict-Transport-Security" in page.headers) == (env == "production")
    cookie = page.headers.get("Set-Cookie") or ""
    assert "session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) == (env == "production")
    app.extensions["onehall"].close()
