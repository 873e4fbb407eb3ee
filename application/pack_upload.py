"""A pack bundle uploaded by the reform office (issue 12 item 6): read it within bounds, check it
with the same loader as `onehall pack check`, show what it changes, and publish it through the
same service as `onehall pack publish` (application.packs.publish).

A bundle is a zip or tar (optionally gzip/bz2/xz) of the pack folder. Only the folder's YAML files
make the pack (as rules.pack reads a directory); any other file (the plan's text, a README) is
listed as not read. Everything is bounded before it is read: the upload's size, the number of
members, each file's size (the YAML reader's own limit) and the total, so a zip bomb or a tar of
links is refused in Chinese with the member's name, and nothing reaches the disk outside a
temporary directory of this module's making.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from application import packs
from registry.models import PackVersion
from rules.errors import PackError
from rules.pack import Pack, check_pack, diff_packs, load_pack
from rules.yamlio import MAX_BYTES

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # the bundle as uploaded
MAX_MEMBERS = 64  # entries in the archive, directories included
MAX_FILE_BYTES = MAX_BYTES  # one YAML file (rules.yamlio refuses more anyway)
MAX_TOTAL_BYTES = 4 * 1024 * 1024  # every file of the bundle, uncompressed
MAX_EFFECTS_SHOWN = 200  # decisions listed on the page (the count is always whole)


class BundleRefused(Exception):
    """The bundle could not be read as a pack folder; `errors` say why, each with its file."""

    def __init__(self, errors: list[PackError]):
        super().__init__("；".join(map(str, errors)))
        self.errors = errors


@dataclass
class Examination:
    """What the reform office sees before publishing: the problems (file:line), or the pack with
    its changes against the active version and their effect on today's decisions."""

    files: dict[str, str]
    ignored: list[str] = field(default_factory=list)
    errors: list[PackError] = field(default_factory=list)
    self_check: list[str] = field(default_factory=list)  # the pack's own scenarios that failed
    pack: Pack | None = None
    active: PackVersion | None = None
    active_pack: Pack | None = None
    changes: list[Any] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    effect_count: int = 0
    already_active: bool = False

    @property
    def ok(self) -> bool:
        return self.pack is not None and not self.errors and not self.self_check

    @property
    def carried(self) -> str:
        """The files, compressed, for the confirmation form (checked again on publishing)."""
        return pack_files_gz(self.files)


def _refuse(name: str, message: str) -> BundleRefused:
    return BundleRefused([PackError(name, 1, message)])


def _member_name(raw: str) -> str | None:
    """The member's path inside the bundle, or None for a directory entry. Absolute paths and
    '..' are refused (never written anywhere: the bundle is read into memory)."""
    p = PurePosixPath(raw.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts:
        raise _refuse(raw, "压缩包中的文件路径不能是绝对路径或包含“..”")
    return str(p) if p.parts else None


def _take(members: dict[str, bytes], name: str, data: bytes, total: list[int]) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(name, f"文件超过 {MAX_FILE_BYTES // 1024} KiB，拒绝读取")
    total[0] += len(data)
    if total[0] > MAX_TOTAL_BYTES:
        raise _refuse(name, f"压缩包解压后超过 {MAX_TOTAL_BYTES // 1024 // 1024} MiB，拒绝读取")
    members[name] = data


def _read_zip(data: bytes) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    total = [0]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _refuse("（压缩包）", f"压缩包中的条目超过 {MAX_MEMBERS} 个，拒绝读取")
        for info in infos:
            name = _member_name(info.filename)
            if name is None or info.is_dir():
                continue
            if info.file_size > MAX_FILE_BYTES:
                raise _refuse(name, f"文件超过 {MAX_FILE_BYTES // 1024} KiB，拒绝读取")
            with zf.open(info) as fh:  # read at most one byte over: a lying header gains nothing
                _take(members, name, fh.read(MAX_FILE_BYTES + 1), total)
    return members


def _read_tar(data: bytes) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    total = [0]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
        for count, info in enumerate(tf, start=1):
            if count > MAX_MEMBERS:
                raise _refuse("（压缩包）", f"压缩包中的条目超过 {MAX_MEMBERS} 个，拒绝读取")
            name = _member_name(info.name)
            if name is None or info.isdir():
                continue
            if not info.isreg():
                raise _refuse(name, "压缩包中只能有普通文件（不接受链接或设备文件）")
            if info.size > MAX_FILE_BYTES:
                raise _refuse(name, f"文件超过 {MAX_FILE_BYTES // 1024} KiB，拒绝读取")
            fh = tf.extractfile(info)
            _take(members, name, fh.read(MAX_FILE_BYTES + 1) if fh else b"", total)
    return members


def read_bundle(data: bytes, filename: str = "") -> tuple[dict[str, str], list[str]]:
    """The pack folder's YAML files ({name: text}) of a zip or tar bundle, and the other files' names.

    The folder may sit at the archive's root or inside one top directory (as `zip -r pack.zip
    xiangtan-2018/` makes it); files in deeper folders are not part of a pack."""
    label = filename or "（上传的文件）"
    if not data:
        raise _refuse(label, "上传的文件是空的")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(label, f"上传的文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MiB")
    try:
        if zipfile.is_zipfile(io.BytesIO(data)):
            members = _read_zip(data)
        else:
            members = _read_tar(data)
    except BundleRefused:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error, ValueError, RuntimeError):
        raise _refuse(label, "无法读取：请上传规则包文件夹的 zip 或 tar（.tar.gz）压缩包") from None
    tops = {PurePosixPath(n).parts[0] for n in members if len(PurePosixPath(n).parts) > 1}
    flat = [n for n in members if len(PurePosixPath(n).parts) == 1]
    prefix = next(iter(tops)) if len(tops) == 1 and not any(n.endswith((".yaml", ".yml")) for n in flat) else None
    files: dict[str, str] = {}
    ignored: list[str] = []
    for name, raw in sorted(members.items()):
        parts = PurePosixPath(name).parts
        inner = parts[1:] if prefix is not None and parts[0] == prefix else parts
        if len(inner) != 1 or not inner[0].endswith((".yaml", ".yml")):
            ignored.append(name)
            continue
        try:
            files[inner[0]] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(inner[0], "文件不是 UTF-8 编码的文字") from None
    if not files:
        raise _refuse(label, "压缩包中没有规则包的 YAML 文件（须有 pack.yaml）")
    return files, ignored


