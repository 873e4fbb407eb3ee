"""Registry filings and seal uses through the API, as the tests of several folders need them."""

from __future__ import annotations

import hashlib

import pytest

from registry.inputs.filings import SealIn
from registry.services import org
from registry.services.context import Actor
from tests.factories.world import bearer, hold_case

ITEM = {
    "code": "FGW-001",
    "name": "企业投资项目备案",
    "department": "FGW",
    "item_type": "行政确认",
    "case_type": "instant",
    "statutory_limit": {"value": 20, "unit": "working_day"},
    "promised_limit": {"value": 5, "unit": "working_day"},
    "entry": {"hall": "CITY"},
    "effective_from": "2019-01-01T00:00:00+08:00",
}


MINIMUM = ["decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal"]


class UserClient:
    """The API as one user of the world: each request with that user's bearer token."""

    def __init__(self, client, token: str) -> None:
        self.client, self.headers = client, bearer(token)

    def post(self, url: str, body: dict | None = None):
        return self.client.post(url, json=body, headers=self.headers)

    def get(self, url: str):
        return self.client.get(url, headers=self.headers)


def authorization(grantor: str, person: int, post: str, powers=MINIMUM, **more) -> dict:
    """A body of POST /authorizations: `post` for `person` in `grantor` (`more`: backs, items, times)."""
    return {"grantor": grantor, "grantee": {"person": person}, "post": post, "powers": list(powers), **more}


def file_item(client, world, item=ITEM):
    r = client.post("/api/v1/items", json=item, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 201, r.get_json()
    r = client.post(
        f"/api/v1/items/{item['code']}/review", json={"result": "approved"}, headers=bearer(world["tokens"]["sgb"])
    )
    assert r.status_code == 201, r.get_json()


def grant(client, world, person, post, backs=None, powers=MINIMUM):
    more = {"backs": backs} if backs else {}
    body = authorization("FGW", person, post, powers, valid_from="2019-01-01T00:00:00+08:00", **more)
    r = client.post("/api/v1/authorizations", json=body, headers=bearer(world["tokens"]["fgw"]))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def ask(client, world, **q):
    r = client.post("/api/v1/decisions", json=q, headers=bearer(world["tokens"]["win"]))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def seal_setup(rt, client, world):
    file_item(client, world)
    a = world["people"]["a"]
    a_id = grant(client, world, a, "A")
    with rt.filing(Actor(name="zwfw", role="gov_service")) as ctx:
        org.create_seal(ctx, SealIn(code="FGW-SP", name="市发改委行政审批专用章", department="FGW", kind="approval"))
    r = client.post(
        "/api/v1/seal-custody",
        json={"seal": "FGW-SP", "person": a, "from": "2019-01-01"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201, r.get_json()
    for number in ("XT2026-0001", "XT2026-0002", "C-1", "C-2", "C-3"):
        hold_case(rt, number, "FGW-001")
    return a, a_id


def gov_grant(client, world):
    r = client.post(
        "/api/v1/authorizations",
        json={
            "grantor": "FGW",
            "grantee": {"gov_service": True},
            "powers": ["consult", "receive", "accept", "issue"],
            "valid_from": "2019-01-01",
        },
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code == 201, r.get_json()


def case(number, world, place="ZH-01", applicant="湘潭某建材有限公司", platform_no="PT-0001"):
    return {
        "number": number,
        "item": "FGW-002",
        "place": place,
        "person": world["people"]["w"],
        "applicant": applicant,
        "accepted_at": "2026-09-30T16:00:00+08:00",
        "platform_no": platform_no,
    }


def platform_token(rt) -> str:
    from registry.services.accounts import create_token, create_user

    with rt.filing_session() as session:
        create_user(session, "yth", "platform", None)
        return create_token(session, "yth")


@pytest.fixture(autouse=True)
def hall_clock(monkeypatch):
    """The window files each acceptance as it happens (2026-09-30 16:05 in the hall): a case
    is not back-dated beyond the pack's step_backdate_hours (application.acts)."""
    from datetime import datetime, timezone

    monkeypatch.setattr("application.acts.utcnow", lambda: datetime(2026, 9, 30, 8, 5, tzinfo=timezone.utc))


def seal_use_body(person: int, case: str, document: str = "ab" * 32) -> dict:
    """A body of POST /seal-uses: the FGW approval seal on FGW-001 at the FGW window."""
    return {
        "seal": "FGW-SP",
        "person": person,
        "item": "FGW-001",
        "case": case,
        "document_sha256": document,
        "place": "FGW-CK",
    }


def use_seal(
    client, world, person, case, document: str = "ab" * 32, *, token: str = "zhang", status: int = 201
) -> dict:
    """POST /seal-uses: the FGW approval seal on FGW-001 at the FGW window; the answer, which must
    have `status`."""
    body = seal_use_body(person, case, document)
    r = client.post("/api/v1/seal-uses", json=body, headers=bearer(world["tokens"][token]))
    assert r.status_code == status, r.get_json()
    return r.get_json()


def receipt_for_case(client, world, person, case: str) -> dict:
    """The receipt of a seal use on a document of its own for each case (the SHA-256 of its number)."""
    return use_seal(client, world, person, case, hashlib.sha256(case.encode()).hexdigest())["receipt"]


def seal_receipt(rt, client, world, case="XT2026-0001") -> dict:  # noqa: F811
    a, _ = seal_setup(rt, client, world)
    return use_seal(client, world, a, case)
