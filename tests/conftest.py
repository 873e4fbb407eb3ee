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
from tests.factories.databases import PG_URL, FreshDeployments, app_settings, empty_database

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _backends():
    yield pytest.param("sqlite", id="sqlite")
    yield pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="ONEHALL_TEST_DATABASE_URL is not set: PostgreSQL tests not run"),
        ],
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
    custody.SCRYPT_N = 2**10
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


@pytest.fixture(scope="session")
def _fresh_templates(tmp_path_factory):
    """One freshly initialised deployment per backend, built on first use, copied per test."""
    templates = FreshDeployments(tmp_path_factory)
    yield templates
    templates.drop()


@pytest.fixture
def app_database(backend, tmp_path, _fresh_templates):
    """(url, schema) of a copy of a freshly initialised deployment; instance and key folders
    under tmp_path; dropped afterwards."""
    yield from _fresh_templates.copy(backend, tmp_path)


@pytest.fixture
def app(app_database, tmp_path):
    """An onehall app on a fresh, migrated database with the bundled pack active."""
    from web.app import create_app

    url, schema = app_database
    flask_app = create_app(app_settings(url, schema, tmp_path))
    yield flask_app
    flask_app.extensions["onehall"].close()


@pytest.fixture
def rt(app):
    return app.extensions["onehall"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def as_user(client, world):
    """`as_user("fgw").post(url, body)`: the API as a user of the world (its bearer token)."""
    from tests.factories.api import UserClient

    return lambda name: UserClient(client, world["tokens"][name])
