"""The window's pages (asking, sealing, the receipt a citizen verifies), the auditor's and the
public's (docs/design.md §1, §8 Web UI)."""

from __future__ import annotations

import json
from io import BytesIO

from sqlalchemy import select

from registry.inputs.filings import RevocationIn
from registry import models as m
from registry.db import utcnow
from registry.services import grants
from tests.factories.world import T0, hold_case
from tests.factories.pages import FGW, a_and_b, login, policy, published_item, seal_kept_by, seal_on_the_page, ui  # noqa: F401  (the ui and policy fixtures)


# --- window --------------------------------------------------------------------------------------


def test_the_window_asks_and_reads_the_clauses(client, ui, rt, policy):
    published_item(rt)
    a_and_b(rt, ui)
    login(client, "win")
    found = client.get("/window/?person_q=zjg&item_q=qytz").text
    assert "张建国" in found and "李明" not in found and "企业投资项目核准" in found
    r = client.get(f"/window/?ask=1&person={ui['people']['a']}&item=FGW-001&action=decide&place=FGW-CK")
    assert r.status_code == 200
    assert "可以" in r.text and "XT-3.3.3" in r.text and "授权书 #" in r.text
    assert "可以办理的操作" in r.text and "审批决定" in r.text
    r = client.get(f"/window/?ask=1&person={ui['people']['a']}&item=FGW-001&action=decide&place=FGW-KS")
    assert "不可以" in r.text and "XT-3.3.1" in r.text  # never in an internal office


def test_the_window_page_says_when_the_engine_is_not_ready(client, ui, monkeypatch):
    from application.runtime import Runtime

    def no_pack(self):
        raise RuntimeError("没有生效的规则包")

    monkeypatch.setattr(Runtime, "policy", property(no_pack))
    login(client, "win")
    r = client.get(f"/window/?ask=1&person={ui['people']['a']}&item=X&action=decide")
    assert r.status_code == 200 and "规则引擎未就绪" in r.text


def test_a_custodian_seals_gets_a_receipt_and_a_citizen_verifies_it(client, app, ui, rt, policy):
    published_item(rt)
    a_and_b(rt, ui)
    seal_kept_by(rt, ui["people"]["a"])
    for number in ("XT2019-0001", "XT2019-0002"):
        hold_case(rt, number, "FGW-001")
    login(client, "zhang")  # a window user linked to 张建国
    page = client.get("/window/seal").text
    assert "本人保管" in page
    document = b"%PDF-1.4 approval"
    r = seal_on_the_page(client, "XT2019-0001", document)
    assert r.status_code == 302, r.text
    receipt_page = client.get(r.headers["Location"]).text
    assert "用印已记入日志" in receipt_page
    assert "发改委窗口（FGW-CK）" in receipt_page  # the place by name, its code beside it
    listed = client.get("/window/seal-uses").text
    assert "发改委窗口" in listed and "XT2019-0001" in listed
    use_id = int(r.headers["Location"].split("/")[-1].split("?")[0])
    receipt = client.get(f"/window/seal-uses/{use_id}/receipt.json")
    assert receipt.status_code == 200 and "attachment" in receipt.headers["Content-Disposition"]
    leaf_hash = receipt.get_json()["leaf_hash"]
    printed = client.get(f"/window/seal-uses/{use_id}/print").text
    assert "<svg" in printed and leaf_hash in printed
    refused = client.post(
        "/window/seal",
        data={
            "seal": "FGW-SP",
            "item": "FGW-001",
            "case": "XT2019-0002",
            "place": "FGW-KS",
            "document_sha256": "ab" * 32,
        },
    )
    assert refused.status_code == 403 and "不允许用印" in refused.text and "XT-3.3.1" in refused.text
    client.post("/logout")
    anon = app.test_client()
    result = anon.get(f"/verify/{leaf_hash}").text
    assert "已登记用印" in result and "市发改委" in result and "行政审批专用章" in result
    assert "张建国" not in result and "XT2019-0001" not in result  # no personal data
    upload = anon.post(
        "/verify", data={"receipt": (BytesIO(receipt.data), "r.json")}, content_type="multipart/form-data"
    )
    assert "核验通过" in upload.text and "已登记用印" in upload.text
    assert "未找到" in anon.post("/verify", data={"hash": "0" * 64}).text
    # the auditor checks the same receipt and the entry's inclusion proof
    login(client, "audit")
    checked = client.post("/audit/receipt", data={"receipt_text": receipt.data.decode()})
    assert checked.status_code == 200 and "回执有效" in checked.text and "记录签名有效" in checked.text
    tampered = receipt.get_json()
    tampered["leaf_index"] += 1
    bad = client.post("/audit/receipt", data={"receipt_text": json.dumps(tampered)})
    assert bad.status_code == 422 and "核验未通过" in bad.text


# --- auditor and public -------------------------------------------------------------------------


def test_the_auditor_reads_the_log_with_inclusion_proofs_and_works_alerts(client, ui, rt):
    a_and_b(rt, ui)
    with rt.sessions() as session, session.begin():
        rt.ledger.publish_checkpoint(session)
        session.add(
            m.Alert(
                key="t1",
                rule="entry.internal_office",
                clause="XT-3.3.1",
                department="FGW",
                level="red",
                text="在内部科室受理",
                raised_at=utcnow(),
            )
        )
    login(client, "audit")
    log = client.get("/audit/log").text
    assert "授权书" in log
    entry = client.get("/audit/log/0").text
    assert "签名有效" in entry and "已包含在检查点" in entry and "检查点签名有效" in entry
    assert "在内部科室受理" in client.get("/audit/alerts").text
    with rt.reading() as session:
        alert_id = session.scalars(select(m.Alert.id)).one()
    r = client.post(f"/audit/alerts/{alert_id}/ack", data={})
    assert r.status_code == 302
    with rt.reading() as session:
        assert session.get(m.Alert, alert_id).state == "acknowledged"
    assert "在内部科室受理" not in client.get("/audit/alerts").text  # the default list is the open ones
    assert "在内部科室受理" in client.get("/audit/alerts?state=").text  # never deleted


def test_the_public_list_names_chief_representatives_and_nothing_more(client, ui, rt):
    a, b = a_and_b(rt, ui)
    with rt.filing(FGW) as ctx:
        grants.revoke_authorization(ctx, b, RevocationIn(at=T0, reason="离职"))
    page = client.get("/public/chief-representatives").text
    assert "张建国" in page and "市发改委" in page and "A岗" in page
    assert "李明" not in page  # revoked
    assert "行政审批科科长" not in page  # no position or other personal data


def test_the_seal_form_is_read_through_the_api_model_and_writes_nothing_when_wrong(client, ui, rt, policy):
    published_item(rt)
    a_and_b(rt, ui)
    seal_kept_by(rt, ui["people"]["a"])
    login(client, "zhang")
    r = client.post("/window/seal", data={"item": "FGW-001", "place": "FGW-CK", "document_sha256": "xyz"})
    assert r.status_code == 422 and "请填写印章" in r.text and "请填写办件编号" in r.text
    assert "请选择要用印的文件（或填写其 SHA-256）" in r.text
    data = {"seal": "FGW-SP", "item": "FGW-001", "case": "X" * 65, "place": "FGW-CK", "document_sha256": "ab" * 32}
    r = client.post("/window/seal", data=data)
    assert r.status_code == 422 and "最多 64 个字符" in r.text
    with rt.reading() as session:
        assert session.scalar(select(m.SealUse.id)) is None
