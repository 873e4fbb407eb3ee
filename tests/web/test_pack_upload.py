"""The reform office publishes a pack version from its pages (issue 12 item 6): a bundle is read
within bounds and checked by the same loader as `onehall pack check` (problems as file:line), its
changes and their effect on today's decisions are shown, and publishing signs it through the
same service as `onehall pack publish`; the version on every page and in the API changes at once,
in this worker and in another."""

from __future__ import annotations

import io
import re
import tarfile

import pytest
from sqlalchemy import select

from application import pack_upload as up
from registry import models as m
from tests.factories.world import bearer
from tests.factories.pages import a_and_b, login, published_item, ui  # noqa: F401
from tests.factories.workers import eventually, other_worker  # noqa: F401
from tests.factories.packs import PACK, pack_texts, zip_of  # noqa: F401  (helpers and fixtures)


def upload(client, data: bytes, name: str = "pack.zip"):
    return client.post(
        "/reform/pack/publish",
        data={"step": "check", "bundle": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def versions(rt) -> list[tuple[str, bool]]:
    with rt.reading() as session:
        return [(v.version, v.active) for v in session.scalars(select(m.PackVersion).order_by(m.PackVersion.id))]


def test_the_reform_office_uploads_checks_and_publishes_a_version_every_worker_serves(rt, client, ui, other_worker):
    published_item(rt)
    a_and_b(rt, ui)
    login(client, "sgb")
    assert "生效规则包版本 1.0.0" in client.get("/reform/").text
    files = pack_texts(narrow=True)
    r = upload(client, zip_of(files, extra={"xiangtan-2018/plan.zh.txt": "方案".encode()}))
    assert r.status_code == 200, r.text
    page = r.text
    assert "校验通过" in page and "版本 1.0.1" in page and "plan.zh.txt" in page  # the text file: not read
    assert "修改参数“事进人不进的响应时限”：1 → 2" in page  # the diff against 1.0.0
    assert "修改规则（XT-3.3.3）一般事项的决定权" in page and "改动适用条件" in page
    assert "有 <b>1</b> 项判定会改变" in page  # the A post (the B post acts only in its absence)
    assert "张建国对“企业投资项目核准”办理“审批决定”：允许 → 未获授权（XT-3.3.3）" in page
    assert versions(rt) == [("1.0.0", True)]  # nothing published yet
    r = client.post(
        "/reform/pack/publish",
        data={"step": "publish", "digest": hidden(page, "digest"), "files": hidden(page, "files")},
    )
    assert r.status_code == 302
    assert versions(rt) == [("1.0.0", False), ("1.0.1", True)]
    shown = client.get(r.headers["Location"]).text
    assert "已签名发布并生效" in shown and "生效规则包版本 1.0.1" in shown
    with rt.reading() as session:
        row = session.scalar(select(m.PackVersion).where(m.PackVersion.active.is_(True)))
        entry = session.get(m.LogEntry, row.log_index)
        assert row.publisher == "sgb" and entry is not None and b"pack_publication" in bytes(entry.leaf)
    assert rt.policy.engine.pack.parameters["response_hours"] == 2
    token = ui["tokens"]["win"]
    assert client.get("/api/v1/policy", headers=bearer(token)).get_json()["version"] == "1.0.1"
    assert eventually(
        rt, lambda: other_worker.get("/api/v1/policy", headers=bearer(token)).get_json()["version"] == "1.0.1"
    )


def test_a_pack_with_a_mistake_is_refused_with_its_file_and_line_and_nothing_published(rt, client, ui):
    login(client, "sgb")
    files = pack_texts()
    lines = files["powers.yaml"].splitlines()
    bad = next(i for i, t in enumerate(lines) if t.strip().startswith("strength: must"))
    lines[bad] = lines[bad].replace("must", "sometimes")
    files["powers.yaml"] = "\n".join(lines) + "\n"
    r = upload(client, zip_of(files, top=""))
    assert r.status_code == 422
    assert f"powers.yaml:{bad + 1}" in r.text and "不能发布" in r.text and 'name="files"' not in r.text
    assert versions(rt) == [("1.0.0", True)]


def test_a_pack_failing_its_own_scenarios_is_refused_naming_them(rt, client, ui):
    login(client, "sgb")
    files = pack_texts(narrow=True)
    files["scenarios.yaml"] = (PACK / "scenarios.yaml").read_text(encoding="utf-8")
    r = upload(client, zip_of(files))
    assert r.status_code == 422 and "不能发布" in r.text and "自检场景" in r.text and 'name="files"' not in r.text
    assert versions(rt) == [("1.0.0", True)]


def test_a_changed_form_or_a_lower_version_is_refused(rt, client, ui):
    login(client, "sgb")
    page = upload(client, zip_of(pack_texts())).text
    other = up.pack_files_gz(pack_texts(response_hours="3"))  # not the pack that was checked
    r = client.post("/reform/pack/publish", data={"step": "publish", "digest": hidden(page, "digest"), "files": other})
    assert r.status_code == 422 and "与检查过的不一致" in r.text
    r = upload(client, zip_of(pack_texts(version="0.9.0")))
    assert r.status_code == 422 and "低于已发布的最高版本" in r.text
    r = client.post("/reform/pack/publish", data={"step": "publish", "digest": "x", "files": "@@@"})
    assert r.status_code == 422 and "请重新上传" in r.text
    assert versions(rt) == [("1.0.0", True)]


def _tar(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tf:
        for info in members:
            raw = (data or {}).get(info.name)
            tf.addfile(info, io.BytesIO(raw) if raw is not None else None)
    return out.getvalue()


def test_hostile_bundles_are_refused_in_chinese_with_the_member_named():
    link = tarfile.TarInfo("pack/pack.yaml")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    with pytest.raises(up.BundleRefused, match="只能有普通文件"):
        up.read_bundle(_tar([link]))
    with pytest.raises(up.BundleRefused, match=r"“\.\.”"):
        up.read_bundle(zip_of({"pack.yaml": "id: x"}, top="../"))
    big = b"a" * (up.MAX_FILE_BYTES + 1)
    with pytest.raises(up.BundleRefused, match="KiB") as info:
        up.read_bundle(zip_of({}, extra={"p/rules.yaml": big}))
    assert info.value.errors[0].file == "p/rules.yaml"
    many = {f"f{i}.yaml": "" for i in range(up.MAX_MEMBERS + 1)}
    with pytest.raises(up.BundleRefused, match="条目超过"):
        up.read_bundle(zip_of(many, top=""))
    with pytest.raises(up.BundleRefused, match="zip 或 tar"):
        up.read_bundle(b"not an archive at all", "pack.zip")
    with pytest.raises(up.BundleRefused, match="没有规则包的 YAML"):
        up.read_bundle(zip_of({}, extra={"README.md": b"hi"}))
    bomb = up.pack_files_gz({"pack.yaml": "a" * (up.MAX_TOTAL_BYTES + 10)})
    with pytest.raises(up.BundleRefused, match="过大"):
        up.files_from_gz(bomb)


def test_a_tar_of_the_folder_reads_like_the_folder():
    files = pack_texts()
    members = []
    for name, text in files.items():
        info = tarfile.TarInfo(f"xiangtan-2018/{name}")
        info.size = len(text.encode("utf-8"))
        members.append(info)
    read, ignored = up.read_bundle(_tar(members, {i.name: files[i.name.split("/")[1]].encode() for i in members}))
    assert read == files and ignored == []


def test_the_pack_page_reads_as_rules_with_clauses_and_the_plans_sentences(client, ui):
    login(client, "sgb")
    page = client.get("/reform/pack").text
    assert "XT-3.3.3" in page and "一般事项的决定权" in page  # clause and the plan's sentence
    assert "对窗口的说明：〔某人员〕是〔授权部门〕的〔A或B〕岗首席代表" in page
    assert "{person_name}" not in page and "in_principle" not in page and "reduce_by_at_least" not in page
    assert "所问行为为“审批决定”；办件类型为“即办件”" in page
    assert "承诺时限整体压缩" in page and "15%" in page
    r = client.get("/reform/pack?format=xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
