"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), over a seeded demo city.

Every operation of the document gets generated requests, valid and invalid ones, each sent
with the bearer token of a role drawn per request (reform office, department, window clerk,
seal custodian, government service department, government, DRC, auditor) or none at all.
References (department, item, place, seal, person, authorization … codes and ids) are swapped,
part of the time, for ones that exist, so requests get past "not found" into the filing and
decision paths. Three checks, never loosened: no 5xx, every answer matches the documented
schema of its status code, and its content type is the documented one.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import random
import pkgutil
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

import web.api
from tests.api.world import DEPARTMENT, DemoWorld, build_world
from tests.factories.databases import empty_database
from web.api.routing import ROUTES

# The routes register when their modules are imported (create_app imports them): import them all.
for _module in pkgutil.iter_modules(web.api.__path__):
    importlib.import_module(f"web.api.{_module.name}")

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Generated requests per operation and generation mode (valid, invalid); ~70 operations, about
# 1,400 requests in all. Raise it locally with ONEHALL_FUZZ_EXAMPLES=100 for a deeper run (the
# file stays well under 90 s at the default); ONEHALL_FUZZ_REPORT=1 with -s prints the statuses
# each operation answered.
MAX_EXAMPLES = int(os.environ.get("ONEHALL_FUZZ_EXAMPLES", "8"))
# Seeds: none (the default) runs each test once, derandomized; ONEHALL_FUZZ_SEEDS=1,2,3 runs
# every operation and the stateful phase once per seed (bench/fuzz.py does, with more examples).
SEEDS = [int(x) for x in os.environ.get("ONEHALL_FUZZ_SEEDS", "").split(",") if x.strip()] or [None]
# The stateful phase: scenarios per role and seed, and steps per scenario (links followed).
STATEFUL_EXAMPLES = int(os.environ.get("ONEHALL_FUZZ_STATEFUL", "6"))
STATEFUL_STEPS = 8
# the paths that decide and file what the hall lives on get three times as many
CORE = {
    "/api/v1/decisions",
    "/api/v1/seal-uses",
    "/api/v1/authorizations",
    "/api/v1/absences",
    "/api/v1/cases",
    "/api/v1/decisions/actions",
    "/api/v1/items",
}

# role → the world's token key (several keys for a role: drawn among them)
ROLE_TOKENS = {
    "reform_office": ["reform"],
    "department": ["dept"],
    "window": ["window", "custodian"],
    "gov_service": ["gs"],
    "government": ["gov"],
    "drc": ["drc"],
    "auditor": ["audit"],
    "platform": ["platform"],
}
ALL_TOKENS = [*[key for keys in ROLE_TOKENS.values() for key in keys], "anonymous"]
SENT: Counter = Counter()  # (method, path, mode, status) → requests
STATEFUL: Counter = Counter()  # (role, status) → requests of the stateful phase
OPERATIONS = sorted({(spec.method, "/api/v1" + spec.path) for spec in ROUTES}, key=lambda op: (op[1], op[0]))
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
ROLES_OF = {(spec.method, "/api/v1" + spec.path): spec.roles for spec in ROUTES}

# body / query field → kind of reference (DemoWorld.refs)
FIELD_REFS = {
    "person": "person",
    "head": "person",
    "item": "item",
    "place": "place",
    "seal": "seal",
    "department": "department",
    "grantor": "department",
    "host_department": "department",
    "hall": "hall",
    "section": "section",
    "backs": "authorization",
    "function_section": "function_section",
    "case": "case",
}
PATH_REFS = {
    "code": "item",
    "auth_id": "authorization",
    "exemption_id": "exemption",
    "alert_id": "alert",
    "number": "case",
    "leaf_hash": "leaf_hash",
    "finding_id": "finding",
    "plan_id": "entry_plan",
    "token_id": "token",
}
QUERY_REFS = {"person": "person", "item": "item", "place": "place", "department": "department"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> DemoWorld:
    """The demo city on SQLite, or on the PostgreSQL server `ONEHALL_FUZZ_DATABASE_URL` names (in a
    schema of its own, dropped afterwards): bench.fuzz --database-url runs the long fuzz there."""
    url = os.environ.get("ONEHALL_FUZZ_DATABASE_URL")
    if not url:
        w = build_world(tmp_path_factory.mktemp("fuzz"))
        yield w
        w.rt.close()
        return
    for database_url, schema in empty_database("postgresql", tmp_path_factory.mktemp("fuzz"), "fuzz", url):
        w = build_world(tmp_path_factory.mktemp("fuzz"), database_url=database_url, database_schema=schema)
        yield w
        w.rt.close()


@pytest.fixture(scope="module")
def api_schema(world):
    config = schemathesis.Config.from_dict({"generation": {"max-examples": MAX_EXAMPLES}})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app, config=config)


