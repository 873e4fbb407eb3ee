"""A worker starts from an authenticated snapshot of its facts and folds only what was logged
since (issue 14.9); a snapshot never serves a stale or an edited answer."""

from __future__ import annotations

from registry.inputs.filings import HallIn
from registry.services import org
from registry.services.context import Actor
from tests.factories.world import bearer
from tests.factories.api import ask, grant
from tests.factories.api import file_item
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
    r = client.post(
        f"/api/v1/authorizations/{a_id}/revoke",
        json={"at": "2019-01-02T00:00:00+08:00", "reason": "调岗"},
        headers=bearer(world["tokens"]["fgw"]),
    )
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
        org.create_hall(ctx, HallIn(code="SUB1", name="分厅", kind="sub"))
    assert ask(client, world, person=a, **Q)["allowed"] is True


# -- the leaves after the snapshot are proven against the signed checkpoints (issue 13.1) -----------


def _leaf_of(rt, authorization_id):
    from sqlalchemy import text

    with rt.engine.connect() as conn:
        return conn.execute(
            text('SELECT "index", leaf FROM log_entries WHERE kind = :k AND ref = :r'),
            {"k": "authorization", "r": str(authorization_id)},
        ).one()


def _rewrite_leaf(rt, index, leaf, old, new, *, fix_hash=True, fix_nodes=True, fix_checkpoint=False):
    """A database editor's change of one leaf: the grant names another person; with `fix_hash`
    the stored leaf hash follows (and, with `fix_nodes`, the tree's level-0 node), with
    `fix_checkpoint` the stored checkpoint's root column too."""
    import json
    from sqlalchemy import text
    from signing import merkle

    data = json.loads(bytes(leaf))
    assert data["record"]["grantee"] == {"person": old}
    data["record"]["grantee"] = {"person": new}
    edited = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    h = merkle.leaf_hash(edited)
    with rt.engine.begin() as conn:
        conn.execute(text('UPDATE log_entries SET leaf = :l WHERE "index" = :i'), {"l": edited, "i": index})
        if fix_hash:
            conn.execute(text('UPDATE log_entries SET leaf_hash = :h WHERE "index" = :i'), {"h": h.hex(), "i": index})
        if fix_hash and fix_nodes:
            conn.execute(text('UPDATE log_nodes SET hash = :h WHERE level = 0 AND "index" = :i'), {"h": h, "i": index})
        if fix_checkpoint:
            with rt.sessions() as session:
                size = session.scalar(text("SELECT max(tree_size) FROM checkpoints"))
            conn.execute(
                text("UPDATE checkpoints SET root_hash = :r WHERE tree_size = :s"),
                {"r": _root_with(rt, index, h, size), "s": size},
            )


def _root_with(rt, index, h, size):
    from registry.ledger import node_getter
    from signing import merkle

    with rt.sessions() as session:
        get = node_getter(session)
        hashes = [h if i == index else get(0, i) for i in range(size)]
    return merkle.root_hash(hashes).hex()


def _b_granted_after_the_snapshot(rt, client, world):
    a, _, path = _snapshotted(rt, client, world)
    b, c = world["people"]["b"], world["people"]["c"]
    b_id = grant(client, world, b, "A")
    publish_checkpoint(rt)
    index, leaf = _leaf_of(rt, b_id)
    return b, c, index, leaf


def test_a_leaf_edited_after_the_snapshot_is_refused_at_start(rt, client, world):
    import pytest
    from registry.signed_leaves import LogTampered

    b, c, index, leaf = _b_granted_after_the_snapshot(rt, client, world)
    assert ask(client, world, person=c, **Q)["allowed"] is False
    _rewrite_leaf(rt, index, leaf, b, c, fix_hash=False)
    with pytest.raises(LogTampered, match="叶子哈希不符"):
        rt.policy.reload()
    _rewrite_leaf(rt, index, leaf, b, c)  # the stored hashes follow the edit: the signed checkpoint does not
    with pytest.raises(LogTampered, match="检查点"):
        rt.policy.reload()


def test_a_leaf_edited_with_its_checkpoint_row_fails_the_checkpoint_signature(rt, client, world):
    import pytest
    from registry.signed_leaves import LogTampered

    b, c, index, leaf = _b_granted_after_the_snapshot(rt, client, world)
    _rewrite_leaf(rt, index, leaf, b, c, fix_checkpoint=True)
    with pytest.raises(LogTampered, match="签"):
        rt.policy.reload()


def test_a_full_fold_proves_its_leaves_too(rt, client, world):
    import pytest
    from registry.signed_leaves import LogTampered

    b, c, index, leaf = _b_granted_after_the_snapshot(rt, client, world)
    snapshot_path(rt.settings.instance_dir, rt.policy.engine.pack).unlink()
    _rewrite_leaf(rt, index, leaf, b, c)
    with pytest.raises(LogTampered):
        rt.policy.reload()


def test_a_running_worker_stops_answering_once_a_folded_leaf_fails_its_checkpoint(rt, client, world):
    import pytest
    from sqlalchemy import func, select
    from application.policy import PolicyHost
    from registry.models import Checkpoint
    from registry.signed_leaves import LogTampered

    a, _, _ = _snapshotted(rt, client, world)
    b, c = world["people"]["b"], world["people"]["c"]
    other = PolicyHost(rt)  # a second worker, running since before the next grant
    try:
        b_id = grant(client, world, b, "A")
        index, leaf = _leaf_of(rt, b_id)
        with rt.reading() as session:
            assert (session.scalar(select(func.max(Checkpoint.tree_size))) or 0) <= index  # not yet covered
        # edited in the moment before a checkpoint covers it, with its stored leaf hash; the tree's nodes
        # keep the true leaf's hash
        _rewrite_leaf(rt, index, leaf, b, c, fix_nodes=False)
        assert other.decide(c, "decide", "FGW-001", place="FGW-CK")["allowed"] is True  # not yet provable
        publish_checkpoint(rt)  # signed over the stored tree, which holds the true leaf
        grant(client, world, b, "B", backs=b_id)  # any change makes the worker read on
        with pytest.raises(LogTampered):
            other.decide(a, "decide", "FGW-001", place="FGW-CK")
        with pytest.raises(LogTampered):  # and it stays refused
            other.decide(a, "decide", "FGW-001", place="FGW-CK")
    finally:
        other.close()


