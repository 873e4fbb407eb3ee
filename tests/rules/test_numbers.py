"""The pack's policy numbers (rules.numbers) and the reform office's prompts that read them."""

from fractions import Fraction
from types import SimpleNamespace

from rules import default_pack_dir, load_pack
from rules.numbers import Compression, compression, excluded_item_types

PACK = load_pack(default_pack_dir())


def test_the_plan_pack_compresses_by_a_third_and_leaves_out_penalty_coercion_inspection():
    comp = compression(PACK)
    assert (comp.mode, comp.fraction, comp.share_zh, comp.reading) == (
        "reduce_by_at_least",
        Fraction(1, 3),
        "三分之二",
        "至少压减1/3",
    )
    assert comp.exceeds(30, 21) and not comp.exceeds(30, 20)
    assert excluded_item_types(PACK) == {"penalty", "coercion", "inspection"}


def test_another_compression_reads_as_its_own_share():
    half = Compression("reduce_to_at_most", Fraction(1, 2))
    assert (half.share_zh, half.reading) == ("二分之一", "压减至1/2以内")
    assert half.exceeds(20, 11) and not half.exceeds(20, 10)


def _version(**kw):
    base = dict(
        materials=[],
        statutory_limit={"value": 20, "unit": "working_day"},
        promised_limit={"value": 14, "unit": "working_day"},
        case_type="commitment",
        on_application=True,
        item_type="inspection",
        entry=None,
        joint=False,
        partners=[],
    )
    return SimpleNamespace(**{**base, **kw})


def test_review_hints_read_the_active_packs_numbers(monkeypatch):
    from web.ui import reform

    monkeypatch.setattr(reform, "active_pack", lambda: PACK)
    hints = reform.review_hints(_version())
    assert any("三分之二" in h for h in hints)  # 14 > 20 x 2/3
    assert not any("依申请类" in h for h in hints)  # inspection is outside the class in this pack
    other = SimpleNamespace(
        parameters={**PACK.parameters, "compression": {"mode": "reduce_to_at_most", "fraction": Fraction(3, 4)}},
        classes={"application": {"exclude_item_types": ["penalty"]}},
    )
    monkeypatch.setattr(reform, "active_pack", lambda: other)
    hints = reform.review_hints(_version())
    assert not any("压减" in h for h in hints)  # 14 <= 20 x 3/4
    assert any("依申请类" in h for h in hints)  # this pack counts inspection in the class
