"""Names for the data the rules package takes as JSON (docs/facts.md, a pack's YAML, a logged request).

Facts rows, snapshots, changes and YAML documents are arbitrary JSON: their fields are read with
`.get()` and checked where they are used, so they are typed as JSON, by name. What the engine
builds from them (records, rules, plans, answers) has its own classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JSON = Any
"""Arbitrary JSON (or YAML) data: a value read from a facts row or a pack file."""

Row = dict[str, JSON]
"""One facts record (docs/facts.md): a person, an item, an authorization..."""

Snapshot = Mapping[str, JSON]
"""A facts snapshot (docs/facts.md): {"people": [row, ...], "items": [...], ...}."""

Change = Mapping[str, JSON]
"""One change (docs/facts.md): {"kind", "op": "upsert", "record": row}."""

YamlPath = tuple[str | int, ...]
"""Where a value sits in a YAML document: mapping keys and list indexes from the top."""
