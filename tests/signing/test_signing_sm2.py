"""SM2 body keys (docs/design.md §12.6): signatures over SM3 with the default signer id, DER-encoded.

Cross-checked both ways with the system's OpenSSL (Debian's openssl 3 speaks SM2):
``openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678``.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from signing import sm2
from signing.errors import KeyStoreError, LeafError, NoteError
from signing.export import ExportMeta, write_export
from signing.keys import KeyInfo, KeyStore, Sm2Signer, verify_signature
from signing.merkle import MemoryTree
from signing.note import format_checkpoint, open_note, sign_note
from signing.note_sm2 import add_sm2_signature, check_sm2_lines, parse_sm2_vkey, sm2_note_key_id, sm2_vkey
from signing.records import make_leaf, parse_leaf, verify_leaf
from signing.verify import verify_export

PASS = b"sm2-test-passphrase"
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
DISTID = "distid:1234567812345678"


def _openssl_sm2() -> str | None:
    """Why the OpenSSL cross-checks cannot run here, or None when they can."""
    exe = shutil.which("openssl")
    if exe is None:
        return "no openssl command on this machine"
    algs = subprocess.run([exe, "list", "-public-key-algorithms"], capture_output=True, text=True)
    if "SM2" not in algs.stdout:
        return "this openssl has no SM2"
    version = subprocess.run([exe, "version"], capture_output=True, text=True).stdout
    if not version.startswith("OpenSSL 3"):
        return f"pkeyutl -rawin needs OpenSSL 3 ({version.strip()})"
    return None


needs_openssl = pytest.mark.skipif(_openssl_sm2() is not None, reason=str(_openssl_sm2()))


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def _pkeyutl_sm2(*args: str, cwd: Path, distid: str = DISTID) -> subprocess.CompletedProcess:
    """`openssl pkeyutl` over the raw input, with SM3 and the signer id: `args` say sign or verify and the files."""
    return _openssl("pkeyutl", *args, "-rawin", "-digest", "sm3", "-pkeyopt", distid, cwd=cwd)


VERIFY_WITH_PUB_PEM = ("-verify", "-pubin", "-inkey", "pub.pem", "-sigfile", "sig")


# -- the binding ----------------------------------------------------------------------------


def test_sm2_signs_and_verifies_and_refuses_what_it_should() -> None:
    key = sm2.generate()
    pub = key.public_key_raw
    assert len(pub) == 65 and pub[0] == 0x04  # uncompressed point 04 || x || y
    sig = key.sign(b"hello")
    assert sig[0] == 0x30  # ASN.1 DER SEQUENCE {r, s}
    assert sm2.verify(pub, b"hello", sig)
    assert not sm2.verify(pub, b"hellO", sig)
    assert not sm2.verify(sm2.generate().public_key_raw, b"hello", sig)
    assert not sm2.verify(pub, b"hello", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not sm2.verify(pub, b"hello", b"not DER at all")
    assert not sm2.verify(pub, b"hello", sig + b"\x00")  # trailing bytes: not the DER signature
    assert not sm2.verify(b"\x04" + b"\x01" * 64, b"hello", sig)  # not a point of the curve
    assert not sm2.verify(pub[:33], b"hello", sig)
    # SM2 signatures are randomized: two signatures of one text differ and both verify
    again = key.sign(b"hello")
    assert again != sig and sm2.verify(pub, b"hello", again)


def test_keys_dispatch_by_algorithm() -> None:
    signer = Sm2Signer.generate()
    sig = signer.sign(b"data")
    assert signer.alg == "sm2" and signer.key_id.startswith("sm2:")
    assert verify_signature("sm2", signer.public_key_raw, b"data", sig)
    assert not verify_signature("ed25519", signer.public_key_raw, b"data", sig)
    with pytest.raises(ValueError, match="unsupported"):
        verify_signature("sm9", signer.public_key_raw, b"data", sig)


@needs_openssl
def test_a_signature_onehall_makes_verifies_with_openssl(tmp_path) -> None:
    key = sm2.generate()
    text = "湘潭市政务服务中心 用印记录 2026\n".encode()
    (tmp_path / "pub.pem").write_bytes(sm2.public_key_pem(key.public_key_raw))
    (tmp_path / "msg").write_bytes(text)
    (tmp_path / "sig").write_bytes(key.sign(text))
    ok = _pkeyutl_sm2(*VERIFY_WITH_PUB_PEM, "-in", "msg", cwd=tmp_path)
    assert ok.returncode == 0 and "Verified Successfully" in ok.stdout, ok.stderr
    # the signer id is part of what is signed: another id does not verify
    other = _pkeyutl_sm2(*VERIFY_WITH_PUB_PEM, "-in", "msg", cwd=tmp_path, distid="distid:onehall")
    assert other.returncode != 0
    (tmp_path / "msg").write_bytes(text + b"!")
    assert _pkeyutl_sm2(*VERIFY_WITH_PUB_PEM, "-in", "msg", cwd=tmp_path).returncode != 0


@needs_openssl
def test_a_signature_openssl_makes_verifies_in_onehall(tmp_path) -> None:
    assert _openssl("genpkey", "-algorithm", "SM2", "-out", "key.pem", cwd=tmp_path).returncode == 0
    assert _openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path).returncode == 0
    text = b'{"type":"seal_use","seal":"FGW-SP"}'
    (tmp_path / "msg").write_bytes(text)
    signed = _pkeyutl_sm2("-sign", "-inkey", "key.pem", "-in", "msg", "-out", "sig", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    pub = sm2.public_key_from_pem((tmp_path / "pub.pem").read_bytes())
    sig = (tmp_path / "sig").read_bytes()
    assert verify_signature("sm2", pub, text, sig)
    assert not verify_signature("sm2", pub, text + b" ", sig)
    # and OpenSSL's private key signs in onehall, under the same public key
    key = sm2.load_private_pem((tmp_path / "key.pem").read_bytes(), None)
    assert key.public_key_raw == pub and sm2.verify(pub, text, key.sign(text))


# -- keys at rest ---------------------------------------------------------------------------


def test_store_rotates_a_body_to_sm2_and_keeps_it_encrypted(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys", PASS)
    old = store.ensure("dept:FGW", at=T0)
    assert old.alg == "ed25519"
    new = store.rotate("dept:FGW", alg="sm2")
    assert new.alg == "sm2" and new.key_id.startswith("sm2:") and len(new.public_key) == 65
    assert store.key_for(old.key_id).valid_to == new.valid_from
    signer = store.signer("dept:FGW")
    assert signer.alg == "sm2" and signer.public_key_raw == new.public_key
    assert sm2.verify(new.public_key, b"x", signer.sign(b"x"))
    # at rest: PKCS#8 encrypted under the passphrase; another process (a new store) opens it
    pem = (tmp_path / "keys" / (new.key_id.replace(":", "-") + ".pem")).read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    fresh = KeyStore(tmp_path / "keys", PASS).signer("dept:FGW")
    assert sm2.verify(new.public_key, b"y", fresh.sign(b"y"))
    with pytest.raises(KeyStoreError, match="cannot decrypt"):
        KeyStore(tmp_path / "keys", b"wrong passphrase").signer("dept:FGW")
    # a rotation without --alg keeps the body's algorithm; an explicit one switches back
    assert store.rotate("dept:FGW").alg == "sm2"
    assert store.rotate("dept:FGW", alg="ed25519").alg == "ed25519"
    with pytest.raises(KeyStoreError, match="unknown key algorithm"):
        store.rotate("dept:FGW", alg="rsa")
    assert store.ensure("reform_office", alg="sm2").alg == "sm2"


@needs_openssl
def test_the_encrypted_sm2_key_file_is_standard_pkcs8(tmp_path) -> None:
    """The key at rest opens with OpenSSL and the passphrase (PBES2, PBKDF2, SM4-CBC), nothing of ours."""
    store = KeyStore(tmp_path / "keys", PASS)
    info = store.ensure("dept:FGW", alg="sm2")
    name = info.key_id.replace(":", "-") + ".pem"
    dump = _openssl("asn1parse", "-in", name, cwd=tmp_path / "keys")
    assert "PBES2" in dump.stdout and "sm4-cbc" in dump.stdout.lower()
    out = _openssl("pkey", "-in", name, "-passin", f"pass:{PASS.decode()}", "-pubout", cwd=tmp_path / "keys")
    assert out.returncode == 0, out.stderr
    assert sm2.public_key_from_pem(out.stdout.encode()) == info.public_key
    assert _openssl("pkey", "-in", name, "-passin", "pass:wrong", cwd=tmp_path / "keys").returncode != 0


# -- records --------------------------------------------------------------------------------


def _record(i: int = 1) -> dict:
    return {
        "type": "seal_use",
        "filed_at": "2024-05-01T08:00:00Z",
        "filed_by": "dept:FGW",
        "n": i,
        "seal": "FGW-SP",
        "department_name": "市发改委",
    }


def test_an_sm2_record_says_its_algorithm_and_verifies(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    info = store.ensure("dept:FGW", at=T0, alg="sm2")
    leaf = make_leaf(_record(), store.signer("dept:FGW"))
    record, sig = parse_leaf(leaf)
    assert sig.alg == "sm2" and sig.key_id == info.key_id
    assert verify_leaf(leaf, store.key_for) == record
    assert len(leaf) < 65_535  # an entry of a tlog-tiles bundle has a 16-bit length
    keys = {info.key_id: info}
    forged = leaf.replace(b'"n":1', b'"n":2')
    with pytest.raises(LeafError, match="does not verify"):
        verify_leaf(forged, keys)
    # an SM2 signature presented as Ed25519 (or the reverse) is refused by name
    relabeled = leaf.replace(b'"alg":"sm2"', b'"alg":"ed25519"')
    with pytest.raises(LeafError, match="says ed25519"):
        verify_leaf(relabeled, keys)


def test_the_public_key_list_carries_the_algorithm(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    store.ensure("dept:FGW", at=T0, alg="sm2")
    store.ensure("log", at=T0)
    items = {k["body"]: k for k in (info.to_json() for info in store.public_keys())}
    assert items["dept:FGW"]["alg"] == "sm2" and items["log"]["alg"] == "ed25519"
    assert len(base64.b64decode(items["dept:FGW"]["public_key"])) == 65
    # a saved answer reads back into keys that verify (what an offline verifier is given)
    back = {k.key_id: k for k in (KeyInfo.from_json(x) for x in json.loads(json.dumps(list(items.values()))))}
    leaf = make_leaf(_record(), store.signer("dept:FGW"))
    assert verify_leaf(leaf, back)["seal"] == "FGW-SP"


# -- a checkpoint's SM2 line ----------------------------------------------------------------

ORIGIN = "onehall.xiangtan/log"


def _checkpoint(log_signer, sm2_signer, size=5) -> str:
    body = format_checkpoint(ORIGIN, size, bytes(range(32)))
    return add_sm2_signature(sign_note(body, ORIGIN, log_signer), ORIGIN, sm2_signer)


def test_a_checkpoint_may_carry_an_sm2_line_that_ed25519_verifiers_ignore(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    log_info = store.ensure("log")
    sm2_info = store.ensure("log.sm2", alg="sm2")
    note = _checkpoint(store.signer("log"), store.signer("log.sm2"))
    lines = note.rstrip("\n").split("\n")
    assert lines[-2].startswith(f"— {ORIGIN} ") and lines[-1].startswith(f"— {ORIGIN} ")
    # a C2SP client that knows only the Ed25519 log key opens the note as before
    body, names = open_note(note, {ORIGIN: log_info.public_key})
    assert names == [ORIGIN] and body.startswith(ORIGIN + "\n5\n")
    assert check_sm2_lines(note, ORIGIN, [sm2_info.public_key]) is True
    assert check_sm2_lines(note, ORIGIN, [sm2.generate().public_key_raw]) is False  # not a known key
    blob = base64.b64decode(lines[-1].split(" ")[2])
    assert blob[:4] == sm2_note_key_id(ORIGIN, sm2_info.public_key)
    # a changed SM2 signature by the known key rejects the note
    bad = blob[:4] + sm2.generate().sign(body.encode())
    forged = note.replace(lines[-1], f"— {ORIGIN} {base64.b64encode(bad).decode()}")
    with pytest.raises(NoteError, match="SM2 signature"):
        check_sm2_lines(forged, ORIGIN, [sm2_info.public_key])
    with pytest.raises(NoteError, match="needs an SM2 key"):
        add_sm2_signature(note, ORIGIN, store.signer("log"))


def test_sm2_vkey_round_trip_and_refusals() -> None:
    key = sm2.generate()
    text = sm2_vkey(ORIGIN, key.public_key_raw)
    name, hex_id, blob = text.split("+", 2)
    assert name == ORIGIN and base64.b64decode(blob)[0] == 0xFF
    assert parse_sm2_vkey(text) == (ORIGIN, key.public_key_raw)
    with pytest.raises(NoteError, match="does not match"):
        parse_sm2_vkey(f"other.log+{hex_id}+{blob}")
    ed25519_blob = base64.b64encode(bytes([0x01]) + bytes(32)).decode()
    with pytest.raises(NoteError, match="not an SM2"):
        parse_sm2_vkey(f"{ORIGIN}+{hex_id}+{ed25519_blob}")


@needs_openssl
def test_openssl_verifies_the_checkpoint_sm2_line(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys", PASS)
    store.ensure("log")
    info = store.ensure("log.sm2", alg="sm2")
    note = _checkpoint(store.signer("log"), store.signer("log.sm2"))
    body = note[: note.rfind("\n\n") + 1]
    blob = base64.b64decode(note.rstrip("\n").split("\n")[-1].split(" ")[2])
    (tmp_path / "body").write_bytes(body.encode())
    (tmp_path / "sig").write_bytes(blob[4:])
    (tmp_path / "pub.pem").write_bytes(sm2.public_key_pem(info.public_key))
    r = _pkeyutl_sm2(*VERIFY_WITH_PUB_PEM, "-in", "body", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


# -- the offline verifier over an export with both algorithms --------------------------------


def test_offline_verifier_checks_sm2_and_ed25519_records_and_the_sm2_line(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys", PASS)
    store.ensure("log", at=T0)
    store.ensure("log.sm2", at=T0, alg="sm2")
    store.ensure("dept:FGW", at=T0)
    store.ensure("dept:GA", at=T0, alg="sm2")
    leaves = [
        make_leaf({**_record(i), "filed_by": body}, store.signer(body))
        for i, body in enumerate(["dept:FGW", "dept:GA"] * 5)
    ]
    tree = MemoryTree()
    for leaf in leaves:
        tree.append_data(leaf)
    body = format_checkpoint(ORIGIN, tree.size, tree.root())
    note = add_sm2_signature(sign_note(body, ORIGIN, store.signer("log")), ORIGIN, store.signer("log.sm2"))
    meta = ExportMeta(ORIGIN, store.current("log").key_id, ORIGIN)

    def export(directory: Path, entries, notes) -> Path:
        write_export(directory, list(enumerate(entries)), notes, store.public_keys(), meta, progress=False)
        return directory

    report = verify_export(export(tmp_path / "good", leaves, [note]), workers=1, progress=False)
    assert report.ok, report.summary()
    assert report.signatures_checked == 10
    # an SM2 record changed after signing is named
    bad = list(leaves)
    bad[3] = bad[3].replace(b'"n":3', b'"n":33')
    report = verify_export(export(tmp_path / "bad", bad, [note]), workers=1, progress=False)
    assert any(e.startswith("entry 3:") and "does not verify" in e for e in report.errors), report.summary()
    # an SM2 checkpoint line that does not verify under the exported log SM2 key is an error
    last = note.rstrip("\n").split("\n")[-1]
    blob = base64.b64decode(last.split(" ")[2])
    wrong = note.replace(last, f"— {ORIGIN} " + base64.b64encode(blob[:4] + sm2.generate().sign(b"x")).decode())
    report = verify_export(export(tmp_path / "line", leaves, [wrong]), workers=1, progress=False)
    assert any("SM2 signature" in e for e in report.errors), report.summary()


def test_an_sm2_key_cannot_sign_outside_its_validity(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    store.ensure("dept:FGW", at=T0, alg="sm2")
    old_signer = store.signer("dept:FGW")
    new = store.rotate("dept:FGW", at=datetime.now(timezone.utc) - timedelta(seconds=1), alg="sm2")
    with pytest.raises(KeyStoreError, match="retired"):
        old_signer.sign(b"x")
    assert store.signer("dept:FGW").key_id == new.key_id


def test_witnesses_cosign_a_checkpoint_with_an_sm2_line_and_a_keys_policy_checks_its_sm2_record(tmp_path) -> None:
    """An off-the-shelf witness sees one more unknown line; a saved /keys answer pins the SM2 key."""
    from signing.keys import Ed25519Signer
    from signing.merkle import leaf_hash
    from signing.policy import WitnessKey, check_checkpoint, policy_from_keys
    from signing.receipt import build_receipt, verify_receipt
    from signing.witness import Witness

    store = KeyStore(tmp_path / "keys", PASS)
    log_info = store.ensure("log", at=T0)
    store.ensure("log.sm2", at=T0, alg="sm2")
    store.ensure("dept:GA", at=T0, alg="sm2")
    leaves = [make_leaf({**_record(i), "filed_by": "dept:GA"}, store.signer("dept:GA")) for i in range(3)]
    tree = MemoryTree.from_entries(leaves)
    body = format_checkpoint(ORIGIN, tree.size, tree.root())
    note = add_sm2_signature(sign_note(body, ORIGIN, store.signer("log")), ORIGIN, store.signer("log.sm2"))
    w_signer = Ed25519Signer.generate()
    witness = Witness(tmp_path / "w1", w_signer, "w1.example/witness", {ORIGIN: {ORIGIN: log_info.public_key}})
    cosigned = witness.cosign(note, [])
    answer = {"items": [k.to_json() for k in store.public_keys()]}
    policy = policy_from_keys(json.loads(json.dumps(answer)))
    policy = type(policy)(
        policy.log_keys, (WitnessKey("w1.example/witness", w_signer.public_key_raw),), 1, record_keys=policy.record_keys
    )
    checked = check_checkpoint(cosigned, policy, ORIGIN)
    assert checked.witnessed and check_sm2_lines(cosigned, ORIGIN, [store.current("log.sm2").public_key])
    receipt = build_receipt(
        leaves[1], 1, tree.inclusion_proof(1, tree.size), tree.size, cosigned, log_info.public_key, ORIGIN
    )
    assert receipt["leaf_hash"] == leaf_hash(leaves[1]).hex()
    result = verify_receipt(receipt, policy=policy)
    assert result.record_verified and result.record_alg == "sm2" and result.witnessed
