"""Shared fixtures: every registry test runs on SQLite and, when configured, on PostgreSQL.

`ONEHALL_TEST_DATABASE_URL` names the PostgreSQL server (.ci/run sets it). Each test gets a
schema of its own there, so runs and tests never see each other's rows. Without the variable
the PostgreSQL variants are skipped, with that reason in the report.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from registry.db import make_engine, session_factory
from registry.models import Base
from tests.factories.databases import PG_URL, empty_database

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _backends():
    yield pytest.param("sqlite", id="sqlite")
    yield pytest.param(
        "postgresql", id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(
            not PG_URL, reason="ONEHALL_TEST_DATABASE_URL is not set: PostgreSQL tests not run")],
    )


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2id with its production cost (~0.3 s a hash here) would dominate the suite; tests
    use the same algorithm with minimal cost. Nothing here changes what is checked."""
    from argon2 import PasswordHasher

    from registry.services import accounts
    saved = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    yield
    accounts._hasher = saved


@pytest.fixture(autouse=True, scope="session")
def _cheap_secret_sealing():
    """The same for scrypt, which seals the signing and commitment keys with the passphrase
    (two derivations per new app): a minimal cost, the same algorithm and format."""
    from signing import custody
    saved = custody.SCRYPT_N
    custody.SCRYPT_N = 2 ** 10
    yield
    custody.SCRYPT_N = saved


@pytest.fixture(params=list(_backends()))
def backend(request) -> str:
    return request.param


@pytest.fixture
def database(backend, tmp_path):
    """(url, schema) of an empty database of the backend under test, dropped afterwards."""
    yield from empty_database(backend, tmp_path, "test")


@pytest.fixture
def engine(database):
    url, schema = database
    eng = make_engine(url, schema=schema)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine):
    """A sessionmaker bound to a fresh, fully created schema."""
    return session_factory(engine)


def _app_settings(url: str, schema: str | None, home: Path):
    from application.config import Settings
    settings = Settings(instance_dir=home / "instance", database_url=url, database_schema=schema,
                        key_dir=home / "keys", key_passphrase=b"test-passphrase", secret_key="test",
                        testing=True, checkpoint_interval_ms=10)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    return settings


def _build_fresh_app(url: str, schema: str | None, home: Path):
    """What `onehall init` leaves: a migrated database with the bundled pack active."""
    from registry import migrate
    from web.app import create_app
    from application.packs import ensure_active_pack
    flask_app = create_app(_app_settings(url, schema, home))
    rt = flask_app.extensions["onehall"]
    migrate.upgrade(rt.engine)
    ensure_active_pack(rt)
    return flask_app


GOLDEN_SCHEMA = "onehall"


@pytest.fixture(scope="session")
def _fresh_templates(tmp_path_factory):
    """One freshly initialised deployment per backend, built on first use and copied for each
    test: migrating and publishing the pack for every test cost most of the suite's time.
    A copy is byte for byte what a fresh build gives (same schema, same signed pack record;
    the keys and the log's origin are shared by the copies, each test's log grows on its own)."""
    built: dict[str, object] = {}
    created_pg: list[str] = []

    def template(backend: str):
        if backend in built:
            return built[backend]
        home = tmp_path_factory.mktemp(f"fresh-{backend}")
        if backend == "sqlite":
            app = _build_fresh_app(f"sqlite:///{home / 'test.db'}", None, home)
            app.extensions["onehall"].close()
            built[backend] = home
        else:
            name = f"golden_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            created_pg.append(name)
            url = PG_URL.rsplit("/", 1)[0] + "/" + name
            seed = make_engine(url)
            with seed.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{GOLDEN_SCHEMA}"'))
            seed.dispose()
            app = _build_fresh_app(url, GOLDEN_SCHEMA, home)
            app.extensions["onehall"].close()
            built[backend] = (name, home)
        return built[backend]

    yield template
    if created_pg:
        admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in created_pg:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_database(backend, tmp_path, _fresh_templates):
    """(url, schema) of a copy of a freshly initialised deployment, with its instance and key
    folders under tmp_path; dropped afterwards."""
    import shutil
    if backend == "sqlite":
        home = _fresh_templates("sqlite")
        shutil.copytree(home, tmp_path, dirs_exist_ok=True)
        yield f"sqlite:///{tmp_path / 'test.db'}", None
        return
    golden, home = _fresh_templates("postgresql")
    shutil.copytree(home, tmp_path, dirs_exist_ok=True)
    name = f"t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{golden}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name, GOLDEN_SCHEMA
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(app_database, tmp_path):
    """An onehall app on a fresh, migrated database with the bundled pack active."""
    from web.app import create_app
    url, schema = app_database
    flask_app = create_app(_app_settings(url, schema, tmp_path))
    yield flask_app
    flask_app.extensions["onehall"].close()


@pytest.fixture
def rt(app):
    return app.extensions["onehall"]


@pytest.fixture
def client(app):
    return app.test_client()
