"""The offline export format of the log (``onehall log export DIR``).

An export is everything an auditor needs to re-check the log without our database::

    DIR/entries.jsonl            one line per entry, in log order: {"index": i, "leaf": base64}
    DIR/checkpoints/%012d.note   each signed checkpoint, named by its tree size
    DIR/keys.json                {"items": [{key_id, body, alg, public_key, valid_from, valid_to}]}
    DIR/log.json                 {"origin", "log_key_id", "log_name"}

Plain text formats so that other tools (or a person with ``jq``) can read them too. This
module writes and reads the format; ``signing.verify`` checks it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .errors import NoteError
from .fileutil import atomic_write
from .keys import KeyInfo
from .note import parse_checkpoint, split_note

__all__ = [
    "ENTRIES_FILE",
    "CHECKPOINTS_DIR",
    "KEYS_FILE",
    "LOG_FILE",
    "ExportMeta",
    "EntryLine",
    "checkpoint_filename",
    "write_export",
    "read_meta",
    "read_keys",
    "read_checkpoints",
    "iter_entries",
    "count_entries",
]

ENTRIES_FILE = "entries.jsonl"
CHECKPOINTS_DIR = "checkpoints"
KEYS_FILE = "keys.json"
LOG_FILE = "log.json"


@dataclass(frozen=True)
class ExportMeta:
    """``log.json``: the log's origin line and the key that signs its checkpoints."""

    origin: str
    log_key_id: str
    log_name: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class EntryLine:
    """One line of ``entries.jsonl`` as read: ``leaf`` is None when the line is unreadable."""

    line_no: int  # 1-based line number in the file
    index: int | None
    leaf: bytes | None
    raw: bytes
    error: str | None = None


def checkpoint_filename(size: int) -> str:
    """File name of the checkpoint of tree size ``size``."""
    return f"{size:012d}.note"


def write_export(
    directory: Path | str,
    entries_iter: Iterable[bytes | tuple[int, bytes]],
    checkpoints: Iterable[str],
    keys: Iterable[KeyInfo | Mapping[str, Any]],
    meta: ExportMeta | Mapping[str, str],
    progress: bool = True,
    total: int | None = None,
) -> int:
    """Write an export to ``directory`` and return the number of entries written.

    ``entries_iter`` yields leaf bytes in log order (or ``(index, leaf)`` pairs with
    increasing indices; a gap is written as it is, for the verifier to name); it is
    streamed, so a large log needs no memory.
    ``checkpoints`` are signed note texts. Every file is replaced atomically.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cp_dir = directory / CHECKPOINTS_DIR
    cp_dir.mkdir(exist_ok=True)
    if not isinstance(meta, ExportMeta):
        meta = ExportMeta(str(meta["origin"]), str(meta["log_key_id"]), str(meta["log_name"]))

    if total is None and hasattr(entries_iter, "__len__"):
        total = len(entries_iter)  # type: ignore[arg-type]  # an iterable that has __len__ (checked above)
    target = directory / ENTRIES_FILE
    tmp = directory / f".{ENTRIES_FILE}.{os.getpid()}.tmp"
    count = 0
    with (
        open(tmp, "wb") as fh,
        tqdm(total=total, unit="entry", desc="export", disable=not progress, file=sys.stderr) as bar,
    ):
        last = -1
        for item in entries_iter:
            if isinstance(item, tuple):
                # Write the index the store holds, gaps included: the verifier names what is missing.
                index, leaf = item
                if index <= last:
                    raise ValueError(f"entries out of order: got index {index} after {last}")
            else:
                index, leaf = last + 1, item
            last = index
            fh.write(b'{"index":%d,"leaf":"%s"}\n' % (index, base64.b64encode(leaf)))
            count += 1
            if count % 1024 == 0:
                bar.update(1024)
        bar.update(count % 1024)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)

    for note in checkpoints:
        body, _ = split_note(note)
        size = parse_checkpoint(body).size
        atomic_write(cp_dir / checkpoint_filename(size), note.encode("utf-8"))

    items = [k.to_json() if isinstance(k, KeyInfo) else dict(k) for k in keys]
    atomic_write(directory / KEYS_FILE, _json({"items": items}))
    atomic_write(directory / LOG_FILE, _json(meta.to_json()))
    return count


def _json(obj: Any) -> bytes:
    return json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def read_meta(directory: Path | str) -> ExportMeta:
    """Read ``log.json``; ``ValueError`` if it is missing or malformed."""
    path = Path(directory) / LOG_FILE
    try:
        data = json.loads(path.read_bytes())
        return ExportMeta(str(data["origin"]), str(data["log_key_id"]), str(data["log_name"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{LOG_FILE}: cannot read it ({exc})") from exc


def read_keys(directory: Path | str) -> dict[str, KeyInfo]:
    """Read ``keys.json`` into ``{key_id: KeyInfo}``; ``ValueError`` if malformed."""
    path = Path(directory) / KEYS_FILE
    try:
        data = json.loads(path.read_bytes())
        items = data["items"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{KEYS_FILE}: cannot read it ({exc})") from exc
    keys: dict[str, KeyInfo] = {}
    for item in items:
        info = KeyInfo.from_json(item)
        keys[info.key_id] = info
    return keys


def read_checkpoints(directory: Path | str) -> list[tuple[str, str]]:
    """Every ``checkpoints/*.note`` as ``(file name, text)``, sorted by name (= by size)."""
    cp_dir = Path(directory) / CHECKPOINTS_DIR
    if not cp_dir.is_dir():
        return []
    out = []
    for path in sorted(cp_dir.glob("*.note")):
        out.append((path.name, path.read_bytes().decode("utf-8", errors="replace")))
    return out


def iter_entries(directory: Path | str) -> Iterator[EntryLine]:
    """Stream ``entries.jsonl``; a malformed line is yielded with ``error`` set, not raised."""
    path = Path(directory) / ENTRIES_FILE
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            yield _parse_line(line_no, raw)


def _parse_line(line_no: int, raw: bytes) -> EntryLine:
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return EntryLine(line_no, None, None, raw, "line is not JSON")
    if not isinstance(obj, dict):
        return EntryLine(line_no, None, None, raw, "line is not a JSON object")
    index = obj.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        index = None
    leaf_text = obj.get("leaf")
    if not isinstance(leaf_text, str):
        return EntryLine(line_no, index, None, raw, 'line has no "leaf" string')
    try:
        leaf = base64.b64decode(leaf_text, validate=True)
    except (binascii.Error, ValueError):
        return EntryLine(line_no, index, None, raw, "leaf is not base64")
    if index is None:
        return EntryLine(line_no, None, leaf, raw, 'line has no valid "index"')
    return EntryLine(line_no, index, leaf, raw)


def count_entries(directory: Path | str) -> int:
    """Number of lines of ``entries.jsonl`` (for a progress bar), read in large blocks."""
    count = 0
    with open(Path(directory) / ENTRIES_FILE, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
    return count


def checkpoint_size_of(note: str) -> int:
    """Tree size of a checkpoint note, without verifying it (for naming files)."""
    try:
        body, _ = split_note(note)
        return parse_checkpoint(body).size
    except NoteError as exc:
        raise ValueError(f"not a checkpoint note: {exc}") from exc
