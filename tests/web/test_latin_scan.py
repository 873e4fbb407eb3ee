"""Answers in plain Chinese (issue 12 item 2): every explanation template of the pack, every word
table the why-not sentences are built from, and the reasons, why-not sentences and refusals the
demo city's decisions produce are scanned for Latin words. Allowed: codes of records (an item's,
a department's...), clause ids (XT-3.3.1) and the posts A岗/B岗 (one letter)."""

from __future__ import annotations

import ast
import itertools
import re
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from registry import models as m
from rules import wording
from rules.pack import default_pack_dir, load_pack
from tests.api.world import DEPARTMENT, PASSWORD
from tests.factories.crawl import CLAUSE, PLACEHOLDER, POSTS, TOKEN, demo_city, latin_words  # noqa: F401
from tests.factories.pages import ui  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def test_the_scan_finds_what_it_should():
    assert latin_words("no authorization in force grants decide to 郭宁 (person 21)")
    assert latin_words("须晚于from") == ["from"]
    assert latin_words("item.complexity == complex") == ["item.complexity", "complex"]
    assert not latin_words("A岗张三缺位，由B岗代行（XT-3.3.2）；事项 FGW-001", frozenset({"FGW-001"}))


def test_every_explanation_template_and_rule_text_is_chinese():
    pack = load_pack(default_pack_dir())
    bad = []
    for r in pack.rules:
        for name in ("explain", "text"):
            text = PLACEHOLDER.sub("", getattr(r, name, "") or "")
            if latin_words(text):
                bad.append((r.id, name, latin_words(text)))
    assert not bad, bad


def test_the_why_not_word_tables_are_chinese():
    texts = [v for table in wording.VALUES.values() for v in table.values()]
    texts += [t for pair in wording.BOOLS.values() for t in pair] + list(wording.SUBJECTS.values())
    assert not [t for t in texts if latin_words(t)]


# What a window's acts pass through (asking, accepting, recording a step, using the seal): every
# Chinese message written in them, and every Chinese text of the window's templates.
WINDOW_MODULES = (
    "application/acts.py",
    "application/casework.py",
    "application/case_clock.py",
    "application/sealing.py",
    "application/door.py",
    "rules/door.py",
    "rules/wording.py",
    "registry/services/cases.py",
    "registry/services/platform.py",
    "web/ui/window.py",
    "web/ui/window_cases.py",
    "web/ui/window_duties.py",
    "web/ui/window_lookup.py",
)
TECHNICAL = frozenset({"SHA-256", "JSON"})  # names of formats a clerk reads on the seal page
HAN = re.compile(r"[\u4e00-\u9fff]")


