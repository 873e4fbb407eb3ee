"""帮办代办 (XT-3.5, XT-3.2; rules.agency): the door's answer and the finding over what was recorded
before the door existed: a comprehensive window or the case department's approval section only."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from rules import compliance
from rules.agency import AgencyAct, refusals
from rules.pack import load_pack

PACK_DIR = Path(__file__).resolve().parents[2] / "rules" / "packs" / "xiangtan-2018"
T = datetime(2026, 9, 30, 8, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def pack():
    return load_pack(str(PACK_DIR))


def test_the_door_allows_a_comprehensive_window_or_the_approval_section_only(pack):
    base = dict(place_name="发改委窗口", person_name="钱进", department_name="市发改委")
    assert refusals(pack, AgencyAct(place_kind="comprehensive_window", in_approval_section=False, **base)) == []
    assert refusals(pack, AgencyAct(place_kind="department_window", in_approval_section=True, **base)) == []
    [reason] = refusals(pack, AgencyAct(place_kind="department_window", in_approval_section=False, **base))
    assert (reason["rule"], reason["clause"]) == ("service.agency", "XT-3.5")
    assert "“发改委窗口”不是综合受理窗口" in reason["detail"] and "钱进" in reason["detail"]


def test_agency_steps_that_slipped_through_are_findings(pack):
    step = lambda place, person: {"step": "agency", "at": T, "place": place, "person": person}  # noqa: E731
    snapshot = {
        "departments": [{"code": "FGW", "name": "市发改委", "kind": "department"}],
        "sections": [
            {"id": 1, "department": "FGW", "name": "行政审批服务科", "kind": "approval_service", "entered_whole": True}
        ],
        "places": [
            {"code": "ZH", "name": "综合窗口", "kind": "comprehensive_window"},
            {"code": "CK", "name": "发改委窗口", "kind": "department_window", "department": "FGW"},
        ],
        "people": [
            {"id": 1, "name": "孔敏", "department": "FGW", "section": 1},
            {"id": 2, "name": "钱进", "department": "FGW"},
        ],
        "items": [
            {
                "code": "FGW-1",
                "name": "企业投资项目核准",
                "department": "FGW",
                "item_type": "licensing",
                "on_application": True,
                "case_type": "commitment",
                "status": "published",
            }
        ],
        "cases": [
            {"number": n, "item": "FGW-1", "place": "ZH", "accepted_at": T, "application_key": n, "steps": [s]}
            for n, s in (("C1", step("CK", 2)), ("C2", step("CK", 1)), ("C3", step("ZH", 2)))
        ],
    }
    found = [f for f in compliance.findings(pack, snapshot, at=T.replace(hour=9)) if f["rule"] == "service.agency"]
    assert [f["subject"] for f in found] == ["case:C1/agency"]
    assert found[0]["clause"] == "XT-3.5" and "钱进" in found[0]["text"] and "发改委窗口" in found[0]["text"]
