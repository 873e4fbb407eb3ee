"""A demo city for the API fuzz test and the browser test: the plan's facts, the demo
registry and the active pack, filed the way `onehall init --demo` files them, plus one
user and one bearer token per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from registry import migrate
from registry import models as m
from registry.services.accounts import create_token, create_user
from registry.services.context import SYSTEM, Actor
from web.app import create_app
from application.config import Settings
from application.packs import ensure_active_pack
from tests.factories.databases import app_settings

PASSWORD = "password-123"
DEPARTMENT = "FGW"  # the department user's own department


@dataclass
class DemoWorld:
    app: Flask
    tokens: dict[str, str | None]  # role → bearer token (None: anonymous)
    refs: dict[str, list[Any]] = field(default_factory=dict)  # kind → real codes / ids
    people: dict[str, int] = field(default_factory=dict)  # who is who in the flows
    protected_tokens: set[str] = field(default_factory=set)  # ids of the role tokens: never revoked

    @property
    def rt(self):
        return self.app.extensions["onehall"]


def migrated_app(folder: Path, database: str, **settings: Any) -> Flask:
    """An app over a new SQLite database in `folder` (or the `database_url` and `database_schema`
    given), migrated to the current schema (keys and instance files beside it; the product's
    checkpoint interval unless `settings` name one)."""
    url = settings.pop("database_url", None) or f"sqlite:///{folder / database}"
    settings.setdefault("checkpoint_interval_ms", Settings.model_fields["checkpoint_interval_ms"].default)
    app = create_app(app_settings(url, settings.pop("database_schema", None), folder, **settings))
    migrate.upgrade(app.extensions["onehall"].engine)
    return app


def demo_app(tmp: Path, *, scale: int = 1, **settings: Any) -> Flask:
    """An app over a fresh database (SQLite in `tmp` unless `database_url` is given), seeded like
    `onehall init --demo [--scale N]`."""
    tmp.mkdir(parents=True, exist_ok=True)
    app = migrated_app(tmp, "onehall.db", checkpoint_interval_ms=10, **settings)
    rt = app.extensions["onehall"]
    from registry.demo import load_demo
    from registry.seed import load_plan_facts
    from application.bootstrap import ensure_keys

    ensure_keys(rt)
    with rt.filing(SYSTEM) as ctx:
        load_plan_facts(ctx)
    ensure_keys(rt)
    ensure_active_pack(rt)
    with rt.filing(Actor(name="demo", role="gov_service")) as ctx:
        load_demo(ctx, progress=False)
    if scale > 1:
        from registry.demo_scale import scale_demo

        with rt.filing(Actor(name="demo", role="gov_service")) as ctx:
            scale_demo(ctx, scale, progress=False)
    ensure_keys(rt)
    return app


def build_world(tmp: Path, *, scale: int = 1, **settings: Any) -> DemoWorld:
    app = demo_app(tmp, scale=scale, **settings)
    rt = app.extensions["onehall"]
    with rt.filing_session() as session:
        bodies = {
            d.kind: d.code for d in session.scalars(select(m.Department).where(m.Department.kind != "department"))
        }
        # the custodian of the department's approval seal: a chief representative with a window account
        custody = session.scalars(
            select(m.SealCustody)
            .join(m.Seal, m.Seal.code == m.SealCustody.seal)
            .where(m.Seal.department == DEPARTMENT)
            .order_by(m.SealCustody.id)
        ).first()
        clerk = session.scalars(
            select(m.Person).where(m.Person.department == bodies["gov_service"]).order_by(m.Person.id)
        ).first()
        users = [
            ("t-reform", "reform_office", bodies.get("reform_office"), None),
            ("t-dept", "department", DEPARTMENT, None),
            ("t-window", "window", None, clerk.id),
            ("t-custodian", "window", None, custody.person),
            ("t-gs", "gov_service", bodies.get("gov_service"), None),
            ("t-gov", "government", bodies.get("government"), None),
            ("t-drc", "drc", None, None),
            ("t-audit", "auditor", None, None),
            ("t-platform", "platform", None, None),
        ]
        tokens: dict[str, str | None] = {"anonymous": None}
        for name, role, dept, person in users:
            create_user(session, name, role, PASSWORD, department=dept, person=person)
            tokens[name[2:]] = create_token(session, name)
        people = {"custodian": custody.person, "clerk": clerk.id}
        seal = custody.seal
        # tokens the fuzzing may revoke (POST /tokens/{id}/revoke), so the roles' own stay alive
        create_user(session, "t-spare", "drc", PASSWORD)
        for _ in range(20):
            create_token(session, "t-spare")
        spare = list(
            session.scalars(
                select(m.ApiToken.id).join(m.User, m.User.id == m.ApiToken.user).where(m.User.name == "t-spare")
            )
        )
        protected = list(
            session.scalars(
                select(m.ApiToken.id).join(m.User, m.User.id == m.ApiToken.user).where(m.User.name != "t-spare")
            )
        )
    world = DemoWorld(app=app, tokens=tokens, people=people)
    world.refs = collect_refs(rt)
    world.refs["custody_seal"] = [seal]
    world.refs["token"] = spare
    world.protected_tokens = {str(i) for i in protected}
    with rt.reading() as session:
        world.refs["custody_items"] = sorted(
            set(session.scalars(select(m.ItemVersion.code).where(m.ItemVersion.department == DEPARTMENT)))
        )
        world.refs["custody_places"] = sorted(
            session.scalars(
                select(m.Place.code).where(m.Place.department == DEPARTMENT, m.Place.kind == "department_window")
            )
        )
    return world


def collect_refs(rt) -> dict[str, list[Any]]:
    """Real codes and ids, so generated requests sometimes name rows that exist."""
    with rt.reading() as session:

        def col(column, limit: int = 400):
            return sorted({v for v in session.scalars(select(column).limit(limit)) if v is not None})

        optional = {
            name: col(model.id)
            for name, model in (("finding", getattr(m, "Finding", None)), ("entry_plan", getattr(m, "EntryPlan", None)))
            if model is not None
        }
        return {
            **optional,
            "department": col(m.Department.code),
            "item": col(m.ItemVersion.code),
            "place": col(m.Place.code),
            "hall": col(m.Hall.code),
            "seal": col(m.Seal.code),
            "person": col(m.Person.id),
            "section": col(m.Section.id),
            "authorization": col(m.Authorization.id),
            "exemption": col(m.Exemption.id),
            "alert": col(m.Alert.id),
            "case": col(m.Case.number),
            "leaf_hash": col(m.LogEntry.leaf_hash, 50),
            "function_section": col(m.FunctionSection.code),
        }
