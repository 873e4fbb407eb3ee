"""Errors the rules package raises; the web layer maps them to 404/422 answers."""

from __future__ import annotations

from dataclasses import dataclass

from .shapes import JSON


class RulesError(Exception):
    """Base of every error of the rules package."""


class UnknownReference(RulesError):
    """A request named a person, item, place, seal or case the facts do not hold."""

    def __init__(self, field: str, value: JSON):
        super().__init__(f"unknown {field}: {value!r}")
        self.field = field
        self.value = value


class UnknownAction(UnknownReference):
    """A request named an action that is not one of docs/design.md §4."""

    def __init__(self, value: JSON):
        super().__init__("action", value)


@dataclass(frozen=True)
class PackError:
    """One problem in a pack, located for the reform office: file, 1-based line, plain words."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PackInvalid(RulesError):
    """`load_pack` refuses a pack that `check_pack` finds problems in."""

    def __init__(self, errors: list[PackError]):
        super().__init__("pack is invalid:\n" + "\n".join(str(e) for e in errors))
        self.errors = errors
