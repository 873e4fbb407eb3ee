"""libyaml composes a worker's pack (rules.yamlio._compose_fast) into the same values and lines as the
pure-Python composer, and every text it is not sure of goes to the pure-Python composer unchanged."""

from pathlib import Path

import pytest

from rules import default_pack_dir, yamlio
from rules.yamlio import MAX_DEPTH, YamlProblem, _compose_fast, _parsed, _SLOW

TEXTS = [
    "a: 1\nb: [x, y, {c: 2}]\n",
    "base: &b {k: v, n: [1, 2]}\nuse: *b\nother:\n  - *b\n  - text\n",
    "long: |\n  line one\n  line two\nfolded: >\n  a\n  b\nq: 'it''s'\n",
    "empty:\nnull_v: ~\nbools: [yes, no, true, false]\nnum: 0x10\nt: 2019-01-01\n",
    "- 1\n- - 2\n  - 3\n- k: v\n",
    "名称: 事项\n条件:\n  - 申请人: 公民\n",
]


def _slow(text):
    real = yamlio._compose_fast
    yamlio._compose_fast = lambda text: _SLOW
    try:
        return _parsed.__wrapped__(text)
    finally:
        yamlio._compose_fast = real


@pytest.mark.parametrize(
    "text", TEXTS + [p.read_text(encoding="utf-8") for p in sorted(Path(default_pack_dir()).rglob("*.yaml"))]
)
def test_libyaml_composes_the_same_values_and_lines(text):
    if yamlio._CLoader is None:
        pytest.skip("PyYAML without libyaml")
    assert _compose_fast(text) is not _SLOW
    assert _parsed.__wrapped__(text) == _slow(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\n",  # a syntax error
        "a: 1\n---\nb: 2\n",  # two documents
        "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5),  # deeper than the limit
        "a: *nowhere\n",  # an unknown alias
    ],
)
def test_what_libyaml_is_not_sure_of_is_said_as_before(text):
    assert _compose_fast(text) is _SLOW
    with pytest.raises(YamlProblem) as fast:
        _parsed.__wrapped__(text)
    with pytest.raises(YamlProblem) as slow:
        _slow(text)
    assert (fast.value.line, fast.value.message) == (slow.value.line, slow.value.message)
