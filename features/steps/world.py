"""A small in-memory facts world described in Chinese tables, for the feature files.

Policy staff write 部门、人员、事项、授权… as tables; this module turns them into the facts
snapshot of docs/facts.md (codes, not labels), so scenarios exercise the same API the web
layer calls.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import vocab
from registry.signed_facts import FACT_KEYS
from vocab import ACTIONS, CHIEF_REP_MINIMUM, GOV_SERVICE_MINIMUM
from vocab.clock import SHANGHAI

# Label -> code per table column, read from the shared vocabulary; a few shorter spellings the
# feature files use besides the vocabulary's own labels.
_VOCABULARIES = {
    "item_type": vocab.ITEM_TYPES,
    "case_type": vocab.CASE_TYPES,
    "complexity": vocab.COMPLEXITY,
    "place": vocab.PLACE_KINDS,
    "seal": vocab.SEAL_KINDS,
    "dept": vocab.DEPARTMENT_KINDS,
    "hall": vocab.HALL_KINDS,
    "depth": vocab.ONLINE_DEPTHS,
    "section": vocab.SECTION_KINDS,
    "reason": vocab.EXEMPTION_REASONS,
    "role": vocab.STAFF_ROLES,
}
_SHORTER = {
    "complexity": {"简单": "simple", "复杂": "complex"},
    "hall": {"市本级": "city"},
    "role": {"工作人员": "staff"},
}
LABELS = {
    kind: {**{lab: code for code, lab in table.items()}, **_SHORTER.get(kind, {})}
    for kind, table in _VOCABULARIES.items()
}
ACTION_CODES = {label: code for code, label in ACTIONS.items()}
KIND_LABELS = {label: code for code, label in vocab.DECISION_KINDS.items()}
UNITS = {
    "个工作日": "working_day",
    "工作日": "working_day",
    "个自然日": "calendar_day",
    "自然日": "calendar_day",
    "天": "calendar_day",
    "个月": "month",
    "月": "month",
    "小时": "hour",
    "个小时": "hour",
}


def when(text: str | None):
    """'2019-03-01' or '2019-03-01 10:00', Beijing time -> aware UTC datetime; '' / 无 -> None."""
    if text is None or text.strip() in ("", "无", "-", "长期"):
        return None
    text = text.strip()
    fmt = "%Y-%m-%d %H:%M" if " " in text else "%Y-%m-%d"
    return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI).astimezone(timezone.utc)


def yes(text: str | None, default=False) -> bool:
    if text is None or text.strip() == "":
        return default
    return text.strip() in ("是", "有", "true", "yes", "√")


def label(kind: str, text: str | None, default=None):
    if text is None or text.strip() in ("", "无", "-"):
        return default
    text = text.strip()
    return LABELS[kind].get(text, text)


def action(text: str) -> str:
    return ACTION_CODES.get(text.strip(), text.strip())


def limit(text: str | None):
    if text is None or text.strip() in ("", "无", "-"):
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(\S+)\s*", text)
    if not m or m.group(2) not in UNITS:
        raise ValueError(f"时限写法不对: {text!r}（如 20个工作日、30个自然日、2个月、4小时）")
    v = float(m.group(1))
    return {"value": int(v) if v.is_integer() else v, "unit": UNITS[m.group(2)]}


def split(text: str | None) -> list[str]:
    if text is None or text.strip() in ("", "无", "-"):
        return []
    return [x.strip() for x in re.split(r"[、,，;；]", text) if x.strip()]


_MATERIAL = re.compile(r"(?P<name>[^（]+)（(?:(?P<code>\S+) )?目录(?P<entry>[^）]+)）")


def material(text: str) -> dict:
    """'身份证明', or '营业执照（GSJ-M01 目录CL-01）': a department's code and the city material
    dictionary's entry it refers to (材料目录)."""
    m = _MATERIAL.fullmatch(text.strip())
    if m is None:
        return {"code": text, "name": text}
    return {"code": m.group("code") or m.group("name"), "name": m.group("name"), "entry": m.group("entry")}


def powers(text: str) -> list[str]:
    out = []
    for p in split(text):
        if p == "首席代表最低权限":
            out += list(CHIEF_REP_MINIMUM)
        elif p == "政务服务最低权限":
            out += list(GOV_SERVICE_MINIMUM)
        else:
            out.append(action(p))
    return out


def rows(datatable) -> list[dict]:
    head = [h.strip() for h in datatable[0]]
    return [{h: (v.strip() if isinstance(v, str) else v) for h, v in zip(head, r)} for r in datatable[1:]]


BASE = datetime(2018, 12, 1, tzinfo=timezone.utc)


class FactsWorld:
    """The snapshot being described, plus the engine built from it (lazily)."""

    def __init__(self, pack):
        self.pack = pack
        self.snapshot: dict[str, list] = {k: [] for k in FACT_KEYS}  # the kinds the signed facts hold
        self.engine = None
        self.answer = None
        self.found = None
        self.gaps = None
        self.people_by_name: dict[str, int] = {}
        self._ids = 1000

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def person(self, name: str) -> int:
        if name in self.people_by_name:
            return self.people_by_name[name]
        return int(name)

    def add(self, key: str, row: dict) -> None:
        """Add a record; once an engine exists the record reaches it as an incremental change."""
        self.snapshot[key].append(row)
        if self.engine is not None:
            from rules.world import KINDS

            self.engine.apply({"kind": KINDS[key], "op": "upsert", "record": row})