def _messages(path: Path) -> list[tuple[int, str]]:
    """The Chinese string literals of a module (f-strings with their holes left out), docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    docs |= {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}  # read whole below
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
        else:
            continue
        if HAN.search(text):
            out.append((node.lineno, text))
    return out


def test_every_message_a_window_can_see_is_chinese():
    root = Path(__file__).resolve().parents[2]
    bad = [
        (f, line, latin_words(text, TECHNICAL), text)
        for f in WINDOW_MODULES
        for line, text in _messages(root / f)
        if latin_words(text, TECHNICAL)
    ]
    for page in sorted((root / "web/templates/window").glob("*.html")):
        body = re.sub(r"\{[{%#].*?[}%#]\}", " ", page.read_text(encoding="utf-8"), flags=re.S)
        body = re.sub(r"<[^>]+>", "\n", body)
        bad += [
            (page.name, 0, latin_words(t, TECHNICAL), t)
            for t in body.splitlines()
            if HAN.search(t) and latin_words(t, TECHNICAL)
        ]
    assert not bad, "\n".join(map(str, bad))


def test_the_message_scan_finds_a_field_name():
    assert _messages_of("x = f'环节时间不能早于现在{h}小时以上（规则包 step_backdate_hours）'") == [
        "step_backdate_hours"
    ]


def _messages_of(source: str) -> list[str]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as f:
        f.write('"""A docstring in English is no message."""\n' + source)
    return [w for _, text in _messages(Path(f.name)) for w in latin_words(text, TECHNICAL)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from demo_city(tmp_path_factory, "latin")


def _codes(rt) -> frozenset:
    with rt.reading() as session:
        out = set()
        for col in (m.Department.code, m.ItemVersion.code, m.Place.code, m.Seal.code, m.Hall.code):
            out |= set(session.scalars(select(col)))
        return frozenset(str(c) for c in out)


def test_the_demo_citys_answers_and_refusals_are_chinese(demo):
    rt = demo.rt
    codes = _codes(rt)
    host = rt.policy
    with rt.reading() as session:
        people = list(session.scalars(select(m.Person.id).order_by(m.Person.id).limit(40)))
        items = list(
            session.scalars(
                select(m.ItemVersion.code)
                .where(m.ItemVersion.status == "published")
                .distinct()
                .order_by(m.ItemVersion.code)
                .limit(25)
            )
        )
        places = [None] + list(session.scalars(select(m.Place.code).order_by(m.Place.code).limit(8)))
        seals = [None] + list(session.scalars(select(m.Seal.code).order_by(m.Seal.code).limit(4)))
    from rules.schema import ACTIONS

    bad, seen = [], 0
    for person, item, action, place in itertools.product(people, items, ACTIONS, places):
        seal = seals[(person + len(item)) % len(seals)] if action == "use_seal" else None
        a = host.decide(
            person=person, action=action, item=item, at=None, known_at=None, place=place, seal=seal, case=None
        )
        texts = [r["detail"] for r in a["reasons"]] + [r["text"] for r in a["reasons"]]
        if a["why_not"]:
            assert a["why_not"].get("text"), a
            texts.append(a["why_not"]["text"])
        for t in texts:
            seen += 1
            words = latin_words(t, codes)
            if words:
                bad.append((words, t))
    assert seen > 1000
    assert not bad, "\n".join(f"{w}: {t}" for w, t in bad[:20])


def test_a_close_action_is_named(demo):
    """审批决定 on a complex item, asked of someone holding 复杂事项审批决定: the answer says which is allowed."""
    rt, host = demo.rt, demo.rt.policy
    with rt.reading() as session:
        people = list(session.scalars(select(m.Person.id)))
        items = list(
            session.scalars(
                select(m.ItemVersion.code).where(
                    m.ItemVersion.complexity == "complex", m.ItemVersion.status == "published"
                )
            )
        )
    for person, item in itertools.product(people, items):
        if host.decide(
            person=person, action="decide_complex", item=item, at=None, known_at=None, place=None, seal=None, case=None
        )["allowed"]:
            a = host.decide(
                person=person, action="decide", item=item, at=None, known_at=None, place=None, seal=None, case=None
            )
            assert not a["allowed"]
            assert "但可以办理“复杂事项审批决定”" in a["why_not"]["text"], a
            return
    pytest.skip("the demo city has no one holding 复杂事项审批决定 on a complex item")


def test_a_seal_refusal_says_why_once_in_chinese(demo):
    client = demo.app.test_client()
    client.post("/login", data={"name": "t-custodian", "password": PASSWORD})
    seal = demo.refs["custody_seal"][0]
    with demo.rt.reading() as session:
        office = session.scalar(
            select(m.Place.code).where(m.Place.kind == "internal_office", m.Place.department == DEPARTMENT)
        )
        item = demo.refs["custody_items"][0]
    r = client.post(
        "/window/seal",
        data={"seal": seal, "item": item, "case": "XT-拒绝-1", "place": office, "document": (BytesIO(b"doc"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 403
    body = r.get_data(as_text=True)
    main = body[body.index("<main>") : body.index("</main>")]
    start = main.index('class="answer no"')
    answer = main[main.index(">", start) + 1 : main.index("<form")]
    text = re.sub(r"<[^>]+>", " ", answer)
    assert "内部科室" in text
    sentences = [s.strip() for s in re.split(r"[。\n]", text) if len(s.strip()) > 8]
    assert len(sentences) == len(set(sentences)), sentences  # nothing said twice
    assert not latin_words(text, _codes(demo.rt)), latin_words(text, _codes(demo.rt))


def test_what_a_person_may_do_names_the_seal_or_says_none_is_named(demo):
    client = demo.app.test_client()
    client.post("/login", data={"name": "t-window", "password": PASSWORD})
    item, place = demo.refs["custody_items"][0], demo.refs["custody_places"][0]
    page = client.get(f"/window/?ask=1&person={demo.people['custodian']}&item={item}&action=decide&place={place}")
    text = page.get_data(as_text=True)
    assert "可以办理的操作" in text and "用印" in text
    assert "“—”" not in text and "未指定具体印章" in text


# What the staff of the reform office, a department, the DRC, the service department and the
# government read: every page reachable from their home pages (two levels, as the link crawl), the
# main part's text scanned. Allowed beside codes and clause ids: names of file formats and of the
# signature algorithm, the sign-in names of accounts (a login is its name), an authorization letter's
# number (department code and id), web addresses, and what a page shows as code (a hash, a command).
STAFF = {"t-reform": "/reform/", "t-dept": f"/dept/{DEPARTMENT}/", "t-drc": "/drc/", "t-gs": "/gs/", "t-gov": "/gov/"}
FORMATS = TECHNICAL | {"xlsx", "zip", "tar.gz", "MiB", "CSV", "YAML", "ed25519", "sm2"}
MAIN = re.compile(r"<main>(.*)</main>", re.S)
# The pack's own words on clauses it does not encode (pack.yaml `declarative_only`): pack text,
# changed only by publishing a new pack version (the engine's helper owns it).
DECLARATIVE = frozenset({"docs", "facts.md"})


def page_words(html: str, allowed: frozenset) -> list[tuple[list[str], str]]:
    import html as entities

    found = MAIN.search(html)
    body = re.sub(r"<(script|style|pre|code|svg)\b[^>]*>.*?</\1>", " ", found.group(1) if found else "", flags=re.S)
    body = re.sub(r"https?://\S+", " ", entities.unescape(re.sub(r"<[^>]+>", "\n", body)))
    return [(words, line.strip()[:100]) for line in body.splitlines() if (words := latin_words(line, allowed))]


def test_the_page_scan_finds_a_code_in_brackets():
    assert page_words("<main><td>“通过”（approved）</td><code>abc def</code></main>", frozenset()) == [
        (["approved"], "“通过”（approved）")
    ]


def test_every_staff_page_speaks_chinese(demo):
    from application.scheduler import sync_findings
    from registry.models import User
    from tests.factories.crawl import kind_of, links_of

    sync_findings(demo.rt)
    with demo.rt.reading() as session:
        logins = frozenset(session.scalars(select(User.name)))
        logins |= frozenset(session.scalars(select(m.Authorization.filed_by)))  # who filed, by login
        logins |= frozenset(
            f"{g}-{i}" for g, i in session.execute(select(m.Authorization.grantor, m.Authorization.id))
        )  # letter numbers
    allowed = _codes(demo.rt) | FORMATS | logins | DECLARATIVE | {demo.rt.policy.engine.pack.id}
    bad = []
    for user, home in STAFF.items():
        client = demo.app.test_client()
        client.post("/login", data={"name": user, "password": PASSWORD})
        seen, queue, kinds = {home}, [(home, 0)], {}
        while queue:
            url, depth = queue.pop(0)
            r = client.get(url)
            if r.status_code != 200 or "text/html" not in (r.content_type or ""):
                continue
            html = r.get_data(as_text=True)
            bad += [(user, url, words, line) for words, line in page_words(html, allowed)]
            for link in links_of(html) if depth < 2 else ():
                kind = kind_of(demo.app, link)
                if link not in seen and not link.startswith("/logout") and kinds.get(kind, 0) < 2:
                    seen.add(link)
                    kinds[kind] = kinds.get(kind, 0) + 1
                    queue.append((link, depth + 1))
    assert not bad, "\n".join(map(str, bad[:30]))


# The reform office's pack upload (issue 12 items 2, 6): what a refused bundle shows. The keys,
# values and rule ids of the files stand quoted 「…」 as the thing to change (with file:line in
# <code>); beside them, file names and formats only.
FILE_NAMES = re.compile(r"「[^」]*」|\b[\w\-]+\.(yaml|yml|txt|md)\b")


def _refusal_words(html: str) -> list[tuple[list[str], str]]:
    return page_words(FILE_NAMES.sub(" ", html), FORMATS | {"KiB", "UTF-8", "tar"})


def test_the_pack_upload_refusals_speak_chinese(client, ui):
    from tests.factories.packs import PACK, pack_texts, zip_of
    from tests.factories.pages import login

    login(client, "sgb")

    def upload(data: bytes, name: str = "pack.zip") -> str:
        r = client.post(
            "/reform/pack/publish",
            data={"step": "check", "bundle": (BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert r.status_code == 422, r.status_code
        return r.get_data(as_text=True)

    failing = pack_texts(narrow=True)  # the pack's own scenarios fail
    failing["scenarios.yaml"] = (PACK / "scenarios.yaml").read_text(encoding="utf-8")
    mistaken = pack_texts()
    for old, new in (
        ("strength: must", "strength: sometimes"),
        ("clause: XT-3.3.3", "clause: YT-3.3.3"),
        ("    when:\n      action: [decide]\n", "    wenn:\n      action: [decide]\n"),
    ):
        mistaken["powers.yaml"] = mistaken["powers.yaml"].replace(old, new, 1)
    pages = {
        "self-check": upload(zip_of(failing)),
        "validator": upload(zip_of(mistaken)),
        "not an archive": upload(b"not a bundle", "pack.txt"),
    }
    assert "自检场景" in pages["self-check"] and "(allow)" not in pages["self-check"]
    assert re.search(r"<code>scenarios\.yaml:\d+</code>", pages["self-check"])  # the scenario's line
    assert "「wenn」" in pages["validator"] and re.search(r"<code>powers\.yaml:\d+</code>", pages["validator"])
    bad = [(name, words, line) for name, html in pages.items() for words, line in _refusal_words(html)]
    assert not bad, "\n".join(map(str, bad[:20]))
    assert _refusal_words("<main><li>strength 只能是 must</li></main>")  # the scan sees a bare key
