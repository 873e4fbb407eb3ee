"""A worker starts from an authenticated snapshot of its facts and folds only what was logged
since (issue 14.9); a snapshot never serves a stale or an edited answer."""
from __future__ import annotations

from registry.services import org
from registry.services.context import Actor
from tests.web.conftest import bearer
from tests.web.test_decisions_and_seal import ask, grant
from tests.web.test_api_registry import file_item
from application.bootstrap import publish_checkpoint
from application.snapshot import snapshot_path


def _snapshotted(rt, client, world):
    file_item(client, world)
    a = world["people"]["a"]
    a_id = grant(client, world, a, "A")
    publish_checkpoint(rt)
    rt.policy.reload()  # a worker start: folds the log and writes a snapshot as of a checkpoint
    path = snapshot_path(rt.settings.instance_dir, rt.policy.engine.pack)
    assert path.exists()
    return a, a_id, path


Q = {"action": "decide", "item": "FGW-001", "place": "FGW-CK"}


def test_a_grant_revoked_after_the_snapshot_is_seen_by_a_starting_worker(rt, client, world):
    a, a_id, _ = _snapshotted(rt, client, world)
    assert ask(client, world, person=a, **Q)["allowed"] is True
    r = client.post(f"/api/v1/authorizations/{a_id}/revoke", json={"at": "2019-01-02T00:00:00+08:00",
                                                                    "reason": "调岗"},
                    headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code in (200, 201), r.get_json()
    b = world["people"]["b"]
    grant(client, world, b, "A")
    rt.policy.reload()  # a worker starting now
    info = rt.policy.start_info
    assert info["from"] == "snapshot" and info["tail"] >= 2
    assert ask(client, world, person=a, **Q)["allowed"] is False
    assert ask(client, world, person=b, **Q)["allowed"] is True


def test_an_edited_snapshot_is_refused_and_the_log_folded(rt, client, world):
    a, _, path = _snapshotted(rt, client, world)
    raw = bytearray(path.read_bytes())
    raw[-40] ^= 0x01  # one bit of the payload
    path.write_bytes(bytes(raw))
    rt.policy.reload()
    info = rt.policy.start_info
    assert info["from"] == "log" and "认证码" in info["rejected"]
    assert ask(client, world, person=a, **Q)["allowed"] is True


def test_a_snapshot_made_with_another_key_is_refused(rt, client, world, monkeypatch):
    a, _, path = _snapshotted(rt, client, world)
    monkeypatch.setenv("ONEHALL_SNAPSHOT_KEY", "00" * 32)  # the key a database editor might guess
    rt.policy.reload()
    assert rt.policy.start_info["from"] == "log" and rt.policy.start_info["rejected"]


def test_a_snapshot_of_another_log_is_refused(rt, client, world):
    a, _, path = _snapshotted(rt, client, world)
    from sqlalchemy import text
    with rt.engine.begin() as conn:  # the stored tree no longer gives the root the snapshot names
        conn.execute(text('UPDATE log_nodes SET hash = :h WHERE "index" = 0'), {"h": bytes(32)})
    rt.policy.reload()
    info = rt.policy.start_info
    assert info["from"] == "log" and "不符" in info["rejected"]
    with rt.filing(Actor(name="zwfw", role="gov_service")) as ctx:
        org.create_hall(ctx, {"code": "SUB1", "name": "分厅", "kind": "sub"})
    assert ask(client, world, person=a, **Q)["allowed"] is True
