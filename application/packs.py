"""Rule packs in the registry: check, publish (activate atomically in every worker), diff."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from registry.models import PackVersion
from registry.services import packs as pack_service
from registry.services.context import Actor
from rules.errors import PackError
from rules.pack import Pack, check_pack, default_pack_dir, load_pack

_loaded: dict[str, Pack] = {}


class PackRefused(Exception):
    def __init__(self, errors: list[Any]):
        super().__init__("规则包未通过校验")
        self.errors = errors


def pack_files(directory: str | Path) -> dict[str, str]:
    d = Path(directory)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.y*ml"))}


def load_stored_pack(row: PackVersion, session=None, log_index: int | None = None) -> Pack:
    """The Pack of a stored version, as its publication record in the log states it.

    With a session, the pack's text is taken from its signed publication record when the record
    carries it (packs published since the text is logged), and in any case the loaded pack must
    hash to the digest the record states: a pack edited in the database is refused (docs/design.md §12.3).
    `log_index`: the publication record to check against (the newest one, from
    registry.services.packs.active_publication), else the one the row names.
    Cached by digest: every worker compiles a version once."""
    files, digest = row.files, row.digest
    if session is not None:
        files, digest = _logged_pack(session, row, row.log_index if log_index is None else log_index)
    if digest in _loaded:
        return _loaded[digest]
    with tempfile.TemporaryDirectory(prefix="onehall-pack-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        pack = load_pack(tmp)
    if pack.digest != digest:
        raise PackTampered(f"规则包 {row.pack} {row.version} 的内容与日志第{row.log_index}条所记摘要不符，拒绝载入")
    _loaded[digest] = pack
    return pack


class PackTampered(RuntimeError):
    """The stored pack does not hash to the digest its publication record states."""


def _logged_pack(session, row: PackVersion, index: int | None) -> tuple[dict[str, str], str]:
    import json
    from registry.models import LogEntry

    entry = session.get(LogEntry, index) if index is not None else None
    if entry is None:
        raise PackTampered(f"规则包 {row.pack} {row.version} 没有日志中的发布记录，拒绝载入")
    record = json.loads(bytes(entry.leaf))["record"]
    if record.get("type") != "pack_publication" or record.get("digest") is None:
        raise PackTampered(f"日志第{index}条不是规则包发布记录，拒绝载入")
    files = pack_service.unpacked_files(record)
    return (files if files is not None else row.files), record["digest"]


def publish(rt, directory: str | Path, publisher: str) -> PackVersion:
    """Validate the pack, run its self-checks, store it and make it the active version.

    A pack that fails never becomes active; the old one keeps serving."""
    errors = check_pack(str(directory))
    if errors:
        raise PackRefused(errors)
    pack = load_pack(str(directory))
    self_check = _self_check(pack)
    if self_check:
        raise PackRefused(self_check)
    files = pack_files(directory)
    with rt.filing(Actor(name=publisher, role="reform_office")) as ctx:
        stored = ctx.session.scalar(select(PackVersion).where(PackVersion.digest == pack.digest))
        if stored is None:
            refused = version_refusal(ctx.session, pack, files.get("pack.yaml", ""))
            if refused:
                raise PackRefused([refused])
        row = pack_service.activate(ctx, pack=pack.id, version=str(pack.version), digest=pack.digest, files=files)
    return row


def _version_key(version: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d{1,9}(\.\d{1,9}){0,5}", version):
        return None
    return tuple(int(p) for p in version.split("."))


def version_refusal(session, pack: Pack, head_text: str) -> PackError | None:
    """Why this new pack text may not be published under its version, or None. A version names
    one text for good (receipts and replays cite it): another text under a version already
    published, or a version below the highest one published of this pack, is refused. Going
    back to an earlier text means re-activating exactly that stored text (same digest)."""
    line = next((i for i, text in enumerate(head_text.splitlines(), start=1) if text.startswith("version:")), 1)
    mine = _version_key(pack.version)
    if mine is None:
        return PackError("pack.yaml", line, f"版本号“{pack.version}”须为以点分隔的数字，如 1.0.1")
    rows = session.execute(select(PackVersion.version, PackVersion.digest).where(PackVersion.pack == pack.id)).all()
    for version, digest in rows:
        if version == pack.version and digest != pack.digest:
            return PackError(
                "pack.yaml",
                line,
                f"版本 {pack.version} 已发布过不同的内容（摘要 {digest[:12]}），修改规则包须提高版本号",
            )
    published = [v for v in (_version_key(version) for version, _ in rows) if v is not None]
    if published and mine < max(published):
        highest = ".".join(map(str, max(published)))
        return PackError("pack.yaml", line, f"版本 {pack.version} 低于已发布的最高版本 {highest}，须提高版本号")
    return None


_self_checked: dict[str, list[str]] = {}


def _self_check(pack: Pack) -> list[str]:
    """The pack's own scenarios (if it carries any) must pass before it may serve.
    The result depends only on the pack's content, so it is kept per digest."""
    if pack.digest not in _self_checked:
        try:
            from rules.selfcheck import run_self_checks
        except ImportError:
            return []
        _self_checked[pack.digest] = run_self_checks(pack)
    return _self_checked[pack.digest]


def ensure_active_pack(rt) -> str | None:
    """At init: publish the bundled Xiangtan pack when no pack is active yet."""
    with rt.reading() as session:
        active = session.scalar(select(PackVersion).where(PackVersion.active.is_(True)))
    if active is not None:
        return f"规则包：{active.pack} {active.version}（{active.digest[:12]}）"
    row = publish(rt, default_pack_dir(), publisher="onehall init")
    return f"已发布规则包：{row.pack} {row.version}（{row.digest[:12]}）"
