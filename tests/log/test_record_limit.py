"""A tlog-tiles entry holds at most 65,535 bytes (c2sp.org/tlog-tiles: a uint16 length in the
entry bundle): a record whose signed leaf is longer is refused when it is appended, nothing is
written, and the tiles keep serving; not a 500 from the tiles endpoint later."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from application.bootstrap import publish_checkpoint
from registry import models as m
from registry.ledger import RecordTooLarge
from signing.tiles import MAX_ENTRY
from tests.factories.signed_log import BODY, LogHarness
from tests.factories.world import bearer, world  # noqa: F401 (the world fixture)


def _record(text_len: int) -> dict:
    return {"type": "test", "filed_at": "2024-05-01T08:00:00Z", "filed_by": BODY, "note": "x" * text_len}


def _counts(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
        for t in (m.LogEntry, m.LogNode, m.RecordSalt)
    )


def test_a_leaf_over_65535_bytes_is_refused_and_nothing_is_written(logdb: LogHarness):
    logdb.append(3)
    with logdb.sessions() as s:
        before = _counts(s)
    # The largest record that fits is accepted: the limit is the leaf's length, no less.
    with logdb.filing() as session:
        probe = logdb.log.append(session, kind="test", body=BODY, record=_record(100), personal={"name": "张三"})
        overhead = len(bytes(session.get(m.LogEntry, probe.index).leaf)) - 100
    with logdb.filing() as session:
        fits = logdb.log.append(
            session, kind="test", body=BODY, record=_record(MAX_ENTRY - overhead), personal={"name": "张三"}
        )
        leaf = bytes(session.get(m.LogEntry, fits.index).leaf)
    assert fits.index == 4 and len(leaf) == MAX_ENTRY
    with pytest.raises(RecordTooLarge) as refused:
        with logdb.filing() as session:
            logdb.log.append(session, kind="test", body=BODY, record=_record(MAX_ENTRY), personal={"name": "张三"})
    assert refused.value.status == 422 and "65535" in refused.value.detail and refused.value.size > MAX_ENTRY
    with logdb.sessions() as s:
        after = _counts(s)
    assert after[0] == before[0] + 2 and after[2] == before[2] + 2  # only the records that fit
    assert logdb.append(1) == [5]  # the log goes on, gap-free
    logdb.assert_nodes_consistent()


def test_the_api_answers_an_oversize_filing_with_422_in_chinese_and_writes_nothing(rt, client, world):  # noqa: F811
    fees = [
        {"code": f"F{i:03d}", "name": f"收费项目{i}", "basis": "依据" * 900, "standard": "标准" * 900}
        for i in range(12)
    ]  # about 12 × 3,600 characters of UTF-8 text (3 bytes each): over 64 KiB
    item = {
        "code": "FGW-009",
        "name": "超长事项",
        "department": "FGW",
        "item_type": "行政确认",
        "case_type": "instant",
        "fees": fees,
        "entry": {"hall": "CITY"},
        "effective_from": "2019-01-01T00:00:00+08:00",
    }
    with rt.reading() as s:
        before = (_counts(s), s.scalar(select(func.count()).select_from(m.ItemVersion)))
    r = client.post("/api/v1/items", json=item, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 422, r.get_json()
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["title"] == "记录过大" and "65535" in body["detail"] and "未写入" in body["detail"]
    with rt.reading() as s:
        assert (_counts(s), s.scalar(select(func.count()).select_from(m.ItemVersion))) == before
    assert client.get("/api/v1/items/FGW-009", headers=bearer(world["tokens"]["fgw"])).status_code == 404
    # The log's entries are still served as tiles (the entry bundle of the last checkpoint).
    publish_checkpoint(rt)
    with rt.reading() as s:
        size = s.scalar(select(func.max(m.Checkpoint.tree_size)))
        assert size == s.scalar(select(func.count()).select_from(m.LogEntry))
    assert 0 < size < 256
    assert client.get(f"/tile/entries/000.p/{size}").status_code == 200
