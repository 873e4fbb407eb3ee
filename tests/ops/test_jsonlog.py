"""JSON lines with a request id, user, role and outcome for every request and signed act (§12.5)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.factories.world import bearer, world  # noqa: F401  (the fixture)
from tests.factories.api import file_item
from tests.factories.api import grant
from web import jsonlog


@pytest.fixture
def lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(jsonlog.formatter())
    handler.addFilter(jsonlog.RequestContext())
    logger = logging.getLogger("onehall")
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(saved)


def test_every_request_and_every_signed_act_is_a_json_line(client, world, lines):  # noqa: F811
    file_item(client, world)
    before = len(lines())
    grant(client, world, world["people"]["a"], "A")
    decided = client.post(
        "/api/v1/decisions",
        headers=bearer(world["tokens"]["win"]) | {"X-Request-Id": "proxy-id-0001"},
        json={"person": world["people"]["a"], "action": "decide", "item": "FGW-001"},
    )
    assert decided.status_code == 200 and decided.headers["X-Request-Id"] == "proxy-id-0001"
    anonymous = client.post("/api/v1/authorizations", json={})
    assert anonymous.status_code == 401
    new = lines()[before:]
    requests = [x for x in new if x["logger"] == "onehall.requests"]
    acts = [x for x in new if x["logger"] == "onehall.acts"]
    filing, decision, refused = requests
    assert filing["path"] == "/api/v1/authorizations" and filing["status"] == 201 and filing["outcome"] == "ok"
    assert filing["user"] == "fgw" and filing["role"] == "department" and len(filing["request_id"]) == 32
    assert decision["request_id"] == "proxy-id-0001" and decision["user"] == "win" and decision["role"] == "window"
    assert refused["status"] == 401 and refused["outcome"] == "refused" and refused["user"] is None
    # the filing's signed act: same request, same user, the log index and signing key
    assert acts
    act = acts[-1]
    assert act["request_id"] == filing["request_id"] and act["user"] == "fgw" and act["outcome"] == "committed"
    assert isinstance(act["log_index"], int) and act["key_id"].startswith("ed25519:") and len(act["leaf_hash"]) == 64
    assert all({"time", "level", "message"} <= set(x) for x in new)


def test_a_refused_act_logs_no_signed_act(client, world, lines):  # noqa: F811
    before = len(lines())
    res = client.post(
        "/api/v1/authorizations",
        headers=bearer(world["tokens"]["fgw"]),
        json={
            "grantor": "GA",
            "grantee": {"person": world["people"]["c"]},
            "post": "A",
            "powers": ["accept"],
            "valid_from": "2019-01-01T00:00:00+08:00",
        },
    )
    assert res.status_code in (403, 422)
    new = lines()[before:]
    assert [x["logger"] for x in new if x["logger"].startswith("onehall.")] == ["onehall.requests"]
    assert new[-1]["outcome"] in ("refused", "rejected")


def test_retention_is_at_least_six_months_and_the_logrotate_stanza_keeps_it(tmp_path):
    from pydantic import ValidationError

    from application.config import Settings

    with pytest.raises(ValidationError):
        Settings(instance_dir=tmp_path, log_retention_days=90)
    s = Settings(instance_dir=tmp_path, log_file=str(tmp_path / "onehall.json"), log_retention_days=365)
    stanza = jsonlog.logrotate_config(s.log_file, s.log_retention_days)
    assert "rotate 365" in stanza and "daily" in stanza and str(tmp_path / "onehall.json") in stanza


def _straight_handler(client, world, monkeypatch, request):  # noqa: F811
    """configure()'s handler alone on `onehall`, writing to a string: (stream, handler, a decision body)."""
    file_item(client, world)
    stream = io.StringIO()
    h = jsonlog.handler(None)
    h.setStream(stream)
    onehall = logging.getLogger("onehall")
    monkeypatch.setattr(jsonlog, "_JSON_HANDLER", h)
    monkeypatch.setattr(onehall, "handlers", [h])
    saved = onehall.level
    request.addfinalizer(lambda: onehall.setLevel(saved))  # setLevel, not the attribute: it clears the level cache
    onehall.setLevel(logging.INFO)
    monkeypatch.setattr(logging.root, "handlers", [])  # pytest's capture handlers would send it through logging
    return stream, h, {"person": world["people"]["a"], "action": "decide", "item": "FGW-001"}


def test_the_request_line_written_straight_to_the_handler_is_the_formatters_line(
    client,
    world,
    monkeypatch,  # noqa: F811
    request,
):
    """The request line skips the logging machinery when configure()'s handler alone would write it:
    the same fields, the same values, as the JSON formatter writes through logging."""
    import re

    stream, h, body = _straight_handler(client, world, monkeypatch, request)

    def ask() -> dict:
        assert client.post("/api/v1/decisions", headers=bearer(world["tokens"]["win"]), json=body).status_code == 200
        h.flush()  # the straight line waits in the handler's queue (written by the flusher thread)
        return json.loads(stream.getvalue().splitlines()[-1])

    assert jsonlog._direct_handler() is h
    direct = ask()
    monkeypatch.setattr(logging.root, "handlers", [logging.NullHandler()])
    assert jsonlog._direct_handler() is None
    through_logging = ask()
    assert list(direct) == list(through_logging)
    changing = {"time", "request_id", "duration_ms"}
    assert {k: v for k, v in direct.items() if k not in changing} == {
        k: v for k, v in through_logging.items() if k not in changing
    }
    assert direct["logger"] == "onehall.requests" and direct["user"] == "win" and direct["outcome"] == "ok"
    for line in (direct, through_logging):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", line["time"])
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert direct["request_id"] != through_logging["request_id"]


def test_queued_request_lines_are_written_by_the_flusher_and_before_any_other_line(client, world, monkeypatch, request):  # noqa: F811
    """A straight request line is written without anyone flushing (by the process's flusher
    thread), and never after a line the handler writes later."""
    import time

    stream, h, body = _straight_handler(client, world, monkeypatch, request)
    ask = lambda: client.post("/api/v1/decisions", headers=bearer(world["tokens"]["win"]), json=body)  # noqa: E731

    assert ask().status_code == 200
    deadline = time.monotonic() + 10
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    first = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [x["logger"] for x in first] == ["onehall.requests"] and first[0]["user"] == "win"

    stream.seek(0)
    stream.truncate()
    h.acquire()  # the flusher waits for the handler's lock; this thread's own lines do not
    try:
        assert ask().status_code == 200
        logging.getLogger("onehall.scheduler").info("after the request")
    finally:
        h.release()
    later = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [x["logger"] for x in later] == ["onehall.requests", "onehall.scheduler"]
