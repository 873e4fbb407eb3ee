"""Authenticated snapshots of a worker's facts and decision index, for a fast cold start (issue 14.9),
with every fact proven to come from the signed leaves (issue 13.1; designed together).

A worker's facts are the log's signed records folded (registry.signed_facts), and deriving the
decision index from 10⁵ authorizations takes tens of seconds. So the first worker that folds the log
writes what it derived, as of a checkpointed log size, to a snapshot file; later workers start from it
and fold only the records logged since. A snapshot can never serve a stale or an edited answer:
- it names the log size N it covers and holds the right edge of those N leaves' tree (signing.frontier),
  whose root must equal the root the stored tree gives for size N; the snapshot is only ever written
  at the size of a signed checkpoint, after the leaves folded into it were proven against that
  checkpoint (registry.signed_leaves);
- the records after N are folded from the log at every start (a grant filed or revoked after the
  snapshot is seen), each leaf hashed from its bytes onto that right edge, so the root at the newest
  checkpoint's size is computed from the leaf bytes alone and must be the root that checkpoint's note
  states under a log key (LogTampered otherwise: the worker answers nothing). A leaf edited after the
  snapshot, with or without its stored hashes and tree nodes, is found; a leaf logged after the newest
  checkpoint must match its stored leaf hash, and is proven when a checkpoint covers it (at the next
  refresh, application.policy);
- it is authenticated with HMAC-SHA-256 under a key kept outside the database (a file beside the
  instance, or `ONEHALL_SNAPSHOT_KEY`), checked before anything in it is read: an edited snapshot is
  refused and the worker folds the whole log instead (proving every leaf the same way);
- it names the pack's digest and the code that made it (a hash of the modules whose objects it
  holds); another pack or another build folds the log afresh.
The payload is a pickle of our own objects, read only after its MAC verified (pickle runs code:
never unpickle what is not authenticated). Rule objects are stored by id and re-bound to the pack.
Fact strings are interned when folded (registry.signed_facts), so the pickle holds each code once.
What makes it quick to read back (a worker's first answer at 10⁵ authorizations: 2.6 -> 1.4 s of CPU
from process start, RSS 621 -> 431 MB, issue 14.9): the engine's slotted records pickle as the tuple
of their slots (rules.records._Slotted), alike authorizations share one frozenset of powers and of
items, the lookups derivable from the authorizations (World.backed_by, DecisionIndex.keys_of_auth)
are left out and rebuilt at the next filing of an authorization, and the million objects read go
straight to the collector's oldest generation instead of being walked by its young collections.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import io
import json
import logging
import os
import pickle
from pathlib import Path
from typing import Any

from application.logservice import secret_file
from registry.signed_facts import SignedState
from registry.signed_leaves import LogTampered, ProvenLeaves, Trust
from rules.engine import Engine
from rules.plans import Caches, SignaturePlan
from rules.pack import Pack, Rule
from signing.frontier import Frontier

log = logging.getLogger(__name__)
MAGIC = b"onehall-snapshot/1\n"
MODULES = (
    "rules/world.py",
    "rules/records.py",
    "rules/index.py",
    "rules/engine.py",
    "rules/facts.py",
    "rules/plans.py",
    "rules/compiler.py",
    "registry/signed_facts.py",
    "registry/record_views.py",
    "registry/signed_cases.py",
    "registry/signed_time.py",
)


class SnapshotRejected(Exception):
    """Why a snapshot is not used (the worker then folds the whole log)."""


def _code_version() -> str:
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in MODULES:
        h.update((root / name).read_bytes())
    return h.hexdigest()[:32]


CODE_VERSION = _code_version()


def snapshot_key(instance_dir: Path) -> bytes:
    """The MAC key: `ONEHALL_SNAPSHOT_KEY` (hex), else a random key in a 0600 file of the instance
    folder. Never in the database: whoever can edit the database must not be able to forge one."""
    env = os.environ.get("ONEHALL_SNAPSHOT_KEY")
    if env:
        return bytes.fromhex(env)
    path = Path(instance_dir) / "snapshot.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    return secret_file(path)


def snapshot_path(instance_dir: Path, pack: Pack) -> Path:
    return Path(instance_dir) / "snapshots" / f"facts-{pack.digest[:16]}.snap"


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any):
        if isinstance(obj, Rule):
            return ("rule", obj.id)
        if isinstance(obj, (SignaturePlan, Caches)):
            return ("none",)  # query-path plans: rebuilt on first use
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data, pack: Pack):
        super().__init__(data)
        self._pack = pack

    def persistent_load(self, pid):
        if pid[0] == "rule":
            return self._pack.by_id[pid[1]]
        return None


def write(path: Path, key: bytes, engine: Engine, state: SignedState, proven: Frontier) -> int:
    """Write the snapshot of `engine` and `state`, which must both be as of log size `proven.size`,
    with the right edge of those leaves (proven against a signed checkpoint) to prove the next ones."""
    display, state.display = state.display, None
    leaves, state.leaves = state.leaves, None
    try:
        with engine._lock:
            st = engine._state
            buf = io.BytesIO()
            _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((st.world, st.index, state))
    finally:
        state.display, state.leaves = display, leaves
    payload = buf.getvalue()
    header = json.dumps(
        {
            "pack_digest": engine.pack.digest,
            "tree_size": proven.size,
            "root_hash": proven.root().hex(),
            "frontier": proven.to_json(),
            "code": CODE_VERSION,
        },
        sort_keys=True,
    ).encode()
    mac = hmac.new(key, MAGIC + header + b"\n", hashlib.sha256)
    mac.update(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + mac.hexdigest().encode() + b"\n" + header + b"\n")
        fh.write(payload)
    os.replace(tmp, path)
    return len(payload)


def read_header(path: Path, key: bytes) -> tuple[dict[str, Any], io.BytesIO]:
    """The snapshot's header, and its payload as a file positioned at it, once its MAC verified;
    SnapshotRejected otherwise. The file's bytes are read once and never copied (tens of MB)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SnapshotRejected("没有快照") from exc
    if not raw.startswith(MAGIC):
        raise SnapshotRejected("不是 onehall 快照")
    mac_end = raw.find(b"\n", len(MAGIC))
    header_end = raw.find(b"\n", mac_end + 1)
    if mac_end < 0 or header_end < 0:
        raise SnapshotRejected("快照不完整")
    check = hmac.new(key, MAGIC, hashlib.sha256)
    check.update(memoryview(raw)[mac_end + 1 :])
    if not hmac.compare_digest(raw[len(MAGIC) : mac_end], check.hexdigest().encode()):
        raise SnapshotRejected("快照的认证码不符（快照被改动，或密钥不同）")
    header = json.loads(raw[mac_end + 1 : header_end])
    if header.get("code") != CODE_VERSION:
        raise SnapshotRejected("快照由另一版本的程序写成")
    payload = io.BytesIO(raw)  # shares the bytes
    payload.seek(header_end + 1)
    return header, payload