class _Seeded:
    """`data.draw` for the stateful phase, from a seeded random.Random (the state machine has
    no `st.data()`): only the two strategies _aim and _draw_token use."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def draw(self, strategy, label: str = ""):
        wrapped = getattr(strategy, "wrapped_strategy", strategy)
        elements = getattr(wrapped, "elements", None)
        if elements is not None:
            return self.random.choice(list(elements))
        return self.random.randint(wrapped.start, wrapped.end)


def _draw_token(data, case) -> str:
    roles = ROLES_OF.get((case.method.upper(), case.path))
    if roles and data.draw(st.integers(0, 9), label="allowed role?") < 7:
        keys = [key for role in roles for key in ROLE_TOKENS.get(role, [])]
        if keys:
            return data.draw(st.sampled_from(keys), label="token")
    return data.draw(st.sampled_from(ALL_TOKENS), label="token")


def _maybe(data, label: str, numerator: int = 1, denominator: int = 2) -> bool:
    return data.draw(st.integers(0, denominator - 1), label=label) < numerator


def _aim(data, case, world: DemoWorld, token: str) -> None:
    """Point some of the generated references at rows that exist."""
    refs = world.refs
    for name, kind in PATH_REFS.items():
        if case.path_parameters and name in case.path_parameters and refs.get(kind) and _maybe(data, f"path {name}"):
            case.path_parameters[name] = str(data.draw(st.sampled_from(refs[kind]), label=name))
    params = case.path_parameters or {}
    named = str(params.get("token_id", "")).strip()
    if named.isascii() and named.isdigit() and str(int(named)) in world.protected_tokens:  # the roles' own live on
        params["token_id"] = str(data.draw(st.sampled_from(refs["token"]), label="spare token"))
    if isinstance(case.query, dict):
        for name, kind in QUERY_REFS.items():
            if name in case.query and refs.get(kind) and _maybe(data, f"query {name}"):
                case.query[name] = str(data.draw(st.sampled_from(refs[kind]), label=name))
    body = case.body
    if not isinstance(body, dict):
        return
    for name, kind in FIELD_REFS.items():
        if name not in body or not refs.get(kind):
            continue
        if not isinstance(body[name], type(refs[kind][0])) and not _maybe(data, f"retype {name}", 1, 4):
            continue  # keep most type errors as generated (negative cases)
        if _maybe(data, f"body {name}"):
            value = data.draw(st.sampled_from(refs[kind]), label=name)
            if kind == "department" and token == "dept" and _maybe(data, "own department"):
                value = DEPARTMENT
            body[name] = value
    if isinstance(body.get("grantee"), dict) and "person" in body["grantee"] and _maybe(data, "grantee"):
        body["grantee"]["person"] = data.draw(st.sampled_from(refs["person"]), label="grantee")
    # a decision about real people and items, half the time
    if case.path == "/api/v1/decisions" and _maybe(data, "real decision"):
        body["person"] = data.draw(st.sampled_from(refs["person"]), label="person")
        body["item"] = data.draw(st.sampled_from(refs["item"]), label="item")
    # the custodian's own seal use, now and then exactly as the window page sends it
    if case.path == "/api/v1/seal-uses" and token == "custodian" and _maybe(data, "own seal use"):
        body.update(
            {
                "seal": refs["custody_seal"][0],
                "person": world.people["custodian"],
                "item": data.draw(st.sampled_from(refs["custody_items"]), label="item"),
                "place": data.draw(st.sampled_from(refs["custody_places"]), label="place"),
                "document_sha256": hashlib.sha256(repr(body).encode()).hexdigest(),
            }
        )


def test_compliance_report_is_a_json_answer(world):
    """GET /compliance: found by the fuzzing below. The pack's parameters hold a Fraction
    (compression 1/3), which Flask's JSON provider cannot encode (a 500 for every caller), and
    datetimes (rule_start_dates), which it would write as RFC 822 dates, not ISO-8601."""
    client = world.app.test_client()
    r = client.get("/api/v1/compliance", headers={"Authorization": f"Bearer {world.tokens['reform']}"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["findings"]
    assert body["parameters"]["compression"]["fraction"] == "1/3"
    assert body["parameters"]["rule_start_dates"]["entry_deadline"].startswith("2018-12-31T16:00")


def test_every_route_is_fuzzed(api_schema):
    documented = {(method.upper(), path) for path, ops in api_schema.raw_schema["paths"].items() for method in ops}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" if s is not None else "fixed" for s in SEEDS])
@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p[7:]}" for m, p in OPERATIONS])
def test_api_conforms_to_its_openapi_document(method, path, mode, seed, api_schema, world):
    operation = api_schema[path][method]
    if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
        pytest.skip("nothing to make invalid: no parameters, no body")
    strategy = operation.as_strategy(generation_mode=mode)

    @given(case=strategy, data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES * (3 if path in CORE else 1),
        deadline=None,
        derandomize=seed is None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def fuzz(case, data):
        token = _draw_token(data, case)
        _aim(data, case, world, token)
        bearer = world.tokens[token]
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = case.call(headers=headers)
        SENT[(case.method.upper(), case.path, mode.value, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    if seed is not None:
        fuzz = hypothesis_seed(seed)(fuzz)
    fuzz()


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" if s is not None else "fixed" for s in SEEDS])
@pytest.mark.parametrize("role", sorted(ROLE_TOKENS))
def test_stateful_sequences_follow_the_links_without_server_errors(role, seed, api_schema, world):
    """The stateful phase: scenarios of several calls, each answer's links (web.api.links)
    feeding the next call (a case opened, then its steps; an authorization filed, then
    revoked …), all with one role's token, under the same three checks."""
    keys = ROLE_TOKENS[role]
    picker = _Seeded(seed or 0)
    base = api_schema.as_state_machine()

    class Machine(base):
        def get_call_kwargs(self, case):
            token = picker.random.choice(keys)
            _aim(picker, case, world, token)
            return {"headers": {"Authorization": f"Bearer {world.tokens[token]}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            SENT[(case.method.upper(), case.path, "stateful", response.status_code)] += 1
            STATEFUL[(role, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))

    if seed is not None:
        Machine = hypothesis_seed(seed)(Machine)
    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=seed is None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
        )
    )
    assert sum(n for (r, _), n in STATEFUL.items() if r == role) > 0


