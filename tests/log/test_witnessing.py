"""The scheduler's witness round (docs/design.md §12.6), end to end on SQLite and PostgreSQL.

Two witnesses (`web.witness_server`, ephemeral ports) and a policy of quorum 2: a seal use's
receipt is "not yet witnessed" when it is issued (the seal use does not wait), the next
scheduler pass submits the checkpoints, and the cosigned checkpoint the API serves verifies
under the policy. A witness that is down is retried with back-off, shown to the auditor.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.models import CheckpointCosignature, WitnessStatus
from signing.cosignature import SIG_TYPE_COSIGNATURE_V1
from signing.keys import Ed25519Signer
from signing.note import vkey
from signing.policy import parse_policy
from signing.receipt import verify_receipt
from signing.witness import Witness
from tests.factories.api import seal_receipt
from tests.factories.world import bearer, world  # noqa: F401 (the world fixture)
from application.scheduler import Scheduler
from web.witness_server import WitnessServer


@pytest.fixture
def two_witnesses(rt, tmp_path):
    origin = rt.settings.log_origin
    log_key = rt.signing_keys.ensure("log").public_key
    servers = [
        WitnessServer(
            Witness(
                tmp_path / f"w{i}",
                Ed25519Signer.from_seed(bytes([40 + i]) * 32),
                f"w{i}.example",
                logs={origin: {origin: log_key}},
            )
        ).start()
        for i in (1, 2)
    ]
    text = (
        f"log {vkey(origin, log_key)}\n"
        + "".join(
            f"witness {vkey(s.witness.name, s.witness.signer.public_key_raw, SIG_TYPE_COSIGNATURE_V1)} {s.url}\n"
            for s in servers
        )
        + "quorum 2\n"
    )
    (tmp_path / "policy.txt").write_text(text)
    rt.settings.witness_policy = tmp_path / "policy.txt"
    yield servers, parse_policy(text)
    for s in servers:
        s.stop()


def test_receipts_are_witnessed_later_by_a_quorum(rt, client, world, two_witnesses, tmp_path):  # noqa: F811
    servers, policy = two_witnesses
    receipt = seal_receipt(rt, client, world)["receipt"]
    first = verify_receipt(receipt, policy=policy)
    assert first.log_key_trusted and first.witnessed is False  # issued without waiting
    import json as _json
    from web.cli_log import verify_command

    (tmp_path / "receipt.json").write_text(_json.dumps(receipt))
    shown = client.application.test_cli_runner().invoke(
        verify_command, [str(tmp_path / "receipt.json"), "--policy", str(tmp_path / "policy.txt")]
    )
    assert shown.exit_code == 0 and '"witness_status": "not yet witnessed"' in shown.output
    assert "尚未经见证人副署" in shown.output
    scheduler = Scheduler(rt)
    result = scheduler.run_once(findings=False)
    assert not result.errors, result.errors
    assert all(w["error"] is None for w in result.witness.values()), result.witness
    # the public /verify page counts the cosignatures received since the receipt was issued
    import io
    import json

    client.application.config["WTF_CSRF_ENABLED"] = False
    page = client.post(
        "/verify",
        data={"receipt": (io.BytesIO(json.dumps(receipt).encode()), "r.json")},
        content_type="multipart/form-data",
    )
    assert "已见证：2 个可信见证人的副署均已核验（法定人数 2）" in page.get_data(as_text=True)
    size = receipt["tree_size"]
    answer = client.get(f"/api/v1/log/checkpoints/{size}").get_json()
    assert answer["cosignatures"] == 2 and answer["checkpoint"] == receipt["checkpoint"]
    later = verify_receipt({**receipt, "checkpoint": answer["cosigned_checkpoint"]}, policy=policy)
    assert later.witnessed is True and set(later.cosigners) == {"w1.example", "w2.example"}
    (tmp_path / "cosigned.note").write_text(answer["cosigned_checkpoint"])
    shown = client.application.test_cli_runner().invoke(
        verify_command,
        [
            str(tmp_path / "receipt.json"),
            "--policy",
            str(tmp_path / "policy.txt"),
            "--checkpoints",
            str(tmp_path / "cosigned.note"),
            "--require-witness",
        ],
    )
    assert shown.exit_code == 0 and '"witness_status": "witnessed"' in shown.output, shown.output
    # the log grows; the next round proves consistency from the size each witness knows
    body = {
        "seal": "FGW-SP",
        "person": world["people"]["a"],
        "item": "FGW-001",
        "case": "XT2026-0002",
        "document_sha256": "cd" * 32,
        "place": "FGW-CK",
    }
    r = client.post("/api/v1/seal-uses", json=body, headers=bearer(world["tokens"]["zhang"]))
    assert r.status_code == 201, r.get_json()
    result = scheduler.run_once(findings=False)
    latest = client.get("/api/v1/log/checkpoint").get_json()
    assert latest["tree_size"] > size and latest["cosignatures"] == 2, (latest, result.witness)
    with rt.reading() as s:
        sizes = {w: r for w, r in s.execute(select(WitnessStatus.witness, WitnessStatus.size))}
        assert sizes == {"w1.example": latest["tree_size"], "w2.example": latest["tree_size"]}
        assert s.scalar(select(CheckpointCosignature).limit(1)).signed_at is not None
    # an export carries the cosigned checkpoints: verified with the policy, witnessed to the end
    from signing.verify import verify_export
    from web.cli_log import log_export, verify_command

    runner = client.application.test_cli_runner()
    assert runner.invoke(log_export, [str(tmp_path / "export")]).exit_code == 0
    report = verify_export(tmp_path / "export", workers=1, progress=False, policy=policy)
    assert report.ok and report.witnessed_size == latest["tree_size"] == report.size, report.summary()
    shown = runner.invoke(
        verify_command,
        [str(tmp_path / "export"), "--policy", str(tmp_path / "policy.txt"), "--workers", "1", "--require-witness"],
    )
    assert shown.exit_code == 0 and "见证：已由法定人数（2）的见证人副署" in shown.output, shown.output
    from tests.factories.pages import login

    login(client, "audit")
    assert "已见证：2 个可信见证人的副署均已核验（法定人数 2）" in client.get("/audit/checkpoints").get_data(
        as_text=True
    )
    entry = client.get(f"/audit/log/{receipt['leaf_index']}").get_data(as_text=True)
    assert "见证：已见证：2 个可信见证人的副署均已核验" in entry


def test_a_witness_that_is_down_is_retried_with_back_off(rt, client, world, two_witnesses):  # noqa: F811
    servers, policy = two_witnesses
    receipt = seal_receipt(rt, client, world)["receipt"]
    servers[1].stop()
    scheduler = Scheduler(rt)
    first = scheduler.run_once(findings=False)
    assert first.witness["w1.example"]["error"] is None
    assert "ConnectionRefusedError" in first.witness["w2.example"]["error"]
    with rt.reading() as s:
        down = s.get(WitnessStatus, "w2.example")
        assert down.failures == 1 and down.next_try_at is not None
    # before the back-off ends the witness is not asked; the other one carries on
    again = scheduler.run_once(first.now + timedelta(milliseconds=500), findings=False)
    assert again.witness["w2.example"]["backing_off"] is True
    third = scheduler.run_once(first.now + timedelta(seconds=2), findings=False)
    assert third.witness["w2.example"]["backing_off"] is False
    with rt.reading() as s:
        assert s.get(WitnessStatus, "w2.example").failures == 2
    answer = client.get(f"/api/v1/log/checkpoints/{receipt['tree_size']}").get_json()
    assert answer["cosignatures"] == 1
    assert verify_receipt({**receipt, "checkpoint": answer["cosigned_checkpoint"]}, policy=policy).witnessed is False
    from tests.factories.pages import login

    client.application.config["WTF_CSRF_ENABLED"] = False
    login(client, "audit")
    page = client.get("/audit/checkpoints")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "w2.example" in text and "不可用" in text and "连续失败 2 次" in text and "正常" in text
    assert "尚未经见证人副署：1 个有效副署，法定人数 2" in text


def test_a_log_rewritten_behind_the_witnesses_is_refused(rt, client, world, two_witnesses):  # noqa: F811
    """An insider rolls the database back one entry and writes another in its place: the new
    checkpoint does not extend what the witnesses cosigned, so neither cosigns it (422), and
    the auditor's page names the refusal."""
    from sqlalchemy import delete

    from registry.ledger import tree_size
    from registry.models import Checkpoint, LogEntry, LogNode, RecordSalt
    from registry.services.context import SYSTEM

    servers, policy = two_witnesses
    seal_receipt(rt, client, world)
    scheduler = Scheduler(rt)
    assert all(w["error"] is None for w in scheduler.run_once(findings=False).witness.values())
    with rt.reading() as s:
        size = tree_size(s)
    cut = size - 1
    with rt.sessions() as s, s.begin():  # the rewrite: last entry, its nodes and checkpoints gone
        s.execute(delete(LogEntry).where(LogEntry.index >= cut))
        s.execute(delete(RecordSalt).where(RecordSalt.log_index >= cut))
        for level in range(size.bit_length()):
            s.execute(
                delete(LogNode).where(
                    LogNode.level == level, LogNode.index >= cut >> level, ((LogNode.index + 1) * (1 << level)) > cut
                )
            )
        s.execute(delete(Checkpoint).where(Checkpoint.tree_size >= cut))
    with rt.filing(SYSTEM) as ctx:
        for n in range(2):
            rt.ledger.append(
                ctx.session,
                kind="test",
                body="gov_service",
                record={"type": "test", "n": n, "filed_at": "2026-01-05T08:00:00Z"},
            )
        rt.ledger.publish_checkpoint(ctx.session)
    result = scheduler.run_once(findings=False)
    for name in ("w1.example", "w2.example"):
        assert result.witness[name]["error"].startswith("见证人拒绝（HTTP 422）"), result.witness
        assert result.witness[name]["size"] == size and result.witness[name]["cosigned"] == []
    with rt.reading() as s:
        assert s.scalar(select(CheckpointCosignature).where(CheckpointCosignature.tree_size == size + 1)) is None
    from tests.factories.pages import login

    client.application.config["WTF_CSRF_ENABLED"] = False
    login(client, "audit")
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    assert "见证人拒绝（HTTP 422）" in page and "尚未经见证人副署" in page
