"""What every host of a deployment must share: fixed settings and the keys in custody (§12.5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class DeploymentSetting(Base):
    """A setting fixed at `init` and never changed after (the log origin), or a secret kept
    encrypted for every host (the commitment key)."""

    __tablename__ = "deployment_settings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    fixed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustodyKey(Base):
    """One signing key of a body. `custody` says where its private half is: `database`
    (`sealed`: PKCS#8 encrypted with the deployment passphrase) or `pkcs11` (in the device,
    found by its key id as label). `log_index` is the log record that announced it."""

    __tablename__ = "custody_keys"
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(String(64), index=True)
    alg: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    custody: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log_index: Mapped[int | None] = mapped_column(Integer)
