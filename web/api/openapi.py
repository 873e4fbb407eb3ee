"""/api/v1/openapi.json, generated from the route table and the request schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from rules.decision import DecisionJSON

from web.api.links import add_links
from web.api.routing import ANONYMOUS, ROUTES

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}},
        },
        "reasons": {"type": "array", "items": {"type": "object"}},
    },
}

# What the views accept in a path segment (anything else is answered 404 or 422).
PATH_SCHEMAS = {
    "leaf_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "year": {"type": "string", "pattern": "^[0-9]{4}$"},
    "size": {"type": "string", "pattern": "^[0-9]{1,18}$"},
}


def _answer_schemas() -> dict[str, Any]:
    """The schema of POST /decisions' answer, from the engine's typed Decision (rules.decision)."""
    schema = TypeAdapter(DecisionJSON).json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    schema["title"] = "Decision"
    return {**defs, "Decision": schema}


def build_openapi() -> dict[str, Any]:
    models = {spec.body for spec in ROUTES if spec.body is not None}
    _, defs = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    components = dict(defs.get("$defs", {}))
    components.update(_answer_schemas())
    paths: dict[str, dict[str, Any]] = {}
    problem_ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for spec in ROUTES:
        op: dict[str, Any] = {
            "summary": spec.summary,
            "tags": [spec.tag],
            "operationId": re.sub(r"\W+", "_", f"{spec.method}_{spec.path}").strip("_"),
        }
        params = [
            {"name": name, "in": "path", "required": True, "schema": PATH_SCHEMAS.get(name, {"type": "string"})}
            for name in re.findall(r"{(\w+)}", spec.path)
        ]
        params += [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": desc,
                "schema": {"type": "integer", "minimum": 1} if name in ("page", "per_page") else {"type": "string"},
            }
            for name, desc in spec.query.items()
        ]
        if params:
            op["parameters"] = params
        if spec.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{spec.body.__name__}"}}},
            }
        responses: dict[str, Any] = {
            str(spec.status): {
                "description": "成功",
                "content": {"application/json": {"schema": spec.response or {"type": "object"}}},
            }
        }
        responses["4XX"] = {"description": "请求被拒绝", "content": problem_ref}
        op["responses"] = responses
        if spec.roles == ANONYMOUS:
            op["security"] = []
        else:
            roles = "、".join(spec.roles) if spec.roles else "任何已登录角色"
            op["description"] = f"可调用的角色：{roles}"
        paths.setdefault(spec.path, {})[spec.method.lower()] = op
    add_links(paths, {(spec.method, spec.path) for spec in ROUTES})
    components["Problem"] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "onehall API",
            "version": "1",
            "description": "湘潭市政务服务集中办理：授权登记、权限判定、用印存证",
        },
        "servers": [{"url": "/"}],
        "paths": {("/api/v1" + p): v for p, v in paths.items()},
        "components": {"schemas": components, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
