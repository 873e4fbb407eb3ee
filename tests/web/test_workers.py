"""docs/design.md §9: every worker sees every committed filing, whichever worker filed it.

Two apps over one database stand for two worker processes: each has its own runtime,
connection pool, decision index, token cache and change monitor. On SQLite the signal is
the beacon file (registry.change_signal), read before the next answer; on PostgreSQL the
NOTIFY reaches the other worker's LISTEN connection a moment after the commit.
"""

from __future__ import annotations


from registry.services.accounts import revoke_token
from tests.factories.world import bearer
from tests.factories.api import file_item
from tests.factories.api import grant
from tests.factories.workers import eventually, other_worker  # noqa: F401  (helpers and fixtures)


def test_an_absence_filed_in_one_worker_changes_the_next_answer_in_another(rt, client, world, other_worker):
    file_item(client, world)
    a = world["people"]["a"]
    grant(client, world, a, "A")
    question = {"person": a, "action": "decide", "item": "FGW-001", "place": "FGW-CK"}

    def allowed_in_other() -> bool:
        r = other_worker.post("/api/v1/decisions", json=question, headers=bearer(world["tokens"]["win"]))
        assert r.status_code == 200, r.get_json()
        return r.get_json()["allowed"]

    assert eventually(rt, allowed_in_other) is True
    r = client.post(
        "/api/v1/absences",
        json={"person": a, "from": "2019-01-01", "to": "2099-01-01", "reason": "病假"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201
    assert eventually(rt, lambda: not allowed_in_other()) is True


def test_a_token_revoked_through_one_worker_is_refused_by_another(rt, world, other_worker):
    token = world["tokens"]["audit"]

    def me() -> int:
        return other_worker.get("/api/v1/me", headers=bearer(token)).status_code

    assert me() == 200
    with rt.filing_session() as session:
        revoke_token(session, token)
    assert eventually(rt, lambda: me() == 401)


def test_failed_sign_ins_count_in_every_worker(client, world, other_worker):
    """Five wrong passwords spread over two workers block the sixth try in either."""
    for c in (client, other_worker):
        c.application.config["WTF_CSRF_ENABLED"] = False
    for c in (client, other_worker, client, other_worker, client):
        assert c.post("/login", data={"name": "fgw", "password": "wrong-password"}).status_code == 401
    r = other_worker.post("/login", data={"name": "fgw", "password": "password-123"})
    assert r.status_code == 429 and "尝试次数过多" in r.text
    assert client.post("/login", data={"name": "ga", "password": "password-123"}).status_code == 302


def test_anonymous_receipt_checks_count_in_every_worker(client, other_worker):
    from application.limits import RECEIPT_CHECK

    path = "/api/v1/verify/" + "ab" * 32
    for i in range(RECEIPT_CHECK.count):
        assert (client if i % 2 else other_worker).get(path).status_code == 200
    r = client.get(path)
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    assert other_worker.get("/verify", query_string={"hash": "ab" * 32}).status_code == 429


def test_a_worker_moves_past_its_own_filing_without_reading_the_feed_and_still_sees_the_others(
    rt, client, world, other_worker, monkeypatch
):
    """SQLite: after a filing of its own, whose change-feed rows follow the mark it trusts, a worker
    moves its mark (and its decisions' and its token cache's) past them without reading the feed
    (registry.change_signal.committed_changes); a token revoked through another worker just after is
    refused at once all the same."""
    import pytest

    if rt.engine.dialect.name != "sqlite":
        pytest.skip("the beacon file is SQLite's signal")
    token = world["tokens"]["audit"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    file_item(client, world)  # a filing of this worker's (the feed moves)
    monitor = rt.changes
    own = monitor.own
    assert own is not None and "token" not in own[2]
    reads: list[object] = []
    monkeypatch.setattr(monitor, "_on_connection", lambda *a: reads.append(a) or [])
    assert monitor.mark() == own[1]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert reads == []  # no read of the feed: the move was this worker's own commit
    monkeypatch.undo()
    with other_worker.application.extensions["onehall"].filing_session() as session:
        revoke_token(session, token)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
