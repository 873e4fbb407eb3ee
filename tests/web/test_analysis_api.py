"""Gaps and what-if over the registry, through the API."""

from __future__ import annotations

from tests.factories.world import bearer
from tests.factories.api import file_item
from tests.factories.api import grant


def test_an_entered_item_with_no_decider_is_a_gap_until_granted(client, world):
    file_item(client, world)
    r = client.post("/api/v1/analysis/gaps", json={}, headers=bearer(world["tokens"]["sgb"]))
    assert r.status_code == 200, r.get_json()
    assert any(g["kind"] == "no_decider" and "FGW-001" in g["subject"] for g in r.get_json()["items"])
    grant(client, world, world["people"]["a"], "A")
    after = client.post("/api/v1/analysis/gaps", json={}, headers=bearer(world["tokens"]["sgb"])).get_json()["items"]
    assert all(g["kind"] for g in after)
    assert not any("FGW-001" in g["subject"] and g["kind"] == "no_decider" for g in after)


def test_what_if_the_a_post_is_absent(client, world):
    file_item(client, world)
    a, b = world["people"]["a"], world["people"]["b"]
    a_id = grant(client, world, a, "A")
    grant(client, world, b, "B", backs=a_id)
    r = client.post(
        "/api/v1/analysis/what-if",
        json={"person": a, "from": "2026-12-01", "to": "2026-12-10"},
        headers=bearer(world["tokens"]["sgb"]),
    )
    assert r.status_code == 200, r.get_json()
    result = r.get_json()
    assert "FGW-001" in result["changed"]  # the B post decides instead of the A post
    assert "FGW-001" not in result["nobody"]
    assert (
        client.post(
            "/api/v1/analysis/what-if", json={"person": a, "from": "2026-12-01"}, headers=bearer(world["tokens"]["win"])
        ).status_code
        == 403
    )
