"""Empty databases of the backend under test: a SQLite file, or a PostgreSQL schema of its own."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import text

from registry.db import make_engine

PG_URL = os.environ.get("ONEHALL_TEST_DATABASE_URL")


def empty_database(backend: str, folder: Path, name: str) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database named `name`, dropped afterwards (a generator to
    `yield from` in a fixture)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}", None
        return
    assert PG_URL
    schema = f"{name[:6]}_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield PG_URL, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
