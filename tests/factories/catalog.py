"""Implementation-list files and the registry they are imported into."""

from __future__ import annotations

import csv

import pytest

from registry.catalog_io import COLUMNS
from registry.db import transaction
from registry.seed import load_plan_facts
from registry.inputs.filings import DirectoryItemIn, FunctionSectionIn
from registry.services import catalog
from registry.services.context import SYSTEM, Actor, FilingContext

REFORM = Actor("sgb", "reform_office")


HEADERS = [h for h, _ in COLUMNS]


GOOD_ROWS = [
    [
        "GHJ-001",
        "建设工程规划许可证核发",
        "GHJ",
        "行政许可",
        "是",
        "承诺件",
        "否",
        "是",
        "RFB-001",
        "复杂事项",
        "20 工作日",
        "7 工作日",
        "10 工作日",
        "",
        "GHJ-001-01|建设工程规划许可申请表;\nGY-XMBA|企业投资项目备案证明",
        "原件预审",
        "TZXM",
        "CITY",
        "2019-01-01",
        "ML-GHJ-001",
    ],
    [
        "RFB-001",
        "应建防空地下室的民用建筑项目报建审批",
        "市人防办",
        "licensing",
        "true",
        "commitment",
        "否",
        "是",
        "GHJ-001",
        "simple",
        "20个工作日",
        "5 working_day",
        "",
        "RFB-001-F1|防空地下室易地建设费|《湖南省实施\\;人民防空法\\|办法》|按面积计征",
        "RFB-001-01|报建审批申请表",
        "现场办理",
        "",
        "市本级政务大厅",
        "2019-01-01",
        "",
    ],
    [
        "SYJ-006",
        "小餐饮经营许可",
        "SYJ",
        "行政许可",
        "是",
        "承诺件",
        "",
        "",
        "",
        "",
        "20 工作日",
        "1 工作日",
        "",
        "",
        "SYJ-006-01|小餐饮经营许可申请表;SYJ-006-02|经营场所使用证明",
        "全程网办",
        "",
        "CITY",
        "2019-07-01",
        "",
    ],
    [
        "GA-013",
        "道路交通安全违法行为处罚",
        "GA",
        "行政处罚",
        "否",
        "承诺件",
        "",
        "",
        "",
        "",
        "90 自然日",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "2019-01-01 08:30",
        "",
    ],
    [
        "GJJ-002",
        "住房公积金提取",
        "GJJ",
        "公共服务",
        "",
        "即办件",
        "",
        "",
        "",
        "",
        "",
        "即办",
        "3 工作日",
        "",
        "GJJ-002-01|提取申请表",
        "全程网办",
        "",
        "FT-GJJ",
        "2019-01-01T00:00:00+08:00",
        "",
    ],
]


def write_csv(path, rows, headers=HEADERS):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return path


@pytest.fixture
def ready(sessions):
    """Plan facts, the 投资项目 section and one directory item: what the rows refer to."""
    with transaction(sessions) as s:
        load_plan_facts(FilingContext(s, SYSTEM))
        ctx = FilingContext(s, REFORM)
        catalog.create_function_section(
            ctx, FunctionSectionIn(code="TZXM", name="投资项目", lead_department="FGW", whole_chain=True, chain=[])
        )
        catalog.create_directory_item(
            ctx, DirectoryItemIn(code="ML-GHJ-001", name="建设工程规划许可证核发", item_type="licensing")
        )
    return sessions
