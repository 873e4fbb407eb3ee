"""Pack publication as a filing: the stored version made the active one, and its record logged.

The application checks the pack (rules/) first; this stores what it checked. Publishing the
active version again changes nothing.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from registry.models import PackVersion
from registry.services.context import FilingContext


def activate(ctx: FilingContext, *, pack: str, version: str, digest: str, files: dict[str, Any]) -> PackVersion:
    """Make the version with `digest` the active pack (storing it if new) and log its publication,
    its text included, so a worker can check the stored files against what was signed."""
    session = ctx.session
    existing = session.scalar(select(PackVersion).where(PackVersion.digest == digest))
    if existing is not None and existing.active:
        return existing
    session.execute(update(PackVersion).where(PackVersion.active.is_(True)).values(active=False))
    row = existing or PackVersion(pack=pack, version=version, digest=digest, files=files,
                                  publisher=ctx.actor.name, published_at=ctx.now)
    row.active = True
    session.add(row)
    session.flush()
    row.log_index = ctx.log("pack_publication", {"pack": pack, "version": version, "digest": digest,
                                                 "files": row.files}, ref=row.id).index
    ctx.changed("pack", row.id)
    return row
