"""Fixtures shared by the rules tests."""

import shutil

import pytest

from rules import default_pack_dir


@pytest.fixture
def pack_dir(tmp_path):
    """A copy of the shipped pack that a test may edit."""
    d = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), d)
    return d
