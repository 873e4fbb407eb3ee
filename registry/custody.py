"""Keys in custody, shared by every host of a deployment (docs/design.md §7, §12.3, §12.5).

The signing keys of each body live in the `custody_keys` table: the public half in clear,
the private half as the vault's handle (signing.custody: PKCS#8 sealed with the deployment
passphrase, or the id of a key inside a PKCS#11 token). Every host reads the same rows, so two
hosts sign with one key per body. The commitment key that keys personal data is sealed with
the passphrase in `deployment_settings`.

Key creation and rotation happen under the log's writer lock and are themselves log records
(kind `key`), signed by the log key: the key list can be rebuilt from the log, so a key
swapped into the table is found (`check_against_log`, `onehall keys check`). The log key's
first record is signed by itself; later ones by the log key current after the change.

Same public API as signing.keys.KeyStore (ensure, current, signer, rotate, public_keys,
key_for), plus `signer_in(session, body)`, which the log uses inside its append transaction.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, sessionmaker

from registry.db import transaction, utcnow
from registry.fastsql import run
from registry.models import CustodyKey, DeploymentSetting, LogEntry
from signing.canonical import canonical_json
from signing.custody import Vault, open_secret, seal_secret
from signing.errors import KeyStoreError
from signing.keys import KeyInfo, Signer, key_id_for, verify_signature
from signing.signers import ALG_ED25519, check_alg
from signing.records import parse_leaf
from signing.timeutil import as_utc, to_iso

LOG_BODY = "log"
COMMITMENT = "commitment_key"
CUSTODY_REVISION = "b4d2c6e8f013"  # the migration that made the key table (keys import-files needs no later one)


def _info(row: CustodyKey) -> KeyInfo:
    return KeyInfo(row.key_id, row.alg, row.body, bytes(row.public_key), row.valid_from, row.valid_to)


class CustodyKeyStore:
    def __init__(self, sessions: sessionmaker[Session], vault: Vault, passphrase: bytes) -> None:
        self.sessions = sessions
        self.vault = vault
        self._passphrase = passphrase
        self.ledger: Any = None  # the SignedLog that logs key records (set by its maker)
        self._signers: dict[str, Signer] = {}
        self._mutex = threading.Lock()

    # -- reading ---------------------------------------------------------------------------

    def public_keys(self) -> list[KeyInfo]:
        with self.sessions() as session:
            rows = session.scalars(
                select(CustodyKey).order_by(CustodyKey.body, CustodyKey.valid_from, CustodyKey.key_id)
            )
            return [_info(r) for r in rows]

    def key_for(self, key_id: str) -> KeyInfo | None:
        with self.sessions() as session:
            row = session.get(CustodyKey, key_id)
            return None if row is None else _info(row)

    def current(self, body: str) -> KeyInfo | None:
        with self.sessions() as session:
            row = _current(session, body)
            return None if row is None else _info(row)

    def signer(self, body: str) -> Signer:
        with self.sessions() as session:
            row = _current(session, body)
            if row is None:
                raise KeyStoreError(f"no current key for body {body!r}; create it with ensure()")
            return self._open(row)

    # -- writing (each in the log's writer lock) -----------------------------------------

    def ensure(self, body: str, at: datetime | None = None, alg: str = ALG_ED25519) -> KeyInfo:
        """The current key of `body`, created (of `alg`, and logged) if it has none."""
        found = self.current(body)
        if found is not None:
            return found
        with transaction(self.sessions) as session:
            return _info(self._ensure_row(session, body, at, alg))

    def signer_in(self, session: Session, body: str, at: datetime | None = None) -> Signer:
        """The current signer of `body` as of this transaction (the log's append holds the
        writer lock, so a rotation on another host is either wholly before or after)."""
        found = session.info.setdefault(_SIGNERS, {})  # one read per body per transaction
        if body not in found:
            # The current key's id alone, on the driver; its opened signer is kept (`_signers`).
            rows = run(session, _CURRENT_ID, body=body)
            with self._mutex:
                signer = self._signers.get(rows[0][0]) if rows else None
            found[body] = signer if signer is not None else self._open(self._ensure_row(session, body, at))
        return found[body]

    def rotate(self, body: str, at: datetime | None = None, alg: str | None = None) -> KeyInfo:
        """Retire the current key of `body` at `at` (default now) and make its successor (of
        `alg`, by default the old key's); the old key keeps verifying what it signed before `at`."""
        now = utcnow()
        at = now if at is None else as_utc(at)
        if at > now:
            raise KeyStoreError(f"cannot rotate {body!r} at {to_iso(at)}: that is in the future")
        with transaction(self.sessions) as session:
            self._lock(session)
            old = _current(session, body)
            if old is not None:
                if at < old.valid_from:
                    raise KeyStoreError(
                        f"cannot rotate {body!r} at {to_iso(at)}: before its current key "
                        f"{old.key_id} became valid ({to_iso(old.valid_from)})"
                    )
                old.valid_to = at
                session.flush()
            new_alg = alg or (old.alg if old is not None else ALG_ED25519)
            row = self._create(session, body, at, previous=old, alg=new_alg)
            return _info(row)

    def commitment_key(self) -> bytes:
        """The HMAC key of personal-data commitments, the same on every host (made once)."""
        with self.sessions() as session:
            row = session.get(DeploymentSetting, COMMITMENT)
            if row is not None:
                return open_secret(self._passphrase, base64.b64decode(row.value))
        with transaction(self.sessions) as session:
            return self.commitment_key_in(session)

    def commitment_key_in(self, session: Session) -> bytes:
        row = session.get(DeploymentSetting, COMMITMENT)
        if row is None:
            self._lock(session)
            row = session.get(DeploymentSetting, COMMITMENT)
        if row is None:
            sealed = seal_secret(self._passphrase, secrets.token_bytes(32))
            row = DeploymentSetting(name=COMMITMENT, value=base64.b64encode(sealed).decode(), fixed_at=utcnow())
            session.add(row)
            session.flush()
        return open_secret(self._passphrase, base64.b64decode(row.value))

    # -- internals -------------------------------------------------------------------------

    def _lock(self, session: Session) -> None:
        from registry.ledger import lock_log

        lock_log(session)

    def _ensure_row(self, session: Session, body: str, at: datetime | None, alg: str = ALG_ED25519) -> CustodyKey:
        row = _current(session, body)
        if row is not None:
            return row
        self._lock(session)
        row = _current(session, body)  # another host may have made it while we waited
        if row is not None:
            return row
        if body != LOG_BODY:
            self._ensure_row(session, LOG_BODY, at)  # the log key signs every key record
        return self._create(session, body, as_utc(at) if at is not None else utcnow(), previous=None, alg=alg)

    def _create(
        self, session: Session, body: str, at: datetime, previous: CustodyKey | None, alg: str = ALG_ED25519
    ) -> CustodyKey:
        if not body or any(c.isspace() for c in body):
            raise KeyStoreError(f"invalid body name {body!r}")
        signer, handle = self.vault.generate(body, check_alg(alg))
        row = _add_key_row(
            session, KeyInfo(signer.key_id, signer.alg, body, signer.public_key_raw, at), self.vault.custody, handle
        )
        with self._mutex:
            self._signers[row.key_id] = signer
        if self.ledger is not None:
            event = "rotated" if previous is not None else "created"
            _log_key(self.ledger, session, row, event, None if previous is None else previous.key_id, at)
            session.flush()
        return row

    def _open(self, row: CustodyKey) -> Signer:
        with self._mutex:
            found = self._signers.get(row.key_id)
        if found is None:
            if row.sealed is None:
                raise KeyStoreError(f"key {row.key_id} has no private half in custody")
            found = self.vault.open(row.key_id, row.alg, bytes(row.public_key), bytes(row.sealed))
            with self._mutex:
                self._signers[row.key_id] = found
        return found


def _add_key_row(session: Session, info: KeyInfo, custody: str, sealed: bytes | None) -> CustodyKey:
    """The key's row (the inverse of `_info`), added and flushed."""
    row = CustodyKey(**dataclasses.asdict(info), custody=custody, sealed=sealed, created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def _log_key(
    ledger: Any, session: Session, row: CustodyKey, event: str, previous: str | None, filed_at: datetime, **more: Any
) -> None:
    """The key record announcing `row` in the log (signed by the log key); `more`: fields after valid_from."""
    record = {
        "type": "key",
        "event": event,
        "body": row.body,
        "key_id": row.key_id,
        "alg": row.alg,
        "public_key": base64.b64encode(row.public_key).decode(),
        "valid_from": to_iso(row.valid_from),
        **more,
        "previous": previous,
        "filed_at": to_iso(filed_at),
    }
    row.log_index = ledger.append(session, kind="key", body=LOG_BODY, record=record, ref=row.key_id).index


_SIGNERS = "onehall_custody_signers"  # session.info: this transaction's signer per body


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_signers(session: Session) -> None:
    session.info.pop(_SIGNERS, None)


_CURRENT_ID = (
    select(CustodyKey.key_id)
    .where(CustodyKey.body == bindparam("body"), CustodyKey.valid_to.is_(None))
    .order_by(CustodyKey.valid_from.desc())
    .limit(1)
)


def _current(session: Session, body: str) -> CustodyKey | None:
    return session.scalar(
        select(CustodyKey)
        .where(CustodyKey.body == body, CustodyKey.valid_to.is_(None))
        .order_by(CustodyKey.valid_from.desc())
        .limit(1)
    )


def _proven_key_records(session: Session, problems: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    """The log's key records in order, each checked against the log keys proven before it: the
    first log key announces itself, every later record must be signed by a log key already
    proven. Returns (records by key id, log keys by key id, the first first); problems are appended."""
    records: dict[str, dict[str, Any]] = {}
    log_keys: dict[str, bytes] = {}
    for index, leaf in session.execute(
        select(LogEntry.index, LogEntry.leaf).where(LogEntry.kind == "key").order_by(LogEntry.index)
    ):
        record, sig = parse_leaf(bytes(leaf))
        public = base64.b64decode(record["public_key"])
        if record["body"] == LOG_BODY and not log_keys:
            log_keys[record["key_id"]] = public  # the first log key announces itself
        signer_key = log_keys.get(sig.key_id)
        if signer_key is None or not verify_signature(sig.alg, signer_key, canonical_json(record), sig.value):
            problems.append(f"日志第 {index} 条密钥记录的签名不是日志密钥所签")
            continue
        if record["key_id"] != key_id_for(record["alg"], public):
            problems.append(f"日志第 {index} 条密钥记录的密钥编号与公钥不符")
            continue
        if record["body"] == LOG_BODY:
            log_keys[record["key_id"]] = public
        records[record["key_id"]] = {**record, "log_index": index}
    return records, log_keys


def log_key_chain(session: Session) -> dict[str, bytes]:
    """The Ed25519 log keys (checkpoints are Ed25519 notes) the log itself proves, first key first,
    whatever rows the key table holds:
    what a worker may trust a checkpoint's signature from (docs/design.md §12.3)."""
    records, log_keys = _proven_key_records(session, [])
    return {key_id: public for key_id, public in log_keys.items() if records[key_id]["alg"] == ALG_ED25519}


def check_against_log(session: Session) -> list[str]:
    """Each key row against the key records of the log: the problems found, in Chinese.

    The log's own key records say which keys were created and when; a key row that no record
    announces, or that differs from its record, was put into the database behind the log's back."""
    problems: list[str] = []
    records, _ = _proven_key_records(session, problems)
    for row in session.scalars(select(CustodyKey).order_by(CustodyKey.body, CustodyKey.valid_from)):
        found = records.get(row.key_id)
        if found is None:
            problems.append(f"密钥 {row.key_id}（{row.body}）没有日志记录：可能被私自放入数据库")
        elif (
            found["body"] != row.body
            or base64.b64decode(found["public_key"]) != bytes(row.public_key)
            or found["valid_from"] != to_iso(row.valid_from)
            or found["log_index"] != row.log_index
        ):
            problems.append(f"密钥 {row.key_id}（{row.body}）与日志第 {found['log_index']} 条记录不一致")
    return problems


def import_key_files(store: CustodyKeyStore, directory: Path) -> list[str]:
    """Move a host's key folder (the layout before keys were in custody: keys.json, one
    encrypted PKCS#8 file per key, commitment.key) into the database; each imported key is a
    log record too. Keys already in the table are skipped. Returns the imported key ids."""
    from signing.keys import KeyStore

    if store.vault.custody != "database":
        raise KeyStoreError("只能把文件密钥导入数据库保管（ONEHALL_KEY_STORE=database）；HSM 中的密钥须在设备内生成")
    files = KeyStore(directory, store._passphrase)
    infos = sorted(files.public_keys(), key=lambda k: (k.body != LOG_BODY, k.valid_to is not None, k.valid_from))
    index = {item["key_id"]: item["file"] for item in json.loads((directory / "keys.json").read_text())["keys"]}
    imported: list[str] = []
    with transaction(store.sessions) as session:
        store._lock(session)
        commitment = directory / "commitment.key"
        if commitment.exists():
            existing = session.get(DeploymentSetting, COMMITMENT)
            secret = commitment.read_bytes()
            if existing is None:
                session.add(
                    DeploymentSetting(
                        name=COMMITMENT,
                        fixed_at=utcnow(),
                        value=base64.b64encode(seal_secret(store._passphrase, secret)).decode(),
                    )
                )
                session.flush()
            elif open_secret(store._passphrase, base64.b64decode(existing.value)) != secret:
                raise KeyStoreError("数据库已有另一把承诺密钥（commitment key），不能用文件中的替换")
        for info in infos:
            if session.get(CustodyKey, info.key_id) is not None:
                continue
            pem = (directory / index[info.key_id]).read_bytes()
            store.vault.open(info.key_id, info.alg, info.public_key, pem)  # the passphrase opens it
            row = _add_key_row(session, info, "database", pem)
            valid_to = None if info.valid_to is None else to_iso(info.valid_to)
            _log_key(store.ledger, session, row, "imported", None, utcnow(), valid_to=valid_to)
            imported.append(info.key_id)
    return imported
