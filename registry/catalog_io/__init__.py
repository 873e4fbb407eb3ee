"""Import and export of the implementation list (实施清单) as xlsx or csv (docs/design.md §8).

One row per item, one column per field of the §3 item, Chinese headers (the English field
names are accepted as headers too). Header order of an export:

=================  ==================  ==========================================================
header             field               cell syntax
=================  ==================  ==========================================================
编码               code                required, unique in the file
名称               name                required
实施部门           department          required; department code (FGW) or its name (市发改委)
事项类型           item_type           required; code or label (licensing / 行政许可)
依申请             on_application      是/否 (also true/false, 1/0, Y/N); default 是
办件类型           case_type           required; instant/即办件, commitment/承诺件, report_up/上报件
上报件             report_up           是/否; default 否
联办件             joint               是/否; default 是 when 联办事项 is filled
联办事项           partners            partner item codes separated by ``;`` (may be empty)
复杂程度           complexity          simple/简单事项/简单, complex/复杂事项/复杂; default simple
法定时限           statutory_limit     ``数值 单位`` e.g. ``20 工作日``, ``60 自然日``, ``3 个月``,
                                       ``1 小时`` (unit code or label; ``20个工作日`` also
                                       reads); empty = none set; ``即办`` = ``0 工作日``
承诺时限           promised_limit      as 法定时限
2017年承诺时限     promised_limit_2017 as 法定时限; empty for items new since 2017
收费项目           fees                entries ``编码|名称|依据|标准`` separated by ``;``
申请材料           materials           entries ``编码|名称`` separated by ``;``
办理深度           online_depth        on_site/现场办理, pre_review/原件预审,
                                       verify_original/原件核验, full_online/全程网办; default 现场办理
功能板块           function_section    function-section code (or name); empty = none
进驻大厅           entry               hall code (CITY, FT-SW…) or name; empty = not entered
生效日期           effective_from      required; ``YYYY-MM-DD`` (midnight Asia/Shanghai) or an ISO
                                       date-time with offset; an Excel date cell reads as Shanghai time
目录编码           directory_item      directory-list code (must exist); empty = none
=================  ==================  ==========================================================

In list cells a literal ``;``, ``|`` or ``\\`` is written ``\\;``, ``\\|``, ``\\\\``; spaces and
line breaks around entries are ignored (exports put one entry per line). CSV files are UTF-8
with a BOM so Excel opens them (a GB18030 file saved by Excel is read too); xlsx files use the
sheet 实施清单 (or the first sheet). Row numbers in messages are the spreadsheet's (the header
is row 1). Unknown headers are refused, so a misspelt column never drops data silently.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from registry.catalog_io.cells import (
    COLUMNS,
    FIELD_OF,
    HEADER_OF,
    REQUIRED,
    SHEET,
    format_datetime,
    format_fees,
    format_limit,
    format_materials,
    neutralize,
    parse_datetime,
    parse_limit,
    split_list,
)
from registry.catalog_io.files import export_catalog, read_table
from registry.catalog_io.parse import parse_catalog
from registry.errors import FieldError, Invalid
from registry.models import ItemVersion
from registry.services import catalog
from registry.services.context import FilingContext

__all__ = [
    "COLUMNS",
    "FIELD_OF",
    "HEADER_OF",
    "REQUIRED",
    "SHEET",
    "ImportResult",
    "export_catalog",
    "format_datetime",
    "format_fees",
    "format_limit",
    "format_materials",
    "import_catalog",
    "neutralize",
    "parse_catalog",
    "parse_datetime",
    "parse_limit",
    "read_table",
    "split_list",
]


@dataclass
class ImportResult:
    rows: int = 0
    filed: int = 0
    published: int = 0
    new_items: int = 0
    new_versions: int = 0
    codes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Items filed (new items and new versions)."""
        return self.filed

    def __str__(self) -> str:
        return (
            f"{self.filed}（新事项 {self.new_items}，新版本 {self.new_versions}；"
            f"已发布 {self.published}，待审核 {self.filed - self.published}）"
        )

    def as_dict(self) -> dict[str, Any]:
        """The counts (the codes filed are left out)."""
        return {k: v for k, v in asdict(self).items() if k != "codes"}


def import_catalog(ctx: FilingContext, path: str | Path, progress: bool = True) -> ImportResult:
    """Validate every row of `path`, then file each item through :func:`catalog.file_item`.

    A file with any problem is refused whole (:class:`Invalid`, one :class:`FieldError` per
    problem, fields like ``第5行 承诺时限``) and nothing is written. Items filed by a department
    wait for the reform office's review; gov_service and the reform office publish directly.
    Filing runs in the caller's transaction, inside a savepoint, so a failure part-way
    leaves nothing behind either.
    """
    parsed = parse_catalog(ctx, path)
    result = ImportResult(rows=len(parsed))
    existing = set(
        ctx.session.scalars(select(ItemVersion.code).where(ItemVersion.code.in_([i["code"] for _, i in parsed])))
    )
    from tqdm import tqdm

    bar = tqdm(total=len(parsed), desc="导入事项", unit="项", file=sys.stderr, disable=not progress)
    try:
        with ctx.session.begin_nested():
            for row_no, item in parsed:
                try:
                    row = catalog.file_item(ctx, item)
                except Invalid as exc:
                    raise Invalid(
                        f"第{row_no}行未能登记：{exc.detail}",
                        [
                            FieldError(f"第{row_no}行 {HEADER_OF.get(e.field.split('.')[0], e.field)}", e.message)
                            for e in exc.errors
                        ]
                        or [FieldError(f"第{row_no}行", exc.detail)],
                    ) from None
                result.filed += 1
                result.published += row.status == "published"
                if row.code in existing:
                    result.new_versions += 1
                else:
                    result.new_items += 1
                result.codes.append(row.code)
                bar.update(1)
    finally:
        bar.close()
    return result
