"""docs/design.md §12.4 credentials: tokens expire and can be listed and revoked (CLI, API, pages);
disabling a user or revoking a token reaches every worker at its next request after the change
signal; sign-out ends the session on the server; a cookie-signed API write needs the CSRF token
whatever its content type; the sign-in limit is atomic and also caps one address across names."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.db import utcnow
from registry.models import ApiToken, CalendarDay, ThrottleHit, UserSession
from registry.services import tokens
from tests.factories.world import bearer
from tests.factories.workers import other_worker  # noqa: F401  (fixture)
from web.cli import main as onehall
from application.limits import LOGIN, LOGIN_ADDRESS

PASSWORD = "password-123"
CALENDAR = Path(__file__).resolve().parents[2] / "registry" / "seed" / "calendar-2027.example.csv"


def cli(app, *args):
    result = app.test_cli_runner().invoke(onehall, list(args))
    return result


def count(rt, model) -> int:
    with rt.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def token_id(rt, token: str) -> int:
    with rt.reading() as session:
        return session.scalar(select(ApiToken.id).where(ApiToken.digest == tokens.token_digest(token)))


# --- expiry ---------------------------------------------------------------------------------------


def test_a_token_expires_after_a_year_by_default_or_when_set(rt, client, world, monkeypatch):
    with rt.filing_session() as session:
        short = tokens.create_token(session, "fgw", days=2, note="测试设备")
    rows = {r.id: r for r in _listing(rt)}
    default = rows[token_id(rt, world["tokens"]["fgw"])]
    assert timedelta(days=364) < default.expires_at - default.created_at <= timedelta(days=365)
    assert rows[token_id(rt, short)].note == "测试设备"
    assert client.get("/api/v1/me", headers=bearer(short)).status_code == 200  # now cached

    later = time.time() + 3 * 86400
    monkeypatch.setattr("web.auth.time.time", lambda: later)  # the cached entry's expiry
    assert client.get("/api/v1/me", headers=bearer(short)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["fgw"])).status_code == 200
    monkeypatch.setattr("registry.services.tokens.utcnow", lambda: utcnow() + timedelta(days=3))
    from web.app import create_app  # a worker that never saw the token reads its row

    fresh = create_app(rt.settings)
    try:
        assert fresh.test_client().get("/api/v1/me", headers=bearer(short)).status_code == 401
    finally:
        fresh.extensions["onehall"].close()


def test_a_token_lifetime_out_of_bounds_is_refused(rt, world):
    before = count(rt, ApiToken)
    from registry.errors import Invalid

    for days in (0, 5000):
        with pytest.raises(Invalid, match="有效期"):
            with rt.filing_session() as session:
                tokens.create_token(session, "fgw", days=days)
    assert count(rt, ApiToken) == before


def _listing(rt):
    with rt.reading() as session:
        return tokens.list_tokens(session)


# --- list and revoke: CLI, API, pages -------------------------------------------------------------


def test_cli_lists_and_revokes_tokens_and_disables_users(app, rt, client, world):
    listed = cli(app, "token", "list", "--user", "ga")
    assert listed.exit_code == 0, listed.output
    ga_id = token_id(rt, world["tokens"]["ga"])
    assert listed.output.startswith(f"{ga_id}\tga\t-\t") and "有效" in listed.output
    assert world["tokens"]["ga"] not in listed.output  # never the token itself

    assert cli(app, "token", "revoke", str(ga_id)).exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["ga"])).status_code == 401
    assert "已撤销" in cli(app, "token", "list", "--all").output
    missing = cli(app, "token", "revoke", "999999")
    assert missing.exit_code == 2 and "不存在" in missing.output

    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["drc"])).status_code == 200
    assert cli(app, "user", "disable", "drc").exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["drc"])).status_code == 401
    refused = cli(app, "token", "create", "drc")
    assert refused.exit_code == 2 and "已停用" in refused.output


def test_the_service_department_lists_and_revokes_any_token_others_only_their_own(rt, client, world):
    everyone = client.get("/api/v1/tokens", headers=bearer(world["tokens"]["zwfw"])).get_json()["items"]
    assert {r["user"] for r in everyone} >= {"fgw", "ga", "zwfw", "audit"}
    own = client.get("/api/v1/tokens", headers=bearer(world["tokens"]["fgw"])).get_json()["items"]
    assert [r["user"] for r in own] == ["fgw"] and own[0]["state"] == "active"

    ga_id = token_id(rt, world["tokens"]["ga"])
    r = client.post(f"/api/v1/tokens/{ga_id}/revoke", headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["ga"])).status_code == 200  # untouched

    r = client.post(f"/api/v1/tokens/{ga_id}/revoke", headers=bearer(world["tokens"]["zwfw"]))
    assert r.status_code == 200 and r.get_json()["state"] == "revoked"
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["ga"])).status_code == 401

    fgw_id = token_id(rt, world["tokens"]["fgw"])
    assert client.post(f"/api/v1/tokens/{fgw_id}/revoke", headers=bearer(world["tokens"]["fgw"])).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["fgw"])).status_code == 401
    for bad in ("99999999999", "１２", "0"):
        r = client.post(f"/api/v1/tokens/{bad}/revoke", headers=bearer(world["tokens"]["zwfw"]))
        assert r.status_code == 404


def test_the_service_department_revokes_a_token_on_its_page(app, rt, client, world):
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"name": "zwfw", "password": PASSWORD})
    page = client.get("/gs/tokens")
    assert page.status_code == 200 and "接口令牌" in page.text
    audit_id = token_id(rt, world["tokens"]["audit"])
    assert f"/gs/tokens/{audit_id}/revoke" in page.text
    r = client.post(f"/gs/tokens/{audit_id}/revoke", follow_redirects=True)
    assert "已撤销用户“audit”的令牌" in r.text
    assert client.get("/api/v1/me", headers=bearer(world["tokens"]["audit"])).status_code == 401
    client.post("/logout")
    client.post("/login", data={"name": "fgw", "password": PASSWORD})
    assert client.get("/gs/tokens").status_code == 403


# --- every worker ---------------------------------------------------------------------------------


def _wait_for_signal(worker_client) -> None:
    monitor = worker_client.application.extensions["onehall"].changes
    assert monitor.signalled(10), "the change signal never reached the other worker"


@pytest.mark.parametrize("how", ["disable", "revoke"])
def test_a_disabled_user_or_revoked_token_is_refused_by_the_other_worker(app, rt, world, other_worker, how):
    """The token is cached in the other worker; the change signal (NOTIFY or beacon) makes its
    next request refuse it: within the second the design promises, without any polling."""
    token = world["tokens"]["fgw"]
    assert other_worker.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert other_worker.get("/api/v1/me", headers=bearer(token)).status_code == 200  # from the cache
    if how == "disable":
        assert cli(app, "user", "disable", "fgw").exit_code == 0
    else:
        assert cli(app, "token", "revoke", str(token_id(rt, token))).exit_code == 0
    _wait_for_signal(other_worker)
    assert other_worker.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert (
        other_worker.post(
            "/api/v1/decisions",
            headers=bearer(token),
            json={"person": 1, "action": "decide", "item": "X", "place": "FGW-CK"},
        ).status_code
        == 401
    )


def test_a_disabled_users_browser_session_ends_in_every_worker(app, client, world, other_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"name": "fgw", "password": PASSWORD})
    cookie = client.get_cookie("session")
    other_worker.set_cookie("session", cookie.value)
    assert other_worker.get("/api/v1/me").status_code == 200
    assert cli(app, "user", "disable", "fgw").exit_code == 0
    assert other_worker.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401


# --- sign-out -------------------------------------------------------------------------------------


def test_signing_out_ends_the_session_on_the_server(app, rt, client, world):
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"name": "fgw", "password": PASSWORD})
    copied = client.get_cookie("session").value
    assert client.get("/api/v1/me").get_json()["user"] == "fgw"
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))) == 1
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)  # the cookie as it was before signing out
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/dept/FGW/").status_code == 302
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))) == 0


def test_a_cookie_from_before_server_sessions_signs_no_one_in(app, client, world):
    """A flask-login cookie holding only the user id (the old format) is no session."""
    with client.session_transaction() as s:
        s["_user_id"] = "1"
        s["_fresh"] = True
    assert client.get("/api/v1/me").status_code == 401


# --- CSRF on cookie-signed API writes ---------------------------------------------------------------


def test_a_cookie_signed_api_write_needs_the_csrf_token_whatever_its_content_type(app, rt, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"name": "zwfw", "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    before = count(rt, CalendarDay)

    def upload(**headers):
        return client.post(
            "/api/v1/calendar/2027",
            headers=headers,
            data={"file": (CALENDAR.open("rb"), "calendar-2027.csv")},
            content_type="multipart/form-data",
        )

    r = upload()
    assert r.status_code == 400 and r.mimetype == "application/problem+json" and "CSRF" in r.get_json()["title"]
    r = client.post("/api/v1/absences", data="{}", content_type="text/plain")
    assert r.status_code == 400 and "CSRF" in r.get_json()["title"]
    r = client.post(
        "/api/v1/absences",
        json={"person": world["people"]["a"], "from": "2030-01-01", "to": "2030-01-02", "reason": "病假"},
    )
    assert r.status_code == 400
    assert count(rt, CalendarDay) == before
    assert upload(**{"X-CSRFToken": csrf}).status_code == 201
    assert count(rt, CalendarDay) > before
    assert client.get("/api/v1/me").status_code == 200  # reads need no token
    # a bearer token needs none (it is no ambient authority a page could borrow)
    r = client.post("/api/v1/tokens/999999/revoke", headers=bearer(world["tokens"]["zwfw"]))
    assert r.status_code == 404


# --- the sign-in limit ------------------------------------------------------------------------------


def _burst(app, n: int, name, address: str = "10.9.9.9") -> list[int]:
    """n sign-ins released together by a barrier, each from its own client (a worker thread)."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        c = app.test_client()
        barrier.wait()
        r = c.post(
            "/login", data={"name": name(i), "password": "wrong-password"}, environ_base={"REMOTE_ADDR": address}
        )
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_a_concurrent_burst_of_guesses_gets_exactly_the_limit_through(app, rt, world):
    app.config["WTF_CSRF_ENABLED"] = False
    statuses = _burst(app, 12, lambda i: "fgw")
    assert statuses.count(401) == LOGIN.count and statuses.count(429) == 12 - LOGIN.count
    # the right password is refused too while the limit holds, and counts nothing
    before = count(rt, ThrottleHit)
    r = app.test_client().post(
        "/login", data={"name": "fgw", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert r.status_code == 429 and count(rt, ThrottleHit) == before


def test_one_address_trying_many_names_is_capped(app, world):
    app.config["WTF_CSRF_ENABLED"] = False
    c = app.test_client()
    for i in range(LOGIN_ADDRESS.count):
        r = c.post(
            "/login", data={"name": f"guess{i}", "password": "wrong-password"}, environ_base={"REMOTE_ADDR": "10.8.8.8"}
        )
        assert r.status_code == 401
    r = c.post("/login", data={"name": "fgw", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.8.8.8"})
    assert r.status_code == 429
    r = c.post("/login", data={"name": "fgw", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.8.8.9"})
    assert r.status_code == 302


def test_successful_sign_ins_from_one_address_do_not_fill_its_cap(app, world):
    """A hall's clerks sign in from one address: their successes take their counts back."""
    app.config["WTF_CSRF_ENABLED"] = False
    for _ in range(LOGIN_ADDRESS.count + 2):
        c = app.test_client()
        r = c.post("/login", data={"name": "win", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.7.7.7"})
        assert r.status_code == 302
