"""Publishing packs: a valid one becomes active at once; a bad one never does."""

from __future__ import annotations

import shutil

import pytest

from rules.pack import default_pack_dir
from application.packs import PackRefused, publish


@pytest.fixture
def pack_copy(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), target)
    return target


def test_a_new_version_is_active_in_the_worker_at_once(rt, pack_copy):
    before = rt.policy.engine.pack.digest
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    (pack_copy / "pack.yaml").write_text(text.replace('version: "1.0.0"', 'version: "1.0.1"'), encoding="utf-8")
    row = publish(rt, pack_copy, "reform")
    assert row.active and row.version == "1.0.1" and row.log_index is not None
    rt.policy.refresh()
    assert rt.policy.engine.pack.digest == row.digest != before


def test_a_pack_with_an_unknown_clause_is_refused_and_the_old_one_keeps_serving(rt, pack_copy):
    before = rt.policy.engine.pack.digest
    powers = pack_copy / "powers.yaml"
    powers.write_text(
        powers.read_text(encoding="utf-8").replace("clause: XT-3.3.3", "clause: XT-9.9", 1), encoding="utf-8"
    )
    with pytest.raises(PackRefused) as info:
        publish(rt, pack_copy, "reform")
    assert any("powers.yaml" in str(e) for e in info.value.errors)
    rt.policy.refresh()
    assert rt.policy.engine.pack.digest == before


def test_a_pack_failing_its_own_scenarios_is_refused(rt, pack_copy):
    before = rt.policy.engine.pack.digest
    powers = pack_copy / "powers.yaml"
    text = powers.read_text(encoding="utf-8")
    # decide on commitment items no longer requires simple complexity: its scenarios must catch it
    changed = text.replace(
        "      item.case_type: [commitment]\n      item.complexity: [simple]\n",
        "      item.case_type: [commitment]\n",
        1,
    )
    assert changed != text
    powers.write_text(changed, encoding="utf-8")
    with pytest.raises(PackRefused):
        publish(rt, pack_copy, "reform")
    rt.policy.refresh()
    assert rt.policy.engine.pack.digest == before
