"""Databases of the backend under test: empty ones (a SQLite file, or a PostgreSQL schema of
its own), and copies of a freshly initialised deployment for app tests."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import text

from registry.db import make_engine

PG_URL = os.environ.get("ONEHALL_TEST_DATABASE_URL")


def empty_database(
    backend: str, folder: Path, name: str, server: str | None = None
) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database named `name`, dropped afterwards (a generator to
    `yield from` in a fixture); PostgreSQL on `server`, else the test server."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}", None
        return
    server = server or PG_URL
    assert server
    schema = f"{name[:6]}_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield server, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def app_settings(url: str, schema: str | None, home: Path, **overrides):
    """The test app's settings: instance and key folders under `home`; `overrides` change or add
    settings (another passphrase, a log origin)."""
    from application.config import Settings

    settings = Settings(
        **{
            "instance_dir": home / "instance",
            "database_url": url,
            "database_schema": schema,
            "key_dir": home / "keys",
            "key_passphrase": b"test-passphrase",
            "secret_key": "test",
            "testing": True,
            "checkpoint_interval_ms": 10,
            **overrides,
        }
    )
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    return settings


def build_fresh_app(url: str, schema: str | None, home: Path):
    """What `onehall init` leaves: a migrated database with the bundled pack active."""
    from application.packs import ensure_active_pack
    from registry import migrate
    from web.app import create_app

    flask_app = create_app(app_settings(url, schema, home))
    rt = flask_app.extensions["onehall"]
    migrate.upgrade(rt.engine)
    ensure_active_pack(rt)
    return flask_app


class FreshDeployments:
    """One freshly initialised deployment per backend, built on first use and copied for each
    test: migrating and publishing the pack again for every test was most of the suite's time.
    A copy is what a fresh build gives (the same schema and signed pack record; the copies share
    the keys and the log origin, and each test's log grows on its own). On PostgreSQL the copy is
    a database made from a template database (the schema inside keeps its name)."""

    SCHEMA = "onehall"

    def __init__(self, tmp_path_factory) -> None:
        self._factory = tmp_path_factory
        self._built: dict[str, tuple[str | None, Path]] = {}

    def _template(self, backend: str) -> tuple[str | None, Path]:
        if backend not in self._built:
            home = self._factory.mktemp(f"fresh-{backend}")
            if backend == "sqlite":
                build_fresh_app(f"sqlite:///{home / 'test.db'}", None, home).extensions["onehall"].close()
                self._built[backend] = (None, home)
            else:
                name = f"golden_{os.getpid()}_{uuid.uuid4().hex[:8]}"
                self._admin(f'CREATE DATABASE "{name}"')
                self._built[backend] = (name, home)
                seed = make_engine(_pg_url(name))
                with seed.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{self.SCHEMA}"'))
                seed.dispose()
                build_fresh_app(_pg_url(name), self.SCHEMA, home).extensions["onehall"].close()
        return self._built[backend]

    def copy(self, backend: str, folder: Path) -> Iterator[tuple[str, str | None]]:
        """(url, schema) of a copy whose instance and key folders are under `folder`."""
        template, home = self._template(backend)
        shutil.copytree(home, folder, dirs_exist_ok=True)
        if backend == "sqlite":
            yield f"sqlite:///{folder / 'test.db'}", None
            return
        name = f"t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield _pg_url(name), self.SCHEMA
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self) -> None:
        for template, _home in self._built.values():
            if template:
                self._admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')

    @staticmethod
    def _admin(statement: str) -> None:
        assert PG_URL
        admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(statement))
        finally:
            admin.dispose()


def _pg_url(database: str) -> str:
    assert PG_URL
    return PG_URL.rsplit("/", 1)[0] + "/" + database
