"""A small world per test (the app fixture is in tests/conftest.py; the world is
tests/factories/world.py), with one token per role."""

from __future__ import annotations

from tests.factories.world import world  # noqa: F401  (the fixture)
