"""OpenAPI links (3.1 §4.8.20) between the API's operations: what a created record's answer
lets a client do next. Clients and the stateful fuzzing (tests/api) follow them, e.g. a case
just opened gets its steps, an authorization just filed is revoked."""

from __future__ import annotations

from typing import Any


def _op(method: str, path: str) -> str:
    import re

    return re.sub(r"\W+", "_", f"{method}_{path}").strip("_")


# (method, path, status) → {link name: (target method, target path, {parameter: runtime expression})}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("POST", "/cases", "201"): {"AddStep": ("POST", "/cases/{number}/steps", {"number": "$response.body#/number"})},
    ("POST", "/authorizations", "201"): {
        "Revoke": ("POST", "/authorizations/{auth_id}/revoke", {"auth_id": "$response.body#/id"})
    },
    ("POST", "/exemptions", "201"): {
        "Decide": ("POST", "/exemptions/{exemption_id}/decision", {"exemption_id": "$response.body#/id"})
    },
    ("POST", "/entry-plans", "201"): {
        "Show": ("GET", "/entry-plans/{plan_id}", {"plan_id": "$response.body#/id"}),
        "Step": ("POST", "/entry-plans/{plan_id}/steps", {"plan_id": "$response.body#/id"}),
    },
    ("POST", "/items", "201"): {"Review": ("POST", "/items/{code}/review", {"code": "$response.body#/code"})},
    ("GET", "/findings", "200"): {
        "Show": ("GET", "/findings/{finding_id}", {"finding_id": "$response.body#/items/0/id"})
    },
}


def add_links(paths: dict[str, dict[str, Any]], known: set[tuple[str, str]]) -> None:
    """Add LINKS to the responses of `paths` (keys without the /api/v1 prefix), for the
    operations that exist (`known`: (method, path))."""
    for (method, path, status), links in LINKS.items():
        response = paths.get(path, {}).get(method.lower(), {}).get("responses", {}).get(status)
        if response is None:
            continue
        found = {
            name: {"operationId": _op(m, p), "parameters": params}
            for name, (m, p, params) in links.items()
            if (m, p) in known
        }
        if found:
            response["links"] = found
