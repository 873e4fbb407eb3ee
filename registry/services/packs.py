"""Pack publication as a filing: the stored version made the active one, and its record logged.

The application checks the pack (rules/) first; this stores what it checked. Publishing the
active version again changes nothing.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from sqlalchemy import select, update

from registry.models import LogEntry, PackVersion
from registry.services.context import FilingContext


def activate(ctx: FilingContext, *, pack: str, version: str, digest: str, files: dict[str, Any]) -> PackVersion:
    """Make the version with `digest` the active pack (storing it if new) and log its publication,
    its text included, so a worker can check the stored files against what was signed."""
    session = ctx.session
    existing = session.scalar(select(PackVersion).where(PackVersion.digest == digest))
    if existing is not None and existing.active:
        return existing
    session.execute(update(PackVersion).where(PackVersion.active.is_(True)).values(active=False))
    row = existing or PackVersion(
        pack=pack, version=version, digest=digest, files=files, publisher=ctx.actor.name, published_at=ctx.now
    )
    row.active = True
    session.add(row)
    session.flush()
    row.log_index = ctx.log(
        "pack_publication",
        {"pack": pack, "version": version, "digest": digest, "files_gz": packed_files(row.files)},
        ref=row.id,
    ).index
    ctx.changed("pack", row.id)
    return row


def packed_files(files: dict[str, Any]) -> str:
    """The pack's files as the publication record carries them: base64 of gzip (RFC 1952, mtime 0)
    of their JSON object with sorted keys. A pack's text outgrows what one log entry may hold
    (a tlog-tiles entry has a 16-bit length), so it is logged compressed; any verifier can read it
    back with the standard library."""
    raw = json.dumps(files, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")


def unpacked_files(record: dict[str, Any]) -> dict[str, str] | None:
    """The files a publication record carries (compressed, or plain in records logged before), if any."""
    if isinstance(record.get("files_gz"), str):
        files = json.loads(gzip.decompress(base64.b64decode(record["files_gz"])).decode("utf-8"))
        return files if isinstance(files, dict) else None
    files = record.get("files")
    return dict(files) if isinstance(files, dict) else None


def active_publication(session) -> tuple[PackVersion | None, int | None]:
    """The active version as the log states it: the one the newest publication record names (every
    activation is logged), with that record's index; never the rows' `active` flag, so an edited
    flag switches no worker to another pack (docs/design.md §12.3). A registry that logged no
    publication (it signs nothing) has only the flag: (that row, None)."""
    index = session.scalar(
        select(LogEntry.index).where(LogEntry.kind == "pack_publication").order_by(LogEntry.index.desc()).limit(1)
    )
    if index is None:
        return session.scalar(select(PackVersion).where(PackVersion.active.is_(True)).limit(1)), None
    digest = json.loads(bytes(session.get(LogEntry, index).leaf))["record"].get("digest")
    return session.scalar(select(PackVersion).where(PackVersion.digest == digest)), index