def pack_files_gz(files: dict[str, str]) -> str:
    """Base64 of gzip of the files' JSON (the form the publication record carries them in)."""
    from registry.services.packs import packed_files

    return packed_files(files)


def files_from_gz(text: str) -> dict[str, str]:
    """The files a confirmation form carried back, decompressed within the bundle's bounds."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        unzip = zlib.decompressobj(wbits=31)
        out = unzip.decompress(raw, MAX_TOTAL_BYTES + 1)
        if len(out) > MAX_TOTAL_BYTES or unzip.unconsumed_tail:
            raise _refuse("（待发布的规则包）", "规则包内容过大，拒绝读取")
        files = json.loads(out.decode("utf-8"))
    except (binascii.Error, ValueError, zlib.error, UnicodeError):
        raise _refuse("（待发布的规则包）", "表单中的规则包内容已损坏，请重新上传") from None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise _refuse("（待发布的规则包）", "表单中的规则包内容已损坏，请重新上传")
    return files


def _write(files: dict[str, str], directory: str) -> None:
    for name, text in files.items():
        if Path(name).name != name:  # read_bundle only gives bare names; anything else is not ours
            raise _refuse(name, "规则包文件名不能含目录")
        (Path(directory) / name).write_text(text, encoding="utf-8")


def examine(rt, files: dict[str, str], ignored: list[str] | None = None) -> Examination:
    """Check the files as `onehall pack check` does (file:line problems), then the pack's own
    self-checks and version rule, then its rule changes against the active version and the
    decisions over today's registry that would change (application.analysis)."""
    from sqlalchemy import select

    out = Examination(files=files, ignored=list(ignored or []))
    with tempfile.TemporaryDirectory(prefix="onehall-upload-") as tmp:
        _write(files, tmp)
        out.errors = check_pack(tmp)
        if out.errors:
            return out
        out.pack = load_pack(tmp)
    out.self_check = list(packs._self_check(out.pack))
    with rt.reading() as session:
        out.active = session.scalar(select(PackVersion).where(PackVersion.active.is_(True)).limit(1))
        stored = session.scalar(select(PackVersion).where(PackVersion.digest == out.pack.digest))
        if stored is None:
            refused = packs.version_refusal(session, out.pack, files.get("pack.yaml", ""))
            if refused:
                out.errors.append(refused)
        active = out.active_pack = packs.load_stored_pack(out.active, session) if out.active is not None else None
    if out.errors or out.self_check:
        return out
    out.already_active = out.active is not None and out.active.digest == out.pack.digest
    if active is not None and not out.already_active:
        from application.analysis import decision_changes

        out.changes = diff_packs(active, out.pack)
        effects = decision_changes(rt, active, out.pack)
        out.effect_count, out.effects = len(effects), effects[:MAX_EFFECTS_SHOWN]
    return out


def publish_files(rt, files: dict[str, str], publisher: str, expected_digest: str) -> PackVersion:
    """Publish exactly the pack that was examined (its digest must match), through
    application.packs.publish: checked again, self-checked, signed, and active in every worker."""
    with tempfile.TemporaryDirectory(prefix="onehall-upload-") as tmp:
        _write(files, tmp)
        errors = check_pack(tmp)
        if errors:
            raise packs.PackRefused(errors)
        if load_pack(tmp).digest != expected_digest:
            raise packs.PackRefused([PackError("pack.yaml", 1, "待发布的规则包与检查过的不一致，请重新上传")])
        return packs.publish(rt, tmp, publisher=publisher)