def restore(header: dict[str, Any], payload: io.BytesIO, pack: Pack) -> tuple[Engine, SignedState]:
    """An engine and folded state as of the snapshot's log size (the caller checked the header)."""
    if header.get("pack_digest") != pack.digest:
        raise SnapshotRejected("快照属于另一版本的规则包")
    enabled = gc.isenabled()
    gc.disable()  # a million small objects: the collector would walk them again and again
    try:
        world, index, state = _Unpickler(payload, pack).load()
        # ...and would walk them all at its next young collection, and again in the middle one, only
        # to find them alive: they go straight to the oldest generation (frozen, then unfrozen into it),
        # collected as before, in a full collection, when they become garbage. In a process that keeps
        # its long-lived heap frozen (a server worker, web.server) they join the frozen heap instead.
        kept_frozen = gc.get_freeze_count() > 0
        gc.freeze()
        if not kept_frozen:
            gc.unfreeze()
    finally:
        if enabled:
            gc.enable()
    engine = Engine(pack)
    engine.adopt(world, index)
    return engine, state


# -- a worker's start ------------------------------------------------------------------------------

REFRESH_AFTER = 5000  # records logged past a snapshot before a starting worker writes a newer one


def log_trust(rt) -> Trust | None:
    """How a worker trusts a checkpoint: its note must carry a valid signature by one of the log's
    keys and state the size and root computed from the leaves. The log keys are the ones the log
    itself proves (registry.custody.log_key_chain: each later log key announced by a record signed
    by an earlier one), not whatever rows the key table holds, and the first of them must be the
    one this host pinned outside the database (log_key_pin): a key row slipped into the database
    signs no checkpoint a worker accepts. Keys held outside the database (a file key store, no key
    records) are trusted as the key store gives them."""
    from registry.custody import log_key_chain
    from registry.ledger import LOG_BODY
    from signing.errors import NoteError
    from signing.note import open_note, parse_checkpoint

    keys, settings = getattr(rt.ledger, "keys", None), getattr(rt.ledger, "settings", None)
    if keys is None or settings is None:
        return None
    origin = settings.origin
    pin = Path(rt.settings.instance_dir) / "log-key.pin"
    known: list[bytes] = []

    def proven_keys() -> list[bytes]:
        with rt.reading() as session:
            chain = log_key_chain(session)
        if not chain:
            return [k.public_key for k in keys.public_keys() if k.body == LOG_BODY and k.alg == "ed25519"]
        first_id, first_key = next(iter(chain.items()))
        if log_key_pin(pin, first_id, first_key) != (first_id, first_key):
            raise LogTampered(f"日志的第一把日志密钥（{first_id}）不是本机记下的那把：日志已被改动或整体替换")
        return list(chain.values())

    def trust(note: str, size: int, root: bytes) -> None:
        for fresh in (False, True):  # a key rotated since we read the chain: read it again
            if fresh or not known:
                known[:] = proven_keys()
            try:
                checkpoint = parse_checkpoint(open_note(note, {origin: list(known)})[0])
                break
            except NoteError as exc:
                if fresh:
                    raise LogTampered(f"树大小 {size} 的检查点没有日志密钥的有效签名（{exc}）：日志已被改动") from exc
        if (checkpoint.origin, checkpoint.size, checkpoint.root) != (origin, size, root):
            raise LogTampered(f"树大小 {size} 的检查点所签的内容与日志不符：日志已被改动")

    return trust


