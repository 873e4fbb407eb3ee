"""The signed log over a real database (SQLite and PostgreSQL): `logdb` gives a
`LogHarness` (tests/factories/signed_log.py) over an empty schema of the backend under test."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.factories.signed_log import LogHarness


@pytest.fixture
def logdb(database, tmp_path) -> Iterator[LogHarness]:
    url, schema = database
    h = LogHarness(url, schema, tmp_path)
    try:
        yield h
    finally:
        h.close()