def test_an_edited_authorization_row_changes_no_decision_of_a_worker_from_a_snapshot(rt, client, world):
    from sqlalchemy import text

    a, a_id, _ = _snapshotted(rt, client, world)
    c = world["people"]["c"]
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE authorizations SET grantee_person = :c WHERE id = :i"), {"c": c, "i": a_id})
    rt.policy.reload()
    assert rt.policy.start_info["from"] == "snapshot"
    assert ask(client, world, person=c, **Q)["allowed"] is False
    assert ask(client, world, person=a, **Q)["allowed"] is True


def test_a_log_cut_short_of_its_checkpoint_is_refused(rt, client, world):
    import pytest
    from sqlalchemy import text
    from registry.signed_leaves import LogTampered

    b, c, index, leaf = _b_granted_after_the_snapshot(rt, client, world)
    with rt.engine.begin() as conn:  # the newest entries removed, as a deleted revocation would be
        conn.execute(text('DELETE FROM log_entries WHERE "index" >= :i'), {"i": index})
    with pytest.raises(LogTampered, match="截断"):
        rt.policy.reload()


def test_a_worker_that_found_the_log_edited_answers_503_in_chinese_and_keeps_refusing(rt, client, world):
    """What a window sees once its worker stopped answering: a 503 problem that says why, on every
    later question too, not a generic server error. The second worker runs from before the grant
    whose leaf is edited (as in the test above), so it folds the edited leaf when it reads on."""
    from web.app import create_app

    _snapshotted(rt, client, world)
    b, c = world["people"]["b"], world["people"]["c"]
    second = create_app(rt.settings)
    try:
        window = second.test_client()
        b_id = grant(client, world, b, "A")
        index, leaf = _leaf_of(rt, b_id)
        _rewrite_leaf(rt, index, leaf, b, c, fix_nodes=False)
        publish_checkpoint(rt)  # signed over the stored tree, which holds the true leaf
        grant(client, world, b, "B", backs=b_id)  # any change makes the second worker read on
        for _ in range(2):
            res = window.post("/api/v1/decisions", json={"person": c, **Q}, headers=bearer(world["tokens"]["win"]))
            assert res.status_code == 503, res.get_json()
            problem = res.get_json()
            assert problem["title"] == "日志校验未通过，暂停办理" and "日志已被改动" in problem["detail"]
    finally:
        second.extensions["onehall"].close()


def test_a_log_key_slipped_into_the_key_table_signs_no_checkpoint_a_worker_accepts(rt, client, world):
    """The insider's whole change: a leaf edited with its hashes and node, the checkpoint's root
    following it, and the checkpoint signed again with a key of their own, put into the key table
    as a log key. The worker trusts only the log keys the log itself proves, so it refuses; the
    audit names the key."""
    import pytest
    from sqlalchemy import select, text
    from registry.custody import check_against_log
    from registry.ledger import LOG_BODY
    from registry.models import Checkpoint, CustodyKey
    from registry.signed_leaves import LogTampered
    from signing.keys import Ed25519Signer
    from signing.note import format_checkpoint, sign_note

    b, c, index, leaf = _b_granted_after_the_snapshot(rt, client, world)
    _rewrite_leaf(rt, index, leaf, b, c, fix_checkpoint=True)
    intruder = Ed25519Signer.generate()
    origin = rt.settings.log_origin
    with rt.filing_session() as session:
        newest = session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))
        log_key = session.scalar(select(CustodyKey).where(CustodyKey.body == LOG_BODY))
        session.add(
            CustodyKey(
                key_id=intruder.key_id,
                body=LOG_BODY,
                alg="ed25519",
                custody="database",
                public_key=intruder.public_key_raw,
                valid_from=log_key.valid_from,
                sealed=b"x",
            )
        )
        size, root = newest.tree_size, bytes.fromhex(newest.root_hash)
    forged = sign_note(format_checkpoint(origin, size, root), origin, intruder)
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE checkpoints SET note = :n WHERE tree_size = :s"), {"n": forged, "s": size})
    with pytest.raises(LogTampered, match="签"):
        rt.policy.reload()
    with rt.reading() as session:
        assert any(intruder.key_id in p for p in check_against_log(session))


def test_a_log_whose_first_key_is_not_the_one_this_host_pinned_is_refused(rt, client, world):
    """A whole log re-signed from its first record on, under a key of the editor's own, is
    consistent in itself: the host's pin (kept outside the database since its first start) is
    what tells."""
    import base64
    import json
    import pytest
    from registry.signed_leaves import LogTampered
    from signing.keys import Ed25519Signer

    _b_granted_after_the_snapshot(rt, client, world)
    rt.policy.reload()  # proves the new checkpoint: pins the key
    pin = rt.settings.instance_dir / "log-key.pin"
    assert json.loads(pin.read_text())["key_id"]
    other = Ed25519Signer.generate()
    pin.write_text(json.dumps({"key_id": other.key_id, "public_key": base64.b64encode(other.public_key_raw).decode()}))
    with pytest.raises(LogTampered, match="第一把日志密钥"):
        rt.policy.reload()
