"""Checkpoints cosigned by the witnesses of the trust policy (docs/design.md §12.6), in the background.

The one scheduler runs a witness round each pass: for every witness of the policy that is
not backing off, it submits the checkpoints published since the size that witness last
cosigned, oldest first, each with an RFC 6962 consistency proof from that size (C2SP
tlog-witness add-checkpoint), and keeps the cosignature/v1 lines that verify under the
witness's key. Seal uses never wait for this: receipts carry the checkpoint as the log
signed it, and its cosignatures are served later with it (``cosigned_note``).

A witness that is down or refuses is retried with exponential back-off (1 s doubling to 5
min); its state (size, last success, last error, next try) is kept in ``witness_status``
and shown on the auditor's pages. Witnesses are asked in parallel, one thread each.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from registry.db import utcnow, write_lock
from registry.ledger import node_getter
from registry.models import Checkpoint, CheckpointCosignature, WitnessStatus
from signing import merkle
from signing.cosignature import verify_cosignatures
from signing.errors import NoteError
from signing.policy import PolicyError, TrustPolicy, WitnessKey, parse_policy
from application.witness_client import WitnessTransport

log = logging.getLogger("onehall.witness")
BATCH = 200  # checkpoints per witness per round
BACKOFF_MAX_S = 300


@dataclass
class Outcome:
    """What one witness did this round."""

    witness: str
    url: str
    known_size: int | None
    cosigned: list[tuple[int, str, int]] = field(default_factory=list)  # (size, line, timestamp)
    error: str | None = None
    skipped: bool = False


def load_policy(path) -> TrustPolicy:
    try:
        return parse_policy(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read it ({exc})") from exc


class Witnessing:
    """The witness rounds of one scheduler process: the policy and a connection per witness."""

    def __init__(self, rt, policy: TrustPolicy, timeout_s: float = 2.0) -> None:
        self.rt = rt
        self.witnesses = [w for w in policy.witnesses if w.url]
        self.transports = {w.name: WitnessTransport(w.url, timeout_s) for w in self.witnesses}
        self._pool = ThreadPoolExecutor(max(1, len(self.witnesses)), thread_name_prefix="witness")

    @classmethod
    def from_settings(cls, rt) -> "Witnessing | None":
        path = getattr(rt.settings, "witness_policy", None)
        if not path:
            return None
        timeout = getattr(rt.settings, "witness_timeout_ms", 2000) / 1000
        return cls(rt, load_policy(path), timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for t in self.transports.values():
            t.close()

    def run(self, now: datetime | None = None) -> dict:
        """One round; a summary for the scheduler's pass result."""
        now = now or utcnow()
        with self.rt.reading() as session:
            rows = {r.witness: (r.size, r.next_try_at, r.failures) for r in session.scalars(select(WitnessStatus))}
        futures = []
        for w in self.witnesses:
            size, next_try, _ = rows.get(w.name, (None, None, 0))
            if next_try is not None and _aware(next_try) > now:
                futures.append(None)
                continue
            futures.append(self._pool.submit(self._one, w, size))
        outcomes = [
            f.result() if f is not None else Outcome(w.name, w.url or "", None, skipped=True)
            for w, f in zip(self.witnesses, futures)
        ]
        self._record(outcomes, {k: v[2] for k, v in rows.items()}, now)
        return {
            o.witness: {
                "cosigned": [c[0] for c in o.cosigned][-5:],
                "size": o.known_size,
                "error": o.error,
                "backing_off": o.skipped,
            }
            for o in outcomes
        }

    # -- one witness ---------------------------------------------------------------------

    def _one(self, w: WitnessKey, known: int | None) -> Outcome:
        out = Outcome(w.name, w.url or "", known)
        transport = self.transports[w.name]
        try:
            with self.rt.reading() as session:
                pending = list(
                    session.execute(
                        select(Checkpoint.tree_size, Checkpoint.note)
                        .where(Checkpoint.tree_size > (known or 0))
                        .order_by(Checkpoint.tree_size)
                        .limit(BATCH)
                    )
                )
                latest = session.scalar(select(func.max(Checkpoint.tree_size)))
                get = node_getter(session)
                for size, note in pending:
                    if out.known_size is not None and size <= out.known_size:
                        continue
                    if not self._submit(transport, w, size, note, latest, get, out):
                        break
        except Exception as exc:  # down, timed out, a broken answer: retried after a back-off
            out.error = f"无法完成提交（{type(exc).__name__}: {exc}）"
        if out.error:
            log.warning("witness %s (%s): %s", w.name, w.url, out.error)
        return out

    def _submit(self, transport, w: WitnessKey, size: int, note: str, latest, get, out: Outcome) -> bool:
        for _ in range(2):  # a second try after a 409 told us the witness's size
            old = out.known_size or 0
            if old > size:
                return True  # the witness is past this checkpoint already
            proof = merkle.consistency_proof(old, size, get) if 0 < old < size else []
            answer = transport.add_checkpoint(old, proof, note)
            if answer.status == 200:
                return self._accept(w, size, note, answer.body, out)
            told = answer.known_size
            if told is not None and told != old:
                if latest is not None and told > latest:
                    out.error = (
                        f"见证人记录的本日志大小为 {told}，超过本日志已发布的检查点 {latest}（日志被截断或另有分叉）"
                    )
                    return False
                out.known_size = told
                continue
            out.error = f"见证人拒绝（HTTP {answer.status}）：{answer.body.strip()[:200]}"
            return False
        out.error = "见证人两次报告不同的已知大小"
        return False

    def _accept(self, w: WitnessKey, size: int, note: str, body: str, out: Outcome) -> bool:
        kept = []
        for line in body.splitlines(keepends=True):
            try:
                found = verify_cosignatures(note + line, {w.name: w.public_key})
            except NoteError:
                found = []
            kept += [(size, line, c.timestamp) for c in found]
        if not kept:
            out.error = "见证人的应答中没有可用其公钥核验的副署"
            return False
        out.cosigned.append(kept[0])
        out.known_size = size
        return True

    # -- storing -------------------------------------------------------------------------

    def _record(self, outcomes: list[Outcome], failures: dict[str, int], now: datetime) -> None:
        """One short write: each witness's status, and the cosignatures not stored yet.

        Core statements, not the ORM's unit of work: this write is on the round's clock.
        """
        done = [o for o in outcomes if not o.skipped]
        if not done:
            return
        status, cosigs = WitnessStatus.__table__, CheckpointCosignature.__table__
        with self.rt.sessions() as session, session.begin():
            conn = write_lock(session)
            known = set(conn.scalars(select(status.c.witness).where(status.c.witness.in_([o.witness for o in done]))))
            sizes = {c[0] for o in done for c in o.cosigned}
            have = (
                set(conn.execute(select(cosigs.c.tree_size, cosigs.c.witness).where(cosigs.c.tree_size.in_(sizes))))
                if sizes
                else set()
            )
            rows = []
            for o in done:
                values = {"url": o.url, "size": o.known_size}
                if o.cosigned or not o.error:
                    values["last_ok_at"] = now
                if o.error:
                    n = failures.get(o.witness, 0) + 1
                    values.update(
                        failures=n,
                        last_error=o.error,
                        last_error_at=now,
                        next_try_at=now + timedelta(seconds=min(BACKOFF_MAX_S, 2 ** (n - 1))),
                    )
                else:
                    values.update(failures=0, next_try_at=None)
                if o.witness in known:
                    conn.execute(status.update().where(status.c.witness == o.witness).values(**values))
                else:
                    conn.execute(status.insert().values(witness=o.witness, **{"failures": 0, **values}))
                rows += [
                    {
                        "tree_size": size,
                        "witness": o.witness,
                        "line": line,
                        "received_at": now,
                        "signed_at": datetime.fromtimestamp(ts, timezone.utc),
                    }
                    for size, line, ts in o.cosigned
                    if (size, o.witness) not in have
                ]
            if rows:
                conn.execute(cosigs.insert(), rows)


def cosignature_lines(session, tree_size: int) -> list[str]:
    """The cosignature lines received for the checkpoint of ``tree_size``, by witness name."""
    return list(
        session.scalars(
            select(CheckpointCosignature.line)
            .where(CheckpointCosignature.tree_size == tree_size)
            .order_by(CheckpointCosignature.witness)
        )
    )


def cosigned_note(session, cp: Checkpoint) -> str:
    """The checkpoint note with the cosignatures received for it (signed-note lines appended)."""
    return cp.note + "".join(cosignature_lines(session, cp.tree_size))


def configured_policy(rt) -> tuple[TrustPolicy | None, str | None]:
    """The deployment's trust policy (ONEHALL_WITNESS_POLICY), or None; and why it is unreadable."""
    path = getattr(rt.settings, "witness_policy", None)
    if not path:
        return None, None
    try:
        return load_policy(path), None
    except PolicyError as exc:
        return None, str(exc)


def witness_rows(session) -> list[WitnessStatus]:
    return list(session.scalars(select(WitnessStatus).order_by(WitnessStatus.witness)))


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
