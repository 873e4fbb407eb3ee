"""C2SP signed-note and tlog-checkpoint formats."""

from __future__ import annotations

import base64
import hashlib

import pytest

from signing.errors import NoteError
from signing.keys import Ed25519Signer
from signing.note import (
    Checkpoint,
    add_signature,
    format_checkpoint,
    note_key_id,
    open_note,
    parse_checkpoint,
    parse_vkey,
    sign_note,
    split_note,
    vkey,
)

# Published example of golang.org/x/mod/sumdb/note (its package documentation): an
# independent implementation of the same format, so matching it byte for byte shows
# our notes interoperate.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ROOT = hashlib.sha256(b"root").digest()


def test_reference_note_verifies_and_is_reproduced() -> None:
    name, public = parse_vkey(GO_VKEY)
    assert name == "PeterNeumann" and note_key_id(name, public).hex() == "c74f20a3"
    assert vkey(name, public) == GO_VKEY
    body, names = open_note(GO_NOTE, {name: public})
    assert body == GO_TEXT and names == ["PeterNeumann"]
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    signer = Ed25519Signer.from_seed(seed)
    assert signer.public_key_raw == public
    assert sign_note(GO_TEXT, name, signer) == GO_NOTE  # Ed25519 is deterministic
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), {name: public})


def test_checkpoint_round_trip(log_signer) -> None:
    body = format_checkpoint("onehall.example/log", 120, ROOT)
    assert body == f"onehall.example/log\n120\n{base64.b64encode(ROOT).decode()}\n"
    note = sign_note(body, "onehall.example/log", log_signer)
    text, names = open_note(note, {"onehall.example/log": log_signer.public_key_raw})
    assert names == ["onehall.example/log"]
    assert parse_checkpoint(text) == Checkpoint("onehall.example/log", 120, ROOT)
    ext = format_checkpoint("o", 0, ROOT, ["ext one"])
    assert parse_checkpoint(ext).extensions == ("ext one",)


def test_tampering_is_rejected(log_signer, make_signer) -> None:
    keys = {"log": log_signer.public_key_raw}
    note = sign_note(format_checkpoint("log", 7, ROOT), "log", log_signer)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note.replace("\n7\n", "\n8\n"), keys)
    body, sigs = split_note(note)
    blob = bytearray(sigs[0].key_id + sigs[0].signature)
    blob[10] ^= 1
    forged = body + "\n\u2014 log " + base64.b64encode(bytes(blob)).decode() + "\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(forged, keys)
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(note, {"log": make_signer("other").public_key_raw})
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(note, {"someone-else": log_signer.public_key_raw})


@pytest.mark.parametrize(
    "text, why",
    [
        ("a\n1\nx\n", "blank line"),
        ("a\n\n\u2014 log AAAAAAA=", "end with a newline"),
        ("a\n\n", "no signature"),
        ("a\n\n- log AAAAAAAA\n", "malformed"),
        ("a\n\n\u2014 log !!!!\n", "base64"),
        ("a\n\n\u2014 log AAAA\n", "too short"),
        ("a\tb\n\n\u2014 log AAAAAAAA\n", "control character"),
        ("a\n\n\u2014 lo+g AAAAAAAA\n", "key name"),
        ("a\n\n\u2014 log AAAAAAAA extra\n", "malformed"),
    ],
)
def test_malformed_notes(text: str, why: str) -> None:
    with pytest.raises(NoteError, match=why):
        open_note(text, {"log": bytes(32)})


@pytest.mark.parametrize(
    "body, why",
    [
        ("log\n7\n", "origin, a size and a root"),
        ("log\n07\n" + base64.b64encode(ROOT).decode() + "\n", "leading zeros"),
        ("log\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("log\n7\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "32 bytes"),
        ("log\n7\n" + base64.b64encode(ROOT).decode() + "\n\n", "extension"),
        ("\n7\n" + base64.b64encode(ROOT).decode() + "\n", "origin is empty"),
        ("log\n7\n" + base64.b64encode(ROOT).decode(), "newline"),
    ],
)
def test_malformed_checkpoints(body: str, why: str) -> None:
    with pytest.raises(NoteError, match=why):
        parse_checkpoint(body)


def test_cosigning(log_signer, make_signer) -> None:
    witness = make_signer("witness")
    note = sign_note(format_checkpoint("log", 3, ROOT), "log", log_signer)
    cosigned = add_signature(note, "witness.example", witness)
    both = {"log": log_signer.public_key_raw, "witness.example": witness.public_key_raw}
    body, names = open_note(cosigned, both)
    assert names == ["log", "witness.example"] and body == format_checkpoint("log", 3, ROOT)
    assert open_note(cosigned, {"log": log_signer.public_key_raw})[1] == ["log"]
    with pytest.raises(NoteError, match="already signed"):
        add_signature(cosigned, "witness.example", witness)
    # one bad signature from a known key rejects the whole note
    bad = cosigned[:-10] + ("A" if cosigned[-10] != "A" else "B") + cosigned[-9:]
    with pytest.raises(NoteError):
        open_note(bad, both)


def test_several_keys_for_one_name(log_signer, make_signer) -> None:
    old = make_signer("old log key")
    note = sign_note(format_checkpoint("log", 3, ROOT), "log", old)
    assert open_note(note, {"log": [log_signer.public_key_raw, old.public_key_raw]})[1] == ["log"]


def test_vkey_rejects_mismatch(log_signer) -> None:
    text = vkey("log", log_signer.public_key_raw)
    name, public = parse_vkey(text)
    assert (name, public) == ("log", log_signer.public_key_raw)
    with pytest.raises(NoteError, match="does not match"):
        parse_vkey("other" + text[3:])
