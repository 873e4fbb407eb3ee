"""registry.decision_log: batches of several engines' decisions, and finding one by its id."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from registry.decision_log import find_decision, split_id, write_decisions
from registry.models import DecisionBatch

T0 = datetime(2024, 5, 1, 8, tzinfo=timezone.utc)


def decision(engine: str, counter: int) -> tuple[dict, dict, datetime]:
    decision_id = f"{engine}{counter:010x}"
    answer = {
        "decision_id": decision_id,
        "allowed": counter % 2 == 0,
        "kind": "allow",
        "reasons": [{"rule": "r", "clause": "XT-3.3.3", "text": "首席代表", "detail": f"第{counter}次"}],
        "policy": {"pack": "p", "version": "1", "digest": "d" * 64},
    }
    request = {"person": counter, "action": "decide", "item": "FGW-001", "at": T0 + timedelta(seconds=counter)}
    return request, answer, T0 + timedelta(seconds=counter)


def test_each_id_finds_its_own_decision_across_engines_and_batches(engine, sessions):
    a, b = "aa" * 11, "bb" * 11
    with engine.begin() as conn:
        assert write_decisions(conn, [decision(a, 1), decision(b, 1), decision(a, 2)]) == 3
    with engine.begin() as conn:
        write_decisions(conn, [decision(a, 3), decision(a, 4)])
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DecisionBatch)) == 3  # (a 1-2), (b 1), (a 3-4)
        for eng, counter in [(a, 1), (a, 2), (a, 3), (a, 4), (b, 1)]:
            found = find_decision(session, f"{eng}{counter:010x}")
            assert found is not None
            assert found.answer["reasons"][0]["detail"] == f"第{counter}次"
            assert found.request["person"] == counter
            assert found.request["at"] == (T0 + timedelta(seconds=counter)).isoformat()
        for missing in [f"{a}{5:010x}", f"{b}{2:010x}", f"{'cc' * 11}{1:010x}", "not-an-id", ""]:
            assert find_decision(session, missing) is None


def test_split_id_refuses_what_is_not_a_decision_id():
    assert split_id("ab" * 11 + "00000000ff") == ("ab" * 11, 255)
    assert split_id("00000000ff") is None  # no engine prefix
    assert split_id("ab" * 11 + "0000000zzz") is None


def test_a_batch_is_stored_as_json_text_that_the_database_reads(engine):
    """On SQLite the batch goes in as orjson's bytes, cast to text: the column holds text (not a
    blob), so the database's own JSON functions and an operator's sqlite3 shell read it."""
    eng = "dd" * 11
    with engine.begin() as conn:
        write_decisions(conn, [decision(eng, 7)])
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            kind, detail = conn.execute(
                text(
                    "SELECT typeof(decisions), json_extract(decisions, '$[0].answer.reasons[0].detail') FROM decision_batches"
                )
            ).one()
            assert (kind, detail) == ("text", "第7次")
        else:
            detail = conn.scalar(
                text("SELECT decisions -> 0 -> 'answer' -> 'reasons' -> 0 ->> 'detail' FROM decision_batches")
            )
            assert detail == "第7次"
