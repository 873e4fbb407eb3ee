"""`onehall init`: schema, the plan's facts, the calendar, keys, the active pack, the demo."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from registry import deployment, migrate
from registry.models import Department
from registry.services.context import SYSTEM, Actor

# Keys of the bodies are valid from before the plan, so records filed for its dates verify.
KEYS_VALID_FROM = datetime(2018, 1, 1, tzinfo=timezone.utc)


def initialise(rt, *, demo: bool = False, progress: bool = True, scale: int = 1) -> list[str]:
    lines: list[str] = []
    migrate.upgrade(rt.engine, ledger=rt.ledger)
    lines.append(f"数据库已就绪：{_safe_url(rt.settings.database_url)}")
    with rt.filing_session() as session:
        origin = deployment.fix(session, deployment.LOG_ORIGIN, rt.settings.log_origin)
    lines.append(f"日志来源名（origin）：{origin}")
    from registry.seed import load_plan_facts

    ensure_keys(rt)
    with rt.filing(SYSTEM) as ctx:
        load_plan_facts(ctx)
    ensure_keys(rt)
    lines.append("已载入方案附件所列单位、市级机构、市本级政务大厅与六个专业分厅、一体化平台")
    from registry import calendar as cal

    with rt.filing(SYSTEM) as ctx:
        years = cal.seed_from_chinesecalendar(ctx.session)
    if years:
        lines.append(f"工作日历：{min(years)}–{max(years)} 年")
    pack_line = publish_default_pack(rt)
    if pack_line:
        lines.append(pack_line)
    if demo:
        from registry.demo import load_demo

        with rt.filing(Actor(name="demo", role="gov_service")) as ctx:
            summary = load_demo(ctx, progress=progress)
        lines.append(_demo_line(summary))
        if scale > 1:
            from registry.demo_scale import scale_demo

            with rt.filing(Actor(name="demo", role="gov_service")) as ctx:
                added = scale_demo(ctx, scale, progress=progress)
            lines.append(
                f"演示数据放大 {scale} 倍：另加 {added['people']} 名人员、{added['items']} 个事项"
                if added["people"] or added["items"]
                else "演示数据已放大过，未重复放大"
            )
        _demo_accounts(rt, lines)
    checkpoint = publish_checkpoint(rt)
    if checkpoint:
        lines.append(checkpoint)
    return lines


def publish_checkpoint(rt) -> str | None:
    """Sign the log's head, so an init leaves a checkpoint behind every record it wrote."""
    if not hasattr(rt.ledger, "publish_checkpoint"):
        return None
    with rt.filing_session() as session:
        cp = rt.ledger.publish_checkpoint(session)
    return None if cp is None else f"签名日志：{cp.tree_size} 条记录，已签发检查点"


def _demo_line(summary: dict) -> str:
    if summary.get("skipped"):
        return "演示数据已存在，未重复加载"
    parts = [
        ("items", "个事项"),
        ("authorizations", "份授权书"),
        ("people", "名人员"),
        ("places", "个场所"),
        ("seals", "枚印章"),
        ("absences", "条缺位"),
        ("exemptions", "项不宜进驻申请"),
    ]
    return "演示数据：" + "、".join(f"{summary[k]} {label}" for k, label in parts if k in summary)


def ensure_keys(rt) -> None:
    keys = rt.keys
    if keys is None:
        return
    from application.logservice import SIGNING_BODIES

    for body in SIGNING_BODIES:
        keys.ensure(body, at=KEYS_VALID_FROM)
    with rt.reading() as session:
        codes = list(session.scalars(select(Department.code).where(Department.placeholder.is_(False))))
    for code in codes:
        keys.ensure(f"dept:{code}", at=KEYS_VALID_FROM)
    if hasattr(keys, "commitment_key"):  # keys in custody: the commitment key too, once
        keys.commitment_key()


def publish_default_pack(rt) -> str | None:
    try:
        from application.packs import ensure_active_pack
    except ImportError:
        return None
    return ensure_active_pack(rt)


def _demo_accounts(rt, lines: list[str]) -> None:
    try:
        from application.demo_accounts import create_demo_accounts
    except ImportError:
        return
    lines.extend(create_demo_accounts(rt))


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
