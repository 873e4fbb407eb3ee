"""Telling the responsible department about a finding (docs/design.md §3 Alerts, XT-5.3).

A :class:`Notifier` has one method, ``notify(department, findings) -> bool``: one message
telling a department about all of its findings of a pass (a city's first sync finds
thousands, and one message per finding would bury them). True when the message went out,
False when there is no configured address for that department (its findings then stay
``open`` and are tried again on the next pass). Addresses come only from configuration;
nothing here derives an address from data.

- :class:`LogNotifier` keeps what it was given in ``sent`` and writes a log line (tests,
  and the default when nothing is configured).
- :class:`WebhookNotifier` POSTs JSON with urllib to the URL configured for the department
  (or the ``*`` default); http and https only.
- :class:`EmailNotifier` sends mail through smtplib to the address configured for the
  department (or ``*``).

Configuration (environment): ``ONEHALL_NOTIFY`` = ``log`` (default) | ``webhook`` | ``email``
| ``none``; ``ONEHALL_NOTIFY_WEBHOOKS`` = JSON ``{"FGW": "https://…", "*": "https://…"}``;
``ONEHALL_NOTIFY_EMAILS`` = JSON ``{"FGW": "fgw@example.gov.cn", "*": "…"}``;
``ONEHALL_SMTP_HOST``, ``ONEHALL_SMTP_PORT`` (587), ``ONEHALL_SMTP_USER``,
``ONEHALL_SMTP_PASSWORD``, ``ONEHALL_SMTP_FROM``, ``ONEHALL_SMTP_STARTTLS`` (1).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

if TYPE_CHECKING:
    from application.runtime import Runtime

log = logging.getLogger("onehall.notify")

CITY = "*"


MAX_LISTED = 100  # findings written out in one message; the rest are counted and linked


class Notifier(Protocol):
    name: str

    def notify(self, department: str | None, findings: Sequence[dict[str, Any]]) -> bool: ...


def _recipient(department: str | None, findings: Sequence[dict[str, Any]]) -> str:
    return (findings[0].get("department_name") if findings else None) or department or "全市"


def message_subject(department: str | None, findings: Sequence[dict[str, Any]]) -> str:
    return f"[onehall] 合规问题通知：{_recipient(department, findings)} {len(findings)} 项"


def message_text(department: str | None, findings: Sequence[dict[str, Any]]) -> str:
    lines = [f"【onehall 合规问题通知】{_recipient(department, findings)}：本次共 {len(findings)} 项待处理", ""]
    for n, f in enumerate(findings[:MAX_LISTED], 1):
        lines += [
            f"{n}. 条款：{f.get('clause')}　规则：{f.get('rule')}　强度：{f.get('strength')}",
            f"   对象：{f.get('subject')}",
            f"   {f.get('text')}",
            f"   问题编号：{f.get('id')}",
        ]
    if len(findings) > MAX_LISTED:
        lines.append(f"……另有 {len(findings) - MAX_LISTED} 项，请在 onehall 的合规问题列表中查看")
    lines += ["", "请在 onehall 中逐项答复（POST /api/v1/findings/{问题编号}/answer）。"]
    return "\n".join(lines)


class LogNotifier:
    """Records every message in ``messages`` (and each finding told in ``sent``) and as a log line."""

    name = "log"

    def __init__(self) -> None:
        self.messages: list[tuple[str | None, list[str]]] = []
        self.sent: list[tuple[str | None, dict[str, Any]]] = []

    def notify(self, department: str | None, findings: Sequence[dict[str, Any]]) -> bool:
        self.messages.append((department, [f.get("id") for f in findings]))
        self.sent.extend((department, dict(f)) for f in findings)
        # the ids are for whoever debugs a notification; the console gets the scheduler's one summary line
        log.debug(
            "%d finding(s) → %s: %s",
            len(findings),
            department or "全市",
            ", ".join(str(f.get("id")) for f in findings[:10]),
        )
        return True


class NullNotifier:
    name = "none"

    def notify(self, department: str | None, findings: Sequence[dict[str, Any]]) -> bool:
        return False


def _address(addresses: Mapping[str, str], department: str | None) -> str | None:
    return addresses.get(department or CITY) or addresses.get(CITY)


class WebhookNotifier:
    """POST ``{"department", "findings", "text"}`` as JSON to the configured URL."""

    name = "webhook"

    def __init__(self, urls: Mapping[str, str], timeout: float = 10.0) -> None:
        for dept, url in urls.items():
            if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"通知地址须为 http(s)：{dept} → {url}")
        self.urls = dict(urls)
        self.timeout = timeout

    def notify(self, department: str | None, findings: Sequence[dict[str, Any]]) -> bool:
        url = _address(self.urls, department)
        if url is None:
            return False
        body = json.dumps(
            {"department": department, "findings": list(findings), "text": message_text(department, findings)},
            ensure_ascii=False,
            default=str,
        ).encode()
        req = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "onehall-notify/1"},
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (scheme checked above)
            if resp.status >= 300:
                raise OSError(f"webhook answered {resp.status}")
        return True


class EmailNotifier:
    """Mail through an SMTP server configured by the environment."""

    name = "email"

    def __init__(
        self,
        addresses: Mapping[str, str],
        *,
        host: str,
        port: int = 587,
        user: str | None = None,
        password: str | None = None,
        sender: str,
        starttls: bool = True,
        timeout: float = 20.0,
    ) -> None:
        self.addresses = dict(addresses)
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.starttls, self.timeout = sender, starttls, timeout

    def notify(self, department: str | None, findings: Sequence[dict[str, Any]]) -> bool:
        to = _address(self.addresses, department)
        if to is None:
            return False
        msg = EmailMessage()
        msg["Subject"] = message_subject(department, findings)
        msg["From"] = self.sender
        msg["To"] = to
        msg.set_content(message_text(department, findings))
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)
        return True


def _json_env(env: Mapping[str, str], name: str) -> dict[str, str]:
    raw = env.get(name)
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"{name} 须为 JSON 对象：部门编码 → 地址")
    return value


def notifier_from_env(env: Mapping[str, str] | None = None) -> Notifier:
    env = os.environ if env is None else env
    kind = (env.get("ONEHALL_NOTIFY") or "log").strip().lower()
    if kind == "log":
        return LogNotifier()
    if kind == "none":
        return NullNotifier()
    if kind == "webhook":
        return WebhookNotifier(_json_env(env, "ONEHALL_NOTIFY_WEBHOOKS"))
    if kind == "email":
        host = env.get("ONEHALL_SMTP_HOST")
        sender = env.get("ONEHALL_SMTP_FROM")
        if not host or not sender:
            raise ValueError("ONEHALL_NOTIFY=email 需要 ONEHALL_SMTP_HOST 和 ONEHALL_SMTP_FROM")
        return EmailNotifier(
            _json_env(env, "ONEHALL_NOTIFY_EMAILS"),
            host=host,
            port=int(env.get("ONEHALL_SMTP_PORT") or 587),
            user=env.get("ONEHALL_SMTP_USER"),
            password=env.get("ONEHALL_SMTP_PASSWORD"),
            sender=sender,
            starttls=(env.get("ONEHALL_SMTP_STARTTLS") or "1") not in ("0", "false", "no"),
        )
    raise ValueError(f"未知的通知方式 ONEHALL_NOTIFY={kind}（可选 log、webhook、email、none）")


def runtime_notifier(rt: Runtime) -> Notifier:
    """The runtime's notifier (from the environment, once); tests may set rt.notifier."""
    if rt.notifier is None:
        rt.notifier = notifier_from_env()
    return rt.notifier
