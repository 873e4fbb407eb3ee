"""Pack loading and validation: every malformed case is refused with its file and line."""

import os
import shutil

import pytest

from rules import PackInvalid, check_pack, default_pack_dir, diff_packs, load_pack
from tests.factories.pack_files import edit as _edit, line_of as _line_of

PLAN = os.path.join(default_pack_dir(), "plan.zh.txt")  # the plan the pack quotes ships with it


def test_the_shipped_pack_is_valid():
    assert check_pack(default_pack_dir()) == []
    pack = load_pack(default_pack_dir())
    assert pack.id == "xiangtan-2018" and len(pack.digest) == 64


def test_bad_yaml(pack_dir):
    p = pack_dir / "seal.yaml"
    _edit(p, "    strength: must\n    kind: prohibition\n", "    strength: [must\n    kind: prohibition\n")
    errs = check_pack(pack_dir)
    assert len(errs) == 1 and errs[0].file == "seal.yaml" and "YAML" in errs[0].message
    assert errs[0].line >= _line_of(p, "strength: [must")


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "in_message"),
    [
        ("powers.yaml", "action: [countersign]", "action: [countersignn]", "countersignn", "countersignn"),
        ("online.yaml", "clause: XT-3.6", "clause: XT-9.9", "XT-9.9", None),
        (
            "powers.yaml",
            "item.complexity: [complex]",
            "item.complexitty: [complex]",
            "item.complexitty",
            "item.complexitty",
        ),
        ("pack.yaml", "ab_mode: backup", "ab_mode: sometimes", "ab_mode: sometimes", None),
        ("pack.yaml", "ab_mode: backup", "ab_mode: mutual", "ab_mode: mutual", "已撤销"),  # mutual A/B was withdrawn
    ],
    ids=["unknown_action", "unknown_clause", "unknown_field", "bad_parameter", "ab_mode_mutual_is_withdrawn"],
)
def test_one_bad_value_is_refused_at_its_line(pack_dir, file, old, new, needle, in_message):
    p = pack_dir / file
    _edit(p, old, new)
    errs = check_pack(pack_dir)
    assert [(e.file, e.line) for e in errs] == [(file, _line_of(p, needle))]
    if in_message:
        assert in_message in errs[0].message
    with pytest.raises(PackInvalid):
        load_pack(pack_dir)


def test_unknown_value_of_enum_field(pack_dir):
    p = pack_dir / "powers.yaml"
    _edit(p, "item.case_type: [instant]", "item.case_type: [intsant]")
    errs = check_pack(pack_dir)
    assert errs and errs[0].line == _line_of(p, "intsant")


def test_missing_keys_and_duplicates(pack_dir):
    p = pack_dir / "online.yaml"
    _edit(p, "    clause: XT-3.6\n", "")
    errs = check_pack(pack_dir)
    assert errs and errs[0].file == "online.yaml" and "clause" in errs[0].message
    shutil.copytree(default_pack_dir(), pack_dir, dirs_exist_ok=True)
    (pack_dir / "online2.yaml").write_text((pack_dir / "online.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    errs = check_pack(pack_dir)
    assert any(e.file == "online2.yaml" and "重复" in e.message for e in errs)


def test_digest_and_diff(pack_dir):
    a = load_pack(default_pack_dir())
    p = pack_dir / "pack.yaml"
    _edit(p, "compression: {mode: reduce_by_at_least", "compression: {mode: reduce_to_at_most")
    _edit(pack_dir / "online.yaml", "severity: low", "severity: medium")
    b = load_pack(pack_dir)
    assert a.digest != b.digest
    changes = {(c.rule, c.change): c.keys for c in diff_packs(a, b)}
    assert changes == {
        ("parameters", "changed"): ("compression",),
        ("online.depth_pre_review", "changed"): ("severity",),
    }
    assert b.parameters["compression"]["mode"] == "reduce_to_at_most"


def test_source_texts_are_verbatim_and_texts_corrected():
    plan = open(PLAN, encoding="utf-8").read()
    pack = load_pack(default_pack_dir())
    fix = lambda s: s.replace("201812月底前", "2018年12月底前").replace(",", "，").replace(";", "；").replace(":", "：")
    quoted = list(pack.clauses.values()) + [r.raw for r in pack.rules]
    for q in quoted:
        assert q["source_text"] in plan, q["source_text"]
        for part in q["text"].split("……"):
            assert part.strip("。") in fix(plan), part


@pytest.mark.skipif(not os.path.exists(PLAN), reason="shared/policy not beside the repository")
def test_each_rule_quotes_the_sentence_its_source_text_is():
    """A rule's text is its source_text as corrected (docs/design.md §5 errata; full-width punctuation),
    or parts of it joined by ……, in order: the quotation and the verbatim sentence are the same
    sentence of the plan, so a reviewer reads rule and sentence side by side."""
    pack = load_pack(default_pack_dir())
    fix = lambda s: s.replace("201812月底前", "2018年12月底前").replace(",", "，").replace(";", "；").replace(":", "：")
    for q in list(pack.clauses.values()) + [r.raw for r in pack.rules]:
        source, at = fix(q["source_text"]), 0
        for part in q["text"].split("……"):
            found = source.find(part.strip("。"), at)
            assert found >= 0, (q.get("id"), part, q["source_text"])
            at = found + len(part.strip("。"))