def log_key_pin(path: Path, key_id: str, public_key: bytes) -> tuple[str, bytes]:
    """The first log key this host has seen, kept in `path` (0600, outside the database) from its
    first start on: trust on first use, as SSH keeps a host key. Returns what the file holds."""
    first = json.dumps({"key_id": key_id, "public_key": base64.b64encode(public_key).decode()}).encode()
    held = json.loads(secret_file(path, first))
    return held["key_id"], base64.b64decode(held["public_key"])


def start_engine(rt, session, pack: Pack) -> tuple[Engine, SignedState, dict[str, Any]]:
    """The engine and folded state of the whole log: from the snapshot and the records after it
    when a valid one exists, else by folding the log (writing a snapshot as of its newest
    checkpoint for the next worker). Every leaf folded is proven against the newest signed
    checkpoint (registry.signed_leaves; LogTampered if not). The third value says which, for logs
    and tests."""
    from sqlalchemy import func, select

    from registry.ledger import node_getter
    from registry.models import Checkpoint
    from registry.signed_facts import display_from_rows
    from signing import merkle

    instance = rt.settings.instance_dir
    path, key = snapshot_path(instance, pack), snapshot_key(instance)
    trust = log_trust(rt)
    cp_size = session.scalar(select(func.max(Checkpoint.tree_size))) or 0
    get = node_getter(session)

    engine = state = None
    info: dict[str, Any] = {"from": "log", "snapshot_size": None, "rejected": None}
    try:
        header, payload = read_header(path, key)
        proven = Frontier.from_json(header["frontier"])
        if proven.root().hex() != header["root_hash"]:
            raise SnapshotRejected("快照的右缘哈希与其根哈希不符")
        n = proven.size
        if n > cp_size or merkle.root_at(n, get).hex() != header["root_hash"]:
            raise SnapshotRejected(f"快照所依据的前 {n} 条日志与登记库中的日志不符")
        engine, state = restore(header, payload, pack)
        state.leaves = ProvenLeaves(proven, trust)
        state.display = display_from_rows(session, bulk=False)  # only the records after the snapshot
        info.update({"from": "snapshot", "snapshot_size": n})
    except SnapshotRejected as why:
        if path.exists():
            info["rejected"] = str(why)
            log.warning("facts snapshot %s not used: %s", path, why)
    except Exception:  # an unreadable snapshot is no reason not to start: fold the log instead
        log.exception("facts snapshot %s unreadable; folding the whole log", path)
        engine = state = None
    if engine is None or state is None:
        state = SignedState(display_from_rows(session), keep_records=False)
        state.leaves = ProvenLeaves(trust=trust)
        for index, _, record in state.leaves.records(session, cp_size):
            state.apply(index, record)  # the engine loads the folded facts at once, not change by change
        engine = Engine(pack)
        engine.load(state.facts())
        _save(path, key, engine, state, cp_size)
    elif cp_size - state.size >= REFRESH_AFTER:
        _fold(engine, state, session, cp_size)
        _save(path, key, engine, state, cp_size)
    tail = state.size
    _fold(engine, state, session)
    info["tail"] = state.size - tail
    return engine, state, info


def _fold(engine: Engine, state: SignedState, session, end: int | None = None) -> None:
    """Apply the proven records after the state's size (up to `end`) to the state and the engine."""
    for index, _, record in state.leaves.records(session, end):
        for change in state.apply(index, record):
            engine.apply(change)


def _save(path: Path, key: bytes, engine: Engine, state: SignedState, cp_size: int) -> None:
    leaves = state.leaves
    if cp_size == 0 or state.size != cp_size or leaves.pending or leaves.proven.size != cp_size:
        return  # a snapshot is only ever of leaves proven against a signed checkpoint
    try:
        write(path, key, engine, state, leaves.proven)
    except OSError:  # a read-only instance folder: start without writing one
        log.exception("could not write the facts snapshot %s", path)
