"""`onehall backup DIR` and `onehall restore DIR` (docs/design.md §12.5).

A backup is logical: every table of the registry, one gzipped JSON-lines file each, read in
one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite) while the
service runs; `manifest.json` names the schema revision, the row count and SHA-256 of every
file, and the latest checkpoint. Being logical, a backup restores into either backend and
into any schema (another city's database, a new server, SQLite to PostgreSQL).

Restore refuses a database that already holds log entries; it migrates the empty database
to the backup's revision, loads the rows, moves PostgreSQL's id sequences past them, checks
that the restored log still has the root the backed-up checkpoint signed, then migrates to
the current head (a backup of the previous release restores into this one).

Private keys are in the backup as they are in the database: sealed with the deployment
passphrase (keys in an HSM stay in the HSM; back the device up by its own means).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from alembic.migration import MigrationContext
from sqlalchemy import Date, DateTime, LargeBinary, func, select, text
from sqlalchemy.engine import Connection, Engine

from registry import migrate
from registry.db import utcnow
from registry.models import Base, Checkpoint, LogEntry
from registry.ledger import node_getter
from signing import merkle

FORMAT = "onehall-backup/1"
BATCH = 2000


class BackupError(RuntimeError):
    """A backup that cannot be written or restored; the message says why (Chinese)."""


def _encode(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _decoder(column):
    kind = column.type
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def backup(engine: Engine, directory: Path) -> dict[str, Any]:
    """Write every table to `directory` from one snapshot; return the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"备份目录 {directory} 不是空目录")
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1")  # the snapshot starts here
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "revision": _revision(conn),
            "created_at": utcnow().isoformat(),
            "backend": engine.dialect.name,
            "tables": {},
        }
        for table in Base.metadata.sorted_tables:
            path = directory / f"{table.name}.jsonl.gz"
            digest, rows = hashlib.sha256(), 0
            with gzip.open(path, "wt", encoding="utf-8") as out:
                for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                    line = json.dumps(
                        {c.name: _encode(c, row._mapping[c.name]) for c in table.columns},
                        ensure_ascii=False,
                        separators=(",", ":"),
                    )
                    out.write(line + "\n")
                    digest.update(line.encode() + b"\n")
                    rows += 1
            manifest["tables"][table.name] = {"rows": rows, "sha256": digest.hexdigest()}
        latest = conn.execute(
            select(Checkpoint.tree_size, Checkpoint.root_hash, Checkpoint.note)
            .order_by(Checkpoint.tree_size.desc())
            .limit(1)
        ).first()
        manifest["checkpoint"] = None if latest is None else dict(latest._mapping)
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _rows(path: Path, digest) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            digest.update(line.encode())
            yield json.loads(line)


def restore(engine: Engine, directory: Path) -> dict[str, Any]:
    """Load a backup into an empty database, then migrate it to the current head."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} 不是 onehall 备份（manifest.json 无法读取：{exc}）") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式 {manifest.get('format')!r}")
    migrate.upgrade(engine, manifest["revision"] or "head")
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(LogEntry.__table__)).scalar():
            raise BackupError("目标数据库已有日志记录：只能恢复到空数据库（新库或新 schema）")
        for table in Base.metadata.sorted_tables:
            expected = manifest["tables"].get(table.name)
            if expected is None:
                continue
            decoders = {c.name: _decoder(c) for c in table.columns}
            digest, batch, count = hashlib.sha256(), [], 0
            for row in _rows(directory / f"{table.name}.jsonl.gz", digest):
                batch.append({k: decoders[k](v) for k, v in row.items() if k in decoders})
                count += 1
                if len(batch) >= BATCH:
                    conn.execute(table.insert(), batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
            if count != expected["rows"] or digest.hexdigest() != expected["sha256"]:
                raise BackupError(f"备份文件 {table.name} 与清单不符（行数或摘要不同），未恢复任何数据")
            if engine.dialect.name == "postgresql":
                _advance_sequences(conn, table)
        _check_checkpoint(conn, manifest.get("checkpoint"))
    migrate.upgrade(engine)
    return manifest


def _advance_sequences(conn: Connection, table) -> None:
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int and len(table.primary_key.columns) == 1
        ):
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if seq:
                conn.execute(
                    text(
                        f"SELECT setval('{seq}', COALESCE((SELECT max(\"{column.name}\") "
                        f'FROM "{table.name}"), 0) + 1, false)'
                    )
                )


def _check_checkpoint(conn: Connection, checkpoint: dict[str, Any] | None) -> None:
    if not checkpoint:
        return
    from sqlalchemy.orm import Session

    with Session(bind=conn) as session:
        root = merkle.root_at(checkpoint["tree_size"], node_getter(session))
    if root.hex() != checkpoint["root_hash"]:
        raise BackupError("恢复后的日志与备份时签名的检查点不一致，未恢复任何数据")
