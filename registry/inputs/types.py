"""Field types of the filings' inputs (registry.inputs.filings): times in Asia/Shanghai or UTC, enum codes or labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

import vocab
from vocab.clock import SHANGHAI

MIN_YEAR, MAX_YEAR = 2000, 2100
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_time(value: Any) -> datetime:
    """ISO-8601 with an offset, or without one read as Asia/Shanghai (the hall's clock);
    a bare date is its midnight in Asia/Shanghai. Returned in UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("时间不能为空")
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"“{value}”不是有效的日期或时间（ISO-8601，如 2019-01-01 或 2019-01-01T09:00:00+08:00）"
            ) from None
    else:
        raise ValueError("须为 ISO-8601 时间字符串")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise ValueError(f"时间须在 {MIN_YEAR}–{MAX_YEAR} 年之间")
    return dt.astimezone(timezone.utc)


def plain_text(value: Any) -> Any:
    """Refuse control characters (NUL, line feeds in names…) in text fields."""
    if isinstance(value, str) and CONTROL.search(value):
        raise ValueError("不能包含控制字符")
    return value


@dataclass(frozen=True)
class Blank:
    """What a page's form says of this field left empty (web.ui.forms.read_form; otherwise 必填).
    Metadata only: the validation and the JSON schema are the field's own."""

    message: str


Time = Annotated[
    datetime,
    BeforeValidator(parse_time),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "description": "ISO-8601; without an offset read as Asia/Shanghai"}
    ),
]


def enum_of(vocabulary: dict[str, str], description: str):
    """A string field that takes a code or its Chinese label and yields the code."""

    def to_code(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("须为字符串")
        return vocab.to_code(vocabulary, value)

    values = list(vocabulary) + list(vocabulary.values())
    return Annotated[
        str, BeforeValidator(to_code), WithJsonSchema({"type": "string", "enum": values, "description": description})
    ]


Code = Annotated[str, Field(min_length=1, max_length=vocab.CODE_MAX, pattern=vocab.CODE_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Text = Annotated[str, BeforeValidator(plain_text), Field(min_length=1, max_length=2000)]
# strict: `true` is no id (pydantic's lax mode would read it as 1), nor is "12" or 12.0
PersonId = Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)]
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)]
# one line of text: no control characters, no line breaks (web.input_guard refuses the rest)
Line = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f\x85\u2028\u2029]*$")]

ItemType = enum_of(vocab.ITEM_TYPES, "事项类型")
CaseType = enum_of(vocab.CASE_TYPES, "办件类型")
Complexity = enum_of(vocab.COMPLEXITY, "复杂程度")
OnlineDepth = enum_of(vocab.ONLINE_DEPTHS, "办理深度")
LimitUnit = enum_of(vocab.LIMIT_UNITS, "时限单位")
PlaceKind = enum_of(vocab.PLACE_KINDS, "场所类别")
HallKind = enum_of(vocab.HALL_KINDS, "大厅类别")
SealKind = enum_of(vocab.SEAL_KINDS, "印章类别")
Group = enum_of(vocab.DEPARTMENT_GROUPS, "部门类别")
DepartmentKind = enum_of(vocab.DEPARTMENT_KINDS, "机构类别")
EntryPhase = enum_of(vocab.ENTRY_PHASES, "进驻批次")
SectionKind = enum_of(vocab.SECTION_KINDS, "科室类别")
Action = enum_of(vocab.ACTIONS, "动作")
DecisionAction = enum_of(vocab.DECISION_ACTIONS, "动作")  # what POST /decisions answers: the powers and the case acts
Post = enum_of(vocab.POSTS, "A/B 岗")
ExemptionReason = enum_of(vocab.EXEMPTION_REASONS, "不宜进驻理由")
StaffRole = enum_of(vocab.STAFF_ROLES, "备案身份")
CaseStep = enum_of(vocab.CASE_STEPS, "办件环节")
