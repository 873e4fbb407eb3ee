"""Secrets sealed with the key passphrase (signing.custody): scrypt + AES-256-GCM, the cost
recorded with each secret so a change of cost never strands one."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from signing import custody
from signing.custody import KeyStoreError, open_secret, seal_secret


def test_a_secret_sealed_at_one_cost_opens_at_another(monkeypatch):
    monkeypatch.setattr(custody, "SCRYPT_N", 2**10)
    sealed = seal_secret(b"pass", b"the commitment key")
    monkeypatch.setattr(custody, "SCRYPT_N", 2**14)
    assert open_secret(b"pass", sealed) == b"the commitment key"
    assert sealed[len(b"onehall-sealed-v2")] == 10


def test_a_version_1_secret_still_opens():
    """v1 (no cost byte, N = 2^15): what deployments sealed before the cost was recorded."""
    magic, salt, nonce = b"onehall-sealed-v1", os.urandom(16), os.urandom(12)
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(b"pass")
    sealed = magic + salt + nonce + AESGCM(key).encrypt(nonce, b"old", magic)
    assert open_secret(b"pass", sealed) == b"old"


@pytest.mark.parametrize("cost_byte", [11, 9, 30])
def test_an_edited_cost_or_a_wrong_passphrase_is_refused(monkeypatch, cost_byte):
    monkeypatch.setattr(custody, "SCRYPT_N", 2**10)
    sealed = bytearray(seal_secret(b"pass", b"k"))
    with pytest.raises(KeyStoreError):
        open_secret(b"wrong", bytes(sealed))
    sealed[len(b"onehall-sealed-v2")] = cost_byte  # the header is authenticated data
    with pytest.raises(KeyStoreError):
        open_secret(b"pass", bytes(sealed))
