"""Settings: one typed object read from the environment (docs/design.md §8, §12.5).

pydantic-settings reads every `ONEHALL_*` variable into `Settings`, checks its type and
says which variable is wrong. `Settings.from_env()` is what a process starts from: with
`ONEHALL_ENV=production` it refuses to start unless the secret key, the key passphrase and
the log origin were given explicitly, and names what is missing in Chinese and English; in
development it generates the secret key and passphrase once into the instance folder.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_LOG_ORIGIN = "onehall.xiangtan/log"  # development only: a deployment names its own (C2SP)

# What production refuses to start without: variable, what it is (zh), (en)
REQUIRED_IN_PRODUCTION = (
    ("ONEHALL_SECRET_KEY", "secret_key", "会话与表单签名密钥", "the secret that signs sessions and forms"),
    ("ONEHALL_KEY_PASSPHRASE", "key_passphrase", "签名密钥加密口令", "the passphrase that encrypts the signing keys"),
    (
        "ONEHALL_LOG_ORIGIN",
        "log_origin",
        "日志来源名（C2SP origin，每个部署唯一，例如 zwfw.xiangtan.gov.cn/onehall/log）",
        "the log origin (C2SP, unique per deployment, e.g. zwfw.xiangtan.gov.cn/onehall/log)",
    ),
)


class MissingSettings(RuntimeError):
    """Production refused to start; the message names each missing variable (zh and en)."""


class Settings(BaseSettings):
    """Every setting of a onehall process; the README's configuration table lists them."""

    model_config = SettingsConfigDict(
        env_prefix="ONEHALL_", extra="ignore", populate_by_name=True, validate_assignment=False
    )

    env: Literal["development", "production"] = "development"
    instance_dir: Path = Field(
        default_factory=lambda: Path.cwd() / "instance",
        validation_alias=AliasChoices("instance_dir", "ONEHALL_INSTANCE"),
    )
    database_url: str | None = None
    database_schema: str | None = None
    key_dir: Path | None = None
    key_passphrase: bytes | None = None
    secret_key: str | None = None
    log_origin: str | None = None
    public_url: str | None = None
    key_store: Literal["database", "pkcs11", "files"] = "database"
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: str | None = None
    trusted_proxies: str = ""
    testing: bool = False
    checkpoint_interval_ms: int = Field(200, ge=1)
    checkpoint_max_entries: int = Field(256, ge=1)
    receipt_wait_ms: int = Field(1000, ge=0)
    log_file: str | None = None
    access_log: str | None = None
    log_retention_days: int = Field(190, ge=180)  # 网络安全法 第二十一条: at least six months
    witness_policy: Path | None = None
    """Trust policy file (signing.policy) whose witnesses the scheduler submits checkpoints to."""
    witness_timeout_ms: int = Field(2000, ge=1)
    _origin_given: bool = PrivateAttr(default=False)

    def model_post_init(self, _context: Any) -> None:
        self._origin_given = bool(self.log_origin)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("ONEHALL_PUBLIC_URL 须以 https:// 开头 / must start with https://")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        parse_trusted_proxies(value)
        return value

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def proxies(self) -> tuple[int, list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
        return parse_trusted_proxies(self.trusted_proxies)

    @classmethod
    def from_env(cls, **overrides: Any) -> "Settings":
        """The process's settings: refuse an incomplete production configuration, then fill in
        what development may generate (a secret key and passphrase kept in the instance folder)."""
        s = cls(**overrides)
        if s.production:
            missing = [row for row in REQUIRED_IN_PRODUCTION if not getattr(s, row[1])]
            if missing:
                raise MissingSettings(refusal(missing))
        s.instance_dir = s.instance_dir.resolve()
        s.instance_dir.mkdir(parents=True, exist_ok=True)
        if s.database_url is None:
            s.database_url = f"sqlite:///{s.instance_dir / 'onehall.db'}"
        if s.key_dir is None:
            s.key_dir = s._beside_database() / "keys"
        if s.key_passphrase is None:
            s.key_passphrase = _persistent_secret(s.instance_dir / "key_passphrase").encode()
        if s.secret_key is None:
            s.secret_key = _persistent_secret(s.instance_dir / "secret_key")
        return s

    @property
    def origin_given(self) -> bool:
        """Whether the log origin was set explicitly (else the database's or the development one)."""
        return self._origin_given

    def _beside_database(self) -> Path:
        url = self.database_url or ""
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url[len("sqlite:///") :]).resolve().parent
        return self.instance_dir


def refusal(missing) -> str:
    lines = [
        "ONEHALL_ENV=production：缺少以下设置，拒绝启动。",
        "ONEHALL_ENV=production: refusing to start; these settings are missing:",
    ]
    for variable, _field, zh, en in missing:
        lines.append(f"  {variable}：{zh} / {en}")
    lines.append(
        "请在环境中明确设置后再启动（见 README 的“配置”一节）。 "
        "Set them explicitly in the environment (README, Configuration)."
    )
    return "\n".join(lines)


def parse_trusted_proxies(value: str) -> tuple[int, list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """ONEHALL_TRUSTED_PROXIES: empty (no proxy), a number of proxy hops in front of every
    request, or a comma list of the proxies' addresses/networks (one hop, believed only when
    the request comes from one of them)."""
    value = (value or "").strip()
    if not value:
        return 0, []
    if value.isdigit():
        return int(value), []
    networks = []
    for part in value.split(","):
        part = part.strip()
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(
                    f"ONEHALL_TRUSTED_PROXIES：{part!r} 不是地址或网段 / not an address or network"
                ) from None
    return 1, networks


def _persistent_secret(path: Path) -> str:
    """A random secret generated once into the instance folder (development machines only)."""
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
