"""Pack versions name one text for good (issue 13 item 7): another text under a published
version, or a lower version, is refused with its file and line and nothing stored; YAML bombs
(aliases, depth, size) are refused quickly with file:line."""

from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import func, select

from registry.models import LogEntry, PackVersion
from rules.pack import check_pack, default_pack_dir
from application.packs import PackRefused, publish


@pytest.fixture
def pack_copy(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), target)
    return target


def set_version(pack, version: str, extra: str = "") -> None:
    head = pack / "pack.yaml"
    text = head.read_text(encoding="utf-8").replace('version: "1.0.0"', f'version: "{version}"')
    head.write_text(text.replace("response_hours: 1 ", f"response_hours: 1{extra} "), encoding="utf-8")


def stored(rt) -> tuple[int, int]:
    with rt.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(PackVersion)),
            session.scalar(select(func.count()).select_from(LogEntry)),
        )


def test_another_text_under_a_published_version_is_refused(rt, pack_copy):
    before, active = stored(rt), rt.policy.engine.pack.digest
    set_version(pack_copy, "1.0.0", extra=".5")  # same version, response_hours 1.5
    with pytest.raises(PackRefused) as info:
        publish(rt, pack_copy, "reform")
    error = info.value.errors[0]
    version_line = (pack_copy / "pack.yaml").read_text(encoding="utf-8").splitlines().index('version: "1.0.0"') + 1
    assert error.file == "pack.yaml" and error.line == version_line and "已发布过不同的内容" in error.message
    assert stored(rt) == before
    rt.policy.refresh()
    assert rt.policy.engine.pack.digest == active


def test_a_lower_version_is_refused_and_a_higher_one_published(rt, pack_copy, tmp_path):
    set_version(pack_copy, "1.2.0", extra=".5")
    assert publish(rt, pack_copy, "reform").version == "1.2.0"
    lower = tmp_path / "lower"
    shutil.copytree(default_pack_dir(), lower)
    set_version(lower, "1.1.9", extra=".25")
    before = stored(rt)
    with pytest.raises(PackRefused) as info:
        publish(rt, lower, "reform")
    assert "低于已发布的最高版本 1.2.0" in info.value.errors[0].message
    assert stored(rt) == before
    # the bundled 1.0.0 text, stored before: re-activating exactly that text is no new version
    assert publish(rt, default_pack_dir(), "reform").version == "1.0.0"


def test_a_version_that_is_not_dotted_numbers_is_refused(rt, pack_copy):
    set_version(pack_copy, "2.0-beta")
    with pytest.raises(PackRefused) as info:
        publish(rt, pack_copy, "reform")
    assert "须为以点分隔的数字" in info.value.errors[0].message


def _bomb(levels: int = 9) -> str:
    text = 'lol0: &l0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]\n'
    for i in range(1, levels + 1):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        text += f"lol{i}: &l{i} [{refs}]\n"
    return text


@pytest.mark.parametrize(
    "name, text, line, words",
    [
        ("alias bomb", _bomb(), 3, "别名"),
        ("deep flow", "a: 1\nb: " + "[" * 5000 + "]" * 5000 + "\n", 2, "嵌套"),
        ("huge", "a: 1\nb: '" + "x" * (600 * 1024) + "'\n", 1, "KiB"),
    ],
)
def test_yaml_bombs_are_refused_quickly_with_file_and_line(pack_copy, name, text, line, words):
    (pack_copy / "seal.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    errors = check_pack(str(pack_copy))
    elapsed = time.perf_counter() - started
    bomb = [e for e in errors if e.file == "seal.yaml"]
    assert bomb and bomb[0].line <= line and words in bomb[0].message, errors
    assert elapsed < 30  # a bound that only a hang breaks (the bench figure is in the report)
