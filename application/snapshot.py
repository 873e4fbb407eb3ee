"""Authenticated snapshots of a worker's facts and decision index, for a fast cold start (issue 14.9).

A worker's facts are the log's signed records folded (registry.signed_facts), and deriving the
decision index from 10⁵ authorizations takes tens of seconds. So the first worker that folds the log
writes what it derived, as of a checkpointed log size, to a snapshot file; later workers start from it
and fold only the records logged since. A snapshot can never serve a stale or an edited answer:
- it names the log size N it covers and the root hash of those N leaves, which must equal the root
  the stored tree gives for size N (the size of a signed checkpoint when written), and the records
  after N are folded from the log at every start, so a grant filed or revoked after the snapshot is
  seen;
- it is authenticated with HMAC-SHA-256 under a key kept outside the database (a file beside the
  instance, or `ONEHALL_SNAPSHOT_KEY`), checked before anything in it is read: an edited snapshot is
  refused and the worker folds the whole log instead;
- it names the pack's digest and the code that made it (a hash of the modules whose objects it
  holds); another pack or another build folds the log afresh.
The payload is a pickle of our own objects, read only after its MAC verified (pickle runs code:
never unpickle what is not authenticated). Rule objects are stored by id and re-bound to the pack.
"""
from __future__ import annotations

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
from rules.engine import Engine, _Caches, _SignaturePlan
from rules.pack import Pack, Rule

log = logging.getLogger(__name__)
MAGIC = b"onehall-snapshot/1\n"
MODULES = ("rules/world.py", "rules/index.py", "rules/engine.py", "rules/compiler.py", "registry/signed_facts.py",
           "registry/signed_cases.py", "registry/signed_time.py")


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
        if isinstance(obj, (_SignaturePlan, _Caches)):
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


def write(path: Path, key: bytes, engine: Engine, state: SignedState, *, tree_size: int, root_hash: str) -> int:
    """Write the snapshot of `engine` and `state`, which must both be as of log size `tree_size`."""
    display, state.display = state.display, None
    try:
        with engine._lock:
            st = engine._state
            buf = io.BytesIO()
            _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((st.world, st.index, state))
    finally:
        state.display = display
    payload = buf.getvalue()
    header = json.dumps({"pack_digest": engine.pack.digest, "tree_size": tree_size, "root_hash": root_hash,
                         "code": CODE_VERSION}, sort_keys=True).encode()
    mac = hmac.new(key, MAGIC + header + b"\n" + payload, hashlib.sha256).hexdigest().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + mac + b"\n" + header + b"\n" + payload)
    os.replace(tmp, path)
    return len(payload)


def read_header(path: Path, key: bytes) -> tuple[dict[str, Any], bytes]:
    """The snapshot's header and payload, once its MAC verified; SnapshotRejected otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SnapshotRejected("没有快照") from exc
    if not raw.startswith(MAGIC):
        raise SnapshotRejected("不是 onehall 快照")
    rest = raw[len(MAGIC):]
    mac, _, rest = rest.partition(b"\n")
    header_bytes, _, payload = rest.partition(b"\n")
    expected = hmac.new(key, MAGIC + header_bytes + b"\n" + payload, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(mac, expected):
        raise SnapshotRejected("快照的认证码不符（快照被改动，或密钥不同）")
    header = json.loads(header_bytes)
    if header.get("code") != CODE_VERSION:
        raise SnapshotRejected("快照由另一版本的程序写成")
    return header, payload


def restore(header: dict[str, Any], payload: bytes, pack: Pack) -> tuple[Engine, SignedState]:
    """An engine and folded state as of the snapshot's log size (the caller checked the header)."""
    if header.get("pack_digest") != pack.digest:
        raise SnapshotRejected("快照属于另一版本的规则包")
    enabled = gc.isenabled()
    gc.disable()  # a million small objects: the collector would walk them again and again
    try:
        world, index, state = _Unpickler(io.BytesIO(payload), pack).load()
    finally:
        if enabled:
            gc.enable()
    engine = Engine(pack)
    engine.adopt(world, index)
    return engine, state


# -- a worker's start ------------------------------------------------------------------------------

REFRESH_AFTER = 5000  # records logged past a snapshot before a starting worker writes a newer one


def start_engine(rt, session, pack: Pack) -> tuple[Engine, SignedState, dict[str, Any]]:
    """The engine and folded state of the whole log: from the snapshot and the records after it
    when a valid one exists, else by folding the log (writing a snapshot as of its newest
    checkpoint for the next worker). The third value says which, for logs and tests."""
    from sqlalchemy import func, select

    from registry.ledger import node_getter
    from registry.models import Checkpoint, LogEntry
    from registry.signed_facts import display_from_rows, iter_records
    from signing import merkle

    instance = rt.settings.instance_dir
    path, key = snapshot_path(instance, pack), snapshot_key(instance)
    display = display_from_rows(session)
    last = session.scalar(select(func.max(LogEntry.index)))
    size = 0 if last is None else last + 1
    cp_size = session.scalar(select(func.max(Checkpoint.tree_size))) or 0
    get = node_getter(session)

    def root(n: int) -> str:
        return merkle.root_at(n, get).hex()

    engine = state = None
    info: dict[str, Any] = {"from": "log", "snapshot_size": None, "rejected": None}
    try:
        header, payload = read_header(path, key)
        n = int(header["tree_size"])
        if n > size or root(n) != header["root_hash"]:
            raise SnapshotRejected(f"快照所依据的前 {n} 条日志与登记库中的日志不符")
        engine, state = restore(header, payload, pack)
        state.display = display_from_rows(session, bulk=False)  # only the records after the snapshot
        info.update({"from": "snapshot", "snapshot_size": n})
    except SnapshotRejected as why:
        if path.exists():
            info["rejected"] = str(why)
            log.warning("facts snapshot %s not used: %s", path, why)
    except Exception:  # an unreadable snapshot is no reason not to start: fold the log instead
        log.exception("facts snapshot %s unreadable; folding the whole log", path)
        engine = state = None
    if engine is None:
        state = SignedState(display, keep_records=False)
        state.apply_all(iter_records(session, 0, cp_size))
        engine = Engine(pack)
        engine.load(state.facts())
        _save(path, key, engine, state, cp_size, root)
    elif cp_size - state.size >= REFRESH_AFTER:
        for index, _, record in iter_records(session, state.size, cp_size):
            for change in state.apply(index, record):
                engine.apply(change)
        _save(path, key, engine, state, cp_size, root)
    tail = state.size
    for index, _, record in iter_records(session, state.size):
        for change in state.apply(index, record):
            engine.apply(change)
    info["tail"] = state.size - tail
    return engine, state, info


def _save(path: Path, key: bytes, engine: Engine, state: SignedState, cp_size: int, root) -> None:
    if cp_size == 0 or state.size != cp_size:
        return
    try:
        write(path, key, engine, state, tree_size=cp_size, root_hash=root(cp_size))
    except OSError:  # a read-only instance folder: start without writing one
        log.exception("could not write the facts snapshot %s", path)
