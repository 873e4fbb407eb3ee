"""The demo city: loads through the services, covers the catalog's variety, is idempotent.

One load per backend (a single test), since the demo is the slowest thing here.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import func, select

import vocab
from registry.catalog_io import export_catalog, parse_catalog
from registry.db import transaction
from registry.demo import load_demo
from registry import models as m
from registry.services import catalog
from registry.services.context import SYSTEM, Actor, FilingContext

NOW = datetime(2026, 11, 26, 4, 0, tzinfo=timezone.utc)


def _counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in m.Base.metadata.sorted_tables}


def _active(rows, at, start="valid_from", end="valid_to"):
    return [r for r in rows if getattr(r, start) <= at and (getattr(r, end) is None or at < getattr(r, end))]


def test_demo_loads_covers_everything_and_is_idempotent(sessions, tmp_path):
    with transaction(sessions) as s:
        figures = load_demo(FilingContext(s, SYSTEM), progress=True)
    assert figures["skipped"] is False

    with sessions() as s:
        items = catalog.published_items(s)
        assert len(items) >= 150 and figures["items"] == len(items)
        assert {i.item_type for i in items} == set(vocab.ITEM_TYPES)
        assert figures["items_by_type"] == dict(sorted(Counter(i.item_type for i in items).items()))
        not_on_app = [i for i in items if not i.on_application]
        assert not_on_app and {i.item_type for i in not_on_app} == {"penalty", "coercion", "inspection"}
        assert all(i.entry is None for i in not_on_app)
        on_app = [i for i in items if i.on_application]
        assert {i.case_type for i in on_app} == {"instant", "commitment", "report_up"}  # 上报件: a type of its own
        assert {i.complexity for i in items} == {"simple", "complex"}
        assert {i.online_depth for i in on_app} == set(vocab.ONLINE_DEPTHS)
        assert any(i.joint and i.partners for i in items) and any(i.joint and not i.partners for i in items)
        assert sum(1 for i in items if i.fees) >= 10
        assert all(f["basis"] is not None for i in items for f in i.fees)
        units = {lim["unit"] for i in items for lim in (i.statutory_limit, i.promised_limit) if lim}
        assert {"working_day", "calendar_day", "month"} <= units
        # Compression: some promised limits exceed 2/3 of a statutory limit in the same unit.
        assert any(
            i.statutory_limit
            and i.promised_limit
            and i.statutory_limit["unit"] == i.promised_limit["unit"]
            and i.promised_limit["value"] * 3 > i.statutory_limit["value"] * 2
            for i in items
        )
        assert any(
            i.case_type == "commitment" and i.promised_limit and i.promised_limit == {"value": v, "unit": "working_day"}
            for i in items
            for v in (1, 2)
        )
        assert any(i.promised_limit_2017 is None and i.on_application for i in items)
        assert sum(1 for i in items if i.promised_limit_2017) > len(items) // 2
        assert any(m["name"] == "其他材料" for i in items for m in i.materials)
        assert sum(1 for i in items for m in i.materials if m["code"] == "GY-XMBA") >= 3
        halls = Counter((i.entry or {}).get("hall") for i in on_app)
        assert halls["CITY"] > 100 and {"FT-RSSB", "FT-BDCDJ", "FT-JGCG", "FT-FCJY", "FT-GJJ", "FT-SW"} <= set(halls)
        no_entry = {i.code for i in on_app if i.entry is None}
        assert len(no_entry) >= 5
        chains = {i.function_section for i in items if i.function_section}
        assert chains == {"TZXM", "SSDJ", "BDCDJ"}
        assert s.scalar(select(func.count()).select_from(m.ItemVersion).where(m.ItemVersion.status == "returned")) == 1

        # Fee reviews by the DRC: most fees, not all, one returned.
        fee_count = sum(len(i.fees) for i in items)
        reviews = list(s.scalars(select(m.FeeReview)))
        assert 0 < len(reviews) < fee_count and {r.result for r in reviews} == {"approved", "returned"}

        # Exemptions: approved with a document number, one refused, one pending.
        decisions = {d.exemption: d for d in s.scalars(select(m.ExemptionDecision))}
        exemptions = list(s.scalars(select(m.Exemption)))
        results = Counter(decisions[e.id].result if e.id in decisions else "pending" for e in exemptions)
        assert results == {"approved": 3, "refused": 1, "pending": 1}
        assert all(d.document_no.startswith("潭政函〔2019〕") for d in decisions.values())
        assert {e.item for e in exemptions} <= no_entry

        # Sections: an approval service section in most departments, a few without.
        with_approval = set(s.scalars(select(m.Section.department).where(m.Section.kind == "approval_service")))
        with_items = {i.department for i in items}
        assert len(with_items - with_approval) >= 3 and len(with_approval & with_items) >= 30
        assert s.scalar(select(func.count()).select_from(m.Section).where(m.Section.head.is_not(None))) >= 70

        # People, places, seals.
        positions = list(s.scalars(select(m.Person.position)))
        assert any(p.endswith("审批服务科科长") for p in positions) and any(p.endswith("副科长") for p in positions)
        assert s.scalar(select(func.count()).select_from(m.Person).where(m.Person.department == "ZWFW")) >= 10
        names = list(s.scalars(select(m.Person.name)))
        assert len(names) == len(set(names))
        kinds = Counter(s.scalars(select(m.Place.kind)))
        assert kinds["comprehensive_window"] >= 8 and kinds["department_window"] >= 30
        assert kinds["internal_office"] >= 5 and kinds["platform"] == 1
        assert s.scalars(select(m.Place.function_section).where(m.Place.function_section.is_not(None))).first()
        seal_kinds = Counter(s.scalars(select(m.Seal.kind)))
        assert seal_kinds["approval"] >= 30 and seal_kinds["business"] >= 3

        # Authorizations: A/B posts, B backs A, gov_service grants, extras and shortfalls.
        auths = list(s.scalars(select(m.Authorization)))
        by_id = {a.id: a for a in auths}
        a_posts = [a for a in auths if a.post == "A"]
        b_posts = [a for a in auths if a.post == "B"]
        gov = [a for a in auths if a.grantee_gov_service]
        assert len(a_posts) >= 35 and len(b_posts) >= 30 and len(gov) >= 30
        assert all(by_id[b.backs].post == "A" and by_id[b.backs].grantor == b.grantor for b in b_posts)
        minimum = set(vocab.CHIEF_REP_MINIMUM)
        assert any("decide_complex" in a.powers for a in a_posts)
        assert any(not minimum <= set(a.powers) for a in a_posts)
        assert all(set(g.powers) <= set(vocab.GOV_SERVICE_MINIMUM) and g.items == "*" for g in gov)
        assert any(set(g.powers) < set(vocab.GOV_SERVICE_MINIMUM) for g in gov)
        assert any(isinstance(a.items, list) for a in a_posts)
        assert all(a.valid_from == datetime(2018, 12, 31, 16, 0, tzinfo=timezone.utc) for a in a_posts)
        assert not any(a.late_filed for a in auths)
        with_items_auth = {a.grantor for a in a_posts}
        assert with_items_auth == with_items
        assert len(with_items - {g.grantor for g in gov}) >= 2  # missing government-service grants
        assert any(
            by_id[a.id].grantee_person is not None and s.get(m.Person, a.grantee_person).position in ("办公室副主任",)
            for a in a_posts
        )

        # One revocation (a B post) and its replacement.
        revs = list(s.scalars(select(m.Revocation)))
        assert len(revs) == 1 and by_id[revs[0].authorization].post == "B"

        # Custody by the A post holder of each seal's department.
        a_person = {a.grantor: a.grantee_person for a in a_posts}
        custody = list(s.scalars(select(m.SealCustody)))
        assert len(custody) == sum(seal_kinds.values())
        assert all(c.person == a_person[s.get(m.Seal, c.seal).department] for c in custody)

        # Absences "now": one A post absent (its B acts), one department with A and B absent.
        current = _active(list(s.scalars(select(m.Absence))), NOW, "from_", "to")
        absent = {c.person for c in current}
        b_person = {}
        for b in b_posts:
            if not any(r.authorization == b.id for r in revs):
                b_person[b.grantor] = b.grantee_person
        a_absent = {d for d, p in a_person.items() if p in absent}
        both = {d for d in a_absent if b_person.get(d) in absent}
        assert len(a_absent - both) >= 1 and len(both) == 1
        assert s.scalar(select(func.count()).select_from(m.Absence)) == figures["absences"] == 4

        # Delegation for a low-volume department; staff filings for most, not all; sub-halls approved.
        delegation = s.scalars(select(m.Delegation)).one()
        assert s.get(m.Department, delegation.department).low_volume
        filed_staff = set(s.scalars(select(m.StaffFiling.department)))
        assert len(filed_staff) >= 30 and with_items - filed_staff
        assert len(list(s.scalars(select(m.HallApproval)))) == 6
        assert s.scalar(select(func.count()).select_from(m.CitizensHomeOpening)) == 0

        before = _counts(s)

    # Idempotent: a second load does nothing.
    with transaction(sessions) as s:
        assert load_demo(FilingContext(s, SYSTEM), progress=False) == {"skipped": True}
    with sessions() as s:
        assert _counts(s) == before

    # Every demo item passes the catalog import's validation (export, then parse only).
    path = tmp_path / "demo.xlsx"
    with sessions() as s:
        assert export_catalog(s, path) == len(items)
        parsed = parse_catalog(FilingContext(s, Actor("sgb", "reform_office")), path)
        assert len(parsed) == len(items)
        published = {i.code: i for i in catalog.published_items(s)}
        for _, row in parsed:
            item = published[row["code"]]
            assert (row["promised_limit"], row["materials"], row["fees"], row["entry"]) == (
                item.promised_limit,
                item.materials,
                item.fees,
                item.entry,
            )
