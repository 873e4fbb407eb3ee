"""A body signing with 国密 SM2 (docs/design.md §12.6): rotated to SM2 from the command line, listed in
/api/v1/keys with its algorithm, its seal-use receipt verified offline with those keys alone
and on /verify; the log key stays Ed25519, with an SM2 line beside it once log.sm2 has a key."""

from __future__ import annotations

import base64
import json
from io import BytesIO

from click.testing import CliRunner
from sqlalchemy import select

from registry import models as m
from signing.errors import ReceiptError
from signing.keys import KeyInfo, Sm2Signer
from signing.note import open_note
from signing.note_sm2 import check_sm2_lines
from signing.records import parse_leaf
from signing.receipt import verify_receipt
from tests.factories.api import receipt_for_case, seal_setup
from web.cli_log import keys_group, verify_command


def _rotate(app, *args):
    return app.test_cli_runner().invoke(keys_group, ["rotate", *args])


def test_keys_rotate_with_alg_sm2_and_what_it_refuses(app, rt, client):
    r = _rotate(app, "dept:FGW", "--alg", "sm2")
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert made["alg"] == "sm2" and made["key_id"].startswith("sm2:")
    listed = {k["key_id"]: k for k in client.get("/api/v1/keys").get_json()["items"]}
    assert listed[made["key_id"]]["alg"] == "sm2" and listed[made["key_id"]]["body"] == "dept:FGW"
    assert len(base64.b64decode(listed[made["key_id"]]["public_key"])) == 65
    with rt.reading() as session:  # in custody: PKCS#8 under the passphrase, as an Ed25519 key is
        sealed = bytes(session.get(m.CustodyKey, made["key_id"]).sealed)
    assert sealed.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    again = json.loads(_rotate(app, "dept:FGW").stdout)  # without --alg the body stays on SM2
    assert again["alg"] == "sm2" and again["key_id"] != made["key_id"]
    # the log key stays Ed25519 for C2SP clients and witnesses; its SM2 companion is SM2 only
    refused = _rotate(app, "log", "--alg", "sm2")
    assert refused.exit_code == 2 and "只能是 Ed25519" in refused.output
    assert _rotate(app, "log.sm2", "--alg", "ed25519").exit_code == 2
    bad = _rotate(app, "dept:FGW", "--alg", "rsa")
    assert bad.exit_code != 0 and "rsa" in bad.output


def test_receipt_of_an_sm2_body_verifies_offline_end_to_end(app, rt, client, world, tmp_path):
    a, _ = seal_setup(rt, client, world)
    assert _rotate(app, "dept:FGW", "--alg", "sm2").exit_code == 0  # the seal's department signs with SM2
    receipt = receipt_for_case(client, world, a, "XT2026-0001")
    _, sig = parse_leaf(base64.b64decode(receipt["entry"]))
    assert sig.alg == "sm2"
    # offline: the saved public key list and the receipt, nothing else
    saved = json.loads(json.dumps(client.get("/api/v1/keys").get_json()))
    keys = {k.key_id: k for k in (KeyInfo.from_json(x) for x in saved["items"])}
    log_key = next(k for k in keys.values() if k.body == "log" and k.is_current)
    assert log_key.alg == "ed25519"
    result = verify_receipt(json.loads(json.dumps(receipt)), trusted_log_key=log_key.public_key, record_keys=keys)
    assert result.record_verified and result.record_alg == "sm2" and result.record["seal"] == "FGW-SP"
    # the same receipt with another record under the same hash chain fails on the SM2 signature
    entry = base64.b64decode(receipt["entry"]).replace(b'"FGW-SP"', b'"FGW-XX"')
    forged = {**receipt, "entry": base64.b64encode(entry).decode()}
    try:
        verify_receipt(forged, trusted_log_key=log_key.public_key, record_keys=keys)
    except ReceiptError as exc:
        assert "leaf_hash" in str(exc)
    else:  # pragma: no cover - must not happen
        raise AssertionError("a changed entry verified")
    # `onehall verify RECEIPT --keys FILE`: the command a citizen runs, with no database
    (tmp_path / "receipt.json").write_text(json.dumps(receipt), encoding="utf-8")
    (tmp_path / "keys.json").write_text(json.dumps(saved), encoding="utf-8")
    ran = CliRunner().invoke(verify_command, [str(tmp_path / "receipt.json"), "--keys", str(tmp_path / "keys.json")])
    assert ran.exit_code == 0, ran.output
    shown = json.loads(ran.output[ran.output.index("{") : ran.output.rindex("}") + 1])
    assert shown["record_verified"] is True and shown["record_alg"] == "sm2"
    # the same receipt against a key list whose SM2 key of dept:FGW was swapped is refused
    other = Sm2Signer.generate()
    swapped = [
        dict(x, public_key=base64.b64encode(other.public_key_raw).decode(), key_id=other.key_id)
        if x["key_id"] == sig.key_id
        else x
        for x in saved["items"]
    ]
    (tmp_path / "swapped.json").write_text(json.dumps({"items": swapped}), encoding="utf-8")
    ran = CliRunner().invoke(verify_command, [str(tmp_path / "receipt.json"), "--keys", str(tmp_path / "swapped.json")])
    assert ran.exit_code == 1 and "unknown key" in ran.output
    # the public page checks it with the system's keys and names the algorithm
    app.config["WTF_CSRF_ENABLED"] = False  # as tests/web/test_ui_pages.py posts its forms
    page = app.test_client().post(
        "/verify",
        data={"receipt": (BytesIO(json.dumps(receipt).encode()), "r.json")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "核验通过" in page.text and "SM2（国密" in page.text
    auditor = app.test_client()
    auditor.post("/login", data={"name": "audit", "password": "password-123"})
    entry = auditor.get(f"/audit/log/{receipt['leaf_index']}")
    assert entry.status_code == 200 and "SM2（国密" in entry.text and "签名有效" in entry.text


def test_checkpoints_carry_an_sm2_line_once_the_log_has_an_sm2_key(app, rt, client, world):
    seal_setup(rt, client, world)
    with rt.reading() as session:
        before = session.scalar(select(m.Checkpoint).order_by(m.Checkpoint.tree_size.desc()).limit(1))
    assert before is None or before.note.count("\n— ") == 1  # Ed25519 only until then
    assert _rotate(app, "log.sm2").exit_code == 0  # an SM2 key for the log.sm2 body
    receipt = receipt_for_case(client, world, world["people"]["a"], "XT2026-0002")
    note = receipt["checkpoint"]
    keys = rt.signing_keys
    origin = rt.settings.log_origin
    assert note.count("\n— ") == 2
    assert open_note(note, {origin: keys.current("log").public_key})[1] == [origin]
    assert check_sm2_lines(note, origin, [keys.current("log.sm2").public_key]) is True
    # the receipt verifies as before: its verifier knows only the Ed25519 log key
    assert verify_receipt(receipt).tree_size >= 1
