"""Key store: encryption at rest, rotation, validity, several processes sharing one directory."""

from __future__ import annotations

import base64
import json
import stat
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from signing import keys as keys_module
from signing.errors import KeyStoreError
from signing.keys import Ed25519Signer, KeyInfo, KeyStore, key_id_for, verify_signature

PASS = b"correct horse battery staple"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ensure_creates_one_key_per_body(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys", PASS)
    a = store.ensure("dept:FGW")
    assert store.ensure("dept:FGW") == a
    b = store.ensure("log")
    assert a.key_id != b.key_id and a.alg == "ed25519" and a.valid_to is None
    assert a.key_id == key_id_for("ed25519", a.public_key)
    assert a.key_id.startswith("ed25519:") and len(a.key_id) == len("ed25519:") + 16
    assert {k.body for k in store.public_keys()} == {"dept:FGW", "log"}
    assert store.key_for(a.key_id) == a and store.key_for("ed25519:nope") is None


def test_files_are_private_and_encrypted(tmp_path) -> None:
    directory = tmp_path / "keys"
    store = KeyStore(directory, PASS)
    info = store.ensure("government")
    signer = store.signer("government")
    raw = signer._private._private.private_bytes(  # the secret that must not be on disk in clear
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert _mode(directory) == 0o700
    files = [p for p in directory.iterdir() if p.suffix == ".pem"]
    assert len(files) == 1 and _mode(files[0]) == 0o600
    assert _mode(directory / "keys.json") == 0o600
    for path in directory.iterdir():
        content = path.read_bytes()
        assert raw not in content and base64.b64encode(raw) not in content
        assert raw.hex().encode() not in content
    assert b"ENCRYPTED PRIVATE KEY" in files[0].read_bytes()
    index = json.loads((directory / "keys.json").read_text())
    assert index["keys"][0]["public_key"] == base64.b64encode(info.public_key).decode()
    assert not list(directory.glob("*.tmp"))


def test_wrong_passphrase_fails_clearly(tmp_path) -> None:
    KeyStore(tmp_path, PASS).ensure("drc")
    other = KeyStore(tmp_path, b"wrong")
    assert other.current("drc") is not None  # public metadata needs no passphrase
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        other.signer("drc")
    with pytest.raises(KeyStoreError, match="empty"):
        KeyStore(tmp_path, b"")


def test_signer_signs_and_verifies(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    info = store.ensure("dept:FGW")
    signer = store.signer("dept:FGW")
    sig = signer.sign(b"hello")
    assert signer.key_id == info.key_id and signer.public_key_raw == info.public_key
    assert verify_signature("ed25519", info.public_key, b"hello", sig)
    assert not verify_signature("ed25519", info.public_key, b"hellO", sig)
    assert not verify_signature("ed25519", info.public_key, b"hello", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not verify_signature("ed25519", b"short", b"hello", sig)
    with pytest.raises(ValueError, match="unsupported"):
        verify_signature("rsa", info.public_key, b"hello", sig)
    assert not verify_signature("sm2", info.public_key, b"hello", sig)  # an Ed25519 key is no SM2 key
    with pytest.raises(KeyStoreError, match="no current key"):
        store.signer("witness")


def test_rotation_keeps_old_signatures_and_retires_the_key(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    old = store.ensure("dept:FGW", at=start)
    old_signer = store.signer("dept:FGW")
    old_sig = old_signer.sign(b"record 1")
    at = datetime(2024, 6, 1, tzinfo=timezone.utc)
    new = store.rotate("dept:FGW", at=at)

    retired = store.key_for(old.key_id)
    assert retired.valid_to == at and new.valid_from == at and new.valid_to is None
    assert verify_signature(retired.alg, retired.public_key, b"record 1", old_sig)
    assert retired.valid_at(at - timedelta(seconds=1)) and not retired.valid_at(at)
    assert new.valid_at(at) and not new.valid_at(at - timedelta(microseconds=1))
    with pytest.raises(KeyStoreError, match="retired"):
        old_signer.sign(b"record 2")
    new_signer = store.signer("dept:FGW")
    assert new_signer.key_id == new.key_id
    assert verify_signature("ed25519", new.public_key, b"r", new_signer.sign(b"r"))
    assert [k.key_id for k in store.public_keys() if k.body == "dept:FGW"] == [old.key_id, new.key_id]


def test_rotation_times_are_checked(tmp_path) -> None:
    store = KeyStore(tmp_path, PASS)
    store.ensure("reform_office", at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(KeyStoreError, match="future"):
        store.rotate("reform_office", at=datetime.now(timezone.utc) + timedelta(days=1))
    with pytest.raises(KeyStoreError, match="before"):
        store.rotate("reform_office", at=datetime(2023, 1, 1, tzinfo=timezone.utc))


def test_another_process_sees_a_rotation(tmp_path) -> None:
    """Two stores on one directory stand for two web workers."""
    worker_a = KeyStore(tmp_path, PASS)
    worker_b = KeyStore(tmp_path, PASS)
    first = worker_a.ensure("gov_service")
    signer_b = worker_b.signer("gov_service")
    assert signer_b.key_id == first.key_id
    second = worker_a.rotate("gov_service")
    with pytest.raises(KeyStoreError, match="retired"):
        signer_b.sign(b"x")
    assert worker_b.signer("gov_service").key_id == second.key_id
    assert worker_b.ensure("gov_service") == second


def test_decrypted_keys_are_cached(tmp_path, monkeypatch) -> None:
    KeyStore(tmp_path, PASS).ensure("witness")
    store = KeyStore(tmp_path, PASS)
    calls = []
    real = keys_module.load_signer  # decrypts a PEM of any algorithm

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(keys_module, "load_signer", counting)
    for _ in range(3):
        store.signer("witness").sign(b"x")
    assert len(calls) == 1


def test_keyinfo_json_round_trip_and_tamper() -> None:
    signer = Ed25519Signer.generate()
    info = KeyInfo(signer.key_id, "ed25519", "log", signer.public_key_raw, datetime(2024, 1, 1, tzinfo=timezone.utc))
    data = info.to_json()
    assert data["valid_from"] == "2024-01-01T00:00:00Z" and data["valid_to"] is None
    assert KeyInfo.from_json(data) == info
    other = Ed25519Signer.generate()
    with pytest.raises(ValueError, match="does not match"):
        KeyInfo.from_json(dict(data, public_key=base64.b64encode(other.public_key_raw).decode()))
