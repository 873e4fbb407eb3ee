"""Reading pages as a person would: the links on a page, what kind of page it is, Latin words left on it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from tests.api.world import DEPARTMENT, build_world

TOKEN = re.compile(r"[A-Za-z0-9_\-.]*[A-Za-z]{2}[A-Za-z0-9_\-.]*")


PLACEHOLDER = re.compile(r"\{[a-z_]+(![rsa])?(:[^}]*)?\}")


CLAUSE = re.compile(r"^XT-[0-9A-Za-z.\-_]+$")


POSTS = re.compile(r"(AB|A|B)岗")


def latin_words(text: str, codes: frozenset = frozenset()) -> list[str]:
    return [t for t in TOKEN.findall(POSTS.sub("岗", text or "")) if not CLAUSE.match(t) and t.strip(".-") not in codes]


# Each demo role's sign-in (tests/api/world.py) and the home page it lands on.
ROLES = {
    "t-reform": "/reform/",
    "t-dept": f"/dept/{DEPARTMENT}/",
    "t-window": "/window/",
    "t-custodian": "/window/",
    "t-gs": "/gs/",
    "t-gov": "/gov/",
    "t-drc": "/drc/",
    "t-audit": "/audit/",
}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "link" and a.get("href"):
            self.hrefs.append(a["href"])


def links_of(html: str) -> list[str]:
    p = _Links()
    p.feed(html)
    out = []
    for href in p.hrefs:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/"):
            continue  # another site, mailto:, a relative anchor
        out.append(href)
    return out


def kind_of(app, url: str) -> tuple:
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    try:
        rule = adapter.match(parts.path, method="GET", return_rule=True)[0].rule
    except Exception:
        rule = parts.path
    keys = tuple(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    return rule, keys


def demo_city(tmp_path_factory, name: str):
    """The demo city (tests.api.world) for reading its pages; closed after the module."""
    world = build_world(tmp_path_factory.mktemp(name))
    world.app.config["WTF_CSRF_ENABLED"] = False
    yield world
    world.rt.close()


def links_to_follow(app, html: str, seen: set[str], kinds, per_kind: int) -> list[str]:
    """The links of a page not seen yet, at most `per_kind` pages of each kind (a crawl's breadth);
    `seen` and `kinds` (a Counter) are the crawl's and are updated."""
    out = []
    for link in links_of(html):
        if link in seen or link.startswith("/logout"):
            continue
        seen.add(link)
        k = kind_of(app, link)
        if kinds[k] < per_kind:
            kinds[k] += 1
            out.append(link)
    return out
