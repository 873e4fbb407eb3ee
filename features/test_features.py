"""Runs every Chinese feature file of this folder as pytest-bdd scenarios."""

from pytest_bdd import scenarios

scenarios(".")
