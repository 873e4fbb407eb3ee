"""Clause coverage: every clause a rule carries has a scenario, and every clause of docs/design.md §5
has a rule unless the pack lists it as declarative-only (with its reason)."""

import glob
import os
import re

from rules import KNOWN_CLAUSES, default_pack_dir, load_pack

HERE = os.path.dirname(__file__)


def _scenario_tags() -> set[str]:
    tags = set()
    for path in glob.glob(os.path.join(HERE, "*.feature")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip().startswith("@"):
                    tags.update(re.findall(r"@(XT-[\w.]+)", line))
    return tags


def test_every_feature_file_is_chinese():
    for path in glob.glob(os.path.join(HERE, "*.feature")):
        with open(path, encoding="utf-8") as fh:
            assert fh.readline().strip() == "# language: zh-CN", path


def test_every_rule_clause_has_a_scenario():
    pack = load_pack(default_pack_dir())
    missing = sorted(pack.clause_ids_with_rules() - _scenario_tags())
    assert not missing, f"clauses with rules but no scenario: {missing}"


def test_scenario_tags_are_known_clauses():
    unknown = sorted(_scenario_tags() - set(KNOWN_CLAUSES))
    assert not unknown, unknown


def test_every_clause_has_a_rule_or_is_declarative_only():
    pack = load_pack(default_pack_dir())
    declarative = {d.get("clause") for d in pack.declarative_only if d.get("clause")}
    missing = sorted(set(KNOWN_CLAUSES) - pack.clause_ids_with_rules() - declarative)
    assert not missing, f"clauses with neither a rule nor a declarative-only entry: {missing}"
