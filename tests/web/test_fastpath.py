"""POST /api/v1/decisions below Flask (web.api.fastpath): the same answers as the Flask route,
every irregular request left to the route, and each answered decision logged once."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from registry.decision_log import find_decision
from tests.factories.world import bearer
from tests.factories.api import file_item
from tests.factories.api import grant
from web.api.fastpath import DecisionFastPath
from web.wsgi_layer import SecurityHeaders


class Spy:
    """The inner WSGI app (Flask's), counting the requests passed to it."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.inner(environ, start_response)


def _layer(wsgi, kind):
    """The WSGI middleware of this kind in create_app's stack (request log, security headers, ...)."""
    while not isinstance(wsgi, kind):
        wsgi = getattr(wsgi, "wsgi_app", None) or getattr(wsgi, "plain", None)
        assert wsgi is not None, f"no {kind.__name__} in the app's WSGI stack"
    return wsgi


@pytest.fixture
def stacks(app, rt):
    """(through the fast path, Flask's route alone, the spy between them), each with the app's
    security headers, as create_app assembles them."""
    installed = _layer(app.wsgi_app, DecisionFastPath)  # wherever create_app put it in the stack
    behind = installed.wsgi_app  # the security headers over Flask
    assert isinstance(behind, SecurityHeaders)
    spy = Spy(behind)
    fast = DecisionFastPath(app, spy, runtime=rt, token_cache=installed.token_cache)
    return Client(fast), Client(behind), spy


@pytest.fixture
def granted(client, world):
    file_item(client, world)
    a, b = world["people"]["a"], world["people"]["b"]
    a_id = grant(client, world, a, "A")
    grant(client, world, b, "B", backs=a_id)
    return world


def questions(world):
    a, b, w = world["people"]["a"], world["people"]["b"], world["people"]["w"]
    return [
        {"person": a, "action": "decide", "item": "FGW-001"},
        {"person": a, "action": "decide", "item": "FGW-001", "place": "FGW-CK"},
        {"person": a, "action": "use_seal", "item": "FGW-001", "place": "FGW-KS"},
        {"person": b, "action": "decide", "item": "FGW-001", "place": "FGW-CK"},
        {"person": w, "action": "accept", "item": "FGW-001", "place": "ZH-01", "case": "XT-2019-001"},
        {
            "person": a,
            "action": "decide",
            "item": "FGW-001",
            "at": "2019-06-01T10:00:00+08:00",
            "known_at": "2019-06-01T10:00:00",
        },
        {"person": a, "action": "decide", "item": "FGW-001", "at": "2018-06-01T10:00:00+08:00"},
    ]


def same(fast, slow):
    """Two responses agree: status, headers, and the JSON body but for the decision id."""
    assert fast.status == slow.status
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
    one, two = json.loads(fast.data), json.loads(slow.data)
    one.pop("decision_id", None), two.pop("decision_id", None)
    assert one == two
    assert fast.data.endswith(b"\n") == slow.data.endswith(b"\n")


def test_clean_questions_are_answered_below_flask_with_the_routes_answer(stacks, granted):
    fast, slow, spy = stacks
    headers = bearer(granted["tokens"]["win"])
    kinds = set()
    for q in questions(granted):
        r1 = fast.post("/api/v1/decisions", json=q, headers=headers)
        r2 = slow.post("/api/v1/decisions", json=q, headers=headers)
        assert r1.status_code == 200, r1.get_json()
        same(r1, r2)
        kinds.add(r1.get_json()["kind"])
    assert spy.calls == 0, "a clean question reached Flask"
    assert kinds >= {"allow", "not_granted"}


def irregular(world):
    """(description, request keyword arguments) that the fast path must leave to the route."""
    good = {"person": world["people"]["a"], "action": "decide", "item": "FGW-001"}
    win = bearer(world["tokens"]["win"])
    raw = json.dumps(good)
    return [
        ("no token", {"json": good}),
        ("unknown token", {"json": good, "headers": bearer("not-a-token")}),
        ("basic auth", {"json": good, "headers": {"Authorization": "Basic eDp5"}}),
        ("a cookie as well", {"json": good, "headers": win, "cookie": "x"}),
        ("form body", {"data": {"person": "1"}, "headers": win}),
        ("text body", {"data": raw, "headers": {**win, "Content-Type": "text/plain"}}),
        ("vendor JSON type", {"data": raw, "headers": {**win, "Content-Type": "application/problem+json"}}),
        ("not JSON", {"data": "{person", "headers": {**win, "Content-Type": "application/json"}}),
        ("a JSON list", {"json": [good], "headers": win}),
        ("missing field", {"json": {"person": good["person"], "action": "decide"}, "headers": win}),
        ("wrong type", {"json": {**good, "person": "first"}, "headers": win}),
        ("extra field", {"json": {**good, "why": 1}, "headers": win}),
        ("unknown action", {"json": {**good, "action": "fly"}, "headers": win}),
        ("unknown person", {"json": {**good, "person": 999}, "headers": win}),
        ("unknown item", {"json": {**good, "item": "NOPE"}, "headers": win}),
        ("unknown place", {"json": {**good, "place": "NOPE"}, "headers": win}),
        ("malformed time", {"json": {**good, "at": "yesterday"}, "headers": win}),
        ("a control character", {"json": {**good, "case": "XT-2019-001\u0007"}, "headers": win}),
    ]


def test_irregular_requests_reach_the_route_with_their_body(stacks, granted):
    fast, slow, spy = stacks
    for description, kwargs in irregular(granted):
        before = spy.calls
        cookie = kwargs.pop("cookie", None)
        for c in (fast, slow):
            if cookie:
                c.set_cookie("session", cookie)
            else:
                c.delete_cookie("session")
        r1 = fast.post("/api/v1/decisions", **kwargs)
        r2 = slow.post("/api/v1/decisions", **kwargs)
        assert spy.calls == before + 1, description
        assert r1.status_code == r2.status_code and r1.status_code in (200, 401, 422), (description, r1.status_code)
        same(r1, r2)
        if r1.status_code == 422:  # the route saw the body: it names the field at fault
            assert r1.get_json()["errors"], description


def test_other_paths_and_methods_are_flasks(stacks, granted):
    fast, _, spy = stacks
    headers = bearer(granted["tokens"]["win"])
    assert fast.get("/api/v1/decisions", headers=headers).status_code == 405
    assert fast.post("/api/v1/decisions/", json={}, headers=headers).status_code in (404, 405, 308)
    assert (
        fast.get(
            "/api/v1/decisions/actions",
            query_string={"person": granted["people"]["a"], "item": "FGW-001"},
            headers=headers,
        ).status_code
        == 200
    )
    assert spy.calls == 3


def test_a_body_over_the_limit_is_refused_by_the_route(app, stacks, granted):
    fast, _, spy = stacks
    app.config["MAX_CONTENT_LENGTH"] = 64
    q = {"person": granted["people"]["a"], "action": "decide", "item": "FGW-001", "place": "FGW-CK", "case": "x" * 60}
    r = fast.post("/api/v1/decisions", json=q, headers=bearer(granted["tokens"]["win"]))
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert spy.calls == 1


def test_in_debug_mode_flask_writes_the_indented_answer(app, stacks, granted):
    fast, _, spy = stacks
    app.config["DEBUG"] = True
    q = questions(granted)[0]
    r = fast.post("/api/v1/decisions", json=q, headers=bearer(granted["tokens"]["win"]))
    assert r.status_code == 200 and b"\n  " in r.data
    assert spy.calls == 1


def test_each_answer_is_logged_once_whichever_path_gave_it(rt, client, granted):
    headers = bearer(granted["tokens"]["win"])
    ids = []
    for q in questions(granted) + [{"person": granted["people"]["a"], "action": "decide", "item": "NOPE"}] * 3:
        r = client.post("/api/v1/decisions", json=q, headers=headers)  # the app as create_app builds it
        if r.status_code == 200:
            ids.append(r.get_json()["decision_id"])
    assert len(ids) == len(questions(granted)) and len(set(ids)) == len(ids)
    rt.policy.flush_decisions()  # what the writer thread has not written yet
    with rt.sessions() as session:
        for decision_id in ids:
            logged = find_decision(session, decision_id)
            assert logged is not None and logged.answer["decision_id"] == decision_id
    counter = int(ids[-1][-10:], 16)
    assert counter == int(ids[0][-10:], 16) + len(ids) - 1, "a refused question took a decision id"
