"""Error pages in Chinese, each with a way back (issue 12 item 1), for every HTTP error a page
request can meet, and the registry's, rules' and door's refusals a page meets (web.refusals);
the API answers problem+json instead (web.app, web.api.problems)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from web.refusals import REFUSALS, refusal_of

TITLES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页检查后重新提交。"),
    401: ("需要登录", "请先登录再打开此页面。"),
    403: ("无权访问", "您的账号无权打开此页面。"),
    404: ("页面不存在", "您要打开的页面不存在，可能地址有误，或该记录已被移除。"),
    405: ("操作方式不正确", "此页面不接受这种操作，请从页面上的按钮或链接进入。"),
    413: ("文件过大", "上传的文件超过了允许的大小（16 MB）。"),
    429: ("操作过于频繁", "请求过于频繁，请稍后再试。"),
    500: ("服务器内部错误", "系统处理时出错，请求未完成，没有写入任何数据。请稍后重试；问题持续时请联系系统管理员。"),
}


def error_page(status: int, message: str | None = None):
    title, default = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    try:
        html = render_template("error.html", title=title, message=message or default, status=status)
    except Exception:  # pragma: no cover - the template itself failed: plain text, still Chinese
        html = (
            f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><h1>{title}</h1><p>{default}</p>'
            '<p><a href="/">返回首页</a></p></html>'
        )
    return html, status


def refusal_page(exc: Exception):
    """A registry, rules or door refusal (web.refusals) met by a page outside a form (a form shows
    its fields' errors beside them: web.ui.common.file_with). After a post it is a flash on the page
    the user came from (nothing was written); opening a page, an error page with its status."""
    said = refusal_of(exc)
    if request.method == "POST":
        flash(f"未能办理：{said.detail}", "error")
        return redirect(_back())
    return render_template("error.html", title=said.title, message=said.detail, status=said.status), said.status


def _back() -> str:
    """The page the form was on (this site's only), else the user's home."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc == request.host and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    from web.ui.common import home_url

    principal = getattr(g, "principal", None)
    return home_url(principal) if principal is not None else url_for("ui.home")


def install(bp: Blueprint) -> None:
    """The one mapping of refusals for every page."""
    for kind in REFUSALS:
        bp.register_error_handler(kind, refusal_page)
