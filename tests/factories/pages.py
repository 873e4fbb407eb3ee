"""Signing in to the pages and the registry rows the page tests start from."""

from __future__ import annotations

from io import BytesIO

import pytest

from registry.inputs.filings import AuthorizationIn, ItemIn, ItemReviewIn, SealCustodyIn, SealIn
from registry.services import catalog, grants, org
from registry.services.context import SYSTEM, Actor
from tests.factories import api
from tests.factories.api import MINIMUM
from tests.factories.world import T0

PASSWORD = "password-123"


ITEM = {**api.ITEM, "name": "企业投资项目核准", "item_type": "licensing", "effective_from": T0}


FGW = Actor(name="fgw", role="department", department="FGW")


@pytest.fixture
def ui(app, world):
    app.config["WTF_CSRF_ENABLED"] = False
    return world


def login(client, name: str, follow: bool = False):
    return client.post("/login", data={"name": name, "password": PASSWORD}, follow_redirects=follow)


def published_item(rt):
    with rt.filing(FGW) as ctx:
        catalog.file_item(ctx, ItemIn.model_validate(dict(ITEM)))
    with rt.filing(Actor(name="sgb", role="reform_office")) as ctx:
        catalog.review_item(ctx, ITEM["code"], ItemReviewIn(result="approved"))


def a_and_b(rt, world):
    """An A post for 张建国 and a B post backing it for 李明; returns their ids."""

    def grant(ctx, person: int, post: str, backs: int | None = None) -> int:
        grantee = {"person": person}
        body = AuthorizationIn(grantor="FGW", grantee=grantee, post=post, backs=backs, powers=MINIMUM, valid_from=T0)
        return grants.file_authorization(ctx, body).id

    with rt.filing(FGW) as ctx:
        a = grant(ctx, world["people"]["a"], "A")
        return a, grant(ctx, world["people"]["b"], "B", backs=a)


def seal_kept_by(rt, person_id: int, code: str = "FGW-SP"):
    with rt.filing(SYSTEM) as ctx:
        org.create_seal(ctx, SealIn(code=code, name="市发改委行政审批专用章", department="FGW", kind="approval"))
    with rt.filing(FGW) as ctx:
        grants.file_seal_custody(ctx, SealCustodyIn(seal=code, person=person_id, from_=T0))


def seal_on_the_page(client, case: str, document: bytes):
    """The signed-in custodian seals `document` (a.pdf) for case `case` of FGW-001 at the FGW
    window, through the seal page: the response."""
    return client.post(
        "/window/seal",
        data={
            "seal": "FGW-SP",
            "item": "FGW-001",
            "case": case,
            "place": "FGW-CK",
            "document": (BytesIO(document), "a.pdf"),
        },
        content_type="multipart/form-data",
    )


@pytest.fixture
def policy(rt):
    from application.packs import publish
    from rules.pack import default_pack_dir

    publish(rt, default_pack_dir(), "test")
    return rt.policy
