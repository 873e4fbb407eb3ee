"""The small city the registry tests start from."""

from __future__ import annotations

from registry.inputs.filings import HallIn, PlaceIn
from registry.services import org
from registry.services.context import FilingContext


def city_hall(ctx: FilingContext) -> None:
    """The city hall (CITY, hosted by ZWFW) with a comprehensive window (ZH-01), FGW's window
    (FGW-CK) and internal office (FGW-KS), and the integrated platform (PLATFORM)."""
    org.create_hall(ctx, HallIn(code="CITY", name="市本级政务大厅", kind="city", host_department="ZWFW"))
    org.create_place(ctx, PlaceIn(code="ZH-01", name="综合受理窗口一", kind="comprehensive_window", hall="CITY"))
    org.create_place(
        ctx, PlaceIn(code="FGW-CK", name="发改委窗口", kind="department_window", hall="CITY", department="FGW")
    )
    org.create_place(ctx, PlaceIn(code="FGW-KS", name="发改委投资科", kind="internal_office", department="FGW"))
    org.create_place(ctx, PlaceIn(code="PLATFORM", name="一体化平台", kind="platform"))
