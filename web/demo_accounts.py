"""Demo sign-ins for `onehall init --demo`: one account per role, so every page can be tried.

All share the password DEMO_PASSWORD; they exist only in a demo database.
"""
from __future__ import annotations

from sqlalchemy import select

from registry.models import Department, ItemVersion, Person, SealCustody, User
from registry.services.accounts import create_user

DEMO_PASSWORD = "onehall-demo"


def create_demo_accounts(rt) -> list[str]:
    made: list[str] = []
    with rt.filing_session() as session:
        if session.scalar(select(User.id).where(User.name == "reform")) is not None:
            return ["演示账号已存在（密码 onehall-demo）"]

        def add(name, role, department=None, person=None):
            create_user(session, name, role, DEMO_PASSWORD, department=department, person=person)
            made.append(name)

        bodies = {d.kind: d.code for d in session.scalars(select(Department).where(Department.kind != "department"))}
        add("reform", "reform_office", bodies.get("reform_office"))
        add("zhengfu", "government", bodies.get("government"))
        add("zwfw", "gov_service", bodies.get("gov_service"))
        add("drc", "drc", "FGW" if session.get(Department, "FGW") else None)
        add("audit", "auditor")
        with_items = set(session.scalars(select(ItemVersion.department).distinct()))
        for code in sorted(with_items):
            add(code.lower(), "department", code)
        clerks = list(session.scalars(select(Person).where(Person.department == bodies.get("gov_service"))
                                      .order_by(Person.id).limit(3)))
        for i, clerk in enumerate(clerks, start=1):
            add(f"window-zh{i:02d}", "window", person=clerk.id)
        custodians = sorted({c.person for c in session.scalars(select(SealCustody))})
        for person_id in custodians:
            p = session.get(Person, person_id)
            add(f"seal-{p.department.lower()}-{person_id}", "window", person=person_id)
    shown = "、".join(made[:12]) + ("……" if len(made) > 12 else "")
    return [f"演示账号（密码 {DEMO_PASSWORD}）：{shown}"]
