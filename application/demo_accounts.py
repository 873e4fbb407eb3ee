"""Demo sign-ins for `onehall init --demo`: one account per role, so every page can be tried.

All share the password DEMO_PASSWORD; they exist only in a demo database.
"""

from __future__ import annotations

from sqlalchemy import select

from registry.models import Department, ItemVersion, Person, SealCustody, User
from registry.services.accounts import create_user

DEMO_PASSWORD = "onehall-demo"


def create_demo_accounts(rt) -> list[str]:
    made: dict[str, list[str]] = {}
    with rt.filing_session() as session:
        if session.scalar(select(User.id).where(User.name == "reform")) is not None:
            return [f"演示账号已存在（密码 {DEMO_PASSWORD}）"]

        def add(group, name, role, department=None, person=None):
            create_user(session, name, role, DEMO_PASSWORD, department=department, person=person)
            made.setdefault(group, []).append(name)

        bodies = {d.kind: d.code for d in session.scalars(select(Department).where(Department.kind != "department"))}
        add("审改部门", "reform", "reform_office", bodies.get("reform_office"))
        add("市人民政府", "zhengfu", "government", bodies.get("government"))
        add("政务服务中心", "zwfw", "gov_service", bodies.get("gov_service"))
        add("发改部门（收费审查）", "drc", "drc", "FGW" if session.get(Department, "FGW") else None)
        add("电子监察", "audit", "auditor")
        with_items = set(session.scalars(select(ItemVersion.department).distinct()))
        for code in sorted(with_items):
            add("部门", code.lower(), "department", code)
        clerks = list(
            session.scalars(
                select(Person).where(Person.department == bodies.get("gov_service")).order_by(Person.id).limit(3)
            )
        )
        for i, clerk in enumerate(clerks, start=1):
            add("综合窗口", f"window-zh{i:02d}", "window", person=clerk.id)
        custodians = sorted({c.person for c in session.scalars(select(SealCustody))})
        for person_id in custodians:
            p = session.get(Person, person_id)
            add("印章保管人（首席代表）", f"seal-{p.department.lower()}-{person_id}", "window", person=person_id)
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for group, names in made.items():
        shown = "、".join(names[:6]) + (f" 等 {len(names)} 个" if len(names) > 6 else "")
        lines.append(f"  {group}：{shown}")
    return lines
