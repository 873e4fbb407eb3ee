"""Errors the registry raises; the web layer maps them to problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class RegistryError(Exception):
    status = 400
    title = "请求无效"

    def __init__(self, detail: str, errors: list[FieldError] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class Invalid(RegistryError):
    """Bad input: a field is wrong or refers to something unknown. Nothing is written."""

    status = 422
    title = "数据校验未通过"


class NotFound(RegistryError):
    status = 404
    title = "记录不存在"


class Forbidden(RegistryError):
    """The actor may not file this (wrong role or another department's record)."""

    status = 403
    title = "无权操作"


class Conflict(RegistryError):
    status = 409
    title = "与现有记录冲突"


def invalid(field_name: str, message: str) -> Invalid:
    return Invalid(message, [FieldError(field_name, message)])


@dataclass
class ErrorList:
    """Collects several field errors so a request names all of its problems at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self, detail: str = "请求中有字段不正确") -> None:
        if self.errors:
            raise Invalid(detail, list(self.errors))
