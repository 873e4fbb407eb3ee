"""Shared fixtures of the signing tests (no database, no files outside tmp_path)."""

from __future__ import annotations

import hashlib

import pytest

from signing.keys import Ed25519Signer


def seeded_signer(label: str) -> Ed25519Signer:
    """A deterministic Ed25519 signer named by ``label``."""
    return Ed25519Signer.from_seed(hashlib.sha256(label.encode()).digest())


@pytest.fixture
def log_signer() -> Ed25519Signer:
    return seeded_signer("log")


@pytest.fixture
def dept_signer() -> Ed25519Signer:
    return seeded_signer("dept:FGW")


@pytest.fixture
def make_signer():
    """Factory of deterministic signers: ``make_signer("label")``."""
    return seeded_signer