def _has_inputs(operation) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody"))


def test_several_hundred_requests_reached_the_app(world):
    """Runs last in this module: the fuzzing above sent several hundred requests, and enough of
    them got past authentication and validation into the filings and the decisions."""
    if len({(m, p) for m, p, _, _ in SENT}) < len(OPERATIONS):
        pytest.skip("only part of the module ran")
    total = sum(SENT.values())
    by_status = Counter()
    for (_, _, _, status), n in SENT.items():
        by_status[status] += n
    print(f"\n{total} requests: " + ", ".join(f"{s}×{n}" for s, n in sorted(by_status.items())))
    if os.environ.get("ONEHALL_FUZZ_REPORT"):
        for key, n in sorted(SENT.items()):
            print(*key, n)
    created = sum(n for (m, p, _, status), n in SENT.items() if status == 201)
    decided = sum(n for (m, p, _, status), n in SENT.items() if p.endswith("/decisions") and status == 200)
    stateful = sum(STATEFUL.values())
    report = {
        "backend": world.rt.engine.dialect.name,
        "requests": total,
        "stateful_requests": stateful,
        "seeds": [s for s in SEEDS if s is not None],
        "examples": MAX_EXAMPLES,
        "stateful_examples": STATEFUL_EXAMPLES,
        "server_errors": sum(n for s, n in by_status.items() if s >= 500),
        "by_status": {str(s): n for s, n in sorted(by_status.items())},
        "stateful_by_role": {r: sum(n for (rr, _), n in STATEFUL.items() if rr == r) for r in sorted(ROLE_TOKENS)},
        "stateful_by_status": {
            str(st_): sum(n for (_, s_), n in STATEFUL.items() if s_ == st_)
            for st_ in sorted({s_ for _, s_ in STATEFUL})
        },
    }
    print(json.dumps(report, ensure_ascii=False))
    if os.environ.get("ONEHALL_FUZZ_JSON"):
        with open(os.environ["ONEHALL_FUZZ_JSON"], "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False)
    assert total >= 300
    assert created > 0 and decided > 0, by_status
    assert stateful > 0 and report["server_errors"] == 0
