"""Configuration from the environment (DESIGN §8)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _instance_dir() -> Path:
    return Path(os.environ.get("ONEHALL_INSTANCE", Path.cwd() / "instance")).resolve()


@dataclass
class Settings:
    instance_dir: Path = field(default_factory=_instance_dir)
    database_url: str | None = None
    database_schema: str | None = None
    key_dir: Path | None = None
    key_passphrase: bytes | None = None
    secret_key: str | None = None
    testing: bool = False
    checkpoint_interval_ms: int = 200
    checkpoint_max_entries: int = 256
    receipt_wait_ms: int = 1000
    log_origin: str = "onehall.xiangtan/log"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls(**overrides)
        s.instance_dir.mkdir(parents=True, exist_ok=True)
        if s.database_url is None:
            s.database_url = os.environ.get("ONEHALL_DATABASE_URL") or f"sqlite:///{s.instance_dir / 'onehall.db'}"
        if s.database_schema is None:
            s.database_schema = os.environ.get("ONEHALL_DATABASE_SCHEMA")
        if s.key_dir is None:
            env_dir = os.environ.get("ONEHALL_KEY_DIR")
            s.key_dir = Path(env_dir) if env_dir else s._beside_database() / "keys"
        if s.key_passphrase is None:
            s.key_passphrase = _passphrase(s.instance_dir)
        if s.secret_key is None:
            s.secret_key = _persistent_secret(s.instance_dir / "secret_key")
        return s

    def _beside_database(self) -> Path:
        url = self.database_url or ""
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url[len("sqlite:///"):]).resolve().parent
        return self.instance_dir


def _passphrase(instance_dir: Path) -> bytes:
    """ONEHALL_KEY_PASSPHRASE, or (for a single demo machine) a generated one kept in the
    instance folder with owner-only permissions."""
    env = os.environ.get("ONEHALL_KEY_PASSPHRASE")
    if env:
        return env.encode()
    return _persistent_secret(instance_dir / "key_passphrase").encode()


def _persistent_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
